/**
 * The reports the merge-request pipeline publishes, checked against GitLab's documented formats:
 * - Terraform (`artifacts:reports:terraform`): a JSON object with integer `create`, `update`, `delete`;
 * - Code Quality (`artifacts:reports:codequality`): a JSON array of objects with `description`,
 *   `check_name`, `fingerprint` (unique), `severity` (info, minor, major, critical, blocker),
 *   `location.path` (a file of the repository) and `location.lines.begin` (a line number);
 * - JUnit (`artifacts:reports:junit`): well-formed XML, `testsuites` > `testsuite` > `testcase` with
 *   `classname`, `name`, `time` (seconds), a `failure` child for failures, `skipped` for skipped tests.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { diffPlans, PlanSide } from "../../tools/plan/diff";
import { codeQualityReport, terraformReport } from "../../tools/plan/gitlabReports";
import type { PlanDocument } from "../../tools/plan/index";
import { PlanViolation } from "../../tools/plan/policy";
import { Redactor } from "../../tools/plan/redact";
import { deployment } from "../plan/fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const SEVERITIES = ["info", "minor", "major", "critical", "blocker"];

function side(violations: PlanViolation[], resources = [deployment("shop", "api", [])]): PlanSide {
    const zero = { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, cpuLimitUnset: 0, memoryLimitUnset: 0 };
    const document = {
        stack: "prod", outputs: {}, policy: { violations },
        capacity: { namespaces: [], total: { atMin: zero, atMax: zero, storageMin: 0, storageMax: 0 } },
        budget: { verdict: "within", withAddons: { cpuRequest: 0, memoryRequest: 0 } },
    } as unknown as PlanDocument;
    return { document, resources, redactor: new Redactor() };
}

/** GitLab's documented Code Quality fields, checked one by one. */
function assertCodeQuality(report: unknown): void {
    assert.ok(Array.isArray(report), "a JSON array");
    const fingerprints = new Set<string>();
    for (const issue of report as any[]) {
        for (const field of ["description", "check_name", "fingerprint"]) {
            assert.strictEqual(typeof issue[field], "string", `${field}: ${JSON.stringify(issue)}`);
            assert.notStrictEqual(issue[field], "", field);
        }
        assert.ok(SEVERITIES.includes(issue.severity), `severity ${issue.severity}`);
        assert.strictEqual(typeof issue.location?.path, "string");
        assert.ok(!path.isAbsolute(issue.location.path) && !issue.location.path.includes("\\"), "a repository-relative path");
        assert.ok(fs.existsSync(path.join(ROOT, issue.location.path)), `${issue.location.path} exists in the repository`);
        assert.ok(Number.isInteger(issue.location.lines?.begin) && issue.location.lines.begin >= 1, "lines.begin");
        assert.ok(!fingerprints.has(issue.fingerprint), "fingerprints are unique");
        fingerprints.add(issue.fingerprint);
    }
}

