/**
 * The engine runs the pack's compiled JavaScript (package.json `main` is `bin/index.js`, built by
 * `npm run policy:build`, which `npm ci` and `npm test` run). A policy edited since the last build
 * would otherwise be checked with its old code without anyone noticing, so the compiled pack refuses
 * to start while any TypeScript source is newer than its output, naming the file and the command.
 * Where the sources are not shipped next to the output, there is nothing to compare and nothing to do.
 */
import * as fs from "fs";
import * as path from "path";

/** Source files under `sourceDir` (without `outDir` and node_modules) whose output is missing or older. */
export function staleSources(sourceDir: string, outDir: string): string[] {
    const stale: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (full !== outDir && entry.name !== "node_modules") {
                    walk(full);
                }
            } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                const output = path.join(outDir, path.relative(sourceDir, full)).replace(/\.ts$/, ".js");
                const built = fs.statSync(output, { throwIfNoEntry: false });
                if (!built || built.mtimeMs < fs.statSync(full).mtimeMs) {
                    stale.push(path.relative(sourceDir, full));
                }
            }
        }
    };
    walk(sourceDir);
    return stale.sort();
}

/** Throws when the running compiled pack is older than its sources (no-op when run from TypeScript). */
export function assertBuiltFromCurrentSources(entryFile: string): void {
    if (!entryFile.endsWith(".js")) {
        return;
    }
    const outDir = path.dirname(entryFile);
    const sourceDir = path.dirname(outDir);
    if (!fs.existsSync(path.join(sourceDir, "index.ts"))) {
        return;
    }
    const stale = staleSources(sourceDir, outDir);
    if (stale.length > 0) {
        throw new Error(
            `The compiled policy pack in ${path.basename(outDir)}/ is older than ${stale.slice(0, 5).join(", ")}` +
            `${stale.length > 5 ? ` and ${stale.length - 5} more` : ""}: run \`npm run policy:build\` (or \`npm ci\`) and try again.`);
    }
}
