import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { PLATFORM_NAMESPACES } from "../platform/namespaces";
import { Labels } from "./labels";
import { exemptionAnnotations } from "./security";

/** A set of pods a rule talks about: a workload's selector labels and the ports its containers serve. */
export interface PodGroup {
    /** Names the group's NetworkPolicy (`allow-<name>`). */
    readonly name: string;
    readonly selector: Labels;
    /** Container ports by name. */
    readonly ports: Readonly<Record<string, number>>;
}

export type Peer =
    | { readonly pods: PodGroup }
    | { readonly namespace: string; readonly podLabels?: Labels }
    /** Every pod of every namespace (shared platform endpoints: Prometheus, Loki, backends of ingress). */
    | { readonly anyNamespace: true }
    | { readonly cidr: string; readonly except?: readonly string[] };

export interface PortSpec {
    readonly port: number;
    readonly protocol?: "TCP" | "UDP";
}

/** Traffic one group of pods may receive and send, beyond the namespace's default deny. */
export interface Allow {
    readonly group: Pick<PodGroup, "name" | "selector">;
    readonly ingress?: ReadonlyArray<{ readonly from: readonly Peer[]; readonly ports: readonly PortSpec[] }>;
    readonly egress?: ReadonlyArray<{ readonly to: readonly Peer[]; readonly ports: readonly PortSpec[] }>;
    /** Exemptions (policy name → reason) for the group's NetworkPolicy. */
    readonly exemptions?: Readonly<Record<string, string>>;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** The public internet: anything but the RFC 1918 ranges, so "internet" never reaches in-cluster pods. */
export const INTERNET: Peer = { cidr: "0.0.0.0/0", except: PRIVATE_RANGES };
/** ingress-nginx controller pods. */
export const INGRESS_CONTROLLER: Peer = {
    namespace: PLATFORM_NAMESPACES.ingressNginx.name,
    podLabels: { "app.kubernetes.io/name": "ingress-nginx" },
};
/** Prometheus pods of kube-prometheus-stack. */
export const PROMETHEUS: Peer = {
    namespace: PLATFORM_NAMESPACES.monitoring.name,
    podLabels: { "app.kubernetes.io/name": "prometheus" },
};
export const HTTPS: PortSpec = { port: 443, protocol: "TCP" };

/**
 * cert-manager's HTTP-01 solver pods, which it creates in the namespace of each Ingress it
 * certifies while it proves the host: every namespace with an Ingress needs this allow.
 */
export const ACME_HTTP01_SOLVER: Allow = {
    group: { name: "acme-http01-solver", selector: { "acme.cert-manager.io/http01-solver": "true" } },
    ingress: [{ from: [INGRESS_CONTROLLER], ports: [{ port: 8089, protocol: "TCP" }] }],
    exemptions: {
        "netpol-coverage": "selects cert-manager's HTTP-01 solver pods, which cert-manager creates in this namespace only while it proves a host; the policy pack cannot see them",
    },
};

export function tcp(...ports: number[]): PortSpec[] {
    return ports.map((port) => ({ port, protocol: "TCP" as const }));
}

export interface NetworkPoliciesArgs {
    /** The namespace the policies isolate. */
    readonly namespace: k8s.core.v1.Namespace;
    /** Labels put on every policy. */
    readonly labels: Labels;
    /** Explicit allows; allows for the same group are merged into one policy. */
    readonly allows: readonly Allow[];
}

function peer(p: Peer): k8s.types.input.networking.v1.NetworkPolicyPeer {
    if ("pods" in p) {
        return { podSelector: { matchLabels: p.pods.selector } };
    }
    if ("anyNamespace" in p) {
        return { namespaceSelector: {} };
    }
    if ("namespace" in p) {
        return {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } },
            ...(p.podLabels ? { podSelector: { matchLabels: p.podLabels } } : {}),
        };
    }
    return { ipBlock: { cidr: p.cidr, ...(p.except ? { except: [...p.except] } : {}) } };
}

function ports(list: readonly PortSpec[]): k8s.types.input.networking.v1.NetworkPolicyPort[] {
    return list.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" }));
}

