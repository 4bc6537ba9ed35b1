/**
 * tools/policy/build.ts: the transpile-only build of a policy pack that a `--baseline` worktree gets
 * writes the same JavaScript as `npm run policy:build` (tsc -p policy), which npm test ran just before.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { transpilePolicyPack } from "../../tools/policy/build";

const ROOT = path.join(__dirname, "..", "..");

function copyPackSources(to: string): void {
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(to, "tsconfig.json"));
    fs.cpSync(path.join(ROOT, "policy"), path.join(to, "policy"), {
        recursive: true, filter: (source) => !/[/\\](bin|node_modules)$/.test(source),
    });
}

function jsFiles(dir: string, base = dir): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
        ? jsFiles(path.join(dir, e.name), base)
        : e.name.endsWith(".js") ? [path.relative(base, path.join(dir, e.name))] : []).sort();
}

describe("transpile-only build of a policy pack (tools/policy/build.ts)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-build-"));
        copyPackSources(dir);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes exactly tsc's JavaScript for every source, with source maps that name the source", () => {
        const count = transpilePolicyPack(path.join(dir, "policy"));
        const built = jsFiles(path.join(dir, "policy", "bin"));
        const reference = jsFiles(path.join(ROOT, "policy", "bin"));
        assert.deepStrictEqual(built, reference);
        assert.strictEqual(count, reference.length);
        for (const file of reference) {
            assert.strictEqual(fs.readFileSync(path.join(dir, "policy", "bin", file), "utf8"),
                fs.readFileSync(path.join(ROOT, "policy", "bin", file), "utf8"), file);
        }
        const map = JSON.parse(fs.readFileSync(path.join(dir, "policy", "bin", "lib", "core.js.map"), "utf8"));
        assert.deepStrictEqual([map.file, map.sources], ["core.js", ["../../lib/core.ts"]]);
    });

    it("stops at a syntax error, naming the file and the position", () => {
        fs.writeFileSync(path.join(dir, "policy", "lib", "broken.ts"), "export const = 1;\n");
        assert.throws(() => transpilePolicyPack(path.join(dir, "policy")), /broken\.ts\(1,14\)/);
    });
});
