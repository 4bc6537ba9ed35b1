/** The structural plan diff (tools/plan/diff.ts) on small hand-written plans. */
import * as assert from "assert";
import { capacityOf } from "../../tools/plan/capacity";
import { diffPlans, diffTrees, PlanSide, signedBytes, signedCpu } from "../../tools/plan/diff";
import { renderDiff } from "../../tools/plan/diffReport";
import type { PlanDocument } from "../../tools/plan/index";
import { PlanViolation } from "../../tools/plan/policy";
import { Redactor } from "../../tools/plan/redact";
import { SIG } from "../../tools/stack/evaluate";
import { RecordedResource } from "../../tools/stack/types";
import { container, deployment, helmRelease, k8s, Mi, resource } from "./fixtures";

const secret = (value: unknown) => ({ [SIG.key]: SIG.secret, value });

/** A plan side from resources: the parts of plan.json the diff reads, computed the plan's way. */
function side(resources: RecordedResource[], extra: { outputs?: Record<string, unknown>; violations?: PlanViolation[]; stack?: string } = {}): PlanSide {
    const capacity = capacityOf(resources);
    const document = {
        stack: extra.stack ?? "prod",
        outputs: extra.outputs ?? {},
        capacity: { ...capacity },
        budget: { verdict: "none", withAddons: { cpuRequest: capacity.total.atMax.cpuRequest, memoryRequest: capacity.total.atMax.memoryRequest } },
        policy: { violations: extra.violations ?? [] },
    } as unknown as PlanDocument;
    const redactor = new Redactor();
    redactor.learn(resources);
    return { document, resources, redactor };
}

const opts = { ref: "main", commit: "0123456789abcdef0123456789abcdef01234567" };

function withSecretInput(name: string, password: string): RecordedResource {
    const inputs = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, stringData: { password } };
    return resource("kubernetes:core/v1:Secret", name, inputs, { wireInputs: { ...inputs, stringData: { password: secret(password) } }, secretPaths: ["stringData.password"] });
}