/** Rules on the same ports become one rule listing every peer (readable with kubectl describe). */
function mergeByPorts(rules: ReadonlyArray<{ peers: readonly Peer[]; ports: readonly PortSpec[] }>): Array<{ peers: Peer[]; ports: PortSpec[] }> {
    const byPorts = new Map<string, { peers: Peer[]; ports: PortSpec[] }>();
    for (const rule of rules) {
        const key = JSON.stringify(ports(rule.ports));
        const entry = byPorts.get(key) ?? { peers: [], ports: [...rule.ports] };
        for (const p of rule.peers) {
            if (!entry.peers.some((q) => JSON.stringify(q) === JSON.stringify(p))) {
                entry.peers.push(p);
            }
        }
        byPorts.set(key, entry);
    }
    return [...byPorts.values()];
}

/**
 * A namespace's NetworkPolicies: deny all ingress and egress, allow DNS to kube-system's resolver,
 * then one policy per pod group with exactly the flows it needs. The default deny carries no allow
 * rule, so adding a workload without its own allows fails closed.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly defaultDeny: k8s.networking.v1.NetworkPolicy;
    public readonly dns: k8s.networking.v1.NetworkPolicy;
    /** The allow policy of each group, by group name. */
    public readonly allows: Readonly<Record<string, k8s.networking.v1.NetworkPolicy>>;

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:NetworkPolicies", name, {}, opts);
        const namespace = args.namespace.metadata.name;
        const metadata = (policyName: string, annotations?: Record<string, string>) => ({
            name: policyName, namespace, labels: args.labels, ...(annotations ? { annotations } : {}),
        });

        this.defaultDeny = new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: metadata("default-deny"),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }, childOptions(this, opts));

        this.dns = new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, {
            metadata: metadata("allow-dns"),
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{
                    to: [{
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    }],
                    ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
                }],
            },
        }, childOptions(this, opts));

        const merged = new Map<string, { selector: Labels; ingress: Allow["ingress"][]; egress: Allow["egress"][]; exemptions: Record<string, string> }>();
        for (const allow of args.allows) {
            const entry = merged.get(allow.group.name) ?? { selector: allow.group.selector, ingress: [], egress: [], exemptions: {} };
            if (JSON.stringify(entry.selector) !== JSON.stringify(allow.group.selector)) {
                throw new Error(`NetworkPolicies ${name}: group ${allow.group.name} is used with two different selectors`);
            }
            entry.ingress.push(allow.ingress ?? []);
            entry.egress.push(allow.egress ?? []);
            Object.assign(entry.exemptions, allow.exemptions ?? {});
            merged.set(allow.group.name, entry);
        }

        const allows: Record<string, k8s.networking.v1.NetworkPolicy> = {};
        for (const [group, entry] of merged) {
            const ingress = mergeByPorts(entry.ingress.flatMap((rules) => (rules ?? []).map((r) => ({ peers: r.from, ports: r.ports }))));
            const egress = mergeByPorts(entry.egress.flatMap((rules) => (rules ?? []).map((r) => ({ peers: r.to, ports: r.ports }))));
            const policyTypes = [...(ingress.length > 0 ? ["Ingress"] : []), ...(egress.length > 0 ? ["Egress"] : [])];
            if (policyTypes.length === 0) {
                continue;
            }
            const annotations = exemptionAnnotations(entry.exemptions);
            allows[group] = new k8s.networking.v1.NetworkPolicy(`${name}-allow-${group}`, {
                metadata: metadata(`allow-${group}`, Object.keys(annotations).length > 0 ? annotations : undefined),
                spec: {
                    podSelector: { matchLabels: entry.selector },
                    policyTypes,
                    ...(ingress.length > 0 ? { ingress: ingress.map((r) => ({ from: r.peers.map(peer), ports: ports(r.ports) })) } : {}),
                    ...(egress.length > 0 ? { egress: egress.map((r) => ({ to: r.peers.map(peer), ports: ports(r.ports) })) } : {}),
                },
            }, childOptions(this, opts));
        }
        this.allows = allows;
        this.registerOutputs({ policies: ["default-deny", "allow-dns", ...Object.keys(allows).map((g) => `allow-${g}`)] });
    }
}
