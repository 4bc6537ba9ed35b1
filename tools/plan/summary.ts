/** The preview-like part of the plan: what the stack would create, by type and by namespace. */
import { RecordedResource } from "../stack/types";
import { HELM_RELEASE_TYPE, k8sObjects } from "./k8s";

export interface HelmReleaseSummary {
    readonly urn: string;
    /** Helm release name. */
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
    readonly namespace: string;
}

export interface PlanSummary {
    readonly resources: number;
    /** Custom (provider) resources, i.e. what the engine would create. */
    readonly customResources: number;
    readonly components: number;
    /** Type token → count, sorted by type. */
    readonly byType: Record<string, number>;
    /** Namespace → Kubernetes objects in it ("" key: cluster-scoped) plus Helm releases installed there. */
    readonly byNamespace: Record<string, number>;
    readonly helmReleases: readonly HelmReleaseSummary[];
    readonly kubernetesObjects: number;
}

function sortedCounts(keys: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const key of [...keys].sort()) {
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

export function helmReleases(resources: readonly RecordedResource[]): HelmReleaseSummary[] {
    return resources.filter((r) => r.type === HELM_RELEASE_TYPE).map((r) => ({
        urn: r.urn,
        name: String(r.inputs.name ?? r.name),
        chart: String(r.inputs.chart ?? ""),
        version: String(r.inputs.version ?? "(unpinned)"),
        repo: String(r.inputs.repositoryOpts?.repo ?? ""),
        namespace: String(r.inputs.namespace ?? "default"),
    }));
}

export function summarize(resources: readonly RecordedResource[]): PlanSummary {
    const objects = k8sObjects(resources);
    const releases = helmReleases(resources);
    return {
        resources: resources.length,
        customResources: resources.filter((r) => r.custom).length,
        components: resources.filter((r) => !r.custom).length,
        byType: sortedCounts(resources.map((r) => r.type)),
        byNamespace: sortedCounts([...objects.map((o) => o.namespace), ...releases.map((r) => r.namespace)]),
        helmReleases: releases,
        kubernetesObjects: objects.length,
    };
}