describe("plan diff (tools/plan/diff.ts)", () => {
    describe("diffTrees", () => {
        it("reports each changed leaf with its path, old and new value", () => {
            assert.deepStrictEqual(diffTrees({ spec: { replicas: 2, paused: false } }, { spec: { replicas: 3, paused: false } }),
                [{ path: "spec.replicas", change: "changed", old: 2, new: 3 }]);
        });

        it("reports added and removed fields, with the whole added or removed value", () => {
            assert.deepStrictEqual(diffTrees({ a: 1, gone: { x: 1 } }, { a: 1, added: [1, 2] }), [
                { path: "added", change: "added", new: [1, 2] },
                { path: "gone", change: "removed", old: { x: 1 } },
            ]);
        });

        it("matches array items by name, so an inserted item is one addition, not a shift", () => {
            const env = (...names: string[]) => ({ env: names.map((name) => ({ name, value: name.toLowerCase() })) });
            assert.deepStrictEqual(diffTrees(env("A", "C"), env("A", "B", "C")), [
                { path: "env[name=B]", change: "added", new: { name: "B", value: "b" } },
            ]);
            assert.deepStrictEqual(diffTrees(env("A", "B"), env("B", "A")), [{ path: "env (order)", change: "changed", old: ["A", "B"], new: ["B", "A"] }]);
        });

        it("compares arrays without names by index", () => {
            assert.deepStrictEqual(diffTrees({ args: ["--a", "--b"] }, { args: ["--a", "--c", "--d"] }), [
                { path: "args[1]", change: "changed", old: "--b", new: "--c" },
                { path: "args[2]", change: "added", new: "--d" },
            ]);
        });

        it("quotes keys that are not identifiers", () => {
            assert.deepStrictEqual(diffTrees({ labels: { "app.kubernetes.io/version": "1" } }, { labels: { "app.kubernetes.io/version": "2" } }),
                [{ path: 'labels["app.kubernetes.io/version"]', change: "changed", old: "1", new: "2" }]);
        });

        it("reports nothing for equal trees", () => {
            assert.deepStrictEqual(diffTrees({ a: [{ name: "x", v: 1 }], b: null }, { a: [{ name: "x", v: 1 }], b: null }), []);
        });
    });

    describe("diffPlans", () => {
        const api = (replicas: number, image = "1.0.0") =>
            deployment("shop", "api", [{ ...container("api", { cpu: "250m", memory: "256Mi" }), image: `registry.example.com/api:${image}` }], replicas);

        it("a replica count: one update naming the object and the field, and the capacity it adds", () => {
            const diff = diffPlans(side([api(2)]), side([api(3)]), opts);
            assert.deepStrictEqual(diff.counts, { create: 0, update: 1, delete: 0 });
            assert.strictEqual(diff.resources.length, 1);
            assert.strictEqual(diff.resources[0].object, "Deployment shop/api");
            assert.deepStrictEqual(diff.resources[0].changes, [{ path: "spec.replicas", change: "changed", old: 2, new: 3 }]);
            const shop = diff.capacity.find((c) => c.namespace === "shop")!;
            assert.strictEqual(shop.atMin.cpuRequest, 250);
            assert.strictEqual(shop.atMax.memoryRequest, 256 * Mi);
            assert.strictEqual(diff.summary, "prod: 0 to create, 1 to update, 0 to delete; capacity +0.25 CPU, +256Mi memory (requests)");
        });

        it("creates and deletes by URN", () => {
            const svc = k8s("Service", "shop", "api", { spec: { ports: [{ port: 80 }] } });
            const diff = diffPlans(side([api(1)]), side([svc]), opts);
            assert.deepStrictEqual(diff.counts, { create: 1, update: 0, delete: 1 });
            assert.deepStrictEqual(diff.resources.map((r) => [r.action, r.object]), [["create", "Service shop/api"], ["delete", "Deployment shop/api"]]);
            assert.match(diff.summary, /capacity -0\.25 CPU, -256Mi memory/);
        });

        it("a stack missing at the baseline: every custom resource is created, components are not counted", () => {
            const component = { ...resource("ai-platform:workloads:Product", "shop", {}), custom: false };
            const diff = diffPlans(undefined, side([component, api(1), k8s("Service", "shop", "api", {})]), opts);
            assert.strictEqual(diff.baseline.stackExists, false);
            assert.deepStrictEqual(diff.counts, { create: 2, update: 0, delete: 0 });
        });

        it("a rotated secret is 'changed (secret)', and neither value appears anywhere in the diff", () => {
            const oldPassword = "old-password-1234567";
            const newPassword = "new-password-7654321";
            const diff = diffPlans(side([withSecretInput("db", oldPassword)]), side([withSecretInput("db", newPassword)]), opts);
            assert.deepStrictEqual(diff.resources[0].changes, [{ path: "stringData.password", change: "changed", secret: true }]);
            const text = JSON.stringify(diff) + renderDiff(diff);
            assert.ok(!text.includes(oldPassword) && !text.includes(newPassword), "a secret value leaked into the diff");
            assert.match(renderDiff(diff), /stringData\.password: changed \(secret, value not shown\)/);
        });

        it("an added secret field is reported without its value", () => {
            const base = resource("kubernetes:core/v1:Secret", "db", { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "shop" }, stringData: {} });
            const diff = diffPlans(side([base]), side([withSecretInput("db", "brand-new-secret-123")]), opts);
            assert.deepStrictEqual(diff.resources[0].changes, [{ path: "stringData.password", change: "added", secret: true }]);
        });

        it("Helm values: listed per release, paths relative to the values", () => {
            const before = helmRelease("kube-prometheus-stack", "kube-prometheus-stack", "monitoring", { prometheus: { prometheusSpec: { replicas: 1 } } });
            const after = helmRelease("kube-prometheus-stack", "kube-prometheus-stack", "monitoring", { prometheus: { prometheusSpec: { replicas: 2 } } });
            const diff = diffPlans(side([before]), side([after]), opts);
            assert.deepStrictEqual(diff.helmValues, [{
                action: "update", release: "kube-prometheus-stack", namespace: "monitoring", urn: after.urn,
                changes: [{ path: "prometheus.prometheusSpec.replicas", change: "changed", old: 1, new: 2 }],
            }]);
            assert.match(renderDiff(diff), /~ release kube-prometheus-stack \(namespace monitoring\)\n\s+prometheus\.prometheusSpec\.replicas: 1 → 2/);
        });

        it("GitLab variables: added, removed and changed with their flags and scope; values only as 'changed'", () => {
            const variable = (key: string, value: string, flags: Record<string, unknown>) => {
                const inputs = { project: "shop/api", key, value, environmentScope: "production", variableType: "env_var", ...flags };
                return resource("pulumi-nodejs:dynamic/gitlab:ProjectVariable", `api-ci-${key}`, inputs,
                    { wireInputs: { ...inputs, value: secret(value) }, secretPaths: ["value"] });
            };
            const diff = diffPlans(
                side([variable("KEEP", "value-one-1234", { protected: false, masked: true }), variable("GONE", "x-12345678", { protected: true })]),
                side([variable("KEEP", "value-two-5678", { protected: true, masked: true }), variable("NEW", "y-12345678", { masked: true })]),
                opts);
            assert.deepStrictEqual(diff.gitlabVariables.added.map((v) => [v.key, v.environmentScope, v.flags]), [["NEW", "production", { masked: true, variableType: "env_var" }]]);
            assert.deepStrictEqual(diff.gitlabVariables.removed.map((v) => v.key), ["GONE"]);
            assert.deepStrictEqual(diff.gitlabVariables.changed.map((v) => [v.key, v.changes]), [["KEEP", [
                { path: "protected", change: "changed", old: false, new: true },
                { path: "value", change: "changed", secret: true },
            ]]]);
            assert.deepStrictEqual(diff.counts, { create: 1, update: 1, delete: 1 });
            assert.ok(!JSON.stringify(diff).includes("value-one-1234") && !JSON.stringify(diff).includes("value-two-5678"));
        });

        it("outputs changed", () => {
            const diff = diffPlans(side([], { outputs: { url: "https://a.example.com", same: 1 } }), side([], { outputs: { url: "https://b.example.com", same: 1 } }), opts);
            assert.deepStrictEqual(diff.outputs, [{ path: "url", change: "changed", old: "https://a.example.com", new: "https://b.example.com" }]);
        });

        it("policy findings new and resolved", () => {
            const finding = (policy: string, urn: string): PlanViolation => ({ policy, kind: "finding", level: "advisory", urn, resource: urn, message: `${policy} on ${urn}` });
            const diff = diffPlans(side([], { violations: [finding("a", "x"), finding("b", "y")] }), side([], { violations: [finding("b", "y"), finding("c", "z")] }), opts);
            assert.deepStrictEqual(diff.policy.new.map((v) => v.policy), ["c"]);
            assert.deepStrictEqual(diff.policy.resolved.map((v) => v.policy), ["a"]);
        });

        it("leaves deliberate exemptions out of new and resolved, but not stale ones; an old baseline's notices are classified", () => {
            const exempt = (urn: string): PlanViolation => ({ policy: "min-replicas", kind: "exempt", level: "advisory", urn, resource: urn,
                message: `${urn} is exempt from min-replicas by its annotation policy.ai-platform.io/exempt-min-replicas: "one GPU, one replica". Suppressed finding(s): x` });
            const stale = (urn: string): PlanViolation => ({ policy: "min-replicas", kind: "stale", level: "advisory", urn, resource: urn,
                message: `${urn} carries the exemption annotation policy.ai-platform.io/exempt-min-replicas but complies with min-replicas; remove the stale exemption so a future regression is caught.` });
            const { kind: _kind, ...untyped } = exempt("old");
            const diff = diffPlans(side([], { violations: [untyped as PlanViolation] }), side([], { violations: [exempt("new"), stale("s")] }), opts);
            assert.deepStrictEqual(diff.policy.new.map((v) => v.urn), ["s"]);
            assert.deepStrictEqual(diff.policy.resolved, []);
        });
    });

    it("formats signed deltas", () => {
        assert.deepStrictEqual([signedCpu(500), signedCpu(-2000), signedCpu(0), signedCpu(1250)], ["+0.5", "-2", "+0", "+1.25"]);
        assert.deepStrictEqual([signedBytes(512 * Mi), signedBytes(-1.5 * 1024 * Mi), signedBytes(0)], ["+512Mi", "-1.5Gi", "+0"]);
    });
});
