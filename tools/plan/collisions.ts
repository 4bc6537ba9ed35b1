/**
 * What two stacks must never both own. Stacks on one cluster (the same kube context) must not own
 * the same cluster-scoped object, namespace or Helm release (name in a namespace); stacks anywhere
 * must not own the same Ingress host (DNS is global) or the same GitLab CI/CD variable (instance,
 * project, key and environment scope: GitLab keeps one value per such variable, so the last stack to
 * run `pulumi up` would silently win).
 */
import { RecordedResource } from "../stack/types";
import { asArray, asRecord, CLUSTER_SCOPED_KINDS, HELM_RELEASE_TYPE, k8sObjects, label } from "./k8s";

export const GITLAB_VARIABLE_TYPE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

/** One stack's part in the comparison. */
export interface StackOwnership {
    readonly stack: string;
    /** The kube context the stack deploys to: stacks with the same one share a cluster. */
    readonly kubeContext: string;
    readonly resources: readonly RecordedResource[];
}

export type OwnedKind = "cluster-scoped object" | "namespace" | "Helm release" | "Ingress host" | "GitLab variable";

export interface Collision {
    readonly kind: OwnedKind;
    /** What is owned twice, as a person would name it ("Namespace chatbot-staging"). */
    readonly object: string;
    /** The kube context, for what is owned per cluster; undefined for hosts and GitLab variables. */
    readonly cluster?: string;
    /** Every stack that owns it, with the resource it owns it through. */
    readonly owners: ReadonlyArray<{ readonly stack: string; readonly via: string }>;
}

interface Claim {
    readonly kind: OwnedKind;
    readonly object: string;
    readonly perCluster: boolean;
    readonly via: string;
}

function claimsOf(resources: readonly RecordedResource[]): Claim[] {
    const claims: Claim[] = [];
    for (const o of k8sObjects(resources)) {
        if (o.type.patch) {
            continue;
        }
        if (o.kind === "Namespace") {
            claims.push({ kind: "namespace", object: `Namespace ${o.name}`, perCluster: true, via: label(o) });
        } else if (CLUSTER_SCOPED_KINDS.has(o.kind)) {
            claims.push({ kind: "cluster-scoped object", object: `${o.apiVersion} ${o.kind} ${o.name}`, perCluster: true, via: label(o) });
        }
        if (o.kind === "Ingress") {
            const spec = asRecord(o.resource.inputs.spec);
            const hosts = new Set<string>([
                ...asArray(spec.rules).map((r) => asRecord(r).host),
                ...asArray(spec.tls).flatMap((t) => asArray(asRecord(t).hosts)),
            ].filter((h): h is string => typeof h === "string" && h !== ""));
            for (const host of hosts) {
                claims.push({ kind: "Ingress host", object: `host ${host}`, perCluster: false, via: label(o) });
            }
        }
    }
    for (const r of resources) {
        if (r.type === HELM_RELEASE_TYPE && typeof r.inputs.name === "string") {
            const namespace = typeof r.inputs.namespace === "string" && r.inputs.namespace !== "" ? r.inputs.namespace : "default";
            claims.push({ kind: "Helm release", object: `Helm release ${namespace}/${r.inputs.name}`, perCluster: true, via: `Release ${r.name}` });
        }
        if (r.type === HELM_RELEASE_TYPE) {
            for (const host of chartIngressHosts(r.inputs.values)) {
                claims.push({ kind: "Ingress host", object: `host ${host}`, perCluster: false, via: `Release ${r.name} (chart values)` });
            }
        }
        if (r.type === GITLAB_VARIABLE_TYPE) {
            const instance = String(r.inputs.baseUrl ?? "https://gitlab.com").replace(/\/+$/, "").replace(/\/api\/v4$/, "");
            const scope = typeof r.inputs.environmentScope === "string" ? r.inputs.environmentScope : "*";
            // The instance URL is secret (it can name internal hosts): it separates variables but is never printed.
            claims.push({
                kind: "GitLab variable",
                object: `GitLab variable ${r.inputs.key} (environment scope ${scope}) of project ${r.inputs.project}\u0000${instance}`,
                perCluster: false,
                via: `ProjectVariable ${r.name}`,
            });
        }
    }
    return claims;
}

/**
 * Hosts of the Ingresses a chart renders from its values (Grafana's in kube-prometheus-stack): the
 * charts' common shape, an `ingress` object that is not disabled, with `hosts` as names or {host}.
 */
function chartIngressHosts(values: unknown): string[] {
    const hosts: string[] = [];
    const walk = (value: unknown): void => {
        if (Array.isArray(value)) {
            value.forEach(walk);
            return;
        }
        const record = asRecord(value);
        const ingress = asRecord(record.ingress);
        if (ingress.enabled !== false) {
            for (const h of asArray(ingress.hosts)) {
                const host = typeof h === "string" ? h : asRecord(h).host;
                if (typeof host === "string" && host !== "") {
                    hosts.push(host);
                }
            }
        }
        Object.values(record).forEach(walk);
    };
    walk(values);
    return [...new Set(hosts)];
}

/** Everything two or more stacks would own, in a stable order. */
export function findCollisions(stacks: readonly StackOwnership[]): Collision[] {
    const owners = new Map<string, { kind: OwnedKind; object: string; cluster?: string; owners: Array<{ stack: string; via: string }> }>();
    for (const s of stacks) {
        const seen = new Set<string>();
        for (const claim of claimsOf(s.resources)) {
            const cluster = claim.perCluster ? s.kubeContext : undefined;
            const id = `${claim.kind}\u0001${cluster ?? ""}\u0001${claim.object}`;
            // A stack may reach one thing twice (a canary Ingress shares its host): it still owns it once.
            if (seen.has(id)) {
                continue;
            }
            seen.add(id);
            const entry = owners.get(id) ?? { kind: claim.kind, object: claim.object.split("\u0000")[0], cluster, owners: [] };
            entry.owners.push({ stack: s.stack, via: claim.via });
            owners.set(id, entry);
        }
    }
    return [...owners.values()]
        .filter((e) => e.owners.length > 1)
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.object.localeCompare(b.object));
}

/** One line per collision: the object, every stack owning it, and the cluster where that matters. */
export function describeCollision(c: Collision): string {
    const where = c.cluster === undefined ? "" : ` on cluster (kube context) ${c.cluster}`;
    return `${c.object}${where}: owned by ${c.owners.map((o) => `${o.stack} (${o.via})`).join(" and ")}`;
}
