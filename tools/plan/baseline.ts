/**
 * `--baseline <ref>`: the stack planned at a git ref and in the working tree, then diffed. The ref
 * is checked out in a temporary git worktree (so the working tree is never touched) that shares
 * this checkout's node_modules; it is removed afterwards, also when the plan fails or the process is
 * interrupted.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { transpilePolicyPack } from "../policy/build";
import { knownStacks, REPO_ROOT } from "../stack/projectConfig";
import { diffPlans, PlanDiff } from "./diff";
import { renderDiff } from "./diffReport";
import { codeQualityReport, terraformReport } from "./gitlabReports";
import { EXIT, PlanError } from "./exitCodes";
import { PlanOptions, PlanResult, runPlan } from "./index";
import { POLICY_PACK_DIR } from "./policy";
import { silentProgress } from "./progress";

export interface Worktree {
    /** The project directory inside the worktree. */
    readonly projectDir: string;
    /** Full commit id the ref resolved to. */
    readonly commit: string;
}

function git(cwd: string, args: readonly string[]): string {
    return execFileSync("git", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }).trim();
}

function gitError(error: any): string {
    return String(error?.stderr ?? error?.message ?? error).trim();
}

/**
 * Removes the worktree when this process dies without doing it itself (Ctrl-C, kill -9): a detached
 * shell that waits for the process to go away. A JavaScript signal handler cannot do this job: the
 * offline evaluation keeps the event loop busy with promise callbacks, so a handled SIGINT would wait
 * for the plan to finish, and Ctrl-C would seem ignored.
 */
function startJanitor(top: string, dir: string): ChildProcess {
    const script = [
        'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
        'git -C "$2" worktree remove --force "$3" >/dev/null 2>&1',
        'rm -rf "$3"',
        'git -C "$2" worktree prune >/dev/null 2>&1',
    ].join("\n");
    const janitor = spawn("sh", ["-c", script, "plan-baseline-janitor", String(process.pid), top, dir], { detached: true, stdio: "ignore" });
    janitor.unref();
    return janitor;
}

/**
 * Runs `fn` with `ref` checked out in a temporary worktree of the repository holding `projectDir`.
 * Throws a PlanError (EXIT.baseline) naming the ref when it cannot be resolved or checked out.
 */
