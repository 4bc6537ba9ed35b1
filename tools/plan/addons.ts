/**
 * The platform add-ons are Helm releases: their pods are rendered by Helm on the cluster, so the
 * offline evaluation (and the policy pack) never see them. This estimates what they request from
 * the values the program sets, through a small table of known value paths per chart. It is
 * approximate by construction: only values the program sets count (a chart default the program does
 * not override is reported as "not set"), and sidecars the table does not list are not counted.
 */
import { parseBytes, parseCpu } from "../../components/lib/quantity";
import { RecordedResource } from "../stack/types";
import { containerResources, Resources, scale, ZERO, add } from "./capacity";
import { asRecord, HELM_RELEASE_TYPE } from "./k8s";

type Values = Record<string, any>;

interface AddonPod {
    /** What the pods are, e.g. "controller", "prometheus". */
    readonly component: string;
    readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Pod";
    /** Dotted path of the `resources` block in the chart's values. */
    readonly resources: string;
    /** Dotted path of the replica count, and the chart's default for it. */
    readonly replicas?: string;
    readonly defaultReplicas?: number;
    /** Dotted path of an HPA block with enabled/minReplicas/maxReplicas (ingress-nginx style). */
    readonly autoscaling?: string;
    /** Dotted path of the storage size per replica, and the condition under which a claim exists. */
    readonly storage?: string;
    readonly storageWhen?: (values: Values) => boolean;
    /** Whether the chart renders these pods at all with these values. */
    readonly when?: (values: Values) => boolean;
    /** Kind decided by a value (e.g. alloy's controller.type). */
    readonly kindFrom?: (values: Values) => AddonPod["kind"];
    /** Pods created at run time rather than by the chart: a resources block and min/max counts from values. */
    readonly dynamic?: (values: Values) => { resources: unknown; min: number; max: number } | undefined;
    readonly note?: string;
}

export function at(values: Values, path: string): unknown {
    let value: any = values;
    for (const key of path.split(".")) {
        if (value === null || typeof value !== "object") {
            return undefined;
        }
        value = value[key];
    }
    return value;
}

const enabled = (path: string, byDefault = true) => (values: Values) => {
    const v = at(values, path);
    return v === undefined ? byDefault : v === true || v === "true";
};

/**
 * Known value paths per chart (by chart name). Charts with no pods map to []; a chart missing here
 * is reported as "not estimated".
 */
/** `key = "value"` settings of the runner's config.toml (the first [runners.kubernetes] block). */
function tomlSetting(toml: string, key: string): string | undefined {
    return new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\n]+)"?\\s*$`, "m").exec(toml)?.[1];
}

/** The CI job pods of the gitlab-runner chart's Kubernetes executor: build + helper containers, up to `concurrent`. */
function runnerJobPods(values: Values): { resources: unknown; min: number; max: number } | undefined {
    const toml = at(values, "runners.config");
    if (typeof toml !== "string") {
        return undefined;
    }
    const sum = (a?: string, b?: string, parse = parseBytes) => {
        const x = a === undefined ? undefined : parse(a);
        const y = b === undefined ? undefined : parse(b);
        return x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
    };
    const cpu = sum(tomlSetting(toml, "cpu_request"), tomlSetting(toml, "helper_cpu_request"), parseCpu);
    const memory = sum(tomlSetting(toml, "memory_request"), tomlSetting(toml, "helper_memory_request"));
    const cpuLimit = sum(tomlSetting(toml, "cpu_limit"), tomlSetting(toml, "helper_cpu_limit"), parseCpu);
    const memoryLimit = sum(tomlSetting(toml, "memory_limit"), tomlSetting(toml, "helper_memory_limit"));
    const requests: Record<string, string> = {};
    const limits: Record<string, string> = {};
    if (cpu !== undefined) requests.cpu = `${cpu}m`;
    if (memory !== undefined) requests.memory = String(memory);
    if (cpuLimit !== undefined) limits.cpu = `${cpuLimit}m`;
    if (memoryLimit !== undefined) limits.memory = String(memoryLimit);
    const concurrent = Number(at(values, "concurrent") ?? 10);
    return { resources: { requests, limits }, min: 0, max: Number.isFinite(concurrent) ? concurrent : 10 };
}

