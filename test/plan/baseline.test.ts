/**
 * `plan --baseline <ref>` on the real program: a throw-away git repository holds a copy of this
 * project committed on `main`; each test changes one thing in its working tree (a stack file, a
 * component, or the run's config) and the diff must name exactly that object and field.
 *
 * The baseline is planned once through the temporary worktree (withWorktree) and every working-tree
 * variant against it (policy skipped: its findings are the policy tests' business, and the CLI test
 * at the end runs the whole thing, pack included).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { withWorktree } from "../../tools/plan/baseline";
import { diffPlans, PlanDiff, PlanSide } from "../../tools/plan/diff";
import { EXIT } from "../../tools/plan/exitCodes";
import { PlanOptions, PlanResult, runPlan } from "../../tools/plan/index";
import { gitFixture, GitFixture } from "./gitFixture";
import { runScript, ScriptRun } from "../helpers/runScript";

const side = (r: PlanResult): PlanSide => ({ document: r.document, resources: r.evaluation.resources, redactor: r.redactor });

/** The committed value of a stack's key, read from the stack file itself. */
function stackValue(fixture: GitFixture, stack: string, key: string): unknown {
    return parse(fs.readFileSync(path.join(fixture.dir, `Pulumi.${stack}.yaml`), "utf8")).config[`ai-platform:${key}`];
}

function worktrees(fixture: GitFixture): string[] {
    return fixture.git("worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree "));
}

function baselineDirs(): string[] {
    return fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("plan-baseline-"));
}

