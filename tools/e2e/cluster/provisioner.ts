/**
 * The cluster's stand-in for cloud controllers, run as its own detached process (`node
 * provisioner.js --server …`, see provisionerCommand) so it lives as long as the cluster:
 * a volume provisioner for the StorageClasses of storage.ts, plus load-balancer addresses
 * (loadBalancers.ts).
 *
 * It is level-based: every pass lists classes, claims and volumes and
 * - creates a hostPath PersistentVolume, pre-bound through claimRef, for each Pending claim of
 *   one of our classes (the controller-manager's PV controller then binds the pair);
 * - deletes Released volumes of reclaim policy Delete that it made, and their directories;
 * - grows a bound volume whose claim asks for more (the classes allow expansion).
 * Watches on claims, volumes and Services only trigger passes early; a periodic pass catches
 * anything a dropped watch missed.
 */
import * as fs from "fs";
import * as path from "path";
import { KubeApiError, KubeClient } from "../kube";
import { assignLoadBalancerAddresses, publishIngressAddresses } from "./loadBalancers";
import { PROVISIONER } from "./storage";

const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const RESYNC_MS = 10_000;

export interface ProvisionerOptions {
    readonly client: KubeClient;
    readonly volumesDir: string;
    readonly log: (line: string) => void;
    readonly signal: AbortSignal;
    /** Called once after the first complete pass. */
    readonly onReady?: () => void;
}

interface Class {
    readonly reclaimPolicy: string;
    readonly mountOptions?: string[];
}

/** Kubernetes quantities as bytes, enough to compare storage sizes (no fractions of a byte). */
export function storageBytes(q: string): number {
    const m = /^([0-9.]+)([KMGTPE]i?|k|m)?$/.exec(String(q).trim());
    if (!m) {
        return NaN;
    }
    const units: Record<string, number> = {
        "": 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
        Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    };
    return Number(m[1]) * units[m[2] ?? ""];
}

async function volumesPass(o: ProvisionerOptions): Promise<void> {
    const { client, log } = o;
    const [classList, claimList, volumeList] = await Promise.all([
        client.get("/apis/storage.k8s.io/v1/storageclasses"),
        client.get("/api/v1/persistentvolumeclaims"),
        client.get("/api/v1/persistentvolumes"),
    ]);
    const classes = new Map<string, Class>();
    for (const c of classList.items ?? []) {
        if (c.provisioner === PROVISIONER) {
            classes.set(c.metadata.name, { reclaimPolicy: c.reclaimPolicy ?? "Delete", mountOptions: c.mountOptions });
        }
    }
    const volumes = new Map<string, any>((volumeList.items ?? []).map((v: any) => [v.metadata.name, v]));

    for (const claim of claimList.items ?? []) {
        const cls = classes.get(claim.spec?.storageClassName);
        if (!cls || claim.metadata.deletionTimestamp) {
            continue;
        }
        const ns = claim.metadata.namespace;
        const name = claim.metadata.name;
        const request = claim.spec?.resources?.requests?.storage;
        if (claim.status?.phase === "Pending" && !claim.spec.volumeName) {
            const pvName = `pvc-${claim.metadata.uid}`;
            if (volumes.has(pvName)) {
                continue;
            }
            if (!request) {
                log(`claim ${ns}/${name} requests no storage size; skipped`);
                continue;
            }
            const dir = path.join(o.volumesDir, pvName);
            fs.mkdirSync(dir, { recursive: true });
            await client.create("/api/v1/persistentvolumes", {
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name: pvName, annotations: { [PROVISIONED_BY]: PROVISIONER } },
                spec: {
                    capacity: { storage: request },
                    accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
                    volumeMode: claim.spec.volumeMode ?? "Filesystem",
                    persistentVolumeReclaimPolicy: cls.reclaimPolicy,
                    storageClassName: claim.spec.storageClassName,
                    ...(cls.mountOptions ? { mountOptions: cls.mountOptions } : {}),
                    claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: ns, name, uid: claim.metadata.uid },
                    hostPath: { path: dir, type: "DirectoryOrCreate" },
                },
            });
            log(`created ${pvName} (${request}, ${cls.reclaimPolicy}) for ${ns}/${name}`);
        } else if (claim.status?.phase === "Bound" && request) {
            await grow(o, claim, volumes.get(claim.spec.volumeName), request);
        }
    }

    for (const pv of volumes.values()) {
        const ours = pv.metadata.annotations?.[PROVISIONED_BY] === PROVISIONER;
        if (!ours || pv.spec?.persistentVolumeReclaimPolicy !== "Delete" || pv.metadata.deletionTimestamp) {
            continue;
        }
        if (pv.status?.phase === "Released" || pv.status?.phase === "Failed") {
            await client.delete(`/api/v1/persistentvolumes/${pv.metadata.name}`);
            const dir = pv.spec.hostPath?.path;
            if (typeof dir === "string" && path.dirname(dir) === o.volumesDir) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            log(`deleted ${pv.metadata.name} (claim ${pv.spec.claimRef?.namespace}/${pv.spec.claimRef?.name} is gone)`);
        }
    }
}

/** What an external resizer does: grow the volume, then report the new size on the claim. */
async function grow(o: ProvisionerOptions, claim: any, pv: any, request: string): Promise<void> {
    const current = claim.status?.capacity?.storage;
    if (!pv || !current || !(storageBytes(request) > storageBytes(current))) {
        return;
    }
    const ns = claim.metadata.namespace;
    const name = claim.metadata.name;
    if (storageBytes(pv.spec?.capacity?.storage) < storageBytes(request)) {
        await o.client.request("PATCH", `/api/v1/persistentvolumes/${pv.metadata.name}`,
            { spec: { capacity: { storage: request } } }, "application/merge-patch+json");
    }
    await o.client.request("PATCH", `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}/status`,
        { status: { capacity: { storage: request }, allocatedResources: { storage: request }, conditions: null, allocatedResourceStatuses: null } },
        "application/merge-patch+json");
    o.log(`grew ${pv.metadata.name} for ${ns}/${name} from ${current} to ${request}`);
}

