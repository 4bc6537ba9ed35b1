/**
 * The on-disk transpile cache every TypeScript process of the tools and tests loads through
 * tools/typescript/register.js: an entry per (TypeScript version, compiler options, base name, text),
 * TypeScript's own output, never a stale one, and errors still reported by ts-node.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const cache: {
    create(options: object): { transpile(input: string, options: { fileName: string }): { outputText: string; sourceMapText?: string; diagnostics?: unknown[] } };
    pruneOccasionally(dir: string, now?: number): void;
} = require("../../tools/typescript/cachedTranspiler.js");

const ROOT = path.join(__dirname, "..", "..");
const REGISTER = path.join(ROOT, "tools", "typescript", "register.js");
const DAY_MS = 24 * 3600 * 1000;

function projectOptions(): ts.CompilerOptions {
    const file = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    return ts.parseJsonConfigFileContent(file.config, ts.sys, ROOT).options;
}

describe("transpile cache (tools/typescript)", () => {
    let dir: string;
    let saved: string | undefined;
    const options = projectOptions();
    const transpiler = (compilerOptions: ts.CompilerOptions = options) => cache.create({
        service: { config: { options: compilerOptions }, projectLocalResolveHelper: (name: string) => require.resolve(name) },
    });
    const entries = () => fs.readdirSync(dir).filter((n) => n.endsWith(".json"));
    const source = "export const answer: number = 42;\nexport function twice(n: number): number { return 2 * n; }\n";

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "transpile-cache-"));
        saved = process.env.AI_PLATFORM_TRANSPILE_CACHE;
        process.env.AI_PLATFORM_TRANSPILE_CACHE = dir;
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.AI_PLATFORM_TRANSPILE_CACHE;
        else process.env.AI_PLATFORM_TRANSPILE_CACHE = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes TypeScript's own output on the first transpile and reads it from disk on the next", () => {
        const fileName = path.join(ROOT, "components", "example.ts");
        const first = transpiler().transpile(source, { fileName });
        const expected = ts.transpileModule(source, { fileName, compilerOptions: options });
        assert.strictEqual(first.outputText, expected.outputText);
        assert.strictEqual(first.sourceMapText, expected.sourceMapText);
        assert.match(first.outputText, /exports\.answer = 42;/);
        assert.strictEqual(entries().length, 1);

        // Proof that the second answer comes from the entry, not from TypeScript: alter the entry.
        const entry = path.join(dir, entries()[0]);
        fs.writeFileSync(entry, JSON.stringify({ outputText: "/* from the cache */", sourceMapText: "{}" }));
        assert.strictEqual(transpiler().transpile(source, { fileName }).outputText, "/* from the cache */");
    });

    it("an edited file gets a new entry with its new output; the old entry is not served for it", () => {
        const fileName = path.join(ROOT, "components", "example.ts");
        transpiler().transpile(source, { fileName });
        const edited = source.replace("42", "43");
        const out = transpiler().transpile(edited, { fileName });
        assert.match(out.outputText, /exports\.answer = 43;/);
        assert.strictEqual(entries().length, 2);
    });

    it("a copy of the file in another directory shares the entry; another base name or other options do not", () => {
        transpiler().transpile(source, { fileName: path.join(ROOT, "components", "example.ts") });
        const copy = transpiler().transpile(source, { fileName: path.join(os.tmpdir(), "some-clone", "components", "example.ts") });
        assert.strictEqual(entries().length, 1);
        assert.strictEqual(copy.outputText, ts.transpileModule(source, {
            fileName: path.join(os.tmpdir(), "some-clone", "components", "example.ts"), compilerOptions: options,
        }).outputText, "TypeScript's output does not depend on the directory");
        transpiler().transpile(source, { fileName: path.join(ROOT, "components", "other.ts") });
        assert.strictEqual(entries().length, 2);
        const es5 = transpiler({ ...options, target: ts.ScriptTarget.ES5 }).transpile(source, { fileName: path.join(ROOT, "components", "example.ts") });
        assert.strictEqual(entries().length, 3);
        assert.match(es5.outputText, /var answer|exports\.answer = 42/);
    });

    it("a file with a syntax error is not cached, and its diagnostics go back to ts-node", () => {
        const broken = "export const = ;\n";
        const out = transpiler().transpile(broken, { fileName: path.join(ROOT, "components", "broken.ts") });
        assert.ok((out.diagnostics ?? []).length > 0, "diagnostics returned");
        assert.deepStrictEqual(entries(), []);
    });

    it('AI_PLATFORM_TRANSPILE_CACHE=off transpiles without writing anything', () => {
        process.env.AI_PLATFORM_TRANSPILE_CACHE = "off";
        const out = transpiler().transpile(source, { fileName: path.join(ROOT, "components", "example.ts") });
        assert.match(out.outputText, /exports\.answer = 42;/);
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });

    it("removes entries written more than 30 days ago, keeps newer ones, and prunes at most once a day", () => {
        const old = path.join(dir, "old.json");
        const recent = path.join(dir, "recent.json");
        fs.writeFileSync(old, "{}");
        fs.writeFileSync(recent, "{}");
        const now = Date.now();
        const ago = (ms: number) => new Date(now - ms);
        fs.utimesSync(old, ago(31 * DAY_MS), ago(31 * DAY_MS));
        fs.utimesSync(recent, ago(29 * DAY_MS), ago(29 * DAY_MS));
        cache.pruneOccasionally(dir, now);
        assert.deepStrictEqual(entries(), ["recent.json"]);

        // Within a day of that prune, an entry that has just become too old stays until the next one.
        fs.utimesSync(recent, ago(31 * DAY_MS), ago(31 * DAY_MS));
        cache.pruneOccasionally(dir, now + 3600 * 1000);
        assert.deepStrictEqual(entries(), ["recent.json"]);
        cache.pruneOccasionally(dir, now + DAY_MS + 1000);
        assert.deepStrictEqual(entries(), []);
    });

    describe("through ts-node (node -r tools/typescript/register.js)", () => {
        const run = (file: string) => spawnSync(process.execPath, ["-r", REGISTER, file], {
            cwd: ROOT, encoding: "utf8", env: { ...process.env, AI_PLATFORM_TRANSPILE_CACHE: dir },
        });
        const program = 'const where: string = "line 1";\nfunction fail(): never { throw new Error(`failed at ${where}`); }\nfail();\n';

        it("a program run twice from two directories shares one entry, and each error points at its own TypeScript file and line", () => {
            const a = path.join(dir, "a", "fails.ts");
            const b = path.join(dir, "b", "fails.ts");
            for (const file of [a, b]) {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, program);
            }
            const first = run(a);
            const second = run(b);
            assert.strictEqual(entries().length, 1, "one entry for the same text and base name");
            assert.notStrictEqual(first.status, 0);
            assert.match(first.stderr, new RegExp(`${a.replace(/[/.]/g, "\\$&")}:2:\\d+`), first.stderr);
            assert.match(second.stderr, new RegExp(`${b.replace(/[/.]/g, "\\$&")}:2:\\d+`), second.stderr);
            assert.doesNotMatch(second.stderr, new RegExp(a.replace(/[/.]/g, "\\$&")));
        });

        it("a syntax error is reported by ts-node with the file's name, every time", () => {
            const file = path.join(dir, "broken.ts");
            fs.writeFileSync(file, "export const = ;\n");
            for (let i = 0; i < 2; i++) {
                const result = run(file);
                assert.notStrictEqual(result.status, 0);
                assert.match(result.stderr, /TSError: ⨯ Unable to compile TypeScript/);
                assert.match(result.stderr, /broken\.ts\(1,14\)/);
            }
            assert.deepStrictEqual(entries(), []);
        });
    });
});
