"use strict";
/**
 * A ts-node transpiler (ts-node's `transpiler` option, transpile-only mode) that keeps TypeScript's
 * output on disk. Every `npm run plan`, bench, release, e2e driver and mocha process transpiled the
 * same couple of hundred files again: about 2.3 s of CPU in a prod plan of 5.8 s. The output is a pure
 * function of the TypeScript version, the compiler options, the file's base name and its text, so an
 * entry is keyed by a hash of exactly those and is never stale: an edited file gets a new key, an
 * unchanged one is read back. ts-node rewrites the source map's file and sources to the full path
 * afterwards, which is why the directory is not part of the key: a copy of the repository (the tests
 * make some) shares the entries of the original.
 *
 * Plain JavaScript, because ts-node loads it before it can compile anything. It calls
 * `ts.transpileModule`, as ts-node does in this mode for a CommonJS project; a file with syntax errors
 * is never cached, so ts-node reports its diagnostics on every run.
 *
 * Cache directory: $AI_PLATFORM_TRANSPILE_CACHE ("off" disables the cache), else
 * $XDG_CACHE_HOME/ai-platform/transpiled, else ~/.cache/ai-platform/transpiled. Entries written more
 * than 30 days ago are removed, at most once a day; a removed entry costs one transpile.
 */
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const DAY_MS = 24 * 3600 * 1000;
const PRUNE_AFTER_MS = 30 * DAY_MS;
const PRUNE_EVERY_MS = DAY_MS;
/** Compiler options that name where files live but do not change what one file transpiles to. */
const LOCATION_OPTIONS = new Set(["configFilePath", "outDir"]);

/** @returns {string | undefined} */
function cacheDirectory() {
    const env = process.env;
    const configured = env.AI_PLATFORM_TRANSPILE_CACHE;
    if (configured === "off") {
        return undefined;
    }
    if (configured) {
        return path.resolve(configured);
    }
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "ai-platform", "transpiled");
}

/** Removes entries older than `PRUNE_AFTER_MS`, unless that was done less than a day ago. */
function pruneOccasionally(dir, now = Date.now()) {
    const marker = path.join(dir, ".pruned");
    try {
        if (now - fs.statSync(marker).mtimeMs < PRUNE_EVERY_MS) {
            return;
        }
    } catch {
        // no marker yet: prune now
    }
    try {
        fs.writeFileSync(marker, "");
        for (const name of fs.readdirSync(dir)) {
            const file = path.join(dir, name);
            if (name.endsWith(".json") && now - fs.statSync(file).mtimeMs > PRUNE_AFTER_MS) {
                fs.rmSync(file, { force: true });
            }
        }
    } catch {
        // another process pruned at the same moment: what it removed costs one transpile
    }
}

/** The part of the compiler options that decides the output, as a stable string. */
function optionsKey(compilerOptions) {
    const kept = Object.keys(compilerOptions).filter((k) => !LOCATION_OPTIONS.has(k)).sort();
    return JSON.stringify(kept.map((k) => [k, compilerOptions[k]]));
}

/**
 * Transpiles one file through the cache: what `transpile` below does for ts-node, also used to build
 * a policy pack without type checking (tools/policy/build.ts).
 * @param {typeof import("typescript")} ts
 * @param {Record<string, unknown>} compilerOptions
 * @param {{ fileName: string, nodeModuleEmitKind?: string, dir?: string | undefined }} where
 * @param {string} input
 */
function transpileCached(ts, compilerOptions, where, input) {
    const dir = where.dir;
    const entry = dir && path.join(dir, `${crypto.createHash("sha256")
        .update(`${ts.version}\0${optionsKey(compilerOptions)}\0${where.nodeModuleEmitKind ?? ""}`)
        .update("\0").update(path.basename(where.fileName)).update("\0").update(input).digest("hex")}.json`);
    if (entry) {
        try {
            return JSON.parse(fs.readFileSync(entry, "utf8"));
        } catch {
            // not cached yet, or cut short by a killed process: transpile it
        }
    }
    const result = ts.transpileModule(input, { fileName: where.fileName, compilerOptions, reportDiagnostics: true });
    const output = { outputText: result.outputText, sourceMapText: result.sourceMapText };
    if (result.diagnostics && result.diagnostics.length > 0) {
        return { ...output, diagnostics: result.diagnostics };
    }
    if (entry) {
        // Written whole under another name, then renamed: a reader never sees half an entry.
        const partial = `${entry}.${process.pid}.partial`;
        try {
            fs.writeFileSync(partial, JSON.stringify(output));
            fs.renameSync(partial, entry);
        } catch {
            fs.rmSync(partial, { force: true });
        }
    }
    return output;
}

/** The cache directory, created (and pruned) on first use; undefined when disabled or not writable. */
function usableCacheDirectory() {
    let dir = cacheDirectory();
    if (dir) {
        try {
            fs.mkdirSync(dir, { recursive: true });
            pruneOccasionally(dir);
        } catch {
            dir = undefined; // a cache that cannot be written is no cache, not an error
        }
    }
    return dir;
}

/**
 * ts-node's transpiler factory.
 * @param {{ service: { config: { options: Record<string, unknown> }, projectLocalResolveHelper: (name: string, relative: boolean) => string }, nodeModuleEmitKind?: string }} createOptions
 * @returns {{ transpile(input: string, options: { fileName: string }): { outputText: string, sourceMapText?: string, diagnostics?: unknown[] } }}
 */
function create(createOptions) {
    const { service, nodeModuleEmitKind } = createOptions;
    const compilerOptions = service.config.options;
    // ts-node creates a transpiler for every module kind it might need; most are never used, so the
    // set-up waits for the first file.
    let state;
    return {
        transpile(input, { fileName }) {
            state ??= { ts: require(service.projectLocalResolveHelper("typescript", true)), dir: usableCacheDirectory() };
            return transpileCached(state.ts, compilerOptions, { fileName, nodeModuleEmitKind, dir: state.dir }, input);
        },
    };
}

module.exports = { create, transpileCached, usableCacheDirectory, pruneOccasionally };