describe("GitLab reports of the merge-request pipeline", () => {
    const inProduct: PlanViolation = {
        policy: "resources-extra", kind: "finding", level: "advisory", resource: "Deployment shop/api", message: "add ephemeral-storage\nmore detail",
        urn: "urn:pulumi:prod::ai-platform::ai-platform:workloads:Product$ai-platform:workloads:WebService$kubernetes:apps/v1:Deployment::api",
    };
    const atTop: PlanViolation = { policy: "no-latest", kind: "finding", level: "mandatory", resource: "Deployment x/y", message: "pin it",
        urn: "urn:pulumi:prod::ai-platform::kubernetes:apps/v1:Deployment::y" };
    const stackWide: PlanViolation = { policy: "stack-resource-budget", kind: "finding", level: "mandatory", message: "over budget" };
    const old: PlanViolation = { policy: "old-one", kind: "finding", level: "advisory", message: "was there before", urn: atTop.urn };

    it("Terraform report: the diff's create/update/delete counts as integers, nothing else", () => {
        const report = terraformReport(diffPlans(side([]), side([], [deployment("shop", "api", [], 2), deployment("shop", "new", [])]), { ref: "main", commit: "c" }));
        assert.deepStrictEqual(Object.keys(report).sort(), ["create", "delete", "update"]);
        assert.deepStrictEqual(report, { create: 1, update: 1, delete: 0 });
    });

    it("Code Quality report: only the new findings, in GitLab's documented fields, pointing at the declaring file", () => {
        const diff = diffPlans(side([old]), side([old, inProduct, atTop, stackWide]), { ref: "main", commit: "c" });
        const report = codeQualityReport(diff, ROOT);
        assertCodeQuality(report);
        assert.deepStrictEqual(report.map((i) => i.check_name), ["resources-extra", "no-latest", "stack-resource-budget"]);
        // The innermost component of the URN declares the Deployment.
        assert.strictEqual(report[0].location.path, "components/workloads/webService.ts");
        const line = fs.readFileSync(path.join(ROOT, report[0].location.path), "utf8").split("\n")[report[0].location.lines.begin - 1];
        assert.match(line, /super\("ai-platform:workloads:WebService"/);
        assert.deepStrictEqual([report[1].location.path, report[2].location.path], ["index.ts", "Pulumi.prod.yaml"]);
        assert.deepStrictEqual(report.map((i) => i.severity), ["minor", "critical", "critical"]);
        assert.strictEqual(report[0].description, "[prod] resources-extra: Deployment shop/api: add ephemeral-storage");
        // Stable across pipelines, so GitLab can tell a finding that persists from a new one.
        assert.deepStrictEqual(codeQualityReport(diff, ROOT).map((i) => i.fingerprint), report.map((i) => i.fingerprint));
    });

    describe("JUnit XML (tools/ci/junitReporter.ts) of a real mocha run", () => {
        let dir: string;
        let xml: string;
        let stdout: string;
        let status: number | null;
        let parallel: { status: number | null; stdout: string };
        let parallelXml: string;
        before(async () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "junit-"));
            fs.writeFileSync(path.join(dir, "sample.test.ts"), [
                'import * as assert from "assert";',
                'describe("suite <&> \\"quoted\\"", () => {',
                '    it("passes", () => undefined);',
                '    it("fails", () => assert.strictEqual(1, 2, "one is not two \\u001b[31m"));',
                '    it.skip("is skipped", () => undefined);',
                '    describe("inner", () => { it("passes too", () => undefined); });',
                "});",
                'describe("broken hook", () => { before(() => { throw new Error("hook broke"); }); it("never runs", () => undefined); });',
            ].join("\n"));
            const run = (out: string, extra: readonly string[]) => new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
                const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--no-config", ...extra,
                    "-r", path.join(ROOT, "tools", "typescript", "register.js"), "--reporter", path.join(ROOT, "tools", "ci", "junitReporter.ts"),
                    "--reporter-option", `output=${out}`, path.join(dir, "sample.test.ts")], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
                let text = "";
                child.stdout.on("data", (d) => (text += d));
                child.on("error", reject);
                child.on("close", (code) => resolve({ status: code, stdout: text }));
            });
            ({ status, stdout } = await run(path.join(dir, "junit.xml"), []));
            xml = fs.readFileSync(path.join(dir, "junit.xml"), "utf8");
            parallel = await run(path.join(dir, "parallel.xml"), ["--parallel", "--jobs", "2"]);
            parallelXml = fs.readFileSync(path.join(dir, "parallel.xml"), "utf8");
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("keeps mocha's spec output in the log and its exit status", () => {
            assert.match(stdout, /✔ passes/);
            assert.match(stdout, /2 passing/);
            assert.strictEqual(status, 2, "two failures");
        });

        it("is well-formed XML in the JUnit shape GitLab reads", () => {
            assert.strictEqual(XMLValidator.validate(xml), true);
            const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["testsuite", "testcase"].includes(name) }).parse(xml);
            const suites = doc.testsuites.testsuite;
            assert.strictEqual(suites.length, 1);
            const cases = suites[0].testcase as any[];
            assert.deepStrictEqual(cases.map((c) => c.name), ["passes", "fails", "is skipped", "passes too", '"before all" hook for "never runs"']);
            for (const c of cases) {
                assert.ok(typeof c.classname === "string" && c.classname !== "");
                assert.ok(Number.isFinite(Number(c.time)));
            }
            assert.strictEqual(cases[0].classname, 'suite <&> "quoted"');
            assert.strictEqual(cases[3].classname, 'suite <&> "quoted" › inner');
            assert.match(cases[1].failure.message, /one is not two/);
            assert.strictEqual(cases[1].failure.type, "AssertionError");
            assert.strictEqual(cases[4].failure.type, "Error");
            assert.ok("skipped" in cases[2]);
            assert.match(cases[4].failure.message, /hook broke/);
            assert.deepStrictEqual([doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.skipped], ["5", "2", "1"]);
        });

        it("under mocha --parallel (how npm test runs the suite) it writes the same report, times aside, with the same exit status", () => {
            const timeless = (text: string) => text.replace(/ time="[^"]*"/g, "").replace(/ timestamp="[^"]*"/g, "");
            assert.strictEqual(parallel.status, status);
            assert.match(parallel.stdout, /2 passing/);
            assert.strictEqual(timeless(parallelXml), timeless(xml));
        });
    });
});
