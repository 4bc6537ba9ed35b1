/** Small hand-written resource lists for the plan's pure parts (capacity, validation, redaction). */
import { RecordedResource } from "../../tools/stack/types";

const TYPES: Record<string, string> = {
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
    Pod: "kubernetes:core/v1:Pod",
    Service: "kubernetes:core/v1:Service",
    Secret: "kubernetes:core/v1:Secret",
    PersistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    HorizontalPodAutoscaler: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
};

export function resource(type: string, name: string, inputs: Record<string, any>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return {
        urn: `urn:pulumi:test::fixture::${type}::${name}`,
        type,
        name,
        custom: true,
        parent: "",
        provider: "",
        inputs,
        wireInputs: inputs,
        secretPaths: [],
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        dependencies: [],
        additionalSecretOutputs: [],
        ignoreChanges: [],
        ...extra,
    };
}

/** A Kubernetes object of a built-in kind, apiVersion and kind filled from the type token. */
export function k8s(kind: keyof typeof TYPES | string, namespace: string | undefined, name: string, body: Record<string, any>): RecordedResource {
    const type = TYPES[kind] ?? kind;
    const groupVersion = /^kubernetes:([^:]+):/.exec(type)![1];
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice(5) : groupVersion;
    const kindName = type.split(":").pop()!;
    return resource(type, `${namespace ?? "cluster"}-${name}`, {
        apiVersion,
        kind: kindName,
        metadata: { name, ...(namespace ? { namespace } : {}) },
        ...body,
    });
}

export function container(name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: Record<string, any> = {}) {
    return { name, image: `registry.example.com/${name}:1.0.0`, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra };
}

export function podTemplate(containers: any[], initContainers?: any[]) {
    return { metadata: { labels: { app: "x" } }, spec: { containers, ...(initContainers ? { initContainers } : {}) } };
}

export function deployment(namespace: string, name: string, containers: any[], replicas?: number, initContainers?: any[]) {
    return k8s("Deployment", namespace, name, {
        spec: {
            ...(replicas !== undefined ? { replicas } : {}),
            selector: { matchLabels: { app: "x" } },
            template: podTemplate(containers, initContainers),
        },
    });
}

export function hpa(namespace: string, name: string, target: { kind: string; name: string }, min: number | undefined, max: number) {
    return k8s("HorizontalPodAutoscaler", namespace, name, {
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", ...target },
            ...(min !== undefined ? { minReplicas: min } : {}),
            maxReplicas: max,
        },
    });
}

export function helmRelease(name: string, chart: string, namespace: string, values: Record<string, any>) {
    return resource("kubernetes:helm.sh/v3:Release", name, {
        name, chart, namespace, version: "1.0.0", repositoryOpts: { repo: "https://charts.example.com" }, values,
    });
}

export const Mi = 2 ** 20;
export const Gi = 2 ** 30;
