/**
 * Capacity report: CPU and memory requests and limits of every pod-bearing object, per namespace and
 * in total, at minimum replicas and at HPA maximum, plus PVC storage. Pure arithmetic over recorded
 * resources, so it can be tested on small hand-written fixtures.
 *
 * Replica rules:
 * - Deployment / StatefulSet / ReplicaSet / ReplicationController: `spec.replicas` (default 1); when
 *   an HPA in the same namespace targets the object, HPA `minReplicas` (default 1) at minimum and
 *   `maxReplicas` at maximum.
 * - DaemonSet: one pod per node, so it counts once per node: `daemonSetNodes` times (default 1, the
 *   budget's node count when there is one), and the report says so.
 * - Job: one run, `parallelism` pods (default 1, capped by `completions`); CronJob: one run of its job.
 * - Pod: one.
 * Per-pod figures follow the scheduler: max(sum of containers + sidecars, each init container plus
 * the sidecars started before it).
 */
import { formatBytes, formatCpu, parseBytes, parseCpu } from "../../components/lib/quantity";
import { RecordedResource } from "../stack/types";
import { asArray, asRecord, K8sObject, k8sObjects, label, podSpecOf } from "./k8s";

/** CPU in millicores, memory in bytes. */
export interface Resources {
    readonly cpuRequest: number;
    readonly memoryRequest: number;
    readonly cpuLimit: number;
    readonly memoryLimit: number;
    /** Containers (× replicas) without a CPU limit: the CPU limit total is a lower bound when > 0. */
    readonly cpuLimitUnset: number;
    /** Containers (× replicas) without a memory limit. */
    readonly memoryLimitUnset: number;
}

export const ZERO: Resources = {
    cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, cpuLimitUnset: 0, memoryLimitUnset: 0,
};

export function add(a: Resources, b: Resources): Resources {
    return {
        cpuRequest: a.cpuRequest + b.cpuRequest,
        memoryRequest: a.memoryRequest + b.memoryRequest,
        cpuLimit: a.cpuLimit + b.cpuLimit,
        memoryLimit: a.memoryLimit + b.memoryLimit,
        cpuLimitUnset: a.cpuLimitUnset + b.cpuLimitUnset,
        memoryLimitUnset: a.memoryLimitUnset + b.memoryLimitUnset,
    };
}

export function scale(r: Resources, factor: number): Resources {
    return {
        cpuRequest: r.cpuRequest * factor,
        memoryRequest: r.memoryRequest * factor,
        cpuLimit: r.cpuLimit * factor,
        memoryLimit: r.memoryLimit * factor,
        cpuLimitUnset: r.cpuLimitUnset * factor,
        memoryLimitUnset: r.memoryLimitUnset * factor,
    };
}

function max(a: Resources, b: Resources): Resources {
    return {
        cpuRequest: Math.max(a.cpuRequest, b.cpuRequest),
        memoryRequest: Math.max(a.memoryRequest, b.memoryRequest),
        cpuLimit: Math.max(a.cpuLimit, b.cpuLimit),
        memoryLimit: Math.max(a.memoryLimit, b.memoryLimit),
        cpuLimitUnset: Math.max(a.cpuLimitUnset, b.cpuLimitUnset),
        memoryLimitUnset: Math.max(a.memoryLimitUnset, b.memoryLimitUnset),
    };
}

/** A quantity as a number, or undefined (with a note) when it is set but not a valid quantity. */
function quantity(value: unknown, parse: (q: string) => number | undefined, where: string, notes: string[]): number | undefined {
    if (value === undefined || value === null || value === "") {
        return undefined;
    }
    const parsed = typeof value === "number" ? value * (parse === parseCpu ? 1000 : 1) : parse(String(value));
    if (parsed === undefined) {
        notes.push(`${where} is ${JSON.stringify(value)}, not a quantity (counted as 0)`);
    }
    return parsed;
}

/** Requests and limits of one container's `resources` block. */
export function containerResources(resources: unknown, where: string, notes: string[]): Resources {
    const requests = asRecord(asRecord(resources).requests);
    const limits = asRecord(asRecord(resources).limits);
    const cpuLimit = quantity(limits.cpu, parseCpu, `${where}.limits.cpu`, notes);
    const memoryLimit = quantity(limits.memory, parseBytes, `${where}.limits.memory`, notes);
    // Kubernetes defaults a missing request to the limit.
    const cpuRequest = quantity(requests.cpu, parseCpu, `${where}.requests.cpu`, notes) ?? cpuLimit ?? 0;
    const memoryRequest = quantity(requests.memory, parseBytes, `${where}.requests.memory`, notes) ?? memoryLimit ?? 0;
    return {
        cpuRequest, memoryRequest,
        cpuLimit: cpuLimit ?? 0,
        memoryLimit: memoryLimit ?? 0,
        cpuLimitUnset: limits.cpu === undefined ? 1 : 0,
        memoryLimitUnset: limits.memory === undefined ? 1 : 0,
    };
}

