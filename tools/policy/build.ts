/**
 * Builds a policy pack's JavaScript without type checking: what `npm run policy:build` (tsc -p policy)
 * writes, file for file, through the transpile cache. A baseline checked out by `--baseline` has no
 * bin/ (it is git-ignored), and the engine's run-policy-pack would then load the pack's TypeScript
 * with a full type check: two extra seconds of every baseline plan, for code that was type-checked
 * when it was committed. A syntax error still stops the build, naming the file.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const cache: {
    transpileCached(typescript: typeof ts, options: ts.CompilerOptions, where: { fileName: string; dir?: string }, input: string):
        { outputText: string; sourceMapText?: string; diagnostics?: ts.Diagnostic[] };
    usableCacheDirectory(): string | undefined;
} = require("../typescript/cachedTranspiler.js");

/** Writes `<outDir>/**.js` (and source maps) for every source of `<packDir>/tsconfig.json`; returns how many. */
export function transpilePolicyPack(packDir: string): number {
    const configFile = path.join(packDir, "tsconfig.json");
    const problems: ts.Diagnostic[] = [];
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
        ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => problems.push(d),
    });
    if (!parsed || problems.length > 0 || parsed.errors.length > 0) {
        throw new Error(`${configFile}: ${formatted([...problems, ...(parsed?.errors ?? [])])}`);
    }
    const outDir = parsed.options.outDir;
    if (!outDir) {
        throw new Error(`${configFile} sets no compilerOptions.outDir, so there is nowhere to write the pack's JavaScript`);
    }
    const dir = cache.usableCacheDirectory();
    const sources = parsed.fileNames.filter((f) => !f.endsWith(".d.ts"));
    for (const fileName of sources) {
        const out = cache.transpileCached(ts, parsed.options, { fileName, dir }, fs.readFileSync(fileName, "utf8"));
        if (out.diagnostics && out.diagnostics.length > 0) {
            throw new Error(formatted(out.diagnostics));
        }
        const js = path.join(outDir, path.relative(packDir, fileName)).replace(/\.ts$/, ".js");
        fs.mkdirSync(path.dirname(js), { recursive: true });
        fs.writeFileSync(js, out.outputText);
        if (out.sourceMapText) {
            // tsc's maps name the source relative to the output; the cached one only knows the base name.
            const map = JSON.parse(out.sourceMapText);
            map.file = path.basename(js);
            map.sources = [path.relative(path.dirname(js), fileName)];
            fs.writeFileSync(`${js}.map`, JSON.stringify(map));
        }
    }
    return sources.length;
}

function formatted(diagnostics: readonly ts.Diagnostic[]): string {
    return ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n",
    }).trim();
}
