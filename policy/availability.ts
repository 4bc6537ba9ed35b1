/** Availability: probes, replicas, PodDisruptionBudgets, HPAs, spreading, priority. */
import { explain, PackPolicy, resourcePolicy, stackPolicy } from "./lib/core";
import { A_M, OFF_A, OFF_M, PROD_ONLY } from "./lib/levels";
import { at, forEachContainer, forEachPod } from "./lib/podcheck";
import { containerList, isPodBearing, SERVING_KINDS } from "./lib/pods";
import { k8sType } from "./lib/k8s";
import { isEmptySelector } from "./lib/selectors";
import { ingressBackends, K8sObj, pdbSelects, serviceSelector, StackIndex, Workload } from "./lib/stack";
import { arr, deepEqual, num, obj, str } from "./lib/values";

function isServingKind(type: string): boolean {
    const t = k8sType(type);
    return t !== undefined && !t.patch && SERVING_KINDS.includes(t.kind);
}

export function probes(): PackPolicy {
    return resourcePolicy<{ requireLiveness: boolean }>({
        name: "probes",
        description: "Serving containers (those declaring ports) have a readinessProbe; liveness is recommended; readiness and liveness probes must differ.",
        anchors: "probes: Kyverno require-probes, ensure-probes-different; Polaris readinessProbeMissing, livenessProbeMissing; kube-score pod-probes, pod-probes-identical",
        levels: A_M,
        exemption: "yes",
        config: {
            requireLiveness: { type: "boolean", default: false, description: "Also require a livenessProbe on serving containers." },
        },
        appliesTo: isServingKind,
        check: (res, cfg, out) => forEachContainer(res, out, (c) => {
            const serving = arr(c.c.ports).length > 0;
            const readiness = c.c.readinessProbe;
            const liveness = c.c.livenessProbe;
            if (serving && (readiness === undefined || readiness === null)) {
                out.violation(explain(`${at(res, c, "readinessProbe")} is not set although the container declares ports`,
                    "without a readiness probe the Service sends traffic to the pod as soon as the process starts, and keeps sending it while the app is overloaded or still warming up",
                    "add a readinessProbe (httpGet on a /ready or /health endpoint, or tcpSocket on the serving port)"));
            }
            if (serving && cfg.requireLiveness && (liveness === undefined || liveness === null)) {
                out.violation(explain(`${at(res, c, "livenessProbe")} is not set`,
                    "a deadlocked process keeps its pod Running and serving errors until someone restarts it",
                    "add a livenessProbe that checks the process is alive (not its dependencies)"));
            }
            if (readiness && liveness && deepEqual(readiness, liveness)) {
                out.violation(explain(`${at(res, c, "livenessProbe")} is identical to its readinessProbe`,
                    "when the app is merely busy, both fail together and the kubelet restarts a pod that only needed to be taken out of rotation, turning load into a crash loop",
                    "make liveness cheaper and more tolerant (different endpoint or higher failureThreshold/periodSeconds) than readiness"));
            }
        }, ["container"]),
    });
}

