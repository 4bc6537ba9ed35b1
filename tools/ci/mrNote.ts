/**
 * The merge-request note of a pipeline's plan diffs: one note per pipeline, found again by a marker
 * in its body and updated in place when the job runs again (a retry, a re-run of the pipeline),
 * never posted twice.
 *
 *     ts-node tools/ci/mrNote.ts out/plan
 *
 * reads every `<stack>/diff.json` + `diff.txt` under the folder (the plan-diff jobs' artifacts), so
 * it needs no list of stacks. GitLab's CI variables say where: CI_API_V4_URL, CI_PROJECT_ID,
 * CI_MERGE_REQUEST_IID, CI_PIPELINE_ID (and CI_COMMIT_SHORT_SHA, CI_PIPELINE_URL for the text);
 * the token is GITLAB_API_TOKEN (Reporter role, `api` scope). Without the token it says so and
 * exits 0: the diffs are in the job artifacts either way.
 */
import * as fs from "fs";
import * as path from "path";

/** GitLab's note limit is 1,000,000 characters; stay well below with several stacks. */
const MAX_DIFF_CHARS = 150_000;

export function marker(pipelineId: string): string {
    return `<!-- ai-platform plan-diff pipeline=${pipelineId} -->`;
}

export interface StackDiff {
    readonly stack: string;
    readonly summary: string;
    readonly text: string;
}

/** The stacks' diffs found under `dir` (`<stack>/diff.json`), sorted by stack. */
export function readDiffs(dir: string): StackDiff[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "diff.json")))
        .map((e) => {
            const json = JSON.parse(fs.readFileSync(path.join(dir, e.name, "diff.json"), "utf8")) as { stack: string; summary: string };
            const textFile = path.join(dir, e.name, "diff.txt");
            return { stack: json.stack, summary: json.summary, text: fs.existsSync(textFile) ? fs.readFileSync(textFile, "utf8") : "" };
        })
        .sort((a, b) => a.stack.localeCompare(b.stack));
}

export interface NoteContext {
    readonly pipelineId: string;
    readonly commit?: string;
    readonly pipelineUrl?: string;
}

export function composeNote(diffs: readonly StackDiff[], context: NoteContext): string {
    const lines = [marker(context.pipelineId), "### Offline plan diff against the merge base", ""];
    const where = [context.commit ? `commit ${context.commit}` : "", context.pipelineUrl ? `[pipeline](${context.pipelineUrl})` : `pipeline ${context.pipelineId}`]
        .filter(Boolean).join(", ");
    lines.push(`${where}. Evaluated offline: no cluster, no state, no credentials. Full diffs in the jobs' artifacts (\`out/plan/<stack>/diff.txt\`).`, "");
    if (diffs.length === 0) {
        lines.push("No plan diff was produced: see the `plan-diff` jobs' logs.");
    }
    for (const d of diffs) {
        lines.push(`- \`${d.summary}\``);
    }
    for (const d of diffs) {
        const text = d.text.length > MAX_DIFF_CHARS ? `${d.text.slice(0, MAX_DIFF_CHARS)}\n… (truncated; the artifact has all of it)\n` : d.text;
        // A fence longer than any backtick run in the text, so the diff cannot close it.
        const fence = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
        lines.push("", `<details><summary>${d.stack}</summary>`, "", `${fence}text`, text.trimEnd(), fence, "", "</details>");
    }
    return `${lines.join("\n")}\n`;
}

export interface NoteTarget {
    /** e.g. https://gitlab.example.com/api/v4 */
    readonly apiUrl: string;
    readonly projectId: string;
    readonly mergeRequestIid: string;
    readonly token: string;
}

interface Note {
    readonly id: number;
    readonly body: string;
}

async function request(target: NoteTarget, method: string, suffix: string, body?: string): Promise<Response> {
    const url = `${target.apiUrl.replace(/\/$/, "")}/projects/${encodeURIComponent(target.projectId)}/merge_requests/${encodeURIComponent(target.mergeRequestIid)}/notes${suffix}`;
    const response = await fetch(url, {
        method,
        headers: { "PRIVATE-TOKEN": target.token, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        body: body !== undefined ? JSON.stringify({ body }) : undefined,
    });
    return response;
}

async function check(response: Response, what: string): Promise<Response> {
    if (!response.ok) {
        throw new Error(`${what}: GitLab answered ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    return response;
}

/** Every note of the merge request (GitLab pages them; x-next-page is empty on the last page). */
async function listNotes(target: NoteTarget): Promise<Note[]> {
    const notes: Note[] = [];
    for (let page = "1"; page !== "";) {
        const response = await check(await request(target, "GET", `?per_page=100&page=${page}&sort=asc&order_by=created_at`), "listing the merge request's notes");
        notes.push(...(await response.json() as Note[]));
        page = response.headers.get("x-next-page") ?? "";
    }
    return notes;
}

/** Creates the pipeline's note, or updates it when a note with the same marker exists. */
export async function upsertNote(target: NoteTarget, pipelineId: string, body: string): Promise<{ action: "created" | "updated"; id: number }> {
    const existing = (await listNotes(target)).find((n) => n.body.includes(marker(pipelineId)));
    if (existing) {
        const response = await request(target, "PUT", `/${existing.id}`, body);
        // Someone else's note quoting the marker cannot be edited with this token: post ours.
        if (response.status !== 403) {
            await check(response, "updating the note");
            return { action: "updated", id: existing.id };
        }
    }
    const created = await check(await request(target, "POST", "", body), "posting the note");
    return { action: "created", id: ((await created.json()) as Note).id };
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const dir = argv[0] ?? path.join("out", "plan");
    const required = ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "CI_PIPELINE_ID"];
    const absent = required.filter((k) => !env[k]);
    if (absent.length > 0) {
        process.stderr.write(`mr-note: not a merge-request pipeline (${absent.join(", ")} unset): no note\n`);
        return 0;
    }
    const diffs = readDiffs(dir);
    const body = composeNote(diffs, { pipelineId: env.CI_PIPELINE_ID!, commit: env.CI_COMMIT_SHORT_SHA, pipelineUrl: env.CI_PIPELINE_URL });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "note.md"), body);
    if (!env.GITLAB_API_TOKEN) {
        process.stdout.write("GITLAB_API_TOKEN is not set: not posting a merge-request note (the diffs are in the job artifacts).\n");
        return 0;
    }
    try {
        const result = await upsertNote({
            apiUrl: env.CI_API_V4_URL!, projectId: env.CI_PROJECT_ID!, mergeRequestIid: env.CI_MERGE_REQUEST_IID!, token: env.GITLAB_API_TOKEN,
        }, env.CI_PIPELINE_ID!, body);
        process.stdout.write(`${result.action === "created" ? "Posted" : "Updated"} note ${result.id} on merge request !${env.CI_MERGE_REQUEST_IID} (${diffs.length} stacks).\n`);
    } catch (error) {
        // The note is a convenience: the diffs and the reports are what the pipeline publishes.
        process.stdout.write(`WARNING: could not post the merge-request note: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2), process.env).then((code) => process.exit(code), (error) => {
        process.stderr.write(`mr-note: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    });
}