export async function withWorktree<T>(ref: string, projectDir: string, fn: (worktree: Worktree) => Promise<T>): Promise<T> {
    let top: string;
    let commit: string;
    try {
        top = git(projectDir, ["rev-parse", "--show-toplevel"]);
    } catch (error) {
        throw new PlanError(`--baseline needs a git checkout: ${projectDir} is not in one (${gitError(error)})`, EXIT.baseline);
    }
    try {
        commit = git(projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    } catch {
        throw new PlanError(`--baseline ${ref}: no such commit, branch or tag in this repository (fetch it first, e.g. git fetch origin ${ref})`, EXIT.baseline);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-baseline-"));
    const janitor = startJanitor(top, dir);
    const remove = () => {
        try {
            git(top, ["worktree", "remove", "--force", dir]);
        } catch {
            // Not registered (checkout failed) or already gone: the directory and prune below suffice.
        }
        fs.rmSync(dir, { recursive: true, force: true });
        try {
            git(top, ["worktree", "prune"]);
        } catch {
            // Nothing to prune.
        }
        janitor.kill();
    };
    try {
        try {
            git(top, ["worktree", "add", "--detach", "--quiet", dir, commit]);
        } catch (error) {
            throw new PlanError(`--baseline ${ref}: could not check out ${commit} in a temporary worktree: ${gitError(error)}`, EXIT.baseline);
        }
        const baselineProject = path.join(dir, path.relative(top, projectDir));
        // The baseline runs with this checkout's dependencies (the same SDK instance must evaluate both).
        for (const modules of ["node_modules", path.join("policy", "node_modules")]) {
            const source = path.join(projectDir, modules);
            const target = path.join(baselineProject, modules);
            if (fs.existsSync(source) && fs.existsSync(path.dirname(target)) && !fs.existsSync(target)) {
                fs.symlinkSync(source, target, "dir");
            }
        }
        buildBaselinePack(baselineProject, ref, commit);
        return await fn({ projectDir: baselineProject, commit });
    } finally {
        remove();
    }
}

/**
 * The baseline's policy pack, compiled as `npm ci` would have (its bin/ is git-ignored), but only
 * transpiled: without it the pack would start from TypeScript with a full type check, about two
 * seconds more for every baseline plan.
 */
function buildBaselinePack(baselineProject: string, ref: string, commit: string): void {
    const packDir = path.join(baselineProject, POLICY_PACK_DIR);
    if (!fs.existsSync(path.join(packDir, "tsconfig.json")) || fs.existsSync(path.join(packDir, "bin"))) {
        return;
    }
    try {
        transpilePolicyPack(packDir);
    } catch (error: any) {
        throw new PlanError(`--baseline ${ref}: the policy pack at ${commit.slice(0, 12)} does not compile: ${error?.message ?? error}`, EXIT.baseline);
    }
}

export interface DiffRunOptions extends PlanOptions {
    /** Git ref to compare with (branch, tag, commit). */
    readonly baseline: string;
}

export interface DiffRunResult {
    readonly head: PlanResult;
    /** Absent when the stack does not exist at the baseline. */
    readonly base?: PlanResult;
    readonly diff: PlanDiff;
    /** diff.json's text (what `--json` prints with --baseline), secrets scrubbed. */
    readonly json: string;
    /** The readable diff (diff.txt), secrets scrubbed. */
    readonly text: string;
    /** Files written next to the plan's (relative to its output folder). */
    readonly files: readonly string[];
}

/** The diff's files in the plan's output folder (removed with the plan's by clearPlanFiles). */
export const DIFF_FILES = {
    json: "diff.json",
    text: "diff.txt",
    terraform: "gitlab-terraform-report.json",
    codeQuality: "gitlab-code-quality.json",
} as const;

function atBaseline(error: unknown, ref: string): never {
    if (error instanceof PlanError) {
        throw new PlanError(`At the baseline ${ref}: ${error.message}`, error.code);
    }
    throw error;
}

/**
 * Plans the stack at `baseline` and in the working tree and diffs the two. Overrides, the program
 * entry point and the output folder apply to the working tree's plan only: the baseline is planned
 * as committed and writes nothing.
 */
export async function runPlanDiff(options: DiffRunOptions): Promise<DiffRunResult> {
    const projectDir = options.projectDir ?? REPO_ROOT;
    const progress = options.progress ?? silentProgress;
    const base = await withWorktree(options.baseline, projectDir, async (worktree) => {
        if (!knownStacks(worktree.projectDir).includes(options.stack)) {
            progress.note(`stack ${options.stack} does not exist at ${options.baseline}: everything is added`);
            return { commit: worktree.commit, result: undefined };
        }
        progress.note(`planning stack ${options.stack} at ${options.baseline} (${worktree.commit.slice(0, 12)})`);
        const result = await runPlan({
            stack: options.stack,
            projectDir: worktree.projectDir,
            outDir: false,
            budgetOverride: options.budgetOverride,
            skipPolicy: options.skipPolicy,
            progress,
        }).catch((error) => atBaseline(error, options.baseline));
        return { commit: worktree.commit, result };
    });
    progress.note(`planning stack ${options.stack} in the working tree`);
    const head = await runPlan(options);
    const side = (r: PlanResult) => ({ document: r.document, resources: r.evaluation.resources, redactor: r.redactor });
    const diff = diffPlans(base.result && side(base.result), side(head), { ref: options.baseline, commit: base.commit });
    // Both runs' secrets: a value only the baseline knew (a rotated one) must not leak either.
    const scrub = (text: string) => head.redactor.scrub(base.result ? base.result.redactor.scrub(text) : text);
    const json = scrub(`${JSON.stringify(diff, null, 2)}\n`);
    const text = scrub(renderDiff(diff));
    const files: string[] = [];
    if (head.outDir) {
        const contents: Record<string, string> = {
            [DIFF_FILES.json]: json,
            [DIFF_FILES.text]: text,
            [DIFF_FILES.terraform]: `${JSON.stringify(terraformReport(diff))}\n`,
            [DIFF_FILES.codeQuality]: scrub(`${JSON.stringify(codeQualityReport(diff, projectDir), null, 2)}\n`),
        };
        for (const [file, content] of Object.entries(contents)) {
            fs.writeFileSync(path.join(head.outDir, file), content);
            files.push(file);
        }
    }
    return { head, base: base.result, diff, json, text, files };
}
