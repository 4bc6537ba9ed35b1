import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { Labels } from "./labels";

const NGINX = "nginx.ingress.kubernetes.io";

/** Where a path goes: a Service port, and the canary Service that shares its traffic, if any. */
export interface ServiceBackend {
    readonly service: k8s.core.v1.Service;
    /** Service port name. */
    readonly port: string;
    readonly canary?: { readonly service: k8s.core.v1.Service; readonly weight: number };
}

export interface IngressRoute {
    /** Path prefix, e.g. / or /api/v1/knowledge. */
    readonly path: string;
    readonly backend: ServiceBackend;
}

/** ingress-nginx request limits; they apply per client IP and per controller replica. */
export interface IngressLimits {
    readonly requestsPerMinute?: number;
    readonly requestsPerSecond?: number;
    /** Burst allowed above the rate, as a multiple of it. @default 5 (ingress-nginx's own default) */
    readonly burstMultiplier?: number;
    /** Largest request body, e.g. 10m. @default "1m" (ingress-nginx's default) */
    readonly maxBodySize?: string;
    /** Seconds between two reads (or writes) of the upstream before nginx gives up. @default 60 */
    readonly readTimeoutSeconds?: number;
    readonly sendTimeoutSeconds?: number;
}

export interface PublicIngressArgs {
    readonly namespace: k8s.core.v1.Namespace;
    /** Ingress object name; the TLS Secret is `<ingressName>-tls`. */
    readonly ingressName: string;
    readonly host: string;
    readonly routes: readonly IngressRoute[];
    /** The ClusterIssuer object whose name goes into cert-manager's annotation. */
    readonly clusterIssuer: k8s.apiextensions.CustomResource;
    readonly ingressClassName: string;
    readonly limits?: IngressLimits;
    readonly labels: Labels;
}

function limitAnnotations(limits: IngressLimits | undefined): Record<string, string> {
    const a: Record<string, string> = {};
    if (!limits) {
        return a;
    }
    if (limits.requestsPerMinute !== undefined) a[`${NGINX}/limit-rpm`] = String(limits.requestsPerMinute);
    if (limits.requestsPerSecond !== undefined) a[`${NGINX}/limit-rps`] = String(limits.requestsPerSecond);
    if (limits.burstMultiplier !== undefined) a[`${NGINX}/limit-burst-multiplier`] = String(limits.burstMultiplier);
    if (limits.maxBodySize !== undefined) a[`${NGINX}/proxy-body-size`] = limits.maxBodySize;
    if (limits.readTimeoutSeconds !== undefined) a[`${NGINX}/proxy-read-timeout`] = String(limits.readTimeoutSeconds);
    if (limits.sendTimeoutSeconds !== undefined) a[`${NGINX}/proxy-send-timeout`] = String(limits.sendTimeoutSeconds);
    return a;
}

/**
 * A public HTTPS entry point on ingress-nginx: one Ingress for the host, TLS issued by cert-manager
 * from the stack's ClusterIssuer, request limits as annotations. Every route whose backend has a
 * canary also gets a canary Ingress for the same host and path, weighted from configuration; it
 * asks for its own certificate because two Ingresses naming one TLS Secret make cert-manager's
 * ingress-shim fight over a single Certificate.
 */
export class PublicIngress extends pulumi.ComponentResource {
    public readonly ingress: k8s.networking.v1.Ingress;
    public readonly canaryIngresses: readonly k8s.networking.v1.Ingress[];
    public readonly url: string;

    constructor(name: string, args: PublicIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:PublicIngress", name, {}, opts);
        const namespace = args.namespace.metadata.name;
        const issuer = { "cert-manager.io/cluster-issuer": args.clusterIssuer.metadata.name };
        const ingress = (resourceName: string, ingressName: string, routes: Array<{ path: string; service: k8s.core.v1.Service; port: string }>,
            annotations: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
            new k8s.networking.v1.Ingress(resourceName, {
                metadata: { name: ingressName, namespace, labels: args.labels, annotations },
                spec: {
                    ingressClassName: args.ingressClassName,
                    tls: [{ hosts: [args.host], secretName: `${ingressName}-tls` }],
                    rules: [{
                        host: args.host,
                        http: {
                            paths: routes.map((r) => ({
                                path: r.path,
                                pathType: "Prefix",
                                backend: { service: { name: r.service.metadata.name, port: { name: r.port } } },
                            })),
                        },
                    }],
                },
            }, childOptions(this, opts));

        this.ingress = ingress(`${name}-ingress`, args.ingressName,
            args.routes.map((r) => ({ path: r.path, service: r.backend.service, port: r.backend.port })),
            { ...issuer, ...limitAnnotations(args.limits) });

        const canaries = new Map<k8s.core.v1.Service, { weight: number; routes: Array<{ path: string; service: k8s.core.v1.Service; port: string }> }>();
        for (const route of args.routes) {
            const canary = route.backend.canary;
            if (canary) {
                const entry = canaries.get(canary.service) ?? { weight: canary.weight, routes: [] };
                entry.routes.push({ path: route.path, service: canary.service, port: route.backend.port });
                canaries.set(canary.service, entry);
            }
        }
        this.canaryIngresses = [...canaries.values()].map((entry, i) => {
            const suffix = canaries.size === 1 ? "canary" : `canary-${i}`;
            return ingress(`${name}-${suffix}-ingress`, `${args.ingressName}-${suffix}`, entry.routes, {
                ...issuer,
                // ingress-nginx ignores every other annotation on a canary and takes the main Ingress's.
                [`${NGINX}/canary`]: "true",
                [`${NGINX}/canary-weight`]: String(entry.weight),
            });
        });
        this.url = `https://${args.host}`;
        this.registerOutputs({ url: this.url });
    }
}
