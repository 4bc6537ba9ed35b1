/**
 * The stack-outputs contract: what other teams read from this project's stacks with a
 * StackReference (see docs/outputs.md and ./consumer.ts). Every field here is a published API:
 * renaming or removing one breaks consumers, so test/outputs/contract.test.ts pins the keys, and a
 * change there is a reviewed change (bump CONTRACT_VERSION on anything incompatible).
 *
 * Nothing secret is part of the contract: consumers get the *names* of Secrets they may mount,
 * never their values.
 */
import type { ProductId } from "../products/catalog";

/** Incremented on every incompatible change to the shapes below. */
export const CONTRACT_VERSION = 1;

/** An in-cluster Service endpoint. */
export interface ServiceEndpoint {
    /** Fully qualified in-cluster DNS name, e.g. `chatbot-service.chatbot-prod.svc.cluster.local`. */
    readonly host: string;
    /** Service port. */
    readonly port: number;
}

/** How a workload gets a public HTTPS endpoint on this stack's cluster. */
export interface IngressContract {
    /** IngressClass to set as `spec.ingressClassName`. */
    readonly className: string;
    /** ClusterIssuer to name in the `cert-manager.io/cluster-issuer` annotation. */
    readonly clusterIssuer: string;
}

/** Endpoints for teams that query metrics, send alerts or push logs. */
export interface ObservabilityContract {
    /** Prometheus HTTP API, in-cluster. */
    readonly prometheusUrl: string;
    /** Alertmanager API, in-cluster (for teams that post alerts themselves). */
    readonly alertmanagerUrl: string;
    /** Grafana, in-cluster. */
    readonly grafanaUrl: string;
    /** Grafana for people, public HTTPS URL. */
    readonly grafanaPublicUrl: string;
    /** Loki query API, in-cluster. */
    readonly lokiUrl: string;
    /** Loki push endpoint, in-cluster (pod logs are shipped already; this is for custom pipelines). */
    readonly lokiPushUrl: string;
    /** Label a ConfigMap needs for Grafana to load it as a dashboard (any namespace). */
    readonly dashboardLabel: { readonly key: string; readonly value: string };
}

/** One product in one environment. */
export interface ProductContract {
    /** Human name. */
    readonly displayName: string;
    /** The product's main namespace. */
    readonly namespace: string;
    /** Every namespace the product owns in this environment. */
    readonly namespaces: readonly string[];
    /** In-cluster Services by name. */
    readonly services: Readonly<Record<string, ServiceEndpoint>>;
    /** Public HTTPS URLs served through the ingress controller. */
    readonly urls: readonly string[];
    /** Names of the Kubernetes Secrets (in `namespace`) that the product's workloads mount. */
    readonly secretNames: readonly string[];
}

/** Every top-level output of a stack. */
export interface StackOutputs {
    readonly contractVersion: number;
    readonly environment: string;
    /** All namespaces the stack manages. */
    readonly namespaces: readonly string[];
    readonly ingress: IngressContract;
    readonly observability: ObservabilityContract;
    /** The products deployed by this stack, by product id. */
    readonly products: Readonly<Partial<Record<ProductId, ProductContract>>>;
}

/** The output names, in one place for the consumer helper and the contract test. */
export const OUTPUT_NAMES = [
    "contractVersion", "environment", "namespaces", "ingress", "observability", "products",
] as const satisfies ReadonlyArray<keyof StackOutputs>;