export function spread(): PackPolicy {
    return stackPolicy<{ topologyKeys: string[] }>({
        name: "spread",
        description: "Multi-replica Deployments and StatefulSets (replicas > 1, or an HPA that can scale them past 1) spread their pods: topologySpreadConstraints or a hostname podAntiAffinity.",
        anchors: "spread: Polaris topologySpreadConstraint; kube-score *-has-host-podantiaffinity, pod-topology-spread-constraints; Kyverno topologyspreadconstraints-policy",
        levels: OFF_A,
        exemption: "yes",
        config: {
            topologyKeys: {
                type: "array", items: { type: "string" }, default: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
                description: "Topology keys that count as spreading.",
            },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.workloads().filter((x) => ["Deployment", "StatefulSet"].includes(x.obj.kind))) {
                out.guard(`the spreading of ${w.obj.label}`, () => {
                    const hpa = index.hpaFor(w);
                    // Without an HPA the count is spec.replicas as the object has it (on a live object the API
                    // server's default 1 when the program left it unset), not what an autoscaler might do.
                    const n = hpa ? (hpa.max.value ?? hpa.min.value) : (num(obj(w.obj.props.spec).replicas) ?? 1);
                    if (n <= 1) return;
                    const pod = w.pod.spec;
                    const tsc = arr(pod.topologySpreadConstraints).some((t: any) => cfg.topologyKeys.includes(str(obj(t).topologyKey) ?? ""));
                    const anti = obj(obj(pod.affinity).podAntiAffinity);
                    const terms = [
                        ...arr(anti.requiredDuringSchedulingIgnoredDuringExecution),
                        ...arr(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p: any) => obj(p).podAffinityTerm),
                    ];
                    const antiOk = terms.some((t: any) => cfg.topologyKeys.includes(str(obj(t).topologyKey) ?? ""));
                    if (!tsc && !antiOk) {
                        out.violation(explain(
                            `${w.obj.label} (${w.pod.specPath}) ${hpa ? `is scaled by ${hpa.obj.label} up to ${n} replicas` : `runs ${n} replicas`} but has neither topologySpreadConstraints nor a podAntiAffinity on ${cfg.topologyKeys.join(" or ")}`,
                            "the scheduler may put every replica on the same node or zone, so one node drain or failure takes the whole service down",
                            "add topologySpreadConstraints (maxSkew 1, topologyKey kubernetes.io/hostname, whenUnsatisfiable ScheduleAnyway) selecting the pod labels"), w.obj.urn);
                    }
                }, w.obj.urn);
            }
        },
    });
}

