import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentRef, PodSecurityLevel, PRODUCTS, ProductId } from "../products/catalog";
import { exemptionAnnotations } from "../workloads/security";

/** Label keys shared by every namespace (and read by the policy pack and the offline plan). */
export const LABELS = {
    environment: "ai-platform.io/environment",
    team: "ai-platform.io/team",
    product: "ai-platform.io/product",
    partOf: "app.kubernetes.io/part-of",
} as const;


export interface NamespaceSpec {
    readonly name: string;
    /** Pod Security Standards level enforced; audit and warn always use restricted so gaps stay visible. */
    readonly podSecurity: PodSecurityLevel;
    /**
     * Required when podSecurity is not restricted: why the workloads there cannot comply. It
     * becomes the namespace's exemption from the policy pack's namespace-pss-label.
     */
    readonly podSecurityReason?: string;
    readonly team: string;
    /** Product the namespace belongs to, or "platform". */
    readonly product: ProductId | "platform";
    /** Policy exemptions (policy name → reason) the policy pack reads from the Namespace. */
    readonly policyExemptions?: Readonly<Record<string, string>>;
}

/** The add-ons' namespaces; levels are the strictest each add-on's pods can run under. */
export const PLATFORM_NAMESPACES = {
    certManager: {
        name: "cert-manager", podSecurity: "restricted", team: "platform", product: "platform",
    },
    ingressNginx: {
        name: "ingress-nginx", podSecurity: "baseline", team: "platform", product: "platform",
        podSecurityReason: "The chart's admission-webhook certificate Jobs are not verified against the restricted profile on a live cluster yet; audit/warn at restricted report any gap.",
    },
    monitoring: {
        name: "monitoring", podSecurity: "privileged", team: "platform", product: "platform",
        podSecurityReason: "prometheus-node-exporter needs hostNetwork, hostPID and hostPath mounts of /proc and /sys to report node metrics.",
    },
    logging: {
        name: "logging", podSecurity: "baseline", team: "platform", product: "platform",
        podSecurityReason: "Grafana Alloy's image runs as root by default; it tails logs through the Kubernetes API and needs no host access.",
    },
} as const satisfies Record<string, NamespaceSpec>;

/** Every namespace a stack needs: the platform's and those of the products it deploys. */
export function namespacePlan(environment: EnvironmentRef, products: readonly ProductId[]): NamespaceSpec[] {
    const productNamespaces = products.flatMap((product) =>
        PRODUCTS[product].namespaces(environment).map((name): NamespaceSpec => {
            const exception = PRODUCTS[product].podSecurityExceptions?.[name];
            return {
                name,
                podSecurity: exception?.level ?? "restricted",
                podSecurityReason: exception?.reason,
                team: PRODUCTS[product].team,
                product,
            };
        }));
    return [...Object.values(PLATFORM_NAMESPACES), ...productNamespaces];
}

function annotationsOf(spec: NamespaceSpec): Record<string, string> | undefined {
    const exemptions: Record<string, string> = { ...spec.policyExemptions };
    if (spec.podSecurityReason) {
        exemptions["namespace-pss-label"] = spec.podSecurityReason;
    }
    return Object.keys(exemptions).length > 0 ? exemptionAnnotations(exemptions) : undefined;
}

export interface NamespacesArgs {
    /** The environment's name, put on every namespace as a label. */
    readonly environment: string;
    /** Namespaces to create; names must be unique. */
    readonly namespaces: readonly NamespaceSpec[];
    /**
     * `protect` every namespace: deleting a namespace deletes every claim in it, so with data
     * protection on, `pulumi destroy` or a rename stops instead.
     */
    readonly protect: boolean;
}

/**
 * All namespaces of a stack, labelled for Pod Security admission (enforce at the spec's level,
 * audit and warn at restricted) and for ownership (environment, team, product).
 */
export class Namespaces extends pulumi.ComponentResource {
    /** Namespace objects by name: dependents take the object, never the name string. */
    public readonly byName: Readonly<Record<string, k8s.core.v1.Namespace>>;

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:Namespaces", name, {}, opts);
        const byName: Record<string, k8s.core.v1.Namespace> = {};
        for (const spec of args.namespaces) {
            if (byName[spec.name]) {
                throw new Error(`Namespaces: "${spec.name}" is listed twice`);
            }
            if (spec.podSecurity !== "restricted" && !spec.podSecurityReason) {
                throw new Error(`Namespaces: "${spec.name}" enforces ${spec.podSecurity} without a podSecurityReason`);
            }
            byName[spec.name] = new k8s.core.v1.Namespace(spec.name, {
                metadata: {
                    name: spec.name,
                    labels: {
                        "pod-security.kubernetes.io/enforce": spec.podSecurity,
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                        [LABELS.environment]: args.environment,
                        [LABELS.team]: spec.team,
                        [LABELS.product]: spec.product,
                        [LABELS.partOf]: "ai-platform",
                    },
                    annotations: annotationsOf(spec),
                },
            }, { parent: this, protect: args.protect });
        }
        this.byName = byName;
        this.registerOutputs({ names: Object.keys(byName) });
    }
}
