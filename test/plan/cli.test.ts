/**
 * The CLI's contract, by spawning it (a handful of runs: each one starts ts-node and the SDK):
 * exit codes, `--json` on stdout matching plan.json, progress on stderr, and no secret on disk.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TEST_BUDGET_ENV } from "../../tools/plan/budget";
import { EXIT } from "../../tools/plan/exitCodes";
import { loadStackConfig } from "../../tools/stack/projectConfig";
import { runScript, ScriptRun } from "../helpers/runScript";
import { stackEvaluation, ROOT } from "../helpers/stacks";

function plan(args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
    return runScript(path.join(ROOT, "tools", "plan.ts"), args, { cwd: ROOT, env: { ...process.env, CI: "true", ...env } });
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}

/** Every value the dev evaluation holds at a secret path, as strings. */
function secretLeaves(value: unknown, out: string[] = []): string[] {
    if (Array.isArray(value)) {
        value.forEach((v) => secretLeaves(v, out));
    } else if (value !== null && typeof value === "object") {
        Object.values(value).forEach((v) => secretLeaves(v, out));
    } else if (value !== undefined && value !== null) {
        out.push(String(value));
    }
    return out;
}

function at(inputs: Record<string, any>, dotted: string): unknown {
    return dotted.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "").reduce((v: any, k) => v?.[k], inputs);
}

describe("plan CLI", function () {
    this.timeout(240000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("planning the dev stack with --json", () => {
        const out = path.join(tmp, "dev");
        let run: ScriptRun;
        before(async () => {
            run = await plan(["--stack", "dev", "--json", "--out", out]);
        });

        it("prints plan.json, and only it, on stdout; progress goes to stderr", () => {
            const printed = JSON.parse(run.stdout);
            const written = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
            assert.deepStrictEqual(printed, written);
            assert.strictEqual(printed.stack, "dev");
            assert.match(run.stderr, /^plan: evaluating stack dev…$/m, "plain progress lines when CI=true");
            assert.match(run.stderr, /^plan: running the policy pack: \d+ policies/m);
        });

        it("exits 0 exactly when there is no schema error, no mandatory violation and the budget holds", () => {
            const doc = JSON.parse(run.stdout);
            const clean = doc.schema.invalid === 0 && doc.policy.mandatory === 0 && doc.budget.verdict !== "exceeded";
            assert.strictEqual(run.status, doc.verdict.exitCode, run.stderr);
            assert.strictEqual(run.status === EXIT.ok, clean, JSON.stringify(doc.verdict));
            assert.ok(doc.policy.ran, "the policy pack ran");
            assert.ok(doc.summary.resources > 0);
        });

        it("writes manifests per namespace and release values, with no secret value in any file", async () => {
            const files = filesUnder(out).map((f) => path.relative(out, f));
            assert.ok(files.includes("manifests/_cluster.yaml"), files.join(", "));
            assert.ok(files.includes("releases/kube-prometheus-stack.values.yaml"), files.join(", "));
            const config = loadStackConfig("dev");
            const placeholders = config.placeholders.map((k) => config.values[k]);
            assert.ok(placeholders.length > 0, "dev has placeholder secrets to look for");
            const evaluation = await stackEvaluation("dev");
            const generated = evaluation.resources.flatMap((r) => r.secretPaths.flatMap((p) => secretLeaves(at(r.inputs, p))))
                .filter((s) => s.length >= 8);
            assert.ok(generated.length > 0, "dev has secret inputs to look for");
            assert.deepStrictEqual(JSON.parse(run.stdout).config.placeholders, config.placeholders);
            for (const file of filesUnder(out)) {
                const text = fs.readFileSync(file, "utf8");
                for (const secret of [...placeholders, ...generated]) {
                    assert.ok(!text.includes(secret), `${path.relative(out, file)} contains a secret value`);
                }
            }
        });
    });

    it("rejects an unknown stack with its own code and the known stacks", async () => {
        const run = await plan(["--stack", "qa"]);
        assert.strictEqual(run.status, EXIT.unknownStack);
        assert.match(run.stderr, /Unknown stack "qa": there is no Pulumi\.qa\.yaml \(known stacks: dev, prod, staging\)/);
        assert.strictEqual(run.stdout, "");
    });

    it("rejects broken configuration with its own code and names the key", async () => {
        // A plan.json left by an earlier run must not pass for this one.
        fs.mkdirSync(path.join(tmp, "broken"), { recursive: true });
        fs.writeFileSync(path.join(tmp, "broken", "plan.json"), "{}");
        const run = await plan(["--stack", "dev", "--config", "ingressReplicas=many", "--skip-policy", "--out", path.join(tmp, "broken")]);
        assert.strictEqual(run.status, EXIT.config, run.stderr);
        assert.match(run.stderr, /Invalid configuration for stack "dev"/);
        assert.match(run.stderr, /ai-platform:ingressReplicas = "many"/);
        assert.ok(!fs.existsSync(path.join(tmp, "broken", "plan.json")), "no plan is left for a broken stack");
    });

    it("fails with the budget bit when requests exceed a (test-only) budget", async () => {
        // The clean fixture asks for 2 × 250m = 500m CPU at most; a 100m budget is exceeded.
        const run = await plan(["--stack", "dev", "--program", "test/plan/programs/clean.ts", "--skip-policy", "--out", path.join(tmp, "budget")],
            { [TEST_BUDGET_ENV]: JSON.stringify({ cpu: "100m" }) });
        assert.strictEqual(run.status, EXIT.findings + EXIT.budgetBit, run.stderr);
        assert.match(run.stdout, /Budget: EXCEEDED/);
        assert.match(run.stdout, /✗ cpu +500m CPU of 100m CPU/);
        assert.match(run.stdout, /Plan FAILED: budget exceeded \(exit 20\)/);
    });
});
