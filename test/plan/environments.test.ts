/**
 * Environments are data: a fourth stack (test/fixtures/environments/Pulumi.qa.yaml, a copy of
 * staging with its own environment name, cluster and hosts, `tier: staging`) plans with the real
 * program and no code change, owns namespaces, hosts and GitLab scopes of its own, and
 * `plan --stack all` passes with it; the same copy left with staging's names is refused by the
 * collision check, naming the objects. Expected names come from the rule docs/environments.md
 * states, written out here, not from the code.
 *
 * Each scenario is a temporary project folder: Pulumi.yaml and the committed stack files copied,
 * the qa stack added, policy/ linked (the pack and its config); the program is the real index.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { runAllPlans } from "../../tools/plan/all";
import { describeCollision, findCollisions, GITLAB_VARIABLE_TYPE } from "../../tools/plan/collisions";
import { EXIT } from "../../tools/plan/exitCodes";
import { PlanError, runPlan } from "../../tools/plan/index";
import { evaluateStack } from "../../tools/stack/evaluate";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { ROOT, STACKS } from "../helpers/stacks";

const PROGRAM = path.join(ROOT, "index.ts");
const QA_FIXTURE = path.join(ROOT, "test", "fixtures", "environments", "Pulumi.qa.yaml");

const made: string[] = [];
after(() => {
    for (const dir of made.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

/** A project folder with the committed stacks plus `extra` stack files (name → text). */
function project(extra: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "environments-"));
    made.push(dir);
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const stack of STACKS) {
        fs.copyFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
    }
    fs.symlinkSync(path.join(ROOT, "policy"), path.join(dir, "policy"), "dir");
    // The policy pack resolves its SDK from its folder upwards, as the engine does.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    for (const [stack, text] of Object.entries(extra)) {
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    }
    return dir;
}

const qaText = fs.readFileSync(QA_FIXTURE, "utf8");
const stackValues = (text: string): Record<string, unknown> => parse(text).config;

const namespacesOf = (e: StackEvaluation) => e.resources
    .filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name as string).sort();
const hostsOf = (e: StackEvaluation) => [...new Set(e.resources
    .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")
    .flatMap((r) => (r.inputs.spec.rules ?? []).map((rule: { host: string }) => rule.host)))].sort();
const variablesOf = (e: StackEvaluation): RecordedResource[] => e.resources.filter((r) => r.type === GITLAB_VARIABLE_TYPE);
const scopesOf = (e: StackEvaluation, project: string) =>
    [...new Set(variablesOf(e).filter((r) => r.inputs.project === project).map((r) => r.inputs.environmentScope ?? "*"))].sort();