export const ADDON_TABLE: Readonly<Record<string, readonly AddonPod[]>> = {
    "cert-manager": [
        { component: "controller", kind: "Deployment", resources: "resources", replicas: "replicaCount", defaultReplicas: 1 },
        { component: "webhook", kind: "Deployment", resources: "webhook.resources", replicas: "webhook.replicaCount", defaultReplicas: 1 },
        { component: "cainjector", kind: "Deployment", resources: "cainjector.resources", replicas: "cainjector.replicaCount", defaultReplicas: 1, when: enabled("cainjector.enabled") },
        { component: "startupapicheck", kind: "Job", resources: "startupapicheck.resources", when: enabled("startupapicheck.enabled"), note: "post-install hook, runs during install/upgrade" },
    ],
    "ingress-nginx": [
        {
            component: "controller", kind: "Deployment", resources: "controller.resources", replicas: "controller.replicaCount",
            defaultReplicas: 1, autoscaling: "controller.autoscaling",
            kindFrom: (v) => (at(v, "controller.kind") === "DaemonSet" ? "DaemonSet" : "Deployment"),
        },
        { component: "admission create-secret", kind: "Job", resources: "controller.admissionWebhooks.createSecretJob.resources", when: enabled("controller.admissionWebhooks.enabled"), note: "pre-install hook" },
        { component: "admission patch-webhook", kind: "Job", resources: "controller.admissionWebhooks.patchWebhookJob.resources", when: enabled("controller.admissionWebhooks.enabled"), note: "post-install hook" },
        { component: "default backend", kind: "Deployment", resources: "defaultBackend.resources", replicas: "defaultBackend.replicaCount", defaultReplicas: 1, when: enabled("defaultBackend.enabled", false) },
    ],
    "prometheus-operator-crds": [],
    "gitlab-runner": [
        { component: "runner manager", kind: "Deployment", resources: "resources", replicas: "replicas", defaultReplicas: 1 },
        {
            component: "CI job pods (build + helper)", kind: "Pod", resources: "runners.config", dynamic: runnerJobPods,
            note: "created per CI job: 0 when idle, up to `concurrent` at once; service containers not counted",
        },
    ],
    "kube-prometheus-stack": [
        {
            component: "prometheus", kind: "StatefulSet", resources: "prometheus.prometheusSpec.resources",
            replicas: "prometheus.prometheusSpec.replicas", defaultReplicas: 1, when: enabled("prometheus.enabled"),
            storage: "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage",
        },
        {
            component: "alertmanager", kind: "StatefulSet", resources: "alertmanager.alertmanagerSpec.resources",
            replicas: "alertmanager.alertmanagerSpec.replicas", defaultReplicas: 1, when: enabled("alertmanager.enabled"),
            storage: "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage",
        },
        {
            component: "grafana", kind: "Deployment", resources: "grafana.resources", replicas: "grafana.replicas", defaultReplicas: 1,
            when: enabled("grafana.enabled"), storage: "grafana.persistence.size", storageWhen: enabled("grafana.persistence.enabled", false),
        },
        { component: "prometheus-operator", kind: "Deployment", resources: "prometheusOperator.resources", when: enabled("prometheusOperator.enabled") },
        { component: "kube-state-metrics", kind: "Deployment", resources: "kube-state-metrics.resources", replicas: "kube-state-metrics.replicas", defaultReplicas: 1, when: enabled("kubeStateMetrics.enabled") },
        { component: "node-exporter", kind: "DaemonSet", resources: "prometheus-node-exporter.resources", when: enabled("nodeExporter.enabled") },
    ],
    loki: [
        {
            component: "single binary", kind: "StatefulSet", resources: "singleBinary.resources", replicas: "singleBinary.replicas", defaultReplicas: 0,
            storage: "singleBinary.persistence.size", storageWhen: enabled("singleBinary.persistence.enabled"),
        },
        { component: "backend", kind: "StatefulSet", resources: "backend.resources", replicas: "backend.replicas", defaultReplicas: 3, storage: "backend.persistence.size", storageWhen: enabled("backend.persistence.enabled", false) },
        { component: "read", kind: "Deployment", resources: "read.resources", replicas: "read.replicas", defaultReplicas: 3 },
        { component: "write", kind: "StatefulSet", resources: "write.resources", replicas: "write.replicas", defaultReplicas: 3, storage: "write.persistence.size", storageWhen: enabled("write.persistence.enabled", false) },
        { component: "gateway", kind: "Deployment", resources: "gateway.resources", replicas: "gateway.replicas", defaultReplicas: 1, when: enabled("gateway.enabled") },
        { component: "chunks cache", kind: "StatefulSet", resources: "chunksCache.resources", replicas: "chunksCache.replicas", defaultReplicas: 1, when: enabled("chunksCache.enabled") },
        { component: "results cache", kind: "StatefulSet", resources: "resultsCache.resources", replicas: "resultsCache.replicas", defaultReplicas: 1, when: enabled("resultsCache.enabled") },
        { component: "canary", kind: "DaemonSet", resources: "lokiCanary.resources", when: enabled("lokiCanary.enabled") },
    ],
    alloy: [
        {
            component: "alloy", kind: "DaemonSet", resources: "alloy.resources", replicas: "controller.replicas", defaultReplicas: 1,
            kindFrom: (v) => {
                const type = at(v, "controller.type") ?? "daemonset";
                return type === "deployment" ? "Deployment" : type === "statefulset" ? "StatefulSet" : "DaemonSet";
            },
        },
        { component: "config reloader (sidecar)", kind: "DaemonSet", resources: "configReloader.resources", when: enabled("configReloader.enabled"), kindFrom: (v) => ((at(v, "controller.type") ?? "daemonset") === "daemonset" ? "DaemonSet" : "Deployment"), replicas: "controller.replicas", defaultReplicas: 1 },
    ],
};