describe("plan --baseline (a git fixture of this project)", function () {
    this.timeout(600_000);
    let fixture: GitFixture;
    let commit: string;
    const bases = new Map<string, PlanResult>();

    before(async () => {
        fixture = gitFixture();
        await withWorktree("main", fixture.dir, async (worktree) => {
            commit = worktree.commit;
            for (const stack of ["prod", "dev"]) {
                bases.set(stack, await runPlan({ stack, projectDir: worktree.projectDir, outDir: false, skipPolicy: true }));
            }
        });
    });
    after(() => fixture?.remove());
    afterEach(() => fixture.reset());

    async function diffWith(stack: string, options: Partial<PlanOptions> = {}): Promise<PlanDiff> {
        const head = await runPlan({ stack, projectDir: fixture.dir, outDir: false, skipPolicy: true, ...options });
        return diffPlans(side(bases.get(stack)!), side(head), { ref: "main", commit });
    }

    it("removes the temporary worktree after planning the baseline", () => {
        assert.deepStrictEqual(worktrees(fixture), [`worktree ${fs.realpathSync(fixture.dir)}`]);
    });

    it("an unchanged working tree: no change at all", async () => {
        const diff = await diffWith("prod");
        assert.deepStrictEqual(diff.counts, { create: 0, update: 0, delete: 0 });
        assert.deepStrictEqual([diff.resources, diff.outputs, diff.policy.new], [[], [], []]);
    });

    it("a color switch (chatbotActiveColor in Pulumi.prod.yaml): the chatbot Service's selector, nothing else", async () => {
        assert.strictEqual(stackValue(fixture, "prod", "chatbotActiveColor"), "blue");
        fixture.edit("Pulumi.prod.yaml", (t) => t.replace("ai-platform:chatbotActiveColor: blue", "ai-platform:chatbotActiveColor: green"));
        const diff = await diffWith("prod");
        assert.deepStrictEqual(diff.counts, { create: 0, update: 1, delete: 0 });
        const [change] = diff.resources;
        assert.match(change.object, /^Service chatbot-prod\//);
        assert.strictEqual(change.changes?.length, 1, JSON.stringify(change.changes));
        assert.match(change.changes![0].path, /^spec\.selector\./);
        assert.deepStrictEqual([change.changes![0].old, change.changes![0].new], ["blue", "green"]);
        assert.match(diff.summary, /^prod: 0 to create, 1 to update, 0 to delete; capacity \+0 CPU, \+0 memory/);
    });

    it("a replica count (llmServiceReplicas): both colors' Deployments, spec.replicas only, and the capacity they add", async () => {
        const before = Number(stackValue(fixture, "prod", "llmServiceReplicas") ?? 2);
        const diff = await diffWith("prod", { overrides: { llmServiceReplicas: before + 1 } });
        assert.deepStrictEqual(diff.resources.map((r) => [r.action, r.object, r.changes]), ["blue", "green"].map((color) => [
            "update", `Deployment llm-service/llm-service-${color}`, [{ path: "spec.replicas", change: "changed", old: before, new: before + 1 }],
        ]));
        const ns = diff.capacity.find((c) => c.namespace === "llm-service");
        assert.ok(ns && ns.atMin.cpuRequest > 0 && ns.atMax.memoryRequest > 0, JSON.stringify(diff.capacity));
    });

    it("a Helm value (prometheusReplicas): one release, one value", async () => {
        const before = stackValue(fixture, "prod", "prometheusReplicas");
        assert.strictEqual(typeof before, "number");
        const diff = await diffWith("prod", { overrides: { prometheusReplicas: Number(before) + 1 } });
        assert.deepStrictEqual(diff.counts, { create: 0, update: 1, delete: 0 });
        assert.strictEqual(diff.helmValues.length, 1);
        const [release] = diff.helmValues;
        assert.strictEqual(release.release, "kube-prometheus-stack");
        assert.deepStrictEqual(release.changes.map((c) => [c.old, c.new]), [[before, Number(before) + 1]]);
        assert.match(release.changes[0].path, /^prometheus\.prometheusSpec\.replicas$/);
    });

    it("a removed GitLab variable (a row deleted from its table): exactly that variable is deleted", async () => {
        fixture.edit("components/gitlab/variableTables.ts", (t) => t.replace(/\n[^\n]*"SENTRY_DSN"[^\n]*\n/, "\n"));
        const diff = await diffWith("prod");
        assert.deepStrictEqual(diff.counts, { create: 0, update: 0, delete: 1 });
        assert.deepStrictEqual(diff.gitlabVariables.removed.map((v) => v.key), ["SENTRY_DSN"]);
        assert.deepStrictEqual([diff.gitlabVariables.added, diff.gitlabVariables.changed], [[], []]);
    });

    it("a new product in a stack (soundcore-kcp added to Pulumi.dev.yaml): only creations, the product's workloads among them", async () => {
        const products = stackValue(fixture, "dev", "products") as string[];
        assert.ok(!products.includes("soundcore-kcp"));
        fixture.edit("Pulumi.dev.yaml", (t) => `${t.replace("  ai-platform:products:\n", "  ai-platform:products:\n    - soundcore-kcp\n")}` +
            "  ai-platform:soundcoreImageTag: v1.0.0\n  ai-platform:soundcoreHost: kcp.dev.example.com\n  ai-platform:soundcoreRegistryUsername: kcp-ci\n");
        const diff = await diffWith("dev");
        assert.ok(diff.counts.create > 0);
        assert.deepStrictEqual([diff.counts.update, diff.counts.delete], [0, 0], JSON.stringify(diff.resources.filter((r) => r.action !== "create")));
        const created = diff.resources.map((r) => r.object);
        assert.ok(created.some((o) => /^Deployment soundcore/.test(o)), created.join("\n"));
        assert.ok(diff.capacity.find((c) => c.namespace === "")!.atMax.cpuRequest > 0, "the product adds requests");
    });

    it("a secret rotated (a secret config value): reported as changed, the value nowhere in the diff", async () => {
        const value = "gsk_rotated_test_value_0123456789";
        const diff = await diffWith("prod", { overrides: { quickspinGroqApiKey: value } });
        assert.ok(diff.counts.update > 0);
        const fields = diff.resources.flatMap((r) => r.changes ?? []);
        assert.ok(fields.length > 0 && fields.every((f) => f.secret === true && !("new" in f) && !("old" in f)), JSON.stringify(fields));
        assert.ok(!JSON.stringify(diff).includes(value));
    });

    it("a deploy-token rotation (chatbotDeployTokenRotation): the token Secret's name and the chatbot's kubeconfig variable, nothing else", async () => {
        // A new metadata.name is a new Kubernetes object: the engine replaces the Secret (the e2e
        // tier's deploy-token-rotation check shows the replacement and the old token refused).
        const before = Number(stackValue(fixture, "prod", "chatbotDeployTokenRotation") ?? 1);
        const diff = await diffWith("prod", { overrides: { chatbotDeployTokenRotation: before + 1 } });
        assert.deepStrictEqual(diff.counts, { create: 0, update: 2, delete: 0 }, JSON.stringify(diff.resources.map((r) => r.object)));
        const secret = diff.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
        assert.ok(secret, JSON.stringify(diff.resources));
        assert.deepStrictEqual(secret.changes?.map((c) => [c.path, c.old, c.new]), [["metadata.name", `ci-deployer-token-r${before}`, `ci-deployer-token-r${before + 1}`]]);
        assert.deepStrictEqual(diff.gitlabVariables.changed.map((v) => [v.project, v.key, v.changes.map((c) => [c.path, c.secret])]),
            [["shopyverse/chatbot-service", "K8S_KUBECONFIG_B64", [["value", true]]]]);
    });

    it("a stack that does not exist at the baseline: everything is added (CLI, policy pack included)", async () => {
        fs.copyFileSync(path.join(fixture.dir, "Pulumi.dev.yaml"), path.join(fixture.dir, "Pulumi.qa.yaml"));
        fs.copyFileSync(path.join(fixture.dir, "policy", "config", "dev.json"), path.join(fixture.dir, "policy", "config", "qa.json"));
        const out = path.join(fixture.dir, "out", "qa");
        const run = await cli(fixture, ["--stack", "qa", "--baseline", "main", "--json", "--out", out]);
        assert.ok(run.status === 0 || run.status! >= EXIT.findings, run.stderr);
        const diff = JSON.parse(run.stdout) as PlanDiff;
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
        assert.strictEqual(diff.baseline.stackExists, false);
        assert.deepStrictEqual(diff.counts, { create: plan.summary.customResources, update: 0, delete: 0 });
        // Every finding and stale exemption is new; deliberate exemptions are not findings.
        assert.deepStrictEqual(diff.policy.new.length, plan.policy.violations.filter((v: { kind: string }) => v.kind !== "exempt").length);
        assert.ok(plan.policy.violations.length > 0, "the copied stack reports its exemptions");
        // The GitLab reports, in the documented shapes.
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(out, "gitlab-terraform-report.json"), "utf8")), diff.counts);
        const quality = JSON.parse(fs.readFileSync(path.join(out, "gitlab-code-quality.json"), "utf8"));
        assert.strictEqual(quality.length, diff.policy.new.length);
        assert.strictEqual(fs.readFileSync(path.join(out, "diff.json"), "utf8"), run.stdout);
        assert.match(fs.readFileSync(path.join(out, "diff.txt"), "utf8"), /the stack does not exist at main: everything is added/);
        assert.deepStrictEqual(worktrees(fixture).length, 1, "the temporary worktree is gone");
    });

    it("an unknown ref: exit 7 naming it, and no worktree or temporary folder left", async () => {
        const before = baselineDirs();
        const run = await cli(fixture, ["--stack", "prod", "--baseline", "no-such-branch", "--skip-policy", "--out", path.join(fixture.dir, "out", "x")]);
        assert.strictEqual(run.status, EXIT.baseline, run.stderr);
        assert.match(run.stderr, /--baseline no-such-branch: no such commit, branch or tag/);
        assert.deepStrictEqual(baselineDirs(), before);
        assert.strictEqual(worktrees(fixture).length, 1);
    });

    for (const signal of ["SIGINT", "SIGKILL"] as const) {
        it(`interrupted while planning the baseline (${signal}): it stops at once, and the worktree is removed all the same`, async () => {
            const before = baselineDirs();
            const child = spawn(process.execPath, ["-r", path.join(fixture.dir, "tools", "typescript", "register.js"), path.join(fixture.dir, "tools", "plan.ts"),
                "--stack", "prod", "--baseline", "main", "--skip-policy", "--out", path.join(fixture.dir, "out", "int")],
            { cwd: fixture.dir, env: { ...process.env, CI: "true" }, stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            let sent = false;
            const exit = await new Promise<NodeJS.Signals | null>((resolve) => {
                child.stderr.on("data", (d) => {
                    stderr += d;
                    // The worktree exists from this line until the baseline's plan is done.
                    if (!sent && /planning stack prod at main/.test(stderr)) {
                        sent = true;
                        assert.strictEqual(worktrees(fixture).length, 2, "the baseline is checked out");
                        child.kill(signal);
                    }
                });
                child.on("close", (_code, killedBy) => resolve(killedBy));
            });
            assert.strictEqual(exit, signal, `the plan died of ${signal}, rather than finishing first:\n${stderr}`);
            // The janitor notices within a second or two.
            for (let i = 0; i < 100 && (worktrees(fixture).length > 1 || baselineDirs().length > before.length); i++) {
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.strictEqual(worktrees(fixture).length, 1, "the worktree was removed");
            assert.deepStrictEqual(baselineDirs(), before, "and its folder");
        });
    }
});

/** The fixture's own copy of the CLI, run in the fixture. */
function cli(fixture: GitFixture, args: string[]): Promise<ScriptRun> {
    return runScript(path.join(fixture.dir, "tools", "plan.ts"), args, { cwd: fixture.dir, env: { ...process.env, CI: "true" } });
}