describe("environments as data: a qa stack of tier staging", function () {
    this.timeout(600_000);

    let dir: string;
    let qa: StackEvaluation;
    let staging: StackEvaluation;

    before(async () => {
        dir = project({ qa: qaText });
        qa = await evaluateStack("qa", { projectDir: dir, program: PROGRAM });
        staging = await evaluateStack("staging", { projectDir: dir, program: PROGRAM });
    });

    it("declares a new environment name and the staging tier, and nothing else says qa", () => {
        const values = stackValues(qaText);
        assert.equal(values["ai-platform:environment"], "qa");
        assert.equal(values["ai-platform:tier"], "staging");
        assert.ok(!fs.existsSync(path.join(ROOT, "policy", "config", "qa.json")), "qa must fall back to the staging tier's policy config");
    });

    it("deploys in the offline evaluation: the platform and every product of staging", () => {
        const products = (stackValues(qaText)["ai-platform:products"] as string[]).slice().sort();
        assert.deepEqual(Object.keys(qa.outputs.products ?? {}).sort(), products);
        assert.ok(qa.resources.length > 100, `${qa.resources.length} resources`);
        assert.equal(qa.outputs.environment, "qa");
    });

    it("owns namespaces named after it where names carry the environment, and keeps the fixed ones", () => {
        const qaNamespaces = namespacesOf(qa);
        for (const ns of ["chatbot-qa", "soundcore-kcp-qa", "ai-agents-qa"]) {
            assert.ok(qaNamespaces.includes(ns), `${ns} in ${qaNamespaces.join(", ")}`);
        }
        for (const ns of ["chatbot-staging", "soundcore-kcp-staging", "ai-agents-staging"]) {
            assert.ok(!qaNamespaces.includes(ns), `qa must not own ${ns}`);
        }
        // The source documents' fixed names: the same in every environment, kept apart by cluster.
        for (const ns of ["quickspin-ai", "llm-service", "gitlab-runner"]) {
            assert.ok(qaNamespaces.includes(ns), ns);
        }
        assert.notEqual(stackValues(qaText)["ai-platform:kubeContext"], stackValues(fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8"))["ai-platform:kubeContext"]);
    });

    it("serves only its own hosts (those of its stack file)", () => {
        // Grafana's Ingress comes from its chart's values, not from an Ingress of the program.
        const configuredHosts = Object.entries(stackValues(qaText))
            .filter(([k]) => /Host$/.test(k) && k !== "ai-platform:grafanaHost").map(([, v]) => v as string).sort();
        assert.deepEqual(hostsOf(qa), configuredHosts);
        assert.deepEqual(hostsOf(qa).filter((h) => hostsOf(staging).includes(h)), []);
    });

    it("writes every GitLab variable in its own environment scope (ai-qa for QuickSpin AI, qa otherwise)", () => {
        assert.deepEqual(scopesOf(qa, "quick-spin/quick-spin-ai"), ["ai-qa"]);
        assert.deepEqual(scopesOf(qa, "shopyverse/chatbot-service"), ["qa"]);
        assert.deepEqual(scopesOf(qa, "soundcore/kcp"), ["qa"]);
        // The same rows as its tier's stack: same keys per project.
        const keys = (e: StackEvaluation) => variablesOf(e).map((r) => `${r.inputs.project} ${r.inputs.key}`).sort();
        assert.deepEqual(keys(qa), keys(staging));
    });

    it("has staging's sizes and release strategies (the tier decides them)", () => {
        const replicas = (e: StackEvaluation) => Object.fromEntries(e.resources
            .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
            .map((r) => [`${String(r.inputs.metadata.namespace).replace(/-(qa|staging)$/, "-<env>")}/${r.inputs.metadata.name}`, r.inputs.spec.replicas ?? "hpa"]));
        assert.deepEqual(replicas(qa), replicas(staging));
        const canary = (e: StackEvaluation) => e.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress" &&
            r.inputs.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"] === "true").length;
        assert.equal(canary(qa), 1, "the chatbot's staging canary");
    });

    it("plans with no code change (policy config of its tier) and `plan --stack all` passes with dev, staging, prod and qa", async () => {
        const all = await runAllPlans({ projectDir: dir, program: PROGRAM, outDir: false });
        assert.deepEqual(all.stacks.map((s) => s.stack), ["dev", "prod", "qa", "staging"]);
        for (const s of all.stacks) {
            assert.equal(s.error, undefined, `${s.stack}: ${s.error?.message}`);
            assert.equal(s.result!.exitCode, EXIT.ok, `${s.stack}: exit ${s.result!.exitCode}`);
        }
        const qaPlan = all.stacks.find((s) => s.stack === "qa")!.result!;
        assert.equal(qaPlan.document.policy.configFile, path.join("policy", "config", "staging.json"));
        assert.deepEqual(all.collisions.map(describeCollision), []);
        assert.equal(all.exitCode, EXIT.ok);
    });
});

describe("collisions between stacks", function () {
    this.timeout(300_000);

    it("refuses the copy left with staging's names, naming both stacks and each clashing object", async () => {
        const dir = project({ qa: fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8") });
        const evaluations = await Promise.all(["qa", "staging"].map((s) => evaluateStack(s, { projectDir: dir, program: PROGRAM })));
        const collisions = findCollisions(evaluations.map((e) => ({ stack: e.stack, kubeContext: "ai-platform-staging", resources: e.resources })));
        const lines = collisions.map(describeCollision);
        const expect = (pattern: RegExp) => assert.ok(lines.some((l) => pattern.test(l)), `${pattern} in:\n${lines.join("\n")}`);
        expect(/^Namespace chatbot-staging on cluster \(kube context\) ai-platform-staging: owned by qa \(.*\) and staging \(.*\)$/);
        expect(/^cert-manager\.io\/v1 ClusterIssuer letsencrypt-prod on cluster \(kube context\) ai-platform-staging: owned by qa .* and staging /);
        expect(/^Helm release ingress-nginx\/\S+ on cluster .*: owned by qa .* and staging /);
        expect(/^host ai-staging\.quickspin\.cloud: owned by qa \(Ingress quickspin-ai\/\S+\) and staging \(Ingress quickspin-ai\/\S+\)$/);
        expect(/^host grafana\.staging\.ai-platform\.example\.com: owned by qa \(Release \S+ \(chart values\)\) and staging /);
        expect(/^GitLab variable QUICKSPIN_API_URL \(environment scope \*\) of project quick-spin\/quick-spin-ai: owned by qa .* and staging /);
        expect(/^GitLab variable HF_ACCESS_TOKEN \(environment scope staging\) of project shopyverse\/chatbot-service: owned by qa .* and staging /);
    });

    it("a new name on the same cluster still collides on what the cluster has once; on its own cluster nothing does", async () => {
        const dir = project({ qa: qaText });
        const [qa, staging] = await Promise.all(["qa", "staging"].map((s) => evaluateStack(s, { projectDir: dir, program: PROGRAM })));
        const sameCluster = findCollisions([
            { stack: "qa", kubeContext: "ai-platform-staging", resources: qa.resources },
            { stack: "staging", kubeContext: "ai-platform-staging", resources: staging.resources },
        ]);
        const objects = sameCluster.map((c) => c.object);
        for (const o of ["Namespace quickspin-ai", "Namespace cert-manager", "scheduling.k8s.io/v1 PriorityClass ai-platform-serving"]) {
            assert.ok(objects.includes(o), `${o} in ${objects.join(", ")}`);
        }
        assert.ok(!objects.includes("Namespace chatbot-qa") && !objects.includes("Namespace chatbot-staging"));
        assert.deepEqual(sameCluster.filter((c) => c.kind === "Ingress host" || c.kind === "GitLab variable"), [], "hosts and scopes are its own");
        const ownCluster = findCollisions([
            { stack: "qa", kubeContext: "ai-platform-qa", resources: qa.resources },
            { stack: "staging", kubeContext: "ai-platform-staging", resources: staging.resources },
        ]);
        assert.deepEqual(ownCluster.map(describeCollision), []);
    });

    it("compares Ingress hosts and GitLab variables across clusters (DNS and GitLab are shared)", async () => {
        const dir = project({ qa: fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8").replace(/kubeContext: ai-platform-staging/, "kubeContext: elsewhere") });
        const [qa, staging] = await Promise.all(["qa", "staging"].map((s) => evaluateStack(s, { projectDir: dir, program: PROGRAM })));
        const kinds = new Set(findCollisions([
            { stack: "qa", kubeContext: "elsewhere", resources: qa.resources },
            { stack: "staging", kubeContext: "ai-platform-staging", resources: staging.resources },
        ]).map((c) => c.kind));
        assert.deepEqual([...kinds].sort(), ["GitLab variable", "Ingress host"]);
    });
});

describe("a broken stack file", function () {
    this.timeout(120_000);

    it("fails the plan with the configuration exit code, naming the file, the line and the column", async () => {
        const broken = qaText.replace('ai-platform:alertSlackChannel: "#alerts-qa"', 'ai-platform:alertSlackChannel: "#alerts-qa');
        assert.notEqual(broken, qaText);
        const line = broken.split("\n").findIndex((l) => l.includes('"#alerts-qa')) + 1;
        const dir = project({ qa: broken });
        const error = await runPlan({ stack: "qa", projectDir: dir, program: PROGRAM, outDir: false }).then(
            () => assert.fail("the plan accepted a broken stack file"), (e: unknown) => e);
        assert.ok(error instanceof PlanError, String(error));
        assert.equal(error.code, EXIT.config);
        const [first] = error.message.split("\n");
        const match = /Pulumi\.qa\.yaml, line (\d+), column (\d+): Missing closing "quote/.exec(first);
        assert.ok(match, error.message);
        // The parser reports where the unterminated scalar runs out, at or after the opening quote.
        assert.ok(Number(match[1]) >= line, `line ${match[1]} before ${line}`);
    });
});
