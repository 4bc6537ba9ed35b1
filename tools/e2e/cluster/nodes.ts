/**
 * The cluster's simulated nodes: Node objects that KWOK adopts (annotation kwok.x-k8s.io/node) and
 * keeps Ready, so pods bind and run without a kubelet.
 */

export interface Taint {
    readonly key: string;
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface NodeSpec {
    /** Node name, also its kubernetes.io/hostname label (what workloads pin to). */
    readonly name: string;
    /** topology.kubernetes.io/zone. */
    readonly zone: string;
    readonly cpu: string;
    readonly memory: string;
    readonly pods: number;
    readonly ephemeralStorage?: string;
    /** nvidia.com/gpu capacity; the node also gets nvidia.com/gpu.present=true. */
    readonly gpus?: number;
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly Taint[];
}

/** The annotation KWOK selects its nodes by (kwok is started with this selector). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_VALUE = "fake";

const general = (name: string, zone: string): NodeSpec => ({
    name, zone, cpu: "32", memory: "128Gi", pods: 110,
    labels: { "node.kubernetes.io/instance-type": "e2e-general-32" },
});

/**
 * Three general nodes, one per zone, hold the prod stack (about 31 CPU / 65Gi of requests at HPA
 * maximum, plus the Helm add-ons) with room for staging and dev beside it.
 *
 * The GPU nodes are the hosts Harvis AI pins to in staging and prod (harvisBackendNode,
 * harvisFrontendNode, harvisOllamaNode in Pulumi.staging.yaml / Pulumi.prod.yaml), with one GPU
 * each like the real hosts, so a rollout that needs a second GPU stalls here as it would there
 * (two stacks sharing one cluster need a copy with more). Only pop-os is tainted
 * nvidia.com/gpu:NoSchedule: everything pinned to it (the backend) tolerates the taint, while
 * pop-os-343570d8 also hosts the frontend, which requests no GPU and carries no toleration.
 */
export const DEFAULT_NODES: readonly NodeSpec[] = [
    general("e2e-general-a", "zone-a"),
    general("e2e-general-b", "zone-b"),
    general("e2e-general-c", "zone-c"),
    {
        name: "pop-os", zone: "zone-a", cpu: "24", memory: "64Gi", pods: 110, gpus: 1,
        labels: { "node.kubernetes.io/instance-type": "e2e-gpu-rtx4090" },
        taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
    },
    {
        name: "pop-os-343570d8", zone: "zone-b", cpu: "24", memory: "64Gi", pods: 110, gpus: 1,
        labels: { "node.kubernetes.io/instance-type": "e2e-gpu-rtx3090ti" },
    },
];

export const REGION = "e2e";

/**
 * The Node object for a spec. Index `i` gives the node a distinct pod CIDR (KWOK assigns pod IPs
 * from it; without one all nodes share KWOK's single /24) and a distinct InternalIP; neither
 * address is configured anywhere, they only appear in object status.
 */
export function nodeManifest(spec: NodeSpec, i: number): Record<string, unknown> {
    if (i < 0 || i > 253) {
        throw new Error(`node index ${i} out of range: at most 254 nodes`);
    }
    const resources: Record<string, string> = {
        cpu: spec.cpu,
        memory: spec.memory,
        pods: String(spec.pods),
        "ephemeral-storage": spec.ephemeralStorage ?? "1Ti",
        ...(spec.gpus ? { "nvidia.com/gpu": String(spec.gpus) } : {}),
    };
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: spec.name,
            annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_VALUE, "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
                "kubernetes.io/hostname": spec.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": spec.zone,
                "topology.kubernetes.io/region": REGION,
                type: "kwok",
                ...(spec.gpus ? { "nvidia.com/gpu.present": "true" } : {}),
                ...spec.labels,
            },
        },
        spec: {
            podCIDR: `10.244.${i}.0/24`,
            podCIDRs: [`10.244.${i}.0/24`],
            ...(spec.taints?.length ? { taints: spec.taints } : {}),
        },
        status: {
            capacity: resources,
            allocatable: resources,
            addresses: [
                { type: "InternalIP", address: `10.250.0.${i + 1}` },
                { type: "Hostname", address: spec.name },
            ],
        },
    };
}

// Set at registration (TaintNodesByCondition admission) and removed by the node lifecycle
// controller once the node reports Ready; until then the scheduler skips the node.
const NOT_READY_TAINTS = new Set(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/network-unavailable"]);

/** Whether a Node object is Ready and schedulable as far as readiness goes. */
export function nodeReady(node: any): boolean {
    const ready = (node?.status?.conditions ?? []).find((c: any) => c.type === "Ready");
    const taints: any[] = node?.spec?.taints ?? [];
    return ready?.status === "True" && !taints.some((t) => NOT_READY_TAINTS.has(t.key));
}
