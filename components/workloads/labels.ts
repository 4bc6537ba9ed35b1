/**
 * The one label set of a workload. Its selector labels feed the workload's selector, Service, PDB,
 * HPA target, NetworkPolicy and ServiceMonitor; `app.kubernetes.io/version` only goes on the
 * objects and pod templates, never into a selector (a selector cannot change, a version does).
 */
import type { ProductId } from "../products/catalog";

export const LABEL = {
    name: "app.kubernetes.io/name",
    instance: "app.kubernetes.io/instance",
    partOf: "app.kubernetes.io/part-of",
    version: "app.kubernetes.io/version",
    component: "app.kubernetes.io/component",
    managedBy: "app.kubernetes.io/managed-by",
    /** The source documents query pods by `app=<name>` (e.g. `kubectl get pods -l app=chatbot-service`). */
    app: "app",
    /** Blue-green color, the label the chatbot's deployment guide patches the Service selector with. */
    color: "version",
    /** Canary track (stable or canary). */
    track: "track",
} as const;

export type Labels = Record<string, string>;

export interface WorkloadIdentity {
    /** Workload name: the Service and Deployment/StatefulSet name the source documents use. */
    readonly name: string;
    readonly product: ProductId;
    readonly environment: string;
    /** Adds the document's `app: <name>` label. @default false */
    readonly appLabel?: boolean;
    /** app.kubernetes.io/component, e.g. frontend, backend, database. */
    readonly component?: string;
}

/** Labels that select the workload's pods, across all its tracks or colors. */
export function selectorLabels(id: WorkloadIdentity): Labels {
    return {
        [LABEL.name]: id.name,
        [LABEL.instance]: `${id.name}-${id.environment}`,
        [LABEL.partOf]: id.product,
        ...(id.appLabel ? { [LABEL.app]: id.name } : {}),
    };
}

/** Labels of the workload's objects (Services, PDBs, …): the selector labels plus descriptive ones. */
export function objectLabels(id: WorkloadIdentity, version?: string): Labels {
    return {
        ...selectorLabels(id),
        ...(id.component ? { [LABEL.component]: id.component } : {}),
        ...(version ? { [LABEL.version]: labelValue(version) } : {}),
        [LABEL.managedBy]: "pulumi",
    };
}

/** A label value from free text (image tags may contain characters labels do not allow). */
export function labelValue(text: string): string {
    const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63);
    return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}
