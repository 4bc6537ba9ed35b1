/**
 * The plan library end to end on a small fixture program (schema error + mandatory violation), and
 * the redaction of everything the plan writes.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT, runPlan } from "../../tools/plan/index";
import { decodeExitCode, findingsExitCode } from "../../tools/plan/exitCodes";
import { REDACTED, Redactor } from "../../tools/plan/redact";
import { renderReport } from "../../tools/plan/report";
import { renderManifests, renderOther, renderReleases } from "../../tools/plan/write";
import { SIG } from "../../tools/stack/evaluate";
import { helmRelease, k8s, resource } from "./fixtures";

const FIXTURE_SECRET = "fixture-secret-value-3f9c2a7e";

function readAll(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        if (entry.isFile()) {
            const file = path.join(entry.parentPath ?? (entry as any).path, entry.name);
            files.set(path.relative(dir, file), fs.readFileSync(file, "utf8"));
        }
    }
    return files;
}

describe("plan: exit codes", () => {
    it("encodes findings as a bit set over 16", () => {
        assert.strictEqual(findingsExitCode({ schemaErrors: false, mandatoryViolations: false, budgetExceeded: false, staleExemptions: false }), 0);
        assert.strictEqual(findingsExitCode({ schemaErrors: true, mandatoryViolations: false, budgetExceeded: false, staleExemptions: false }), 17);
        assert.strictEqual(findingsExitCode({ schemaErrors: false, mandatoryViolations: true, budgetExceeded: false, staleExemptions: false }), 18);
        assert.strictEqual(findingsExitCode({ schemaErrors: false, mandatoryViolations: false, budgetExceeded: true, staleExemptions: false }), 20);
        assert.strictEqual(findingsExitCode({ schemaErrors: true, mandatoryViolations: true, budgetExceeded: true, staleExemptions: false }), 23);
        assert.strictEqual(findingsExitCode({ schemaErrors: false, mandatoryViolations: false, budgetExceeded: false, staleExemptions: true }), 24);
        assert.strictEqual(findingsExitCode({ schemaErrors: true, mandatoryViolations: true, budgetExceeded: true, staleExemptions: true }), 31);
        assert.deepStrictEqual(decodeExitCode(19), { schemaErrors: true, mandatoryViolations: true, budgetExceeded: false, staleExemptions: false });
        assert.deepStrictEqual(decodeExitCode(26), { schemaErrors: false, mandatoryViolations: true, budgetExceeded: false, staleExemptions: true });
        assert.deepStrictEqual(decodeExitCode(32), { schemaErrors: false, mandatoryViolations: false, budgetExceeded: false, staleExemptions: false, collisions: true });
        assert.strictEqual(decodeExitCode(48), undefined);
        assert.strictEqual(decodeExitCode(EXIT.config), undefined);
    });
});

describe("plan: a broken fixture program through the whole pipeline", function () {
    this.timeout(180000);
    let out: string;
    let result: Awaited<ReturnType<typeof runPlan>>;

    before(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-fixture-"));
        result = await runPlan({ stack: "dev", program: path.join(__dirname, "programs", "broken.ts"), outDir: out });
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("reports the string container port with its field path", () => {
        assert.deepStrictEqual(result.document.schema.errors.map((e) => [e.object, e.path, e.reason]), [[
            "Deployment shop/api", "spec.template.spec.containers[0].ports[0].containerPort", 'must be integer (got string "8080")',
        ]]);
    });

    it("reports the privileged container as a mandatory violation, grouped under its resource", () => {
        const privileged = result.document.policy.violations.filter((v) => v.policy === "no-privileged");
        assert.ok(privileged.length > 0, JSON.stringify(result.document.policy.violations, null, 2));
        assert.ok(privileged.every((v) => v.level === "mandatory" && v.resource === "Deployment shop/api"));
        assert.strictEqual(result.document.policy.mandatory, result.document.policy.violations.filter((v) => v.level === "mandatory").length);
    });

    it("fails on the stale exemption, naming the annotation to remove", () => {
        const stale = result.document.policy.violations.filter((v) => v.kind === "stale");
        assert.deepStrictEqual(stale.map((v) => [v.policy, v.resource, v.annotation]),
            [["no-host-path", "Deployment shop/api", "policy.ai-platform.io/exempt-no-host-path"]]);
        assert.strictEqual(result.document.policy.stale, 1);
        assert.strictEqual(result.document.verdict.staleExemptions, 1);
        const report = renderReport(result);
        assert.match(report, /✗ Deployment shop\/api: remove the annotation policy\.ai-platform\.io\/exempt-no-host-path \(no-host-path\)/);
        assert.match(report, /Plan FAILED: .*stale exemption annotations/);
    });

    it("groups findings by policy with a count, one example and what to change; --verbose lists every one", () => {
        const findings = result.document.policy.violations.filter((v) => v.kind === "finding");
        const byPolicy = new Map<string, number>();
        for (const v of findings) byPolicy.set(v.policy, (byPolicy.get(v.policy) ?? 0) + 1);
        const [policy, count] = [...byPolicy].find(([, n]) => n > 1)!;
        const short = renderReport(result);
        const verbose = renderReport(result, { verbose: true });
        assert.match(short, new RegExp(`\\] ${policy}: ${count} findings on \\d+ object`));
        assert.match(short, new RegExp(`\\(${count - 1} more; --verbose lists every one\\)`));
        assert.match(short, /\n    to change: /);
        for (const v of findings.filter((f) => f.policy === policy)) {
            assert.ok(verbose.includes(v.message.split("\n")[0]), `--verbose lists ${v.message.slice(0, 80)}`);
        }
        assert.match(short, /\n    why: /);
        assert.ok(!verbose.includes("--verbose lists every one"));
    });

    it("exits with schema, mandatory and stale-exemption bits (27) and within budget", () => {
        assert.strictEqual(result.document.budget.verdict, "within");
        // 2 replicas × 250m / 256Mi
        assert.strictEqual(result.document.capacity.total.atMax.cpuRequest, 500);
        assert.strictEqual(result.exitCode, 16 + 1 + 2 + 8);
        assert.strictEqual(result.document.verdict.exitCode, result.exitCode);
    });

    it("writes one manifest per namespace, cluster-scoped objects apart, and never the secret", () => {
        const files = readAll(out);
        assert.deepStrictEqual([...files.keys()].sort(), ["manifests/_cluster.yaml", "manifests/shop.yaml", "plan.json"]);
        assert.match(files.get("manifests/_cluster.yaml")!, /kind: Namespace\n/);
        const shop = files.get("manifests/shop.yaml")!;
        assert.match(shop, /kind: Secret[\s\S]*token: "?<redacted: secret>"?/);
        assert.ok(shop.indexOf("kind: Secret") < shop.indexOf("kind: Deployment"), "Secrets come before Deployments");
        for (const [file, text] of files) {
            assert.ok(!text.includes(FIXTURE_SECRET), `${file} contains the secret`);
        }
        assert.deepStrictEqual(JSON.parse(files.get("plan.json")!), JSON.parse(result.json));
    });
});

describe("plan: redaction", () => {
    const secretWire = (value: unknown) => ({ [SIG.key]: SIG.secret, value });

    it("masks secret inputs structurally and scrubs copies of them from plain fields", () => {
        const password = "s3cr3t-Password-0042";
        const secret = resource("kubernetes:core/v1:Secret", "db", {
            apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "a" }, stringData: { password, user: "admin" },
        }, {
            wireInputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "a" }, stringData: secretWire({ password, user: "admin" }) },
            secretPaths: ["stringData"],
        });
        // A plain (not secret) Secret field is masked too: Secret data is never written.
        const plainSecret = k8s("Secret", "a", "plain", { data: { key: Buffer.from("plain-but-still-secret").toString("base64") } });
        // The password leaked into a ConfigMap as plain text: caught by the textual scrub.
        const leak = k8s("kubernetes:core/v1:ConfigMap", "a", "settings", { data: { url: `postgres://admin:${password}@db:5432/app` } });
        const release = helmRelease("grafana", "grafana", "monitoring", { adminUser: "admin" });
        const wired = {
            ...release,
            wireInputs: { ...release.inputs, values: { adminUser: "admin", adminPassword: secretWire("grafana-Admin-Pass-77") } },
            inputs: { ...release.inputs, values: { adminUser: "admin", adminPassword: "grafana-Admin-Pass-77" } },
        };
        const variable = resource("pulumi-nodejs:dynamic:Resource", "token", { key: "API_TOKEN", value: "glpat-xxxxxxxxxxxxxxxxxxxx", __provider: "serialized code" }, {
            wireInputs: { key: "API_TOKEN", value: secretWire("glpat-xxxxxxxxxxxxxxxxxxxx"), __provider: "serialized code" },
        });
        const resources = [secret, plainSecret, leak, wired, variable];
        const redactor = new Redactor(["config-placeholder-value-1"]);
        redactor.learn(resources);
        const text = [
            ...renderManifests(resources, redactor).values(), ...renderReleases(resources, redactor).values(), renderOther(resources, redactor)!,
        ].join("\n");
        for (const s of [password, "grafana-Admin-Pass-77", "glpat-xxxxxxxxxxxxxxxxxxxx", Buffer.from("plain-but-still-secret").toString("base64")]) {
            assert.ok(!text.includes(s), `${s} was written`);
        }
        assert.ok(text.includes(`url: postgres://admin:${REDACTED}@db:5432/app`), text);
        assert.match(text, /password: "?<redacted: secret>"?/);
        assert.match(text, /adminUser: admin/);
        assert.ok(!text.includes("serialized code"), "dynamic provider internals are left out");
        assert.strictEqual(redactor.scrub("x config-placeholder-value-1 y"), `x ${REDACTED} y`);
    });
});
