/**
 * Pod and container hardening shared by every workload: the restricted Pod Security profile plus a
 * read-only root filesystem, so a compromised process can neither gain privileges nor persist
 * anything outside the volumes it was given. Requests and limits are always both set.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseBytes } from "../lib/quantity";

/** Exemption annotations the policy pack reads (policy/lib/exemptions.ts): one per policy, with a reason. */
export const EXEMPTION_PREFIX = "policy.ai-platform.io/exempt-";

/** The identity a container runs as. Images that bake in a user are run as that user. */
export interface RunAs {
    readonly user: number;
    readonly group: number;
    /** Group that owns mounted volumes. @default group */
    readonly fsGroup?: number;
}

/** Requests and limits of one container. */
export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
    /** nvidia.com/gpu, requested and limited alike (extended resources cannot overcommit). */
    readonly gpus?: number;
}

export function podSecurityContext(runAs: RunAs): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        runAsGroup: runAs.group,
        fsGroup: runAs.fsGroup ?? runAs.group,
        // Large volumes would otherwise be re-chowned on every start.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Set on every container, init containers included, so no container relies on pod defaults. */
export function containerSecurityContext(runAs: RunAs): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        runAsGroup: runAs.group,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Node disk a container may use besides its scratch volumes: the kubelet keeps up to five rotated log
 * files of 10Mi per container by default, and the root filesystem is read-only, so logs are the rest.
 */
export const CONTAINER_LOG_ALLOWANCE = "64Mi";

/** The scratch emptyDirs a container mounts (from `writablePaths`), which count against its node's disk. */
export interface ScratchVolumes {
    readonly volumes: readonly k8s.types.input.core.v1.Volume[];
}

/**
 * ephemeral-storage request and limit: the request reserves the log allowance, the limit adds every
 * scratch volume's size cap, so the kubelet evicts a runaway pod before it fills the node's disk and
 * a pod within its caps is never evicted for disk use.
 */
export function ephemeralStorage(scratch: ScratchVolumes): { request: string; limit: string } {
    const allowance = parseBytes(CONTAINER_LOG_ALLOWANCE)!;
    let total = allowance;
    for (const v of scratch.volumes) {
        const cap = v.emptyDir ? (v.emptyDir as { sizeLimit?: unknown }).sizeLimit : undefined;
        const bytes = typeof cap === "string" ? parseBytes(cap) : undefined;
        if (bytes === undefined) {
            throw new Error(`resources: scratch volume ${JSON.stringify(v.name)} has no byte sizeLimit; every scratch emptyDir must be capped`);
        }
        total += bytes;
    }
    return { request: CONTAINER_LOG_ALLOWANCE, limit: `${Math.ceil(total / 2 ** 20)}Mi` };
}

/** Requests and limits, ephemeral-storage included (derived from the scratch volumes the container mounts). */
export function resourceRequirements(resources: Resources, scratch: ScratchVolumes): k8s.types.input.core.v1.ResourceRequirements {
    const gpus: Record<string, string> = resources.gpus ? { "nvidia.com/gpu": String(resources.gpus) } : {};
    for (const [what, value] of [["requests", resources.requests.memory], ["limits", resources.limits.memory]] as const) {
        if (parseBytes(value) === undefined) {
            throw new Error(`resources: ${what}.memory ${JSON.stringify(value)} is not a byte quantity`);
        }
    }
    if ((parseBytes(resources.requests.memory) ?? 0) > (parseBytes(resources.limits.memory) ?? 0)) {
        throw new Error(`resources: memory request ${resources.requests.memory} exceeds the limit ${resources.limits.memory}`);
    }
    const disk = ephemeralStorage(scratch);
    return {
        requests: { cpu: resources.requests.cpu, memory: resources.requests.memory, "ephemeral-storage": disk.request, ...gpus },
        limits: { cpu: resources.limits.cpu, memory: resources.limits.memory, "ephemeral-storage": disk.limit, ...gpus },
    };
}

/** Writable directories on a read-only root: one emptyDir each, size-capped so a runaway log cannot fill the node. */
export function writablePaths(paths: readonly string[], sizeLimit = "1Gi"): {
    volumes: k8s.types.input.core.v1.Volume[];
    mounts: k8s.types.input.core.v1.VolumeMount[];
} {
    const named = paths.map((path, i) => ({ path, name: `writable-${i}-${path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase()}`.slice(0, 63).replace(/-$/, "") }));
    return {
        volumes: named.map(({ name }) => ({ name, emptyDir: { sizeLimit } })),
        mounts: named.map(({ name, path }) => ({ name, mountPath: path })),
    };
}

/** Annotations that exempt an object from named policies; each needs a reason a reviewer can judge. */
export function exemptionAnnotations(exemptions: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const annotations: Record<string, string> = {};
    for (const [policy, reason] of Object.entries(exemptions ?? {})) {
        if (reason.trim().length < 10) {
            throw new Error(`exemption from ${policy} needs a reason of at least 10 characters`);
        }
        annotations[`${EXEMPTION_PREFIX}${policy}`] = reason;
    }
    return annotations;
}

/** HTTP, exec or TCP probe with explicit timings (the defaults differ per kind and are easy to misread). */
export interface ProbeSpec {
    /** httpGet path on `port`. */
    readonly path?: string;
    /** exec command instead of httpGet. */
    readonly exec?: readonly string[];
    /** tcpSocket on `port` instead of httpGet. */
    readonly tcp?: boolean;
    /** Container port name or number. */
    readonly port?: string | number;
    readonly initialDelaySeconds?: number;
    readonly periodSeconds?: number;
    readonly timeoutSeconds?: number;
    readonly failureThreshold?: number;
}

export function probe(spec: ProbeSpec, defaultPort: string | number): k8s.types.input.core.v1.Probe {
    const port = spec.port ?? defaultPort;
    const action: k8s.types.input.core.v1.Probe = spec.exec
        ? { exec: { command: [...spec.exec] } }
        : spec.tcp
            ? { tcpSocket: { port } }
            : { httpGet: { path: spec.path ?? "/", port } };
    return {
        ...action,
        initialDelaySeconds: spec.initialDelaySeconds ?? 0,
        periodSeconds: spec.periodSeconds ?? 10,
        timeoutSeconds: spec.timeoutSeconds ?? 1,
        failureThreshold: spec.failureThreshold ?? 3,
        successThreshold: 1,
    };
}

/** An env var read from a Secret object (never a literal). */
export function secretEnv(secret: k8s.core.v1.Secret, key: string): pulumi.Output<k8s.types.input.core.v1.EnvVarSource> {
    return secret.metadata.name.apply((name) => ({ secretKeyRef: { name, key } }));
}
