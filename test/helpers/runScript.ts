/** Runs one of the repository's TypeScript entry points in a child Node process, as a user would. */
import { spawn } from "child_process";
import * as path from "path";

const REGISTER = path.join(__dirname, "..", "..", "tools", "typescript", "register.js");

export interface ScriptRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** `node -r tools/typescript/register.js <script> <args>` in `cwd` with exactly `env`. */
export function runScript(script: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ScriptRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", REGISTER, script, ...args], {
            cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}