/** Effective requests/limits of one pod, as the scheduler computes them (sidecar-aware). */
export function podResources(spec: Record<string, any>, where: string, notes: string[]): Resources {
    let sidecars = ZERO;
    let initPeak = ZERO;
    asArray(spec.initContainers).forEach((c, i) => {
        const r = containerResources(asRecord(c).resources, `${where}.initContainers[${i}].resources`, notes);
        if (asRecord(c).restartPolicy === "Always") {
            sidecars = add(sidecars, r);
            initPeak = max(initPeak, sidecars);
        } else {
            // A finished init container's missing limits do not make the running pod unbounded.
            initPeak = max(initPeak, add(sidecars, { ...r, cpuLimitUnset: 0, memoryLimitUnset: 0 }));
        }
    });
    let regular = ZERO;
    asArray(spec.containers).forEach((c, i) => {
        regular = add(regular, containerResources(asRecord(c).resources, `${where}.containers[${i}].resources`, notes));
    });
    return max(add(regular, sidecars), initPeak);
}

export interface Replicas {
    readonly min: number;
    readonly max: number;
    /** How the counts were found, e.g. "spec.replicas", "HPA chatbot-prod/api (2–6)". */
    readonly source: string;
}

export interface WorkloadCapacity {
    readonly urn: string;
    readonly object: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly replicas: Replicas;
    readonly perPod: Resources;
    readonly atMin: Resources;
    readonly atMax: Resources;
    /** Storage claimed by volumeClaimTemplates (StatefulSet), bytes, at min and max replicas. */
    readonly claimStorageMin: number;
    readonly claimStorageMax: number;
    readonly notes: readonly string[];
}

export interface ClaimCapacity {
    readonly urn: string;
    readonly object: string;
    readonly namespace: string;
    readonly name: string;
    /** bytes */
    readonly storage: number;
    readonly storageClass?: string;
}

export interface Totals {
    readonly atMin: Resources;
    readonly atMax: Resources;
    /** Standalone PVCs plus volumeClaimTemplates × replicas. */
    readonly storageMin: number;
    readonly storageMax: number;
}

export interface NamespaceCapacity extends Totals {
    readonly namespace: string;
}

export interface CapacityReport {
    readonly workloads: readonly WorkloadCapacity[];
    readonly claims: readonly ClaimCapacity[];
    readonly namespaces: readonly NamespaceCapacity[];
    readonly total: Totals;
    /** Nodes each DaemonSet was counted on. */
    readonly daemonSetNodes: number;
    /** Caveats that apply to the figures (DaemonSets counted once, invalid quantities…). */
    readonly notes: readonly string[];
}

const SCALABLE = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

function intOr(value: unknown, fallback: number): number {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
}

/** The HPA (if any) whose scaleTargetRef names this object. */
function hpaFor(o: K8sObject, hpas: readonly K8sObject[]): K8sObject | undefined {
    return hpas.find((h) => {
        const ref = asRecord(asRecord(h.resource.inputs.spec).scaleTargetRef);
        return h.namespace === o.namespace && ref.kind === o.kind && ref.name === o.name;
    });
}

export function replicasOf(o: K8sObject, hpas: readonly K8sObject[], daemonSetNodes = 1): Replicas {
    const spec = asRecord(o.resource.inputs.spec);
    if (SCALABLE.has(o.kind)) {
        const hpa = hpaFor(o, hpas);
        if (hpa) {
            const hs = asRecord(hpa.resource.inputs.spec);
            const min = intOr(hs.minReplicas, 1);
            const maxReplicas = intOr(hs.maxReplicas, min);
            return { min, max: Math.max(min, maxReplicas), source: `HPA ${hpa.namespace}/${hpa.name} (${min}–${maxReplicas})` };
        }
        const n = intOr(spec.replicas, 1);
        return { min: n, max: n, source: spec.replicas === undefined ? "replicas unset (1)" : "spec.replicas" };
    }
    switch (o.kind) {
        case "DaemonSet":
            return {
                min: daemonSetNodes, max: daemonSetNodes,
                source: `DaemonSet: one pod per node, ${daemonSetNodes} node${daemonSetNodes === 1 ? "" : "s"} assumed`,
            };
        case "Job":
        case "CronJob": {
            const jobSpec = o.kind === "Job" ? spec : asRecord(asRecord(spec.jobTemplate).spec);
            const parallelism = intOr(jobSpec.parallelism, 1);
            const completions = jobSpec.completions === undefined ? parallelism : intOr(jobSpec.completions, parallelism);
            const n = Math.min(parallelism, completions);
            return { min: n, max: n, source: `${o.kind}: one run${n === 1 ? "" : ` (${n} pods in parallel)`}` };
        }
        default:
            return { min: 1, max: 1, source: o.kind };
    }
}

function claimBytes(claimSpec: unknown, where: string, notes: string[]): number {
    const storage = asRecord(asRecord(asRecord(claimSpec).resources).requests).storage;
    if (storage === undefined) {
        notes.push(`${where} requests no storage`);
        return 0;
    }
    return quantity(storage, parseBytes, `${where}.resources.requests.storage`, notes) ?? 0;
}

