/**
 * What the plan needs to know about Kubernetes objects among the recorded resources: which
 * resources are objects sent to the API server, their apiVersion/kind/namespace/name, and where
 * each pod-bearing kind keeps its pod spec.
 */
import { CLUSTER_SCOPED_KINDS, k8sType as objectType, K8sType as ObjectType } from "../../policy/lib/k8s";
import { RecordedResource } from "../stack/types";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

// One decoder of Pulumi Kubernetes type tokens, shared with the policy pack.
export { CLUSTER_SCOPED_KINDS, objectType };
export type { ObjectType };

/** A recorded resource that is a Kubernetes object, with its identity decoded. */
export interface K8sObject {
    readonly resource: RecordedResource;
    readonly type: ObjectType;
    /** apiVersion and kind as the object carries them (falling back to the type token's). */
    readonly apiVersion: string;
    readonly kind: string;
    /** metadata.name, or the Pulumi name when the object is auto-named. */
    readonly name: string;
    /** metadata.namespace, "default" when unset, "" for cluster-scoped kinds. */
    readonly namespace: string;
}

function isRecord(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, any> {
    return isRecord(value) ? value : {};
}

export function asArray(value: unknown): any[] {
    return Array.isArray(value) ? value : [];
}

export function toK8sObject(resource: RecordedResource): K8sObject | undefined {
    if (!resource.custom) {
        return undefined;
    }
    const type = objectType(resource.type);
    if (!type) {
        return undefined;
    }
    const metadata = asRecord(resource.inputs.metadata);
    const kind = typeof resource.inputs.kind === "string" ? resource.inputs.kind : type.kind;
    const apiVersion = typeof resource.inputs.apiVersion === "string" ? resource.inputs.apiVersion : type.apiVersion;
    const namespace = CLUSTER_SCOPED_KINDS.has(kind)
        ? ""
        : (typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : "default");
    const name = typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : resource.name;
    return { resource, type, apiVersion, kind, name, namespace };
}

/** Every Kubernetes object of the stack, in registration order. */
export function k8sObjects(resources: readonly RecordedResource[]): K8sObject[] {
    return resources.map(toK8sObject).filter((o): o is K8sObject => o !== undefined);
}

/** Kinds that carry a pod spec, and where. */
export function podSpecOf(kind: string, inputs: Record<string, any>): Record<string, any> | undefined {
    switch (kind) {
        case "Pod":
            return asRecord(inputs.spec);
        case "PodTemplate":
            return asRecord(asRecord(inputs.template).spec);
        case "CronJob":
            return asRecord(asRecord(asRecord(asRecord(asRecord(inputs.spec).jobTemplate).spec).template).spec);
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "ReplicationController":
        case "Job":
            return asRecord(asRecord(asRecord(inputs.spec).template).spec);
        default:
            return undefined;
    }
}

/** "Deployment chatbot-dev/api", "ClusterIssuer letsencrypt-prod". */
export function label(o: Pick<K8sObject, "kind" | "namespace" | "name">): string {
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}
