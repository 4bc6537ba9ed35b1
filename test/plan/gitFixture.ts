/**
 * A throw-away git repository holding a copy of this project (its tracked and untracked, not
 * ignored files) committed on `main`, with this checkout's node_modules linked in: the baseline
 * tests change its working tree and plan against `main`, never touching the real checkout.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../helpers/stacks";

export interface GitFixture {
    readonly dir: string;
    git(...args: string[]): string;
    /** Rewrites a file of the working tree; fails when `edit` changes nothing (a stale fixture). */
    edit(file: string, edit: (text: string) => string): void;
    /** Back to `main` exactly (working tree and untracked files). */
    reset(): void;
    remove(): void;
}

export function gitFixture(): GitFixture {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-git-fixture-"));
    const git = (...args: string[]) => execFileSync("git", [
        "-c", "init.defaultBranch=main", "-c", "user.name=plan-test", "-c", "user.email=plan-test@example.invalid",
        "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", ...args,
    ], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }).trim();
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\0").filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    git("init", "-q");
    // .gitignore's `node_modules/` matches directories only, not this link.
    fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), "/node_modules\n");
    git("add", "-A");
    git("commit", "-q", "--no-verify", "-m", "baseline");
    return {
        dir,
        git,
        edit(file, edit) {
            const full = path.join(dir, file);
            const before = fs.readFileSync(full, "utf8");
            const after = edit(before);
            if (after === before) {
                throw new Error(`the fixture edit of ${file} changed nothing`);
            }
            fs.writeFileSync(full, after);
        },
        reset() {
            git("checkout", "-q", "--force", "main");
            git("clean", "-q", "-fd");
        },
        remove() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
