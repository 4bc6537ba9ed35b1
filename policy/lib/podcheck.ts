/** Iteration over every pod template and container of a resource, with unknown-value guards. */
import { Findings, Res } from "./core";
import { CONTAINER_LISTS, containerList, ContainerKind, ContainerRef, podTemplateOf, PodTemplate } from "./pods";

/** Runs `fn` on the pod template of a pod-bearing resource (guarded). */
export function forEachPod(res: Res, out: Findings, fn: (pt: PodTemplate) => void): void {
    out.guard(`the pod template of ${res.label}`, () => {
        const pt = podTemplateOf(res.kind, res.props);
        if (pt) {
            fn(pt);
        }
    });
}

/**
 * Runs `fn` on every container of the resource's pod template: init, regular and ephemeral containers
 * (or the given kinds). Each list and each container is guarded separately, so one unknown value only
 * stops the check of that container.
 */
export function forEachContainer(
    res: Res,
    out: Findings,
    fn: (c: ContainerRef, pt: PodTemplate) => void,
    kinds: readonly ContainerKind[] = ["initContainer", "container", "ephemeralContainer"],
): void {
    forEachPod(res, out, (pt) => {
        for (const { field, kind } of CONTAINER_LISTS) {
            if (!kinds.includes(kind)) continue;
            out.guard(`${res.label} ${pt.specPath}.${field}`, () => {
                for (const c of containerList(pt, field, kind)) {
                    out.guard(`${res.label}, ${c.label}`, () => fn(c, pt));
                }
            });
        }
    });
}

/** `Deployment ns/api, container "web" (spec.template.spec.containers[0].securityContext.privileged)` */
export function at(res: Res, c: ContainerRef, field: string): string {
    return `${res.label}, ${c.label} (${c.path}.${field})`;
}

/** `Deployment ns/api (spec.template.spec.hostNetwork)` */
export function atPod(res: Res, pt: PodTemplate, field: string): string {
    return `${res.label} (${pt.specPath}.${field})`;
}
