/**
 * Capacity arithmetic over small hand-written resource lists; every expectation is computed by hand
 * in the comment next to it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { estimateAddons } from "../../tools/plan/addons";
import { checkBudget, resolveBudget } from "../../tools/plan/budget";
import { capacityOf, podResources } from "../../tools/plan/capacity";
import { container, deployment, Gi, helmRelease, hpa, k8s, Mi, podTemplate } from "./fixtures";

describe("plan: capacity arithmetic", () => {
    it("multiplies per-pod requests and limits by spec.replicas", () => {
        // 3 × (250m + 50m) = 900m; 3 × (512Mi + 64Mi) = 1728Mi; limits 3 × 1Gi memory, CPU 3 × 1 + one sidecar without.
        const report = capacityOf([deployment("shop", "api", [
            container("api", { cpu: "250m", memory: "512Mi" }, { cpu: "1", memory: "1Gi" }),
            container("proxy", { cpu: "50m", memory: "64Mi" }, { memory: "64Mi" }),
        ], 3)]);
        const w = report.workloads[0];
        assert.deepStrictEqual(w.replicas, { min: 3, max: 3, source: "spec.replicas" });
        assert.strictEqual(w.atMin.cpuRequest, 900);
        assert.strictEqual(w.atMin.memoryRequest, 1728 * Mi);
        assert.strictEqual(w.atMin.cpuLimit, 3000);
        assert.strictEqual(w.atMin.cpuLimitUnset, 3);
        assert.strictEqual(w.atMin.memoryLimit, 3 * (Gi + 64 * Mi));
        assert.strictEqual(w.atMin.memoryLimitUnset, 0);
        assert.deepStrictEqual(w.atMax, w.atMin);
        assert.strictEqual(report.total.atMin.cpuRequest, 900);
    });

    it("defaults replicas to 1 and a missing request to the limit", () => {
        // request cpu unset → the limit (500m); memory request 128Mi
        const report = capacityOf([deployment("shop", "worker", [container("w", { memory: "128Mi" }, { cpu: "500m", memory: "256Mi" })])]);
        const w = report.workloads[0];
        assert.strictEqual(w.replicas.min, 1);
        assert.strictEqual(w.atMin.cpuRequest, 500);
        assert.strictEqual(w.atMin.memoryRequest, 128 * Mi);
    });

    it("uses HPA minReplicas at minimum and maxReplicas at maximum, ignoring spec.replicas", () => {
        // per pod 500m / 1Gi; HPA 2–6: min 1000m / 2Gi, max 3000m / 6Gi
        const report = capacityOf([
            deployment("quickspin-ai", "quickspin", [container("app", { cpu: "500m", memory: "1Gi" }, { cpu: "2", memory: "2Gi" })], 4),
            hpa("quickspin-ai", "quickspin", { kind: "Deployment", name: "quickspin" }, 2, 6),
            // Same name in another namespace: must not be taken for this workload's HPA.
            hpa("other", "quickspin", { kind: "Deployment", name: "quickspin" }, 10, 20),
        ]);
        const w = report.workloads[0];
        assert.strictEqual(w.replicas.min, 2);
        assert.strictEqual(w.replicas.max, 6);
        assert.match(w.replicas.source, /HPA quickspin-ai\/quickspin \(2–6\)/);
        assert.strictEqual(w.atMin.cpuRequest, 1000);
        assert.strictEqual(w.atMin.memoryRequest, 2 * Gi);
        assert.strictEqual(w.atMax.cpuRequest, 3000);
        assert.strictEqual(w.atMax.memoryRequest, 6 * Gi);
        assert.strictEqual(w.atMax.memoryLimit, 12 * Gi);
        assert.ok(report.notes.some((n) => /HorizontalPodAutoscaler other\/quickspin targets Deployment quickspin, which is not in the stack/.test(n)));
    });

    it("defaults HPA minReplicas to 1", () => {
        const report = capacityOf([
            deployment("a", "web", [container("web", { cpu: "100m", memory: "100Mi" })]),
            hpa("a", "web", { kind: "Deployment", name: "web" }, undefined, 3),
        ]);
        assert.deepStrictEqual([report.workloads[0].replicas.min, report.workloads[0].replicas.max], [1, 3]);
        assert.strictEqual(report.total.atMax.cpuRequest, 300);
    });

    it("counts StatefulSet claims per replica and standalone PVCs once", () => {
        // MongoDB: 3 replicas × (100Gi data + 1Gi logs) = 303Gi; standalone PVC 10Gi → 313Gi in namespace kcp
        const report = capacityOf([
            k8s("StatefulSet", "kcp", "mongodb", {
                spec: {
                    replicas: 3, serviceName: "mongodb", selector: { matchLabels: { app: "x" } },
                    template: podTemplate([container("mongo", { cpu: "1", memory: "2Gi" }, { memory: "2Gi" })]),
                    volumeClaimTemplates: [
                        { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } } },
                        { metadata: { name: "logs" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
                    ],
                },
            }),
            k8s("PersistentVolumeClaim", "kcp", "uploads", { spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "10Gi" } } } }),
            k8s("PersistentVolumeClaim", "quickspin-ai", "chroma", { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } }),
        ]);
        const sts = report.workloads[0];
        assert.strictEqual(sts.claimStorageMin, 303 * Gi);
        assert.strictEqual(sts.atMin.cpuRequest, 3000);
        const kcp = report.namespaces.find((n) => n.namespace === "kcp")!;
        assert.strictEqual(kcp.storageMin, 313 * Gi);
        assert.strictEqual(report.total.storageMin, 323 * Gi);
        assert.strictEqual(report.claims.find((c) => c.name === "uploads")!.storageClass, "gp3");
    });

    it("scales StatefulSet claims with an HPA between min and max", () => {
        // 5Gi per replica, HPA 2–4: 10Gi at minimum, 20Gi at maximum
        const report = capacityOf([
            k8s("StatefulSet", "s", "db", {
                spec: {
                    replicas: 1, serviceName: "db", selector: { matchLabels: { app: "x" } },
                    template: podTemplate([container("db", { cpu: "100m", memory: "100Mi" })]),
                    volumeClaimTemplates: [{ metadata: { name: "d" }, spec: { resources: { requests: { storage: "5Gi" } } } }],
                },
            }),
            hpa("s", "db", { kind: "StatefulSet", name: "db" }, 2, 4),
        ]);
        assert.strictEqual(report.total.storageMin, 10 * Gi);
        assert.strictEqual(report.total.storageMax, 20 * Gi);
    });

    it("counts a DaemonSet once per node and says so", () => {
        const ds = k8s("DaemonSet", "logging", "agent", {
            spec: { selector: { matchLabels: { app: "x" } }, template: podTemplate([container("agent", { cpu: "50m", memory: "128Mi" })]) },
        });
        const one = capacityOf([ds]);
        assert.strictEqual(one.total.atMin.cpuRequest, 50);
        assert.match(one.workloads[0].replicas.source, /one pod per node, 1 node assumed/);
        assert.ok(one.notes.some((n) => /DaemonSets run one pod per node; counted for 1 node \(DaemonSet logging\/agent\)/.test(n)));
        // 3 nodes: 150m / 384Mi
        const three = capacityOf([ds], { daemonSetNodes: 3 });
        assert.strictEqual(three.total.atMax.cpuRequest, 150);
        assert.strictEqual(three.total.atMax.memoryRequest, 384 * Mi);
    });

    it("counts one run of a CronJob and of a Job (parallelism capped by completions)", () => {
        const report = capacityOf([
            k8s("CronJob", "kcp", "backup", {
                spec: {
                    schedule: "0 2 * * *",
                    jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [container("pg-dump", { cpu: "200m", memory: "256Mi" }, { memory: "512Mi" })] } } } },
                },
            }),
            k8s("Job", "kcp", "migrate", {
                spec: { parallelism: 4, completions: 2, template: { spec: { restartPolicy: "Never", containers: [container("m", { cpu: "100m", memory: "64Mi" })] } } },
            }),
        ]);
        const [cron, job] = report.workloads;
        assert.deepStrictEqual([cron.replicas.min, cron.replicas.max], [1, 1]);
        assert.match(cron.replicas.source, /CronJob: one run/);
        assert.strictEqual(cron.atMax.cpuRequest, 200);
        // min(parallelism 4, completions 2) = 2 pods: 200m / 128Mi
        assert.strictEqual(job.replicas.min, 2);
        assert.strictEqual(job.atMin.cpuRequest, 200);
        assert.strictEqual(job.atMin.memoryRequest, 128 * Mi);
        assert.strictEqual(report.total.atMin.cpuRequest, 400);
    });

    it("takes the larger of the containers and an init container, adding sidecars", () => {
        const notes: string[] = [];
        // Init containers run in order; the sidecar (restartPolicy Always) keeps running from its start on,
        // so it adds to every init container after it and to the regular containers.
        const r = podResources({
            initContainers: [
                container("migrate", { cpu: "500m", memory: "64Mi" }),
                container("mesh", { cpu: "50m", memory: "32Mi" }, { memory: "32Mi" }, { restartPolicy: "Always" }),
                container("warm", { cpu: "300m", memory: "512Mi" }),
            ],
            containers: [container("a", { cpu: "100m", memory: "100Mi" }), container("b", { cpu: "100m", memory: "100Mi" })],
        }, "pod", notes);
        // cpu: max(migrate 500, mesh 50, warm 300 + mesh 50 = 350, containers 200 + mesh 50 = 250) = 500
        assert.strictEqual(r.cpuRequest, 500);
        // memory: max(64, 32, 512 + 32 = 544, 200 + 32 = 232) = 544Mi
        assert.strictEqual(r.memoryRequest, 544 * Mi);
        assert.deepStrictEqual(notes, []);
    });

    it("notes an invalid quantity and counts it as zero", () => {
        const report = capacityOf([deployment("a", "bad", [container("c", { cpu: "lots", memory: "1Gi" })], 2)]);
        assert.strictEqual(report.total.atMin.cpuRequest, 0);
        assert.strictEqual(report.total.atMin.memoryRequest, 2 * Gi);
        assert.ok(report.notes.some((n) => /containers\[0\]\.resources\.requests\.cpu is "lots", not a quantity/.test(n)));
    });

    it("sums namespaces into the total", () => {
        const report = capacityOf([
            deployment("a", "x", [container("c", { cpu: "100m", memory: "100Mi" })], 2),
            deployment("b", "y", [container("c", { cpu: "250m", memory: "1Gi" })], 1),
        ]);
        assert.deepStrictEqual(report.namespaces.map((n) => [n.namespace, n.atMin.cpuRequest]), [["a", 200], ["b", 250]]);
        assert.strictEqual(report.total.atMin.cpuRequest, 450);
        assert.strictEqual(report.total.atMin.memoryRequest, 200 * Mi + Gi);
    });
});

describe("plan: platform add-ons estimate (approximate)", () => {
    it("reads requests and replicas from the known value paths of each chart", () => {
        const small = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } };
        const estimate = estimateAddons([
            helmRelease("cert-manager", "cert-manager", "cert-manager", {
                replicaCount: 2, resources: small, webhook: { replicaCount: 2, resources: small },
                cainjector: { replicaCount: 2, resources: small }, startupapicheck: { resources: small },
            }),
            helmRelease("loki", "loki", "logging", {
                deploymentMode: "Monolithic", singleBinary: { replicas: 1, resources: { requests: { cpu: "100m", memory: "256Mi" } }, persistence: { enabled: true, size: "10Gi" } },
                read: { replicas: 0 }, write: { replicas: 0 }, backend: { replicas: 0 }, gateway: { enabled: false },
                chunksCache: { enabled: false }, resultsCache: { enabled: false }, lokiCanary: { enabled: false },
            }),
            helmRelease("mystery", "some-chart", "x", {}),
        ]);
        assert.strictEqual(estimate.approximate, true);
        // cert-manager: (2 + 2 + 2 + 1 job) × 10m = 70m, 7 × 64Mi; loki 100m / 256Mi → 170m, 704Mi
        assert.strictEqual(estimate.atMin.cpuRequest, 170);
        assert.strictEqual(estimate.atMin.memoryRequest, (7 * 64 + 256) * Mi);
        assert.strictEqual(estimate.storage, 10 * Gi);
        assert.deepStrictEqual(estimate.notEstimated.map((r) => r.chart), ["some-chart"]);
        assert.deepStrictEqual(estimate.rows.filter((r) => r.release === "loki").map((r) => r.component), ["single binary"]);
    });

    it("counts the gitlab-runner manager and, between 0 and `concurrent`, its CI job pods", () => {
        const config = [
            "[[runners]]", "  [runners.kubernetes]", '    cpu_request = "500m"', '    cpu_limit = "2"', '    memory_request = "1Gi"',
            '    helper_cpu_request = "50m"', '    helper_memory_request = "64Mi"', '    service_cpu_request = "100m"',
        ].join("\n");
        const estimate = estimateAddons([helmRelease("gitlab-runner", "gitlab-runner", "gitlab-runner", {
            concurrent: 4, resources: { requests: { cpu: "100m", memory: "128Mi" } }, runners: { config },
        })]);
        const [manager, jobs] = estimate.rows;
        assert.deepStrictEqual([manager.component, manager.replicasMin, manager.atMin.cpuRequest], ["runner manager", 1, 100]);
        // job pod: build 500m + helper 50m = 550m, 1Gi + 64Mi; 0 when idle, 4 at once at most
        assert.deepStrictEqual([jobs.replicasMin, jobs.replicasMax], [0, 4]);
        assert.strictEqual(jobs.perPod!.cpuRequest, 550);
        assert.strictEqual(jobs.perPod!.memoryRequest, Gi + 64 * Mi);
        assert.strictEqual(jobs.atMax.cpuRequest, 2200);
        assert.strictEqual(estimate.atMin.cpuRequest, 100);
        assert.strictEqual(estimate.atMax.cpuRequest, 2300);
    });

    it("reports an unset resources block instead of guessing the chart default", () => {
        const estimate = estimateAddons([helmRelease("ingress-nginx", "ingress-nginx", "ingress-nginx", {
            controller: { replicaCount: 2, autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 }, admissionWebhooks: { enabled: false } },
        })]);
        assert.strictEqual(estimate.rows.length, 1);
        const row = estimate.rows[0];
        assert.deepStrictEqual([row.replicasMin, row.replicasMax], [2, 5]);
        assert.strictEqual(row.perPod, undefined);
        assert.ok(row.notes.some((n) => /controller\.resources not set in values/.test(n)));
        assert.strictEqual(estimate.atMin.cpuRequest, 0);
    });
});

describe("plan: budget", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-budget-"));
        fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
        fs.writeFileSync(path.join(root, "policy", "config", "dev.json"), JSON.stringify({
            all: "advisory",
            "stack-resource-budget": { cpu: "3", memory: "6Gi", storage: "50Gi", daemonSetNodes: 1 },
        }));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    const resources = () => [
        deployment("a", "web", [container("web", { cpu: "500m", memory: "1Gi" }, { memory: "1Gi" })]),
        hpa("a", "web", { kind: "Deployment", name: "web" }, 2, 4),
    ];

    it("reads the stack-resource-budget entry of policy/config/<stack>.json", () => {
        const budget = resolveBudget("dev", undefined, undefined, root)!;
        assert.strictEqual(budget.cpu, 3000);
        assert.strictEqual(budget.memory, 6 * Gi);
        assert.strictEqual(budget.storage, 50 * Gi);
        assert.strictEqual(budget.daemonSetNodes, 1);
        assert.match(budget.source, /policy\/config\/dev\.json "stack-resource-budget"/);
        assert.strictEqual(resolveBudget("staging", undefined, undefined, root), undefined);
    });

    it("compares requests at HPA maximum with the budget", () => {
        // at max: 4 × 500m = 2 CPU ≤ 3; 4 × 1Gi = 4Gi ≤ 6Gi
        const budget = resolveBudget("dev", undefined, undefined, root);
        const within = checkBudget(budget, capacityOf(resources()), 0, estimateAddons([]));
        assert.strictEqual(within.verdict, "within");
        assert.deepStrictEqual(within.checks.map((c) => [c.dimension, c.used, c.ok]), [
            ["cpu", 2000, true], ["memory", 4 * Gi, true], ["storage", 0, true],
        ]);
        // a test override of 1.5 CPU: 2 CPU exceeds it
        const tight = resolveBudget("dev", undefined, { cpu: "1500m" }, root);
        const exceeded = checkBudget(tight, capacityOf(resources()), 0, estimateAddons([]));
        assert.strictEqual(exceeded.verdict, "exceeded");
        assert.deepStrictEqual(exceeded.checks.filter((c) => !c.ok).map((c) => c.dimension), ["cpu"]);
    });

    it("prefers the pack's effective config (defaults + file) and flags invalid quantities", () => {
        const budget = resolveBudget("dev", { cpu: "lots", memory: "6Gi", storage: "2Ti", loadBalancers: 1, daemonSetNodes: 3 }, undefined, root)!;
        assert.strictEqual(budget.daemonSetNodes, 3);
        assert.deepStrictEqual(budget.problems, ['stack-resource-budget.cpu = "lots" is not a valid quantity']);
        assert.strictEqual(checkBudget(budget, capacityOf([]), 0, estimateAddons([])).verdict, "exceeded");
    });
});