/** Runs until `signal` aborts. Errors of a pass are logged and retried at the next trigger. */
export async function runProvisioner(o: ProvisionerOptions): Promise<void> {
    fs.mkdirSync(o.volumesDir, { recursive: true });
    let wake: (() => void) | undefined;
    let pending = true;
    const trigger = () => {
        pending = true;
        wake?.();
    };
    const watchLoop = async (collection: string) => {
        while (!o.signal.aborted) {
            try {
                const list = await o.client.get(`${collection}?limit=1`);
                trigger();
                await o.client.watch(collection, list.metadata.resourceVersion, (e) => {
                    if (e.type !== "BOOKMARK") {
                        trigger();
                    }
                }, o.signal);
            } catch (err) {
                if (!o.signal.aborted) {
                    o.log(`watch ${collection}: ${(err as Error).message}; retrying`);
                    await sleep(1000, o.signal);
                }
            }
        }
    };
    void watchLoop("/api/v1/persistentvolumeclaims");
    void watchLoop("/api/v1/persistentvolumes");
    void watchLoop("/apis/networking.k8s.io/v1/ingresses");
    void watchLoop("/api/v1/services");
    const resync = setInterval(trigger, RESYNC_MS);
    o.signal.addEventListener("abort", () => wake?.());
    let ready = false;
    try {
        while (!o.signal.aborted) {
            if (!pending) {
                await new Promise<void>((resolve) => { wake = resolve; });
                wake = undefined;
                // Coalesce the burst of events one apply produces into one pass.
                await sleep(100, o.signal);
                continue;
            }
            pending = false;
            try {
                await volumesPass(o);
                await assignLoadBalancerAddresses(o.client, o.log);
                await publishIngressAddresses(o.client, o.log);
                if (!ready) {
                    ready = true;
                    o.onReady?.();
                }
            } catch (err) {
                const conflict = err instanceof KubeApiError && err.status === 409;
                if (!o.signal.aborted && !conflict) {
                    o.log(`pass failed: ${(err as Error).message}`);
                }
                pending = true;
                await sleep(1000, o.signal);
            }
        }
    } finally {
        clearInterval(resync);
    }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const done = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done);
    });
}

export interface ProvisionerArgs {
    readonly server: string;
    readonly caCert: string;
    readonly clientCert: string;
    readonly clientKey: string;
    readonly volumesDir: string;
    /** Created after the first pass, so the starter can tell the provisioner works. */
    readonly readyFile: string;
}

const FLAGS: Record<keyof ProvisionerArgs, string> = {
    server: "--server", caCert: "--ca", clientCert: "--cert", clientKey: "--key", volumesDir: "--volumes-dir", readyFile: "--ready-file",
};

/**
 * How to start this file as a process. Under ts-node (a .ts file) the child loads ts-node's
 * transpile-only hook (tools/typescript/register.js), pointed at the project's tsconfig.json: ts-node looks for one from the
 * working directory, which is the state dir. Compiled, it is plain node.
 */
export function provisionerCommand(a: ProvisionerArgs): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
    const flags = (Object.keys(FLAGS) as (keyof ProvisionerArgs)[]).flatMap((k) => [FLAGS[k], a[k]]);
    if (!__filename.endsWith(".ts")) {
        return { command: process.execPath, args: [__filename, ...flags], env: process.env };
    }
    const project = findUp(path.dirname(__filename), "tsconfig.json");
    return {
        command: process.execPath,
        args: ["-r", path.join(__dirname, "..", "..", "typescript", "register.js"), __filename, ...flags],
        env: { ...process.env, ...(project ? { TS_NODE_PROJECT: project } : {}) },
    };
}

function findUp(dir: string, name: string): string | undefined {
    for (let d = dir; ; d = path.dirname(d)) {
        const candidate = path.join(d, name);
        if (fs.existsSync(candidate)) {
            return candidate;
        }
        if (path.dirname(d) === d) {
            return undefined;
        }
    }
}

function parseArgs(argv: readonly string[]): ProvisionerArgs {
    const out: Partial<Record<keyof ProvisionerArgs, string>> = {};
    for (const [key, flag] of Object.entries(FLAGS) as [keyof ProvisionerArgs, string][]) {
        const i = argv.indexOf(flag);
        if (i < 0 || i + 1 >= argv.length) {
            throw new Error(`provisioner: missing ${flag}`);
        }
        out[key] = argv[i + 1];
    }
    return out as ProvisionerArgs;
}

async function main(): Promise<void> {
    const a = parseArgs(process.argv.slice(2));
    const client = KubeClient.fromFiles({ server: a.server, caCert: a.caCert, clientCert: a.clientCert, clientKey: a.clientKey });
    const controller = new AbortController();
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
        process.on(sig, () => controller.abort());
    }
    const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    log(`provisioner ${PROVISIONER} watching ${a.server}, volumes in ${a.volumesDir}`);
    await runProvisioner({
        client, volumesDir: a.volumesDir, log, signal: controller.signal,
        onReady: () => fs.writeFileSync(a.readyFile, `${process.pid}\n`),
    });
    client.close();
    log("stopped");
    process.exit(0);
}

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`${(err as Error).stack ?? err}\n`);
        process.exit(1);
    });
}
