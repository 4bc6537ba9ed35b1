/**
 * The `release` CI job's second half: pushes the stack file `npm run release` edited, through
 * GitLab's REST API (@gitbeaker/rest), so the normal pipeline reviews and deploys it.
 *
 *     ts-node tools/release/push.ts out/release/<stack>/release.json
 *
 * - dev- and staging-tier stacks: one commit straight to `develop` (whose pipeline deploys staging);
 * - prod-tier stacks: a branch `release/<product>/<stack>/<tag or switch-color>` started at exactly
 *   the commit that was planned, and a merge request to `main` whose description is the plan diff.
 * Lost updates are refused by GitLab itself: the commit names the file's last commit as this
 * pipeline saw it (`last_commit_id`), so a stack file changed on the branch since then fails the
 * push with a message saying to trigger the release again.
 *
 * GitLab's CI variables say where: CI_SERVER_URL, CI_PROJECT_ID, CI_COMMIT_SHA, CI_COMMIT_BRANCH
 * (and CI_PIPELINE_URL for the text); the token is RELEASE_GITLAB_TOKEN (docs/ci.md).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Gitlab } from "@gitbeaker/rest";

/** release.json as tools/release/index.ts writes it (the fields this step uses). */
export interface ReleaseRecord {
    readonly product: string;
    readonly stack: string;
    readonly tier: string;
    readonly action: "release" | "switch" | "rollback";
    readonly track: string;
    readonly key: string;
    readonly from: string;
    readonly to: string;
    readonly changed: boolean;
    readonly file: string;
    readonly fields: ReadonlyArray<{ object: string; path: string; old?: unknown; new?: unknown; secret?: boolean }>;
    readonly summary?: string;
    readonly diffText?: string;
    readonly exitCode: number;
}

export interface PushContext {
    /** GitLab's base URL, e.g. https://gitlab.example.com (gitbeaker appends /api/v4). */
    readonly serverUrl: string;
    readonly projectId: string;
    readonly token: string;
    /** The commit the pipeline checked out and planned against. */
    readonly commitSha: string;
    /** The branch of the pipeline (the trigger's ref). */
    readonly branch: string;
    /** The repository checkout holding the edited file. */
    readonly repoDir: string;
    readonly pipelineUrl?: string;
}

export type PushOutcome =
    | { readonly kind: "nothing"; readonly message: string }
    | { readonly kind: "commit"; readonly branch: string; readonly commit: string; readonly message: string }
    | { readonly kind: "merge-request"; readonly branch: string; readonly commit: string; readonly iid: number; readonly webUrl: string; readonly message: string };

export class PushError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PushError";
    }
}

/** Where a stack of this tier is released to. */
export function targetBranch(tier: string): "develop" | "main" {
    return tier === "prod" ? "main" : "develop";
}

export function releaseBranch(r: ReleaseRecord): string {
    return `release/${r.product}/${r.stack}/${r.action === "release" ? r.to : `${r.action}-${r.to}`}`;
}

export function releaseTitle(r: ReleaseRecord): string {
    return r.action === "release"
        ? `Release ${r.product} ${r.to} to ${r.stack}${r.track === "stable" ? "" : ` (${r.track})`}`
        : `${r.action === "switch" ? "Switch" : "Roll back"} ${r.product} on ${r.stack} to ${r.to}`;
}

function value(v: unknown): string {
    return v === undefined ? "(absent)" : JSON.stringify(v);
}

/** The merge request's description: the change, the fields it changes in the cluster, the plan diff. */
export function releaseDescription(r: ReleaseRecord, pipelineUrl?: string): string {
    const text = (r.diffText ?? "").trimEnd();
    // A fence longer than any backtick run in the text, so the diff cannot close it.
    const fence = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    const lines = [
        `\`${r.file}\`: \`${r.key}\` ${r.from === "" ? "(unset)" : `\`${r.from}\``} → \`${r.to}\`` +
            `${pipelineUrl ? ` (from [the release pipeline](${pipelineUrl}))` : ""}.`,
        "",
        "Changes in the cluster (offline plan diff against the commit this branch starts at):",
        "",
        ...(r.fields.length === 0 ? ["- none"] : r.fields.map((f) => `- ${f.object}: \`${f.path}\` ${f.secret ? "(secret)" : `${value(f.old)} → ${value(f.new)}`}`)),
        "",
        ...(r.summary ? [`\`${r.summary}\``, ""] : []),
        "<details><summary>Plan diff</summary>", "", `${fence}text`, text, fence, "", "</details>",
        "",
        "Merging deploys it through `main`'s pipeline (`preview:prod`, then the manual `deploy:prod`).",
    ];
    return `${lines.join("\n")}\n`;
}

function git(cwd: string, args: readonly string[]): string {
    return execFileSync("git", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }).trim();
}

/** gitbeaker throws GitbeakerRequestError with `cause.response` and `cause.description`. */
function failure(error: unknown): { status?: number; description: string } {
    const cause = (error as { cause?: { response?: { status?: number }; description?: unknown } })?.cause;
    return {
        status: cause?.response?.status,
        description: typeof cause?.description === "string" ? cause.description : String((error as Error)?.message ?? error),
    };
}

