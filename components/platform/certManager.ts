import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { ChartPin } from "./charts";
import { HelmAddon } from "./helmAddon";

export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
} as const;
export type IssuerName = keyof typeof ACME_SERVERS;

export interface CertManagerArgs {
    readonly pin: ChartPin;
    readonly namespace: k8s.core.v1.Namespace;
    /** Replicas of controller, webhook and cainjector; above 1 each gets a PodDisruptionBudget. */
    readonly replicas: number;
    /** Let's Encrypt account email of both issuers. */
    readonly acmeEmail: string;
    /** IngressClass the HTTP-01 solver Ingresses use. @default "nginx" */
    readonly solverIngressClass?: string;
}

/**
 * The namespace a ClusterIssuer states, although it has none. On a cluster without cert-manager's CRDs
 * the kubernetes provider cannot tell whether a ClusterIssuer is namespaced, assumes it is and fills in
 * its default namespace ("default"): that is what `pulumi preview --save-plan` records on a first
 * deployment. By the time `pulumi up --plan` checks the issuer the Release may have installed the CRDs,
 * the provider then knows better, and the issuer no longer matches the saved plan (the e2e tier saw
 * both outcomes). A stated namespace is left alone either way, and the API server drops it from a
 * cluster-scoped object.
 */
const CLUSTER_SCOPED_NAMESPACE = "default";

/**
 * cert-manager (CRDs templated by the chart and kept on uninstall) and the Let's Encrypt staging
 * and production ClusterIssuers. Both issuers always exist: new hosts are proven on staging before
 * a stack switches `clusterIssuer` to production (Let's Encrypt rate-limits production).
 */
export class CertManager extends pulumi.ComponentResource {
    public readonly addon: HelmAddon;
    public readonly issuers: Readonly<Record<IssuerName, k8s.apiextensions.CustomResource>>;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:CertManager", name, {}, opts);
        const highlyAvailable = args.replicas > 1;
        const pdb = { enabled: highlyAvailable, minAvailable: 1 };
        const smallPod = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } };
        this.addon = new HelmAddon(name, {
            pin: args.pin,
            namespace: args.namespace,
            values: {
                crds: { enabled: true, keep: true },
                global: { leaderElection: { namespace: args.namespace.metadata.name } },
                replicaCount: args.replicas,
                podDisruptionBudget: pdb,
                resources: smallPod,
                webhook: { replicaCount: args.replicas, podDisruptionBudget: pdb, resources: smallPod },
                cainjector: { replicaCount: args.replicas, podDisruptionBudget: pdb, resources: smallPod },
                prometheus: { enabled: true, servicemonitor: { enabled: true } },
                // The default 1m is too short on a busy cluster (pulumi-kubernetes #2674, #1917).
                startupapicheck: { timeout: "5m", resources: smallPod },
            },
        }, childOptions(this, opts));

        const solverIngressClass = args.solverIngressClass ?? "nginx";
        const issuers = {} as Record<IssuerName, k8s.apiextensions.CustomResource>;
        for (const issuer of Object.keys(ACME_SERVERS) as IssuerName[]) {
            // A CustomResource after the Release: Helm has waited for the CRDs and the webhook.
            issuers[issuer] = new k8s.apiextensions.CustomResource(issuer, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: issuer, namespace: CLUSTER_SCOPED_NAMESPACE },
                spec: {
                    acme: {
                        server: ACME_SERVERS[issuer],
                        email: args.acmeEmail,
                        privateKeySecretRef: { name: `${issuer}-account-key` },
                        solvers: [{ http01: { ingress: { ingressClassName: solverIngressClass } } }],
                    },
                },
            }, { parent: this, dependsOn: [this.addon] });
        }
        this.issuers = issuers;
        this.registerOutputs({ issuers: Object.keys(issuers) });
    }
}
