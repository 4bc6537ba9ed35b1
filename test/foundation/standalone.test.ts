/**
 * The repository stands alone: a reader of a clone can open everything a file points at. No file
 * (docs, comments, messages, tests) may point outside the repository, at a path of the machine it
 * was written on, or at the source documents by a number only their authors know; a source
 * document is named by its title (docs/products/README.md lists them).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers/stacks";

interface Rule {
    readonly what: string;
    readonly pattern: RegExp;
}

/**
 * Home directories that belong to container images, not to a developer's machine: Ollama's and
 * n8n's images keep their state under these, and the product definitions must name them.
 */
const IMAGE_HOMES = ["ollama", "node"];

const RULES: readonly Rule[] = [
    { what: "a folder outside the repository", pattern: /(?:^|[^\w-])(?:\.\.\/)*shared\/(?!\/)/i },
    { what: "a source document by its number instead of its title", pattern: /\bseeds?[\s_-]*0\d*\b/i },
    {
        what: "an absolute path of a development machine",
        // Slashes escaped so that the rule does not match its own source line; a regular
        // expression literal such as the one matching "root" with flag i is not a path.
        pattern: new RegExp(String.raw`(?:^|[\s"'\x60(=:,\[])(?:\/work|\/root|\/Users|\/home\/(?!(?:${IMAGE_HOMES.join("|")})\b)[\w.-]+)(?![\w-])(?!\/[dgimsuvy]+(?![\w\/.-]))`),
    },
];

export interface Finding {
    readonly file: string;
    readonly line: number;
    readonly what: string;
    readonly text: string;
}

/** Every reference the rules find in one file's text. */
export function findReferences(file: string, text: string): Finding[] {
    const findings: Finding[] = [];
    text.split("\n").forEach((line, index) => {
        for (const rule of RULES) {
            if (rule.pattern.test(line)) {
                findings.push({ file, line: index + 1, what: rule.what, text: line.trim().slice(0, 160) });
            }
        }
    });
    return findings;
}

/** Files of the repository: tracked ones and new ones not ignored (what the next commit can hold). */
function repositoryFiles(): string[] {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
    return [...new Set(out.split("\0").filter(Boolean))].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

// Examples are assembled from pieces so that this file does not contain what it forbids.
const S = "shared";
const N = "seed";
const HOME = "/" + "home";

describe("the repository stands alone", () => {
    describe("the matcher", () => {
        const flagged = (line: string) => findReferences("x.md", line).map((f) => f.what);

        for (const line of [
            `See ../${S}/reference/gitlab-variables.md for the spec.`,
            `The products of \`${S}/${N}s/\` are data.`,
            `(${S}/NOTES.md, reference/helm-addons.md)`,
            `QuickSpin AI (${N} 000)`,
            `${N[0].toUpperCase()}${N.slice(1)}s 000/003/004 describe no dev environment`,
            `as in ${N}s 001/004`,
            `${N.toUpperCase()} 002's four stores`,
            `the ${N}_003 overlay`,
            `${N} 0 says so`,
        ]) {
            it(`flags a reference in: ${line}`, () => {
                assert.equal(flagged(line).length, 1, `expected one finding, got ${JSON.stringify(flagged(line))}`);
            });
        }

        for (const line of [
            `The spec is \`/${"work"}/ai-platform/docs/spec.md\`.`,
            `cd ${HOME}/alice/src && npm test`,
            `cache in /${"root"}/.cache/toolchain`,
            `open /${"Users"}/bob/notes.md`,
            `path: "/${"work"}"`,
        ]) {
            it(`flags a machine path in: ${line}`, () => {
                assert.deepEqual(flagged(line), ["an absolute path of a development machine"]);
            });
        }

        for (const line of [
            `HOME: "${HOME}/ollama", N8N_USER_FOLDER: "${HOME}/node"`,
            `writablePaths: ["/tmp", "${HOME}/node/.n8n"]`,
            "mongodb://root:$MONGO_ROOT_PASSWORD@db-0:27017/",
            "import { Product } from \"./components/workloads/product\";",
            "sharedPaths: { \"/var/lib/neo4j/conf\": \"/conf-rw\" }",
            "const seeds = hs.map((h) => `${h}:27017`).join(\",\");",
            "gl.seed(project, vars)",
            "cached in `~/.cache/ai-platform/toolchain`",
            "QuickSpin AI Service - CI/CD Setup Guide, Kubernetes Architecture",
            "runs as root inside its container",
            "change: (i) => { i.runAsUser = 0; }, match: /root/i },",
        ]) {
            it(`passes: ${line}`, () => {
                assert.deepEqual(flagged(line), []);
            });
        }

        it("names the file and the line", () => {
            const findings = findReferences("docs/a.md", `one\ntwo ../${S}/x\nthree`);
            assert.deepEqual(findings.map((f) => `${f.file}:${f.line}`), ["docs/a.md:2"]);
        });
    });

    it("no file of the repository refers outside it, to a machine path or to a source document by number", () => {
        const files = repositoryFiles();
        assert.ok(files.includes("README.md") && files.includes("test/foundation/standalone.test.ts"), "the file list is the repository's");
        const findings: Finding[] = [];
        for (const file of files) {
            const content = fs.readFileSync(path.join(ROOT, file));
            if (content.includes(0)) {
                continue;
            }
            findings.push(...findReferences(file, content.toString("utf8")));
        }
        assert.deepEqual(findings.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`), []);
    });
});
