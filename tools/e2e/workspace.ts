/**
 * A throw-away copy of the project for one stack of the e2e tier, and the Pulumi CLI run in it.
 *
 * `pulumi config set --secret` writes into Pulumi.<stack>.yaml (ciphertext and a salt), so the tier
 * never runs in the repository itself: it copies the program, its stack file and the policy pack
 * into a temporary directory, links node_modules, and keeps the state in a file backend there.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../stack/projectConfig";
import { Toolchain } from "./toolchain";

/** What the program and the policy pack need; tests, tools and docs stay behind. */
const PROJECT_ENTRIES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "components", "policy"];

export interface PulumiResult {
    readonly args: readonly string[];
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

export interface Workspace {
    readonly stack: string;
    /** The project copy (where Pulumi.yaml is). */
    readonly dir: string;
    /** File backend directory: the stack's state files. */
    readonly stateDir: string;
    /** Environment every Pulumi command of this workspace runs with. */
    readonly env: NodeJS.ProcessEnv;
    /** Runs `pulumi <args>` in the workspace; never throws on a non-zero exit. */
    pulumi(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<PulumiResult>;
    /** Like pulumi(), but throws naming the command and its output when it fails. */
    pulumiOk(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<PulumiResult>;
    /** Removes the workspace (state included). */
    remove(): void;
}

export interface WorkspaceOptions {
    readonly stack: string;
    readonly toolchain: Toolchain;
    /** Extra environment for every command (GITLAB_TOKEN, NODE_EXTRA_CA_CERTS …). */
    readonly env?: NodeJS.ProcessEnv;
    /** Parent directory; default the system temp directory. */
    readonly parent?: string;
    /** Every command's output is appended here too. */
    readonly logFile?: string;
}

export function createWorkspace(options: WorkspaceOptions): Workspace {
    const root = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), `ai-platform-e2e-${options.stack}-`));
    const dir = path.join(root, "project");
    const stateDir = path.join(root, "state");
    fs.mkdirSync(dir);
    fs.mkdirSync(stateDir);
    for (const entry of PROJECT_ENTRIES) {
        fs.cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), {
            recursive: true,
            // The compiled policy pack (policy/bin) refuses to start when a source looks newer than it.
            preserveTimestamps: true,
            filter: (source) => !source.split(path.sep).includes("node_modules"),
        });
    }
    fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${options.stack}.yaml`), path.join(dir, `Pulumi.${options.stack}.yaml`));
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");

    const { toolchain } = options;
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        PATH: `${toolchain.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64url"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // Every plugin must come from the toolchain; a download attempt is a failure, not a fallback.
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The toolchain's bin directory is on PATH for the language host; its resource plugin
        // binaries must still be used as installed (`pulumi plugin install`), not picked up from PATH.
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        // npm test type-checks this exact code; the tier spends its time on the engine instead.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        ...(toolchain.pulumiHome ? { PULUMI_HOME: toolchain.pulumiHome } : {}),
    };

    const run = (args: readonly string[], runOptions: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
        new Promise<PulumiResult>((resolve, reject) => {
            const started = Date.now();
            const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
                cwd: dir,
                env: { ...env, ...runOptions.env },
                stdio: ["pipe", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
            child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
            child.on("error", reject);
            child.on("close", (code) => {
                const result = { args, code: code ?? -1, stdout, stderr, seconds: (Date.now() - started) / 1000 };
                if (options.logFile) {
                    fs.appendFileSync(options.logFile,
                        `\n$ pulumi ${args.join(" ")}   # exit ${result.code}, ${result.seconds.toFixed(1)} s\n${stdout}${stderr}`);
                }
                resolve(result);
            });
            child.stdin.end(runOptions.input ?? "");
        });

    return {
        stack: options.stack,
        dir,
        stateDir,
        env,
        pulumi: run,
        async pulumiOk(args, runOptions) {
            const result = await run(args, runOptions);
            if (result.code !== 0) {
                throw new Error(`pulumi ${args.join(" ")} failed (exit ${result.code}):\n${failureSummary(result)}`);
            }
            return result;
        },
        remove() {
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
}

/**
 * What a failed command reported, without the preview's resource listing around it: the error
 * and mandatory-policy lines (each with the line after it, the policy's message), then the tail.
 */
export function failureSummary(result: PulumiResult, maxLines = 40): string {
    const lines = `${result.stdout}\n${result.stderr}`.split("\n");
    const picked: string[] = [];
    lines.forEach((line, i) => {
        if (/error:|\[mandatory\]|failed/i.test(line)) {
            picked.push(line, ...(lines[i + 1]?.startsWith("      ") ? [lines[i + 2] ?? ""] : []));
        }
    });
    const tail = lines.filter((l) => l.trim() !== "").slice(-8);
    return [...new Set([...picked, "…", ...tail])].slice(0, maxLines).join("\n");
}
