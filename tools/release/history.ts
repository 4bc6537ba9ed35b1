/**
 * The stack file's git history, for --rollback: which color was live before the current one, and
 * which tag it ran then. Read with `git log` / `git show` on Pulumi.<stack>.yaml, newest first, so a
 * rollback means "back to what ran before the last switch", not merely "the other color".
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { parseYamlText } from "../stack/files";
import type { Color } from "../../components/products/settings";
import type { PreviousColor } from "./target";

function git(cwd: string, args: readonly string[]): string {
    return execFileSync("git", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/**
 * The newest committed version of the stack file whose live color differs from `live`, with that
 * color's tag in that version. undefined: no commit has another live color (or no git history).
 */
export function previousLiveColor(projectDir: string, stack: string, fullKeys: { activeColor: string; blue: string; green: string }, live: Color): PreviousColor | undefined {
    let top: string;
    try {
        top = git(projectDir, ["rev-parse", "--show-toplevel"]).trim();
    } catch {
        return undefined;
    }
    const file = path.relative(top, path.join(projectDir, `Pulumi.${stack}.yaml`)).split(path.sep).join("/");
    const commits = git(top, ["log", "--format=%H", "--", file]).split("\n").filter((c) => c !== "");
    let newer = "the working tree";
    for (const commit of commits) {
        const config = (parseYamlText(git(top, ["show", `${commit}:${file}`]), `${file} at ${commit.slice(0, 12)}`) as { config?: Record<string, unknown> } | null)?.config ?? {};
        const color = config[fullKeys.activeColor];
        if ((color === "blue" || color === "green") && color !== live) {
            const tag = config[color === "blue" ? fullKeys.blue : fullKeys.green];
            return { color, tag: typeof tag === "string" ? tag : String(tag ?? ""), commit: newer === "the working tree" ? newer : newer.slice(0, 12) };
        }
        newer = commit;
    }
    return undefined;
}
