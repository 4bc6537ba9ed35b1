/**
 * Renders what the stack would apply as files a merge request can diff:
 *
 *     <out>/plan.json                      machine-readable result
 *     <out>/manifests/<namespace>.yaml     every namespaced object, one file per namespace
 *     <out>/manifests/_cluster.yaml        cluster-scoped objects
 *     <out>/releases/<release>.values.yaml each Helm release's values (chart coordinates in a header)
 *     <out>/other-resources.yaml           non-Kubernetes resources (GitLab variables, random…)
 *
 * Output is deterministic (sorted, no timestamps) and secret values never reach it (see redact.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { RecordedResource } from "../stack/types";
import { HELM_RELEASE_TYPE, K8sObject, k8sObjects } from "./k8s";
import { Redactor } from "./redact";

/** Apply order for the kinds that have one (Helm's install order, roughly); others follow by name. */
const KIND_ORDER = [
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
    "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
    "IngressClass", "Ingress", "APIService",
];

function kindRank(kind: string): number {
    const i = KIND_ORDER.indexOf(kind);
    return i === -1 ? KIND_ORDER.length : i;
}

export const CLUSTER_FILE = "_cluster.yaml";

/** A file name for a namespace (namespaces are DNS labels, but be safe). */
function fileFor(namespace: string): string {
    return namespace === "" ? CLUSTER_FILE : `${namespace.replace(/[^A-Za-z0-9._-]/g, "_")}.yaml`;
}

const YAML_OPTIONS = { lineWidth: 0, sortMapEntries: false } as const;

/** apiVersion, kind, metadata first, then the rest in the order received. */
function ordered(object: Record<string, any>): Record<string, any> {
    const { apiVersion, kind, metadata, ...rest } = object;
    return { apiVersion, kind, ...(metadata !== undefined ? { metadata } : {}), ...rest };
}

function compareObjects(a: K8sObject, b: K8sObject): number {
    return kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) ||
        a.name.localeCompare(b.name) || a.resource.urn.localeCompare(b.resource.urn);
}

/** File name → YAML text for every Kubernetes object, grouped by namespace. */
export function renderManifests(resources: readonly RecordedResource[], redactor: Redactor): Map<string, string> {
    const byFile = new Map<string, K8sObject[]>();
    for (const o of k8sObjects(resources)) {
        const file = fileFor(o.namespace);
        byFile.set(file, [...(byFile.get(file) ?? []), o]);
    }
    const out = new Map<string, string>();
    for (const file of [...byFile.keys()].sort()) {
        const docs = byFile.get(file)!.sort(compareObjects).map((o) => {
            const header = `# ${o.resource.type} ${o.resource.name}${o.type.patch ? " (server-side apply patch)" : ""}\n`;
            return header + stringify(ordered(redactor.inputs(o.resource)), YAML_OPTIONS);
        });
        out.set(file, redactor.scrub(docs.join("---\n")));
    }
    return out;
}

/** File name → values YAML for every Helm release. */
export function renderReleases(resources: readonly RecordedResource[], redactor: Redactor): Map<string, string> {
    const out = new Map<string, string>();
    const releases = resources.filter((r) => r.type === HELM_RELEASE_TYPE)
        .sort((a, b) => a.name.localeCompare(b.name));
    for (const r of releases) {
        const inputs = redactor.inputs(r);
        const name = String(inputs.name ?? r.name);
        const namespace = String(inputs.namespace ?? "default");
        let file = `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.values.yaml`;
        if (out.has(file)) {
            file = `${namespace}_${file}`;
        }
        const header = [
            `# Helm release ${name} (Pulumi ${r.type} ${r.name})`,
            `# chart: ${String(inputs.chart ?? "")}  version: ${String(inputs.version ?? "(unpinned)")}`,
            `# repo: ${String(inputs.repositoryOpts?.repo ?? "")}  namespace: ${namespace}`,
        ].join("\n");
        const values = inputs.values && Object.keys(inputs.values).length > 0 ? stringify(inputs.values, YAML_OPTIONS) : "{}\n";
        out.set(file, redactor.scrub(`${header}\n${values}`));
    }
    return out;
}

/** Non-Kubernetes custom resources (GitLab variables, random values, providers), inputs redacted. */
export function renderOther(resources: readonly RecordedResource[], redactor: Redactor): string | undefined {
    const others = resources.filter((r) => r.custom && r.type !== HELM_RELEASE_TYPE && !k8sObjects([r]).length)
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    if (others.length === 0) {
        return undefined;
    }
    const docs = others.map((r) => {
        const inputs = redactor.inputs(r);
        // Serialized dynamic-provider code and other engine internals are noise in a diff.
        const shown = Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith("__") && k !== "kubeconfig"));
        return stringify({ type: r.type, name: r.name, inputs: shown }, YAML_OPTIONS);
    });
    return redactor.scrub(docs.join("---\n"));
}

export interface WrittenFiles {
    readonly dir: string;
    /** Paths relative to dir. */
    readonly files: readonly string[];
}

/**
 * Writes the rendered files. Only files this tool owns are removed first (stale namespaces and
 * releases from an earlier plan), so `--out` may point at a directory holding other things.
 */
export function writePlanFiles(dir: string, files: ReadonlyMap<string, string>): WrittenFiles {
    fs.mkdirSync(dir, { recursive: true });
    clearPlanFiles(dir);
    for (const [relative, text] of files) {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
    return { dir, files: [...files.keys()] };
}

/**
 * Removes the files an earlier plan wrote (and only those), so a failed plan never leaves a stale
 * plan.json that could pass for the current one.
 */
export function clearPlanFiles(dir: string): void {
    if (!fs.existsSync(dir)) {
        return;
    }
    for (const sub of ["manifests", "releases"]) {
        const subdir = path.join(dir, sub);
        if (fs.existsSync(subdir)) {
            for (const f of fs.readdirSync(subdir)) {
                if (f.endsWith(".yaml")) {
                    fs.rmSync(path.join(subdir, f));
                }
            }
        }
    }
    // The diff's files (tools/plan/baseline.ts) belong to the plan they were made with.
    for (const f of ["plan.json", "other-resources.yaml", "diff.json", "diff.txt", "gitlab-terraform-report.json", "gitlab-code-quality.json"]) {
        fs.rmSync(path.join(dir, f), { force: true });
    }
}
