/**
 * Reading rendered Kubernetes objects out of a stack evaluation: by kind and name, their pod
 * templates and containers. Quantities are compared as numbers (500m == 0.5).
 */
import { strict as assert } from "assert";
import { parseBytes, parseCpu } from "../../components/lib/quantity";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";

export const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    claim: "kubernetes:core/v1:PersistentVolumeClaim",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    namespace: "kubernetes:core/v1:Namespace",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

export const POD_BEARING = [T.deployment, T.statefulSet, T.job, T.cronJob] as const;

/** The objects of a type, optionally in one namespace. */
export function objects(ev: StackEvaluation, type: string, namespace?: string): RecordedResource[] {
    return ev.resources.filter((r) => r.type === type && (namespace === undefined || r.inputs.metadata?.namespace === namespace));
}

/** The one object of a type with this metadata.name (and namespace). */
export function object(ev: StackEvaluation, type: string, name: string, namespace?: string): RecordedResource {
    const found = objects(ev, type, namespace).filter((r) => r.inputs.metadata?.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}${namespace ? ` in ${namespace}` : ""}, found ${found.length}`);
    return found[0];
}

export function maybeObject(ev: StackEvaluation, type: string, name: string, namespace?: string): RecordedResource | undefined {
    return objects(ev, type, namespace).find((r) => r.inputs.metadata?.name === name);
}

export function podTemplate(r: RecordedResource): { metadata: any; spec: any } {
    return r.type === T.cronJob ? r.inputs.spec.jobTemplate.spec.template : r.inputs.spec.template;
}

export function containers(r: RecordedResource, includeInit = true): any[] {
    const spec = podTemplate(r).spec;
    return [...(spec.containers ?? []), ...(includeInit ? spec.initContainers ?? [] : [])];
}

/** The main container (the first). */
export function main(r: RecordedResource): any {
    return podTemplate(r).spec.containers[0];
}

export function cpu(q: string | number | undefined): number {
    return parseCpu(String(q)) ?? NaN;
}

export function bytes(q: string | undefined): number {
    return parseBytes(String(q)) ?? NaN;
}

/** Asserts a container's requests and limits, comparing quantities numerically. */
export function assertResources(c: any, expected: { requests: [string, string]; limits: [string, string] }, what: string): void {
    assert.equal(cpu(c.resources.requests.cpu), cpu(expected.requests[0]), `${what} cpu request`);
    assert.equal(bytes(c.resources.requests.memory), bytes(expected.requests[1]), `${what} memory request`);
    assert.equal(cpu(c.resources.limits.cpu), cpu(expected.limits[0]), `${what} cpu limit`);
    assert.equal(bytes(c.resources.limits.memory), bytes(expected.limits[1]), `${what} memory limit`);
}

/** The HPA targeting a Deployment, if any. */
export function hpaFor(ev: StackEvaluation, deployment: RecordedResource): RecordedResource | undefined {
    return objects(ev, T.hpa, deployment.inputs.metadata.namespace).find((h) =>
        h.inputs.spec.scaleTargetRef.kind === "Deployment" && h.inputs.spec.scaleTargetRef.name === deployment.inputs.metadata.name);
}

/** Whether every label of `selector` is on `labels`. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The Deployments of a service, whatever the release strategy (name, name-canary, name-blue, name-green). */
export function deploymentsOf(ev: StackEvaluation, service: string, namespace: string): RecordedResource[] {
    const names = [service, `${service}-canary`, `${service}-blue`, `${service}-green`];
    return objects(ev, T.deployment, namespace).filter((d) => names.includes(d.inputs.metadata.name));
}

/** Resource inputs without the bits a rename or config switch legitimately changes. */
export function comparable(r: RecordedResource): unknown {
    return JSON.parse(JSON.stringify(r.inputs));
}

export function annotation(r: RecordedResource, key: string): string | undefined {
    return r.inputs.metadata?.annotations?.[key];
}

export const NGINX = "nginx.ingress.kubernetes.io";