function totals(workloads: readonly WorkloadCapacity[], claims: readonly ClaimCapacity[]): Totals {
    const claimed = claims.reduce((n, c) => n + c.storage, 0);
    return {
        atMin: workloads.reduce((acc, w) => add(acc, w.atMin), ZERO),
        atMax: workloads.reduce((acc, w) => add(acc, w.atMax), ZERO),
        storageMin: claimed + workloads.reduce((n, w) => n + w.claimStorageMin, 0),
        storageMax: claimed + workloads.reduce((n, w) => n + w.claimStorageMax, 0),
    };
}

export interface CapacityOptions {
    /** Nodes a DaemonSet runs on. @default 1 */
    readonly daemonSetNodes?: number;
}

export function capacityOf(resources: readonly RecordedResource[], options: CapacityOptions = {}): CapacityReport {
    const daemonSetNodes = options.daemonSetNodes ?? 1;
    const objects = k8sObjects(resources).filter((o) => !o.type.patch);
    const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler");
    const workloads: WorkloadCapacity[] = [];
    const claims: ClaimCapacity[] = [];
    const notes: string[] = [];
    for (const o of objects) {
        if (o.kind === "PodTemplate") {
            continue; // a template, not something that runs
        }
        const podSpec = podSpecOf(o.kind, o.resource.inputs);
        if (podSpec) {
            const objectNotes: string[] = [];
            const perPod = podResources(podSpec, `${label(o)}: pod`, objectNotes);
            const replicas = replicasOf(o, hpas, daemonSetNodes);
            let claimStorageMin = 0;
            let claimStorageMax = 0;
            if (o.kind === "StatefulSet") {
                const templates = asArray(asRecord(o.resource.inputs.spec).volumeClaimTemplates);
                const perReplica = templates.reduce((n: number, t, i) =>
                    n + claimBytes(asRecord(t).spec, `${label(o)}: volumeClaimTemplates[${i}]`, objectNotes), 0);
                claimStorageMin = perReplica * replicas.min;
                claimStorageMax = perReplica * replicas.max;
            }
            workloads.push({
                urn: o.resource.urn, object: label(o), kind: o.kind, namespace: o.namespace, name: o.name,
                replicas, perPod,
                atMin: scale(perPod, replicas.min),
                atMax: scale(perPod, replicas.max),
                claimStorageMin, claimStorageMax, notes: objectNotes,
            });
            notes.push(...objectNotes);
        } else if (o.kind === "PersistentVolumeClaim") {
            const spec = asRecord(o.resource.inputs.spec);
            claims.push({
                urn: o.resource.urn, object: label(o), namespace: o.namespace, name: o.name,
                storage: claimBytes(spec, label(o), notes),
                ...(typeof spec.storageClassName === "string" ? { storageClass: spec.storageClassName } : {}),
            });
        }
    }
    const daemonSets = workloads.filter((w) => w.kind === "DaemonSet");
    if (daemonSets.length > 0) {
        notes.unshift(`DaemonSets run one pod per node; counted for ${daemonSetNodes} node${daemonSetNodes === 1 ? "" : "s"} ` +
            `(${daemonSets.map((w) => w.object).join(", ")})`);
    }
    for (const h of hpas) {
        const ref = asRecord(asRecord(h.resource.inputs.spec).scaleTargetRef);
        if (!objects.some((o) => o.namespace === h.namespace && o.kind === ref.kind && o.name === ref.name)) {
            notes.push(`${label(h)} targets ${ref.kind} ${ref.name}, which is not in the stack`);
        }
    }
    workloads.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    claims.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const namespaceNames = [...new Set([...workloads.map((w) => w.namespace), ...claims.map((c) => c.namespace)])].sort();
    const namespaces = namespaceNames.map((namespace) => ({
        namespace,
        ...totals(workloads.filter((w) => w.namespace === namespace), claims.filter((c) => c.namespace === namespace)),
    }));
    return { workloads, claims, namespaces, total: totals(workloads, claims), daemonSetNodes, notes };
}

/** "1.5 CPU / 2Gi" */
export function formatRequests(r: Resources): string {
    return `${formatCpu(r.cpuRequest)} CPU / ${formatBytes(r.memoryRequest)}`;
}

/** "2 CPU / 4Gi", "no CPU limit / 1Gi", "2 CPU (+3 containers unbounded) / 4Gi" */
export function formatLimits(r: Resources): string {
    const part = (value: number, unset: number, fmt: (n: number) => string, what: string) => {
        if (unset > 0 && value === 0) {
            return `no ${what} limit`;
        }
        return `${fmt(value)}${unset > 0 ? ` (+${unset} container${unset === 1 ? "" : "s"} unbounded)` : ""}`;
    };
    return `${part(r.cpuLimit, r.cpuLimitUnset, (n) => `${formatCpu(n)} CPU`, "CPU")} / ${part(r.memoryLimit, r.memoryLimitUnset, formatBytes, "memory")}`;
}
