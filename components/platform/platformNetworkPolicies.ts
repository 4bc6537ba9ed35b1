import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { ACME_HTTP01_SOLVER, Allow, INTERNET, NetworkPolicies, Peer, PortSpec, tcp } from "../workloads/networkPolicies";
import { ChartId, ChartPin } from "./charts";
import { PLATFORM_NAMESPACES } from "./namespaces";

export interface PlatformNetworkPoliciesArgs {
    /** The platform namespaces, by name. */
    readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
    /** Kubernetes API server endpoints: the add-ons watch the API and the API calls their webhooks. */
    readonly kubeApiServerCidrs: readonly string[];
    /** The chart pins, for the release names that label every add-on pod. */
    readonly charts: Record<ChartId, ChartPin>;
}

const ANY_PORT: readonly PortSpec[] = [];
const EVERYWHERE: Peer = { cidr: "0.0.0.0/0" };
const ALL_PODS: Peer = { anyNamespace: true };

/**
 * Default deny (plus DNS) in every platform namespace, then per-component allows. Pods are selected
 * by the labels every chart puts on its pods: `app.kubernetes.io/instance: <release>` (and
 * `app.kubernetes.io/name` for the pods prometheus-operator creates, whose instance label differs).
 */
function platformAllows(apiServer: readonly Peer[], charts: Record<ChartId, ChartPin>): Record<keyof typeof PLATFORM_NAMESPACES, Allow[]> {
    const release = (id: ChartId) => ({ name: charts[id].releaseName, selector: { "app.kubernetes.io/instance": charts[id].releaseName } });
    const named = (name: string) => ({ name, selector: { "app.kubernetes.io/name": name } });
    // The pods are rendered by Helm inside the releases, out of the policy pack's sight.
    const helmPods = (id: ChartId) => ({
        "netpol-coverage": `selects pods of the ${charts[id].releaseName} Helm release, which Helm renders in the cluster; the policy pack cannot see them`,
    });
    const monitoringNs: Peer = { namespace: PLATFORM_NAMESPACES.monitoring.name };
    const loggingNs: Peer = { namespace: PLATFORM_NAMESPACES.logging.name };
    const ingressNs: Peer = { namespace: PLATFORM_NAMESPACES.ingressNginx.name };
    const toApiServer = { to: apiServer, ports: tcp(443, 6443) };
    return {
        certManager: [{
            group: release("cert-manager"),
            exemptions: helmPods("cert-manager"),
            ingress: [
                // The API server calls cert-manager's admission webhook.
                { from: apiServer, ports: tcp(10250) },
                { from: [monitoringNs], ports: tcp(9402, 9403) },
            ],
            egress: [
                toApiServer,
                // ACME directory on 443; HTTP-01 self-checks reach the solver through the ingress
                // controller's public address, which may well be a private load balancer IP.
                { to: [INTERNET], ports: tcp(443) },
                { to: [EVERYWHERE], ports: tcp(80) },
            ],
        }],
        ingressNginx: [{
            group: release("ingress-nginx"),
            exemptions: helmPods("ingress-nginx"),
            ingress: [
                { from: [EVERYWHERE], ports: tcp(80, 443) },
                { from: apiServer, ports: tcp(8443) },
                { from: [monitoringNs], ports: tcp(10254) },
            ],
            // Backends live in every product namespace, on whatever port their Service targets.
            egress: [toApiServer, { to: [ALL_PODS], ports: ANY_PORT }],
        }],
        monitoring: [
            {
                group: named("prometheus"),
                exemptions: helmPods("kube-prometheus-stack"),
                ingress: [{ from: [ALL_PODS], ports: tcp(9090) }, { from: [monitoringNs], ports: ANY_PORT }],
                // Scrapes every namespace and the nodes (kubelet, node-exporter on host addresses
                // this program cannot know).
                egress: [{ to: [EVERYWHERE, ALL_PODS], ports: ANY_PORT }],
            },
            {
                group: named("alertmanager"),
                exemptions: helmPods("kube-prometheus-stack"),
                ingress: [{ from: [ALL_PODS], ports: tcp(9093) }, { from: [monitoringNs], ports: ANY_PORT }],
                // Slack and Discord webhooks; gossip between replicas.
                egress: [{ to: [INTERNET], ports: tcp(443) }, { to: [monitoringNs], ports: tcp(9094) }],
            },
            {
                // Grafana, the operator, kube-state-metrics and the chart's hook Jobs.
                group: release("kube-prometheus-stack"),
                exemptions: helmPods("kube-prometheus-stack"),
                ingress: [
                    { from: [ingressNs, ALL_PODS], ports: tcp(3000) },
                    { from: [monitoringNs], ports: ANY_PORT },
                    { from: apiServer, ports: tcp(10250) },
                ],
                egress: [toApiServer, { to: [monitoringNs], ports: ANY_PORT }, { to: [loggingNs], ports: tcp(3100) }],
            },
            // Grafana's Ingress gets its certificate through an HTTP-01 solver in this namespace.
            ACME_HTTP01_SOLVER,
        ],
        logging: [
            {
                group: release("loki"),
                exemptions: helmPods("loki"),
                // Query and push API for Grafana, Alloy and teams' own pipelines (outputs contract).
                ingress: [{ from: [ALL_PODS], ports: tcp(3100) }, { from: [loggingNs], ports: ANY_PORT }],
                egress: [{ to: [loggingNs], ports: ANY_PORT }],
            },
            {
                group: release("alloy"),
                exemptions: helmPods("alloy"),
                ingress: [{ from: [monitoringNs], ports: tcp(12345) }],
                egress: [toApiServer, { to: [loggingNs], ports: tcp(3100) }],
            },
        ],
    };
}

/** NetworkPolicies of the platform's own namespaces (the products' come with each product). */
export class PlatformNetworkPolicies extends pulumi.ComponentResource {
    public readonly byNamespace: Readonly<Record<string, NetworkPolicies>>;

    constructor(name: string, args: PlatformNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:PlatformNetworkPolicies", name, {}, opts);
        const apiServer: Peer[] = args.kubeApiServerCidrs.map((cidr) => ({ cidr }));
        const allows = platformAllows(apiServer, args.charts);
        const byNamespace: Record<string, NetworkPolicies> = {};
        for (const [key, spec] of Object.entries(PLATFORM_NAMESPACES) as Array<[keyof typeof PLATFORM_NAMESPACES, { name: string }]>) {
            const namespace = args.namespaces[spec.name];
            if (!namespace) {
                throw new Error(`PlatformNetworkPolicies: namespace ${spec.name} is not created by this stack`);
            }
            byNamespace[spec.name] = new NetworkPolicies(spec.name, {
                namespace,
                labels: { "app.kubernetes.io/part-of": "ai-platform", "app.kubernetes.io/managed-by": "pulumi" },
                allows: allows[key],
            }, childOptions(this, opts));
        }
        this.byNamespace = byNamespace;
        this.registerOutputs({ namespaces: Object.keys(byNamespace) });
    }
}