export interface AddonRow {
    readonly release: string;
    readonly chart: string;
    readonly namespace: string;
    readonly component: string;
    readonly kind: string;
    readonly replicasMin: number;
    readonly replicasMax: number;
    /** Per pod, when the values set a resources block. */
    readonly perPod?: Resources;
    readonly atMin: Resources;
    readonly atMax: Resources;
    /** bytes, all replicas at minimum. */
    readonly storage: number;
    /** "resources not set in values (chart default applies)", hook notes… */
    readonly notes: readonly string[];
}

export interface AddonEstimate {
    /** Always true: these figures come from values, not from rendered pods. */
    readonly approximate: true;
    readonly rows: readonly AddonRow[];
    /** Releases whose chart is not in the table. */
    readonly notEstimated: readonly { release: string; chart: string; namespace: string }[];
    readonly atMin: Resources;
    readonly atMax: Resources;
    readonly storage: number;
}

function count(value: unknown, fallback: number): number {
    const n = typeof value === "string" ? Number(value) : value;
    return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
}

export function estimateAddons(resources: readonly RecordedResource[], options: { daemonSetNodes?: number } = {}): AddonEstimate {
    const nodes = options.daemonSetNodes ?? 1;
    const rows: AddonRow[] = [];
    const notEstimated: AddonEstimate["notEstimated"][number][] = [];
    for (const r of resources.filter((x) => x.type === HELM_RELEASE_TYPE)) {
        const chart = String(r.inputs.chart ?? "");
        const release = String(r.inputs.name ?? r.name);
        const namespace = String(r.inputs.namespace ?? "default");
        const values = asRecord(r.inputs.values);
        const table = ADDON_TABLE[chart];
        if (!table) {
            notEstimated.push({ release, chart, namespace });
            continue;
        }
        for (const pod of table) {
            if (pod.when && !pod.when(values)) {
                continue;
            }
            const kind = pod.kindFrom ? pod.kindFrom(values) : pod.kind;
            let min = 1;
            let maxReplicas = 1;
            const notes: string[] = [];
            if (kind === "Deployment" || kind === "StatefulSet") {
                min = pod.replicas ? count(at(values, pod.replicas), pod.defaultReplicas ?? 1) : 1;
                maxReplicas = min;
                const hpa = pod.autoscaling ? asRecord(at(values, pod.autoscaling)) : {};
                if (hpa.enabled === true) {
                    min = count(hpa.minReplicas, 1);
                    maxReplicas = Math.max(min, count(hpa.maxReplicas, min));
                }
            } else if (kind === "DaemonSet") {
                min = nodes;
                maxReplicas = nodes;
                notes.push(`one pod per node, ${nodes} node${nodes === 1 ? "" : "s"} assumed`);
            }
            if (pod.note) {
                notes.push(pod.note);
            }
            const dynamic = pod.dynamic?.(values);
            if (pod.dynamic) {
                if (!dynamic) {
                    continue;
                }
                min = dynamic.min;
                maxReplicas = dynamic.max;
            }
            if (min === 0 && maxReplicas === 0) {
                continue;
            }
            const block = dynamic ? dynamic.resources : at(values, pod.resources);
            const set = block !== undefined && block !== null && Object.keys(asRecord(block)).length > 0;
            const perPod = set ? containerResources(block, `${release}: ${pod.resources}`, notes) : undefined;
            if (!set) {
                notes.push(`${pod.resources} not set in values (chart default applies, not counted)`);
            }
            let storage = 0;
            if (pod.storage && (pod.storageWhen ? pod.storageWhen(values) : true)) {
                const size = at(values, pod.storage);
                if (size !== undefined) {
                    storage = (parseBytes(String(size)) ?? 0) * min;
                }
            }
            rows.push({
                release, chart, namespace, component: pod.component, kind,
                replicasMin: min, replicasMax: maxReplicas,
                ...(perPod ? { perPod } : {}),
                atMin: perPod ? scale(perPod, min) : ZERO,
                atMax: perPod ? scale(perPod, maxReplicas) : ZERO,
                storage, notes,
            });
        }
    }
    return {
        approximate: true,
        rows,
        notEstimated,
        atMin: rows.reduce((acc, row) => add(acc, row.atMin), ZERO),
        atMax: rows.reduce((acc, row) => add(acc, row.atMax), ZERO),
        storage: rows.reduce((n, row) => n + row.storage, 0),
    };
}
