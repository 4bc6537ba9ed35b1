/**
 * Helpers for driving gitlab-ci-local (pinned devDependency) against a copy of `.gitlab-ci.yml`.
 *
 * gitlab-ci-local only *lists* or *previews* here (`--list-json`, `--preview`): no job
 * is executed, so neither Docker nor the network is needed. It always writes a `.gitlab-ci-local/`
 * state folder into its working directory, so every run happens in a throw-away git repository
 * under the OS temp dir, never in the checkout.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const CI_FILE = path.join(REPO_ROOT, ".gitlab-ci.yml");

const gclPackageJson = require.resolve("gitlab-ci-local/package.json", { paths: [REPO_ROOT] });
const gclPackage = JSON.parse(fs.readFileSync(gclPackageJson, "utf8")) as { version: string; bin: string | Record<string, string> };
export const GCL_VERSION: string = gclPackage.version;
export const GCL_BIN: string = path.join(
    path.dirname(gclPackageJson),
    typeof gclPackage.bin === "string" ? gclPackage.bin : gclPackage.bin["gitlab-ci-local"],
);

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command without a shell; never rejects on a non-zero exit (the code is returned). */
export function run(
    file: string,
    args: readonly string[],
    opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        execFile(
            file,
            [...args],
            { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 32 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000 },
            (error, stdout, stderr) => {
                if (error && typeof (error as NodeJS.ErrnoException).code !== "number") {
                    // Spawn failure or timeout, not an exit status.
                    reject(new Error(`${file} ${args.join(" ")} failed to run: ${error.message}\n${stderr}`));
                    return;
                }
                const code = error ? Number((error as NodeJS.ErrnoException).code) : 0;
                resolve({ code, stdout: String(stdout), stderr: String(stderr) });
            },
        );
    });
}

/** The environment gitlab-ci-local runs with: no colours, and none of the GCL_* settings of whoever runs the tests. */
function gclEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith("GCL_")) env[key] = value;
    }
    env.FORCE_COLOR = "0";
    env.NO_COLOR = "1";
    return env;
}

const tempDirs: string[] = [];

/**
 * Creates a temporary git repository (branch `main`, one commit) holding `files`.
 * Removed by `removeTempRepos()`.
 */
export function makeTempRepo(prefix: string, files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    tempDirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    const git = (...args: string[]) =>
        execFileSync(
            "git",
            [
                "-c", "init.defaultBranch=main",
                "-c", "user.name=pipeline-test",
                "-c", "user.email=pipeline-test@example.invalid",
                "-c", "commit.gpgsign=false",
                "-c", "core.hooksPath=/dev/null",
                ...args,
            ],
            { cwd: dir, stdio: "pipe" },
        );
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "--no-verify", "-m", "fixture");
    return dir;
}

/** Creates an empty temporary directory, removed by `removeTempRepos()`. */
export function makeTempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

export function removeTempRepos(): void {
    for (const dir of tempDirs.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A pipeline-creating event, expressed as the predefined variables GitLab would set. */
export interface CiEvent {
    /** Variables to set (`--variable KEY=value`). */
    variables: Record<string, string>;
    /** Predefined variables gitlab-ci-local derives from the local git checkout that GitLab would not set for this event. */
    unset: readonly string[];
}

/**
 * Runs gitlab-ci-local in `cwd` (a temp repo).
 * `--home` points into the temp repo so a developer's ~/.gitlab-ci-local/variables.yml cannot leak in;
 * `--ignore-predefined-vars` silences the (stdout!) warning about overriding CI_PIPELINE_SOURCE & co.
 */
export function gitlabCiLocal(cwd: string, args: readonly string[], event?: CiEvent): Promise<RunResult> {
    const eventArgs: string[] = [];
    if (event) {
        const keys = [...Object.keys(event.variables), ...event.unset];
        eventArgs.push("--ignore-predefined-vars", keys.join(","));
        for (const [key, value] of Object.entries(event.variables)) eventArgs.push("--variable", `${key}=${value}`);
        for (const key of event.unset) eventArgs.push("--unset-variable", key);
    }
    return run(process.execPath, [GCL_BIN, "--home", path.join(cwd, ".gcl-home"), ...args, ...eventArgs], {
        cwd,
        env: gclEnv(),
    });
}

/**
 * Listing flags. The schema is validated by the `--preview` runs (see the test); skipping it in the
 * many per-event listings saves about a third of each run's CPU time.
 */
const LIST_FLAGS = ["--json-schema-validation=false"];

/** One entry of `--list-json` (4.72.0: name, description, stage, when, allow_failure, needs, rules). */
export interface ListedJob {
    name: string;
    stage: string;
    when: string;
    allow_failure: boolean | { exit_codes: number | number[] };
    needs?: unknown;
    rules?: unknown;
}

function fail(what: string, result: RunResult): never {
    throw new Error(`gitlab-ci-local ${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
}

/** `--list-json`: every job, `when: never` included. */
export async function listJson(cwd: string, event: CiEvent): Promise<ListedJob[]> {
    const result = await gitlabCiLocal(cwd, ["--list-json", ...LIST_FLAGS], event);
    if (result.code !== 0) fail("--list-json", result);
    // Warnings, if any, are printed before the array: start at the line that opens it.
    const start = result.stdout.search(/^\[/m);
    if (start < 0) fail("--list-json (no JSON array in the output)", result);
    return JSON.parse(result.stdout.slice(start)) as ListedJob[];
}

/** Runs `items` through `fn`, at most `limit` at a time (2-core machines: keep node start-ups bounded). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}