function explain(error: unknown, what: string, r: ReleaseRecord, branch: string): PushError {
    const f = failure(error);
    let reason = `GitLab answered ${f.status ?? "no response"}: ${f.description}`;
    if (f.status === 400 && /changed since you started editing/i.test(f.description)) {
        reason = `${r.file} changed on ${branch} after the commit this pipeline planned: nothing was pushed. Trigger the release again (it plans against the new commit)`;
    } else if (f.status === 400 && /already exists/i.test(f.description)) {
        reason = `the branch ${branch} already exists: this release is already open (see its merge request). Delete the branch to release again`;
    } else if (f.status === 409) {
        reason = `a merge request for ${branch} is already open: ${f.description}`;
    } else if (f.status === 401) {
        reason = "RELEASE_GITLAB_TOKEN was rejected (expired or revoked?)";
    } else if (f.status === 403) {
        reason = `RELEASE_GITLAB_TOKEN may not do this (${f.description}): it needs the Developer role for release branches and merge requests, and the right to push to develop (Maintainer by default)`;
    }
    return new PushError(`${what}: ${reason}`);
}

/** Pushes the edited stack file. Throws a PushError whose message says what to do. */
export async function pushRelease(r: ReleaseRecord, ctx: PushContext): Promise<PushOutcome> {
    if (!r.changed) {
        return { kind: "nothing", message: `Nothing to push: ${r.key} on stack ${r.stack} is already ${r.to}.` };
    }
    if (r.exitCode !== 0) {
        throw new PushError(`the release's plan failed (exit ${r.exitCode}): nothing to push`);
    }
    const base = targetBranch(r.tier);
    if (ctx.branch !== base) {
        throw new PushError(`stack ${r.stack} is a ${r.tier}-tier stack, released through ${base}, but this pipeline runs on ${ctx.branch || "no branch"}: ` +
            `trigger it with ref ${base} so the plan is made against what ${base} holds`);
    }
    const file = path.join(ctx.repoDir, r.file);
    const filePath = path.relative(git(ctx.repoDir, ["rev-parse", "--show-toplevel"]), file).split(path.sep).join("/");
    const lastCommitId = git(ctx.repoDir, ["log", "-1", "--format=%H", ctx.commitSha, "--", filePath]);
    const content = fs.readFileSync(file, "utf8");
    const api = new Gitlab({ host: ctx.serverUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, ""), token: ctx.token, queryTimeout: 60_000 });
    const message = `${releaseTitle(r)}\n\n${r.key}: ${r.from || "(unset)"} -> ${r.to} (npm run release${ctx.pipelineUrl ? `, ${ctx.pipelineUrl}` : ""})\n`;
    const actions = [{ action: "update" as const, filePath, content, lastCommitId }];

    if (base === "develop") {
        try {
            const commit = await api.Commits.create(ctx.projectId, base, message, actions);
            return { kind: "commit", branch: base, commit: String(commit.id), message: `Pushed ${String(commit.id).slice(0, 12)} to ${base}: its pipeline deploys it.` };
        } catch (error) {
            throw explain(error, `pushing to ${base}`, r, base);
        }
    }
    const branch = releaseBranch(r);
    let commitId: string;
    try {
        const commit = await api.Commits.create(ctx.projectId, branch, message, actions, { startSha: ctx.commitSha });
        commitId = String(commit.id);
    } catch (error) {
        throw explain(error, `creating ${branch}`, r, branch);
    }
    try {
        const mr = await api.MergeRequests.create(ctx.projectId, branch, base, releaseTitle(r), {
            description: releaseDescription(r, ctx.pipelineUrl), removeSourceBranch: true,
        });
        return {
            kind: "merge-request", branch, commit: commitId, iid: Number(mr.iid), webUrl: String(mr.web_url),
            message: `Opened merge request !${mr.iid} (${branch} → ${base}): ${mr.web_url}`,
        };
    } catch (error) {
        throw explain(error, `opening the merge request of ${branch}`, r, branch);
    }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const recordFile = argv[0];
    if (!recordFile || !fs.existsSync(recordFile)) {
        process.stderr.write(`release-push: ${recordFile ?? "(no argument)"}: no release.json (run npm run release first)\n`);
        return 2;
    }
    const absent = ["CI_SERVER_URL", "CI_PROJECT_ID", "CI_COMMIT_SHA", "RELEASE_GITLAB_TOKEN"].filter((k) => !env[k]);
    if (absent.length > 0) {
        process.stderr.write(`release-push: ${absent.join(", ")} not set: ${absent.includes("RELEASE_GITLAB_TOKEN")
            ? "RELEASE_GITLAB_TOKEN is a protected, masked CI/CD variable scoped to the release environment (docs/ci.md); protected refs only"
            : "this runs in a GitLab CI job"}\n`);
        return 1;
    }
    const record = JSON.parse(fs.readFileSync(recordFile, "utf8")) as ReleaseRecord;
    try {
        const outcome = await pushRelease(record, {
            serverUrl: env.CI_SERVER_URL!, projectId: env.CI_PROJECT_ID!, token: env.RELEASE_GITLAB_TOKEN!, commitSha: env.CI_COMMIT_SHA!,
            branch: env.CI_COMMIT_BRANCH ?? "", repoDir: process.cwd(), pipelineUrl: env.CI_PIPELINE_URL,
        });
        process.stdout.write(`${outcome.message}\n`);
        return 0;
    } catch (error) {
        if (error instanceof PushError) {
            process.stderr.write(`release-push: ${error.message}\n`);
            return 1;
        }
        throw error;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), process.env).then((code) => process.exit(code), (error) => {
        process.stderr.write(`release-push: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
