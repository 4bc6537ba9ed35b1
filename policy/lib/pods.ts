import { k8sType } from "./k8s";
import { arr, obj, str } from "./values";

/** Every kind that carries a pod spec. */
export const POD_KINDS: readonly string[] = [
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    "PodTemplate",
];

/** Kinds whose pods run for a long time and serve (probes, replicas, PDBs, spread apply). */
export const SERVING_KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"];

export function isPodBearing(type: string): boolean {
    const t = k8sType(type);
    return t !== undefined && !t.patch && POD_KINDS.includes(t.kind);
}

/** A pod template inside a workload. */
export interface PodTemplate {
    /** Path of the pod spec from the object root, e.g. `spec.template.spec`. */
    readonly specPath: string;
    /** The pod spec (possibly a proxy that throws on unknown values). */
    readonly spec: any;
    /** Metadata of the template (`spec.template.metadata`; the object's metadata for a Pod). */
    readonly metadata: any;
}

/** Where the pod spec sits for each kind. */
export function podTemplateOf(kind: string, props: any): PodTemplate | undefined {
    switch (kind) {
        case "Pod":
            return { specPath: "spec", spec: obj(props?.spec), metadata: obj(props?.metadata) };
        case "PodTemplate":
            return { specPath: "template.spec", spec: obj(props?.template?.spec), metadata: obj(props?.template?.metadata) };
        case "CronJob": {
            const tpl = props?.spec?.jobTemplate?.spec?.template;
            return { specPath: "spec.jobTemplate.spec.template.spec", spec: obj(tpl?.spec), metadata: obj(tpl?.metadata) };
        }
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "ReplicationController":
        case "Job": {
            const tpl = props?.spec?.template;
            return { specPath: "spec.template.spec", spec: obj(tpl?.spec), metadata: obj(tpl?.metadata) };
        }
        default:
            return undefined;
    }
}

export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

export const CONTAINER_LISTS: ReadonlyArray<{ field: string; kind: ContainerKind }> = [
    { field: "initContainers", kind: "initContainer" },
    { field: "containers", kind: "container" },
    { field: "ephemeralContainers", kind: "ephemeralContainer" },
];

export interface ContainerRef {
    /** The container object (possibly a proxy). */
    readonly c: any;
    readonly name: string;
    readonly kind: ContainerKind;
    readonly index: number;
    /** Path of the container from the object root, e.g. `spec.template.spec.containers[0]`. */
    readonly path: string;
    /** `container "web"`, `initContainer "migrate"`. */
    readonly label: string;
}

/** The containers of one list (`containers`, `initContainers`, `ephemeralContainers`) of a pod spec. */
export function containerList(pt: PodTemplate, field: string, kind: ContainerKind): ContainerRef[] {
    return arr(pt.spec[field]).map((c: any, index: number) => {
        let name = `#${index}`;
        try {
            name = str(c?.name) ?? name;
        } catch {
            // unknown name: keep the index
        }
        return { c, name, kind, index, path: `${pt.specPath}.${field}[${index}]`, label: `${kind} "${name}"` };
    });
}

/** All containers of a pod spec (init, regular, ephemeral). Throws on an unknown list. */
export function allContainers(pt: PodTemplate): ContainerRef[] {
    return CONTAINER_LISTS.flatMap(({ field, kind }) => containerList(pt, field, kind));
}
