import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { CertManager, IssuerName } from "./certManager";
import { HelmAddon } from "./helmAddon";
import { IngressNginx } from "./ingressNginx";
import { lokiServiceUrl, Logging } from "./logging";
import { Monitoring } from "./monitoring";
import { Namespaces, namespacePlan, PLATFORM_NAMESPACES } from "./namespaces";
import { PlatformNetworkPolicies } from "./platformNetworkPolicies";
import { PriorityClasses } from "./priorityClasses";

export interface PlatformArgs {
    /** The validated stack configuration (components/config). */
    readonly config: PlatformConfig;
}

/**
 * The cluster platform every product runs on, in dependency order: namespaces, monitoring CRDs,
 * cert-manager and its ClusterIssuers, ingress-nginx, kube-prometheus-stack, Loki, Alloy. Each step
 * `dependsOn` the objects before it (ServiceMonitors need the CRDs, Ingresses need the ingress
 * admission webhook, certificates need the issuers).
 */
export class Platform extends pulumi.ComponentResource {
    public readonly namespaces: Namespaces;
    /** Default deny plus the add-ons' flows in the platform namespaces. */
    public readonly networkPolicies: PlatformNetworkPolicies;
    /** Scheduling priorities for the products' pods. */
    public readonly priorityClasses: PriorityClasses;
    public readonly certManager: CertManager;
    public readonly ingress: IngressNginx;
    public readonly monitoring: Monitoring;
    public readonly logging: Logging;
    /** The ClusterIssuer this stack's Ingresses use. */
    public readonly clusterIssuer: k8s.apiextensions.CustomResource;
    public readonly clusterIssuerName: IssuerName;
    public readonly ingressClassName: string;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:Platform", name, {}, opts);
        const { config } = args;
        const { charts } = config;

        this.namespaces = new Namespaces("namespaces", {
            environment: config.environment,
            namespaces: namespacePlan({ name: config.environment, tier: config.tier }, config.products),
            protect: config.cluster.dataProtection,
        }, { parent: this });
        const ns = (spec: { name: string }) => this.namespaces.byName[spec.name];
        this.priorityClasses = new PriorityClasses("priority", {
            labels: { "app.kubernetes.io/part-of": "ai-platform", "app.kubernetes.io/managed-by": "pulumi" },
        }, { parent: this });
        this.networkPolicies = new PlatformNetworkPolicies("platform-network", {
            namespaces: this.namespaces.byName,
            kubeApiServerCidrs: config.network.kubeApiServerCidrs,
            charts,
        }, { parent: this });

        const monitoringCrds = new HelmAddon("prometheus-operator-crds", {
            pin: charts["prometheus-operator-crds"],
            namespace: ns(PLATFORM_NAMESPACES.monitoring),
            values: {},
        }, { parent: this });

        this.certManager = new CertManager("cert-manager", {
            pin: charts["cert-manager"],
            namespace: ns(PLATFORM_NAMESPACES.certManager),
            replicas: config.certManager.replicas,
            acmeEmail: config.tls.acmeEmail,
        }, { parent: this, dependsOn: [monitoringCrds] });
        const issuers = Object.values(this.certManager.issuers);
        this.clusterIssuerName = config.tls.clusterIssuer;
        this.clusterIssuer = this.certManager.issuers[config.tls.clusterIssuer];

        this.ingress = new IngressNginx("ingress-nginx", {
            pin: charts["ingress-nginx"],
            namespace: ns(PLATFORM_NAMESPACES.ingressNginx),
            replicas: config.ingress.replicas,
            serviceType: config.ingress.serviceType,
            externalTrafficPolicy: config.ingress.externalTrafficPolicy,
            resources: config.ingress.resources,
        }, { parent: this, dependsOn: [monitoringCrds, ...issuers] });
        this.ingressClassName = this.ingress.ingressClassName;

        const loggingNamespace = ns(PLATFORM_NAMESPACES.logging);
        this.monitoring = new Monitoring("kube-prometheus-stack", {
            pin: charts["kube-prometheus-stack"],
            namespace: ns(PLATFORM_NAMESPACES.monitoring),
            settings: config.monitoring,
            storageClass: config.cluster.storageClass,
            ingressClassName: this.ingressClassName,
            clusterIssuer: this.clusterIssuer,
            lokiUrl: lokiServiceUrl(charts.loki, loggingNamespace),
        }, { parent: this, dependsOn: [monitoringCrds, this.ingress, ...issuers] });

        this.logging = new Logging("logging", {
            lokiPin: charts.loki,
            alloyPin: charts.alloy,
            namespace: loggingNamespace,
            settings: config.logging,
            storageClass: config.cluster.storageClass,
        }, { parent: this, dependsOn: [this.monitoring] });

        this.registerOutputs({
            namespaces: Object.keys(this.namespaces.byName),
            clusterIssuer: this.clusterIssuerName,
            ingressClassName: this.ingressClassName,
        });
    }
}
