import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources } from "../config";
import { childOptions } from "../lib/options";
import { ChartPin } from "./charts";
import { HelmAddon } from "./helmAddon";

export interface IngressNginxArgs {
    readonly pin: ChartPin;
    readonly namespace: k8s.core.v1.Namespace;
    /** Controller replicas; above 1 a PodDisruptionBudget (minAvailable 1) and a spread over nodes. */
    readonly replicas: number;
    readonly serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    /** Local keeps client IPs, which per-IP rate limits need; only meaningful for LoadBalancer/NodePort. */
    readonly externalTrafficPolicy: "Local" | "Cluster";
    readonly resources: ContainerResources;
    /** IngressClass name the workloads use. @default "nginx" */
    readonly ingressClassName?: string;
}

/**
 * ingress-nginx, the controller the source documents use. It is retired upstream (no fixes after
 * March 2026): workloads only see `ingressClassName`, so the layer can move to Gateway API.
 */
export class IngressNginx extends pulumi.ComponentResource {
    public readonly addon: HelmAddon;
    public readonly ingressClassName: string;

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:IngressNginx", name, {}, opts);
        this.ingressClassName = args.ingressClassName ?? "nginx";
        const controllerLabels = {
            "app.kubernetes.io/name": "ingress-nginx",
            "app.kubernetes.io/instance": args.pin.releaseName,
            "app.kubernetes.io/component": "controller",
        };
        this.addon = new HelmAddon(name, {
            pin: args.pin,
            namespace: args.namespace,
            values: {
                controller: {
                    replicaCount: args.replicas,
                    minAvailable: 1,
                    ingressClass: this.ingressClassName,
                    ingressClassResource: { name: this.ingressClassName, enabled: true, default: false },
                    // Snippets let any Ingress author inject nginx config (CVE-2021-25742 and later).
                    allowSnippetAnnotations: false,
                    config: {
                        "annotations-risk-level": "High",
                        "strict-validate-path-type": "true",
                        "server-tokens": "false",
                    },
                    resources: args.resources,
                    service: {
                        type: args.serviceType,
                        ...(args.serviceType === "ClusterIP" ? {} : { externalTrafficPolicy: args.externalTrafficPolicy }),
                    },
                    metrics: { enabled: true, serviceMonitor: { enabled: true } },
                    topologySpreadConstraints: args.replicas > 1 ? [{
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: controllerLabels },
                    }] : [],
                    admissionWebhooks: { enabled: true },
                },
            },
        }, childOptions(this, opts));
        this.registerOutputs({ ingressClassName: this.ingressClassName });
    }
}
