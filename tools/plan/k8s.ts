/**
 * What the plan needs to know about Kubernetes objects among the recorded resources: which
 * resources are objects sent to the API server, their apiVersion/kind/namespace/name, and where
 * each pod-bearing kind keeps its pod spec.
 */
import { RecordedResource } from "../stack/types";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** A Kubernetes object type decoded from a Pulumi type token (`kubernetes:apps/v1:Deployment`). */
export interface ObjectType {
    /** API group, "" for the core group. */
    readonly group: string;
    readonly version: string;
    readonly kind: string;
    /** `apps/v1`, or `v1` for the core group. */
    readonly apiVersion: string;
    /** `…Patch` types carry partial objects (server-side apply patches). */
    readonly patch: boolean;
}

/**
 * Kubernetes-provider types that are not objects sent to the API server: Helm releases, and the
 * component wrappers whose rendered children are registered as ordinary resources anyway.
 */
const NON_OBJECT_TYPES = new Set([
    HELM_RELEASE_TYPE,
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:yaml:ConfigFile",
    "kubernetes:yaml:ConfigGroup",
    "kubernetes:yaml/v2:ConfigFile",
    "kubernetes:yaml/v2:ConfigGroup",
    "kubernetes:kustomize:Directory",
    "kubernetes:kustomize/v2:Directory",
]);

/** Decodes `kubernetes:<group>/<version>:<Kind>`; undefined for anything that is not an object type. */
export function objectType(type: string): ObjectType | undefined {
    const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m || NON_OBJECT_TYPES.has(type)) {
        return undefined;
    }
    const group = m[1] === "core" ? "" : m[1];
    const version = m[2];
    const patch = m[3].endsWith("Patch");
    const kind = patch ? m[3].slice(0, -"Patch".length) : m[3];
    return { group, version, kind, apiVersion: group ? `${group}/${version}` : version, patch };
}

/** Kinds that are not namespaced (built-in, plus the cluster-scoped custom resources we use). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "APIService", "FlowSchema", "PriorityLevelConfiguration", "CertificateSigningRequest", "ClusterTrustBundle",
    "ComponentStatus", "VolumeAttributesClass", "DeviceClass", "GatewayClass", "ClusterIssuer",
    "ClusterSecretStore", "ClusterPolicy",
]);

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