export function priorityClass(): PackPolicy {
    return resourcePolicy<{ allowedClasses: string[] }>({
        name: "priority-class",
        description: "Pods set priorityClassName (from the allowed list when one is configured).",
        anchors: "priority-class: Polaris priorityClassNotSet; Kyverno require-pod-priorityclassname",
        levels: OFF_A,
        exemption: "yes",
        config: {
            allowedClasses: { type: "array", items: { type: "string" }, default: [], description: "Allowed priority classes (empty: any)." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachPod(res, out, (pt) => {
            const pc = str(pt.spec.priorityClassName);
            if (!pc) {
                out.violation(explain(`${res.label} (${pt.specPath}.priorityClassName) is not set`,
                    "under resource pressure the scheduler cannot tell a user-facing service from a batch job and may preempt or evict the wrong one",
                    "set priorityClassName to the platform's class for this tier"));
            } else if (cfg.allowedClasses.length > 0 && !cfg.allowedClasses.includes(pc)) {
                out.violation(explain(`${res.label} (${pt.specPath}.priorityClassName) is ${JSON.stringify(pc)}, not an allowed class`,
                    "ad-hoc priority classes break the platform's preemption order", `use one of ${cfg.allowedClasses.join(", ")}`));
            }
        }),
    });
}

export function noBarePods(): PackPolicy {
    return resourcePolicy({
        name: "no-bare-pods",
        description: "No standalone Pods: run workloads through a Deployment, StatefulSet, DaemonSet, Job or CronJob.",
        anchors: "no-bare-pods: Kyverno prevent-bare-pods; Pulumi disallow-pod, pods-are-prohibited",
        levels: A_M,
        exemption: "yes",
        appliesTo: (type) => { const t = k8sType(type); return t !== undefined && !t.patch && t.kind === "Pod"; },
        check: (res, _cfg, out) => {
            out.violation(explain(`${res.label} is a standalone Pod`,
                "nothing recreates a bare pod when its node fails or is drained, and it cannot be rolled out or scaled",
                "wrap the pod spec in a Deployment (long-running) or a Job (run to completion)"));
        },
    });
}

const absent = (v: unknown) => v === undefined || v === null;

/** Why a PDB blocks every voluntary eviction for a workload with `replicas` pods, or undefined. */
export function pdbBlocksEviction(pdb: K8sObj, replicas: number | undefined): string | undefined {
    const spec = obj(pdb.props.spec);
    const max = spec.maxUnavailable;
    let min = spec.minAvailable;
    let defaulted = "";
    if (absent(min) && absent(max)) {
        if (pdb.k8s?.apiVersion !== "policy/v1beta1") {
            // policy/v1 does not default either field, and the disruption controller then expects 0 pods,
            // which it treats as "no disruption allowed".
            return "it sets neither minAvailable nor maxUnavailable, and for such a budget the disruption controller allows no disruption at all";
        }
        min = 1;
        defaulted = " (the policy/v1beta1 default)";
    }
    if (!absent(max)) {
        if (max === 0 || max === "0" || max === "0%") {
            return `maxUnavailable is ${JSON.stringify(max)}`;
        }
        return undefined;
    }
    if (min === "100%") {
        return "minAvailable is 100%";
    }
    if (replicas !== undefined) {
        if (typeof min === "number" && min >= replicas) {
            return `minAvailable ${min}${defaulted} is not below the ${replicas} replica(s) it protects`;
        }
        const pct = typeof min === "string" ? /^(\d+)%$/.exec(min) : null;
        if (pct && Math.ceil((Number(pct[1]) / 100) * replicas) >= replicas) {
            return `minAvailable ${min} of ${replicas} replica(s) rounds up to all of them`;
        }
    }
    return undefined;
}

/**
 * What makes a PDB useless before any replica count matters: both fields set (the API server rejects
 * the object) or a selector that selects no pod. Each entry is [what, why, fix].
 */
function pdbSpecProblems(pdb: K8sObj): Array<[string, string, string]> {
    const spec = obj(pdb.props.spec);
    const problems: Array<[string, string, string]> = [];
    if (!absent(spec.minAvailable) && !absent(spec.maxUnavailable)) {
        problems.push([
            `${pdb.label} (spec) sets both minAvailable (${JSON.stringify(spec.minAvailable)}) and maxUnavailable (${JSON.stringify(spec.maxUnavailable)})`,
            "the two are mutually exclusive: the API server rejects the PodDisruptionBudget, so a preview that does not check it passes and `pulumi up` fails",
            "keep one of them (maxUnavailable: 1 is the usual choice)",
        ]);
    }
    const neither = absent(spec.minAvailable) && absent(spec.maxUnavailable) ? ", and it sets neither minAvailable nor maxUnavailable" : "";
    if (absent(spec.selector)) {
        problems.push([
            `${pdb.label} (spec.selector) is not set${neither}`,
            "a PodDisruptionBudget without a selector selects no pods: it neither protects a workload nor blocks a drain, while the stack looks protected",
            "set spec.selector.matchLabels to the pod labels of the workload it protects, and maxUnavailable: 1",
        ]);
    } else if (pdb.k8s?.apiVersion === "policy/v1beta1" && isEmptySelector(spec.selector)) {
        problems.push([
            `${pdb.label} (spec.selector) is empty, which selects no pods in policy/v1beta1`,
            "the budget protects nothing (an empty selector selects every pod of the namespace only in policy/v1)",
            "use policy/v1 and set spec.selector.matchLabels to the workload's pod labels",
        ]);
    }
    return problems;
}

const MIN_REPLICAS_CONFIG = {
    type: "integer" as const, minimum: 1, default: 2, description: "Minimum number of replicas.",
};

export function minReplicas(): PackPolicy {
    return stackPolicy<{ minReplicas: number; kinds: string[] }>({
        name: "min-replicas",
        description: "Deployments run at least `minReplicas` replicas (skipped when an HPA targets them).",
        anchors: "min-replicas: Polaris deploymentMissingReplicas; kube-score deployment-replicas; Kyverno require-deployments-have-multiple-replicas; Pulumi configure-minimum-replica-count",
        levels: OFF_M,
        exemption: "yes",
        config: {
            minReplicas: MIN_REPLICAS_CONFIG,
            kinds: { type: "array", items: { type: "string", enum: ["Deployment", "StatefulSet", "ReplicaSet"] }, default: ["Deployment"], description: "Kinds checked." },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.scalableWorkloads().filter((x) => cfg.kinds.includes(x.obj.kind))) {
                out.guard(`the replicas of ${w.obj.label}`, () => {
                    if (index.hpaFor(w)) return;
                    const r = w.replicasField.value;
                    if ((r ?? 1) < cfg.minReplicas) {
                        out.violation(explain(`${w.obj.label} (spec.replicas) ${r === undefined ? "is not set, so it runs 1 replica" : `is ${r}`}`,
                            "with a single replica every rollout, node drain or crash is an outage",
                            `set spec.replicas to at least ${cfg.minReplicas}, or let an HPA with minReplicas ≥ ${cfg.minReplicas} manage it`), w.obj.urn);
                    }
                }, w.obj.urn);
            }
        },
    });
}

export function noReplicasWithHpa(): PackPolicy {
    return stackPolicy({
        name: "no-replicas-with-hpa",
        description: "A workload targeted by an HPA leaves spec.replicas unset, so Pulumi and the HPA do not fight over it.",
        anchors: "no-replicas-with-hpa: kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            for (const h of index.hpas()) {
                out.guard(`the target of ${h.obj.label}`, () => {
                    const w = index.hpaTarget(h);
                    if (!w) return;
                    const r = w.replicasField.value;
                    if (r !== undefined) {
                        out.violation(explain(`${w.obj.label} sets spec.replicas: ${r} although ${h.obj.label} scales it`,
                            "every `pulumi up` resets the replica count the HPA chose (a scale-down during peak load), and the next HPA cycle changes it back, so the stack never converges",
                            "remove spec.replicas from the workload and let the HPA's minReplicas/maxReplicas decide"), w.obj.urn);
                    }
                }, h.obj.urn);
            }
        },
    });
}

