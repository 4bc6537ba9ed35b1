/** StorageClasses served by the cluster's own provisioner (provisioner.ts). */

/** The provisioner name of every class made here; no real CSI driver or in-tree plugin claims it. */
export const PROVISIONER = "e2e.ai-platform/loopback";

export interface StorageClassSpec {
    readonly name: string;
    /** Default: Retain for names ending in "-retain" (the prod stack's gp3-retain), else Delete. */
    readonly reclaimPolicy?: "Delete" | "Retain";
    /** Marked as the cluster's default class; default: the first class of the list. */
    readonly isDefault?: boolean;
}

/** The classes the stacks name: dev local-path, staging gp3, prod gp3-retain. */
export const DEFAULT_STORAGE_CLASSES: readonly string[] = ["local-path", "gp3", "gp3-retain"];

export function storageClassSpecs(input: readonly (string | StorageClassSpec)[]): StorageClassSpec[] {
    const specs = input.map((c) => (typeof c === "string" ? { name: c } : c));
    const anyDefault = specs.some((s) => s.isDefault);
    return specs.map((s, i) => ({
        name: s.name,
        reclaimPolicy: s.reclaimPolicy ?? (s.name.endsWith("-retain") ? "Retain" : "Delete"),
        // One default class, so charts whose claims name no class still get a volume.
        isDefault: anyDefault ? s.isDefault === true : i === 0,
    }));
}

export function storageClassManifest(spec: StorageClassSpec): Record<string, unknown> {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: {
            name: spec.name,
            annotations: spec.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {},
        },
        provisioner: PROVISIONER,
        reclaimPolicy: spec.reclaimPolicy,
        // Immediate: claims bind before any pod uses them, and no node topology is involved,
        // since every node is simulated.
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: true,
    };
}
