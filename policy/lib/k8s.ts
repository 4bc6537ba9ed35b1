import { obj, str, stringMap } from "./values";

/** A Kubernetes object type decoded from a Pulumi type token such as `kubernetes:apps/v1:Deployment`. */
export interface K8sType {
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
 * Pulumi Kubernetes types that are components or Helm/YAML/Kustomize wrappers, not objects sent to the API
 * server. Their rendered children (Chart v4, ConfigGroup v2) are registered as ordinary resources.
 */
const NON_OBJECT_TYPES = new Set([
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:yaml:ConfigFile",
    "kubernetes:yaml:ConfigGroup",
    "kubernetes:yaml/v2:ConfigFile",
    "kubernetes:yaml/v2:ConfigGroup",
    "kubernetes:kustomize:Directory",
    "kubernetes:kustomize/v2:Directory",
]);

const cache = new Map<string, K8sType | undefined>();

export function k8sType(type: string): K8sType | undefined {
    if (cache.has(type)) {
        return cache.get(type);
    }
    let result: K8sType | undefined;
    const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    if (m && !NON_OBJECT_TYPES.has(type)) {
        const group = m[1] === "core" ? "" : m[1];
        const version = m[2];
        const kindToken = m[3];
        const patch = kindToken.endsWith("Patch");
        const kind = patch ? kindToken.slice(0, -"Patch".length) : kindToken;
        result = { group, version, kind, apiVersion: group ? `${group}/${version}` : version, patch };
    }
    cache.set(type, result);
    return result;
}

/** Kinds that are not namespaced (built-in plus the CRDs this platform uses). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "APIService", "FlowSchema", "PriorityLevelConfiguration", "CertificateSigningRequest", "ClusterTrustBundle",
    "ComponentStatus", "VolumeAttributesClass", "DeviceClass", "GatewayClass", "ClusterIssuer",
    "ClusterSecretStore", "ClusterPolicy",
]);

/** Kinds that live in a list (`…List`) are not checked: their items are. */
export function isListKind(kind: string): boolean {
    return kind.endsWith("List");
}

export function isNamespaced(kind: string): boolean {
    return !CLUSTER_SCOPED_KINDS.has(kind);
}

export function metadataOf(props: any): Record<string, any> {
    return obj(props?.metadata);
}

export function labelsOf(props: any): Record<string, string> {
    return stringMap(metadataOf(props).labels);
}

export function annotationsOf(props: any): Record<string, string> {
    return stringMap(metadataOf(props).annotations);
}

/** `metadata.name`, falling back to the Pulumi name (the provider auto-names objects from it). */
export function objectName(props: any, pulumiName: string): string {
    return str(metadataOf(props).name) ?? pulumiName;
}

/** `metadata.namespace`, or `default` (what the API server uses when it is unset). */
export function objectNamespace(props: any): string {
    const ns = str(metadataOf(props).namespace);
    return ns && ns.length > 0 ? ns : "default";
}

/** "Deployment chatbot-prod/api" — how messages name an object. */
export function describeObject(kind: string, props: any, pulumiName: string): string {
    let name = pulumiName;
    let ns: string | undefined;
    try {
        name = objectName(props, pulumiName);
        ns = isNamespaced(kind) ? str(metadataOf(props).namespace) : undefined;
    } catch {
        // Unknown name or namespace during preview: fall back to the Pulumi name.
    }
    return ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

export function isK8sObjectType(type: string): boolean {
    const t = k8sType(type);
    return t !== undefined && !t.patch && !isListKind(t.kind);
}

export function hasKind(type: string, ...kinds: string[]): boolean {
    const t = k8sType(type);
    return t !== undefined && !t.patch && kinds.includes(t.kind);
}