export function pdbRequired(): PackPolicy {
    return stackPolicy({
        name: "pdb-required",
        description: "Every multi-replica Deployment or StatefulSet is selected by a PodDisruptionBudget.",
        anchors: "pdb-required: Kyverno require-pdb; Polaris missingPodDisruptionBudget; kube-score deployment/statefulset-has-poddisruptionbudget",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.scalableWorkloads().filter((x) => x.obj.kind !== "ReplicaSet")) {
                out.guard(`the PodDisruptionBudget of ${w.obj.label}`, () => {
                    const replicas = index.replicas(w, "max");
                    if (replicas <= 1) return;
                    if (index.pdbsFor(w).length === 0) {
                        out.violation(explain(`${w.obj.label} runs up to ${replicas} replicas but no PodDisruptionBudget in namespace ${w.obj.namespace} selects its pods`,
                            "a node drain or cluster upgrade may evict all replicas at once",
                            "add a PodDisruptionBudget with the workload's pod labels as selector and maxUnavailable: 1"), w.obj.urn);
                    }
                }, w.obj.urn);
            }
        },
    });
}

export function pdbAllowsEviction(): PackPolicy {
    return stackPolicy({
        name: "pdb-allows-eviction",
        description: "PodDisruptionBudgets select pods, set exactly one of minAvailable or maxUnavailable, and still allow at least one voluntary eviction (maxUnavailable ≠ 0, minAvailable below replicas and HPA min).",
        anchors: "pdb-allows-eviction: Kyverno pdb-maxunavailable, pdb-minavailable, deployment-replicas-higher-than-pdb; Polaris pdbDisruptionsIsZero, pdbMinAvailableGreaterThanHPAMinReplicas; kube-score poddisruptionbudget-has-policy; Pulumi disallow-zero-voluntary-disruption",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            for (const pdb of index.ofKind("PodDisruptionBudget")) {
                out.guard(pdb.label, () => {
                    const problems = pdbSpecProblems(pdb);
                    for (const [what, why, fix] of problems) {
                        out.violation(explain(what, why, fix), pdb.urn);
                    }
                    if (problems.length > 0) return;
                    const selected = index.workloadsIn(pdb.namespace)
                        .filter((w) => ["Deployment", "StatefulSet", "ReplicaSet"].includes(w.obj.kind) && pdbSelects(pdb, w.podLabels.value));
                    const counts = selected.map((w) => ({ w, n: index.replicas(w, "min") }));
                    const reasons = new Set<string>();
                    const staticReason = pdbBlocksEviction(pdb, undefined);
                    if (staticReason) reasons.add(staticReason);
                    for (const { w, n } of counts) {
                        const r = pdbBlocksEviction(pdb, n);
                        if (r && r !== staticReason) reasons.add(`${r} (${w.obj.label}${index.hpaFor(w) ? ", HPA minReplicas" : ""})`);
                    }
                    for (const reason of reasons) {
                        out.violation(explain(`${pdb.label}: ${reason}`,
                            "a budget that allows zero disruptions blocks node drains and cluster upgrades indefinitely, and operators end up deleting it under pressure",
                            "use maxUnavailable: 1 (or a minAvailable strictly below the smallest replica count, HPA minReplicas included)"), pdb.urn);
                    }
                }, pdb.urn);
            }
        },
    });
}

export function hpaSane(): PackPolicy {
    return stackPolicy<{ minReplicas: number }>({
        name: "hpa-sane",
        description: "Each HPA targets a workload of this stack, has minReplicas ≥ 2 and maxReplicas > minReplicas.",
        anchors: "hpa-sane: Polaris hpaMinAvailability, hpaMaxAvailability; kube-score horizontalpodautoscaler-has-target, -replicas",
        levels: A_M,
        exemption: "yes",
        config: { minReplicas: MIN_REPLICAS_CONFIG },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const h of index.hpas()) {
                out.guard(`the target of ${h.obj.label}`, () => {
                    if (!index.hpaTarget(h)) {
                        out.violation(explain(`${h.obj.label} (spec.scaleTargetRef) targets ${h.targetKind.value} ${h.obj.namespace}/${h.targetName.value}, which is not in this stack`,
                            "the HPA then scales nothing (or a workload someone else manages) and the intended workload runs unscaled",
                            "point scaleTargetRef at the workload's kind and metadata.name in the same namespace"), h.obj.urn);
                    }
                }, h.obj.urn);
                out.guard(`the replica range of ${h.obj.label}`, () => {
                    const min = h.min.value;
                    const max = h.max.value;
                    if (min < cfg.minReplicas) {
                        out.violation(explain(`${h.obj.label} (spec.minReplicas) is ${min}`,
                            "at minimum scale a single pod serves everything, so a rollout or node drain is an outage",
                            `set minReplicas to at least ${cfg.minReplicas}`), h.obj.urn);
                    }
                    if (max === undefined || max <= min) {
                        out.violation(explain(`${h.obj.label} (spec.maxReplicas) is ${max ?? "not set"} with minReplicas ${min}`,
                            "an HPA whose maximum is not above its minimum can never scale up",
                            "set maxReplicas above minReplicas, from the load the service must absorb"), h.obj.urn);
                    }
                }, h.obj.urn);
            }
        },
    });
}

function servingContainers(w: Workload): Array<{ label: string; path: string; c: any }> {
    const containers = containerList(w.pod, "containers", "container");
    const withPorts = containers.filter((c) => arr(c.c.ports).length > 0);
    return withPorts.length > 0 ? withPorts : containers.slice(0, 1);
}

export function exposedNeedsPdb(): PackPolicy {
    return stackPolicy<{ minReplicas: number }>({
        name: "exposed-needs-pdb",
        description: "Workloads reachable from an Ingress (Ingress → Service → selector → pods) run ≥ 2 replicas (or HPA min ≥ 2), have a PodDisruptionBudget that allows eviction, and a readinessProbe.",
        anchors: "exposed-needs-pdb: stack-level (catalogue, second table)",
        levels: OFF_M,
        exemption: "yes",
        config: { minReplicas: MIN_REPLICAS_CONFIG },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            const exposed = new Map<string, { w: Workload; via: string }>();
            for (const ing of index.ofKind("Ingress")) {
                out.guard(`the backends of ${ing.label}`, () => {
                    for (const b of ingressBackends(ing)) {
                        const svc = index.resolve("Service", ing.namespace, b.service);
                        if (!svc || !("found" in svc)) continue;
                        const selector = serviceSelector(svc.found);
                        for (const w of index.workloadsSelectedByService(ing.namespace, selector)) {
                            if (!exposed.has(w.obj.urn)) exposed.set(w.obj.urn, { w, via: `${ing.label} → ${svc.found.label}` });
                        }
                    }
                }, ing.urn);
            }
            for (const { w, via } of exposed.values()) {
                out.guard(`the availability of ${w.obj.label}`, () => {
                    const hpa = index.hpaFor(w);
                    const n = index.replicas(w, "min");
                    const src = hpa ? `${hpa.obj.label} minReplicas` : "spec.replicas";
                    if (w.obj.kind !== "DaemonSet" && n < cfg.minReplicas) {
                        out.violation(explain(`${w.obj.label} is exposed (${via}) but runs ${n} replica(s) (${src})`,
                            "public traffic then depends on one pod: every deploy, node drain or crash is visible to users",
                            `run at least ${cfg.minReplicas} replicas (HPA minReplicas ≥ ${cfg.minReplicas})`), w.obj.urn);
                    }
                    const pdbs = index.pdbsFor(w);
                    if (pdbs.length === 0) {
                        out.violation(explain(`${w.obj.label} is exposed (${via}) but no PodDisruptionBudget selects its pods`,
                            "a node drain can take every replica of a public endpoint down at once",
                            "add a PodDisruptionBudget (maxUnavailable: 1) selecting the pod labels"), w.obj.urn);
                    } else {
                        const blocking = pdbs.map((p) => ({ p, r: pdbBlocksEviction(p, n) })).filter((x) => x.r);
                        if (blocking.length === pdbs.length) {
                            out.violation(explain(`${w.obj.label} is exposed (${via}) but its PodDisruptionBudget ${blocking[0].p.label} allows no eviction: ${blocking[0].r}`,
                                "drains and upgrades then stall on this workload", "use maxUnavailable: 1"), w.obj.urn);
                        }
                    }
                    for (const c of servingContainers(w)) {
                        if (c.c.readinessProbe === undefined || c.c.readinessProbe === null) {
                            out.violation(explain(`${w.obj.label}, container "${c.c.name}" (${c.path}.readinessProbe) serves ${via} without a readinessProbe`,
                                "the ingress controller routes requests to pods that are not ready yet (during every rollout and restart)",
                                "add a readinessProbe on the serving port"), w.obj.urn);
                        }
                    }
                }, w.obj.urn);
            }
        },
    });
}

export function hpaMinProd(): PackPolicy {
    return stackPolicy<{ minReplicas: number }>({
        name: "hpa-min-prod",
        description: "In prod, every HPA has minReplicas ≥ 2 and above the minAvailable of the PDBs covering its target, and the target has no spec.replicas.",
        anchors: "hpa-min-prod: stack-level (catalogue, second table)",
        levels: PROD_ONLY,
        exemption: "yes",
        config: { minReplicas: MIN_REPLICAS_CONFIG },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const h of index.hpas()) {
                out.guard(h.obj.label, () => {
                    const min = h.min.value;
                    if (min < cfg.minReplicas) {
                        out.violation(explain(`${h.obj.label} (spec.minReplicas) is ${min}, below the production minimum ${cfg.minReplicas}`,
                            "at night or after a quiet period the service shrinks to a single point of failure",
                            `set minReplicas ≥ ${cfg.minReplicas} in the prod stack config`), h.obj.urn);
                    }
                    const w = index.hpaTarget(h);
                    if (!w) return;
                    if (w.replicasField.value !== undefined) {
                        out.violation(explain(`${w.obj.label} sets spec.replicas although ${h.obj.label} scales it`,
                            "each deployment resets the replica count chosen by the HPA", "remove spec.replicas"), w.obj.urn);
                    }
                    for (const pdb of index.pdbsFor(w)) {
                        const ma = obj(pdb.props.spec).minAvailable;
                        if (typeof ma === "number" && ma >= min) {
                            out.violation(explain(`${h.obj.label} minReplicas ${min} is not above ${pdb.label} minAvailable ${ma}`,
                                "at minimum scale the budget allows no eviction, so node drains block", `raise minReplicas above ${ma} or use maxUnavailable: 1 in the PDB`), h.obj.urn);
                        }
                    }
                }, h.obj.urn);
            }
        },
    });
}
