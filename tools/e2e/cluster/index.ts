/**
 * A Kubernetes control plane on loopback for the end-to-end tier: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and KWOK (simulated nodes and pod lifecycles) started
 * from binaries in `binDir`, plus a small volume provisioner. No containers, no network beyond
 * 127.0.0.1. See README.md next to this file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as components from "./components";
import { KubeClient } from "../kube";
import { writeKubeconfig } from "./kubeconfig";
import { DEFAULT_NODES, nodeManifest, nodeReady, NodeSpec } from "./nodes";
import { generatePki } from "./pki";
import { freePorts, LOOPBACK } from "./ports";
import { liveProcesses, ProcessMonitor, ProcessRecord, ProcessSpec, stopProcesses } from "./processes";
import { provisionerCommand } from "./provisioner";
import { ClusterState, readState, STATE_FILE, writeState } from "./state";
import { DEFAULT_STORAGE_CLASSES, storageClassManifest, StorageClassSpec, storageClassSpecs } from "./storage";
import { probe, waitUntil, WaitContext } from "./wait";

export { DEFAULT_NODES, KWOK_NODE_ANNOTATION } from "./nodes";
export type { NodeSpec, Taint } from "./nodes";
export { DEFAULT_STORAGE_CLASSES, PROVISIONER } from "./storage";
export type { StorageClassSpec } from "./storage";
export { SERVICE_CIDR } from "./components";

export interface ClusterOptions {
    /** Directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok. */
    readonly binDir: string;
    /** Default: a new temp dir. Holds pki/, etcd/, logs/, volumes/, kubeconfig and state.json. */
    readonly stateDir?: string;
    /** Kubeconfig context names to create, all pointing at this cluster; the first is current. */
    readonly contexts: readonly string[];
    /** Default: DEFAULT_NODES. */
    readonly nodes?: readonly NodeSpec[];
    /** Default: DEFAULT_STORAGE_CLASSES. A plain name gets reclaim policy Delete, or Retain if it ends in "-retain". */
    readonly storageClasses?: readonly (string | StorageClassSpec)[];
    /**
     * Whether the apiserver calls admission webhooks. Default false: their servers would be
     * simulated pods, which answer nothing, so each call would time out and (failurePolicy Fail,
     * as cert-manager and ingress-nginx set) reject the object. Webhook configurations are still
     * stored; in-process admission (PodSecurity, ValidatingAdmissionPolicy, …) is unaffected.
     */
    readonly admissionWebhooks?: boolean;
    /** Whether stopping removes the state dir. Default: true for a temp dir, false for a given one. */
    readonly removeStateDir?: boolean;
    /** Give up starting after this long. Default: 120 s. */
    readonly timeoutMs?: number;
    /** Progress lines. */
    readonly log?: (line: string) => void;
    /** Aborting cancels the start; components started so far are stopped. */
    readonly signal?: AbortSignal;
    /** The openssl binary. Default: "openssl" from PATH. */
    readonly openssl?: string;
}

export interface RunningCluster {
    /** Admin kubeconfig (embedded certificates), one context per requested name. */
    readonly kubeconfig: string;
    readonly stateDir: string;
    readonly server: string;
    readonly contexts: readonly string[];
    readonly pids: Readonly<Record<string, number>>;
    /** Milliseconds from the call to startCluster until everything was ready. */
    readonly startMs: number;
    stop(): Promise<void>;
}

export interface StopOptions {
    /** Overrides the choice recorded at start. */
    readonly removeStateDir?: boolean;
    /** How long each component may take to exit after SIGTERM before it gets SIGKILL. Default: 10 s. */
    readonly graceMs?: number;
    readonly log?: (line: string) => void;
}

/** Consumers before what they depend on; anything unknown (a newer state file) goes first. */
const STOP_ORDER = ["provisioner", "kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];
const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"];

function prepareStateDir(requested: string | undefined): { dir: string; temp: boolean } {
    if (requested === undefined) {
        return { dir: fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-e2e-")), temp: true };
    }
    const dir = path.resolve(requested);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
        const state = readState(dir);
        if (!state) {
            throw new Error(`state dir ${dir} is not empty and holds no ${STATE_FILE}; use an empty or new directory`);
        }
        const running = state.processes.filter((p) => liveProcesses(p).length > 0);
        if (running.length > 0) {
            throw new Error(`a cluster is still running from ${dir} (${running.map((p) => p.name).join(", ")}); stop it first`);
        }
        // The remains of a stopped cluster: a fresh start must not inherit its etcd data.
        fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.mkdirSync(dir, { recursive: true });
    return { dir, temp: false };
}

function checkOptions(o: ClusterOptions, nodes: readonly NodeSpec[]): void {
    if (o.contexts.length === 0) {
        throw new Error("startCluster: at least one context name is needed");
    }
    const dupContext = o.contexts.find((n, i) => o.contexts.indexOf(n) !== i);
    if (dupContext) {
        throw new Error(`startCluster: context ${dupContext} is listed twice`);
    }
    const missing = BINARIES.filter((b) => !fs.existsSync(path.join(o.binDir, b)));
    if (missing.length > 0) {
        throw new Error(`startCluster: ${missing.join(", ")} not found in ${path.resolve(o.binDir)}`);
    }
    const names = nodes.map((n) => n.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        throw new Error(`startCluster: node ${dup} is listed twice`);
    }
}

export async function startCluster(o: ClusterOptions): Promise<RunningCluster> {
    const t0 = Date.now();
    const log = o.log ?? (() => undefined);
    const nodes = o.nodes ?? DEFAULT_NODES;
    const classes = storageClassSpecs(o.storageClasses ?? DEFAULT_STORAGE_CLASSES);
    checkOptions(o, nodes);
    const binDir = path.resolve(o.binDir);
    const { dir: stateDir, temp } = prepareStateDir(o.stateDir);
    const removeStateDir = o.removeStateDir ?? temp;
    const monitor = new ProcessMonitor();
    const records: ProcessRecord[] = [];
    let client: KubeClient | undefined;
    const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const aborted = new Promise<never>((_, reject) => {
        const abort = () => reject(new Error("cluster start aborted"));
        if (o.signal?.aborted) {
            abort();
        }
        o.signal?.addEventListener("abort", abort, { once: true });
    });
    aborted.catch(() => undefined);
    log(`state dir ${stateDir}`);

    try {
        const [etcdClient, etcdPeer, apiserverPort, controllerManager, scheduler] = await freePorts(5);
        const ports = { etcdClient, etcdPeer, apiserver: apiserverPort, controllerManager, scheduler };
        const server = `https://${LOOPBACK}:${ports.apiserver}`;
        const pki = await generatePki({
            dir: path.join(stateDir, "pki"),
            apiserverIps: [components.FIRST_SERVICE_IP, components.ADVERTISE_ADDRESS],
            openssl: o.openssl,
        });
        const kubeconfig = path.join(stateDir, "kubeconfig");
        writeKubeconfig({ file: kubeconfig, server, caCert: pki.caCert, user: pki.admin, contexts: o.contexts });
        const componentConfig = (name: string, user = pki.admin) => {
            const file = path.join(stateDir, "kubeconfigs", `${name}.kubeconfig`);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            writeKubeconfig({ file, server, caCert: pki.caCert, user, contexts: [name] });
            return file;
        };
        const layout: components.Layout = {
            stateDir, binDir, pki, ports,
            admissionWebhooks: o.admissionWebhooks ?? false,
            kubeconfigs: {
                controllerManager: componentConfig("kube-controller-manager", pki.controllerManager),
                scheduler: componentConfig("kube-scheduler", pki.scheduler),
                kwok: componentConfig("kwok"),
            },
        };
        log(`pki and kubeconfigs ready (${elapsed()})`);

        const state: ClusterState = {
            version: 1, stateDir, removeStateDir, server, kubeconfig, contexts: [...o.contexts],
            ports, processes: records, startedAt: new Date(t0).toISOString(),
        };
        const start = (spec: ProcessSpec) => {
            if (o.signal?.aborted) {
                throw new Error("cluster start aborted");
            }
            const record = monitor.start(spec);
            records.push(record);
            writeState(state);
            log(`started ${spec.name} (pid ${record.pid})`);
        };
        const failed = Promise.race([monitor.failed, aborted]);
        failed.catch(() => undefined);
        const ctx: WaitContext = {
            deadline: t0 + (o.timeoutMs ?? 120_000),
            failed,
            logFileOf: (name) => records.find((r) => r.name === name)?.logFile,
        };
        const tls = {
            ca: fs.readFileSync(pki.caCert),
            cert: fs.readFileSync(pki.admin.cert),
            key: fs.readFileSync(pki.admin.key),
        };

        start(components.etcd(layout));
        await waitUntil(ctx, "etcd", "/health", () => probe(`${components.etcdUrl(ports)}/health`));
        log(`etcd ready (${elapsed()})`);

        start(components.apiserver(layout));
        await waitUntil(ctx, "kube-apiserver", "/readyz", () => probe(`${server}/readyz`, tls));
        log(`kube-apiserver ready (${elapsed()})`);

        const c = KubeClient.fromFiles({ server, caCert: pki.caCert, clientCert: pki.admin.cert, clientKey: pki.admin.key });
        client = c;
        start(components.controllerManager(layout));
        start(components.scheduler(layout));
        start(components.kwok(layout));
        const readyFile = path.join(stateDir, "run", "provisioner.ready");
        const provisioner = provisionerCommand({
            server, caCert: pki.caCert, clientCert: pki.admin.cert, clientKey: pki.admin.key,
            volumesDir: path.join(stateDir, "volumes"), readyFile,
        });
        start({ name: "provisioner", ...provisioner, cwd: stateDir, logFile: components.logFile(stateDir, "provisioner") });

        await Promise.all([
            ...nodes.map((n, i) => c.create("/api/v1/nodes", nodeManifest(n, i))),
            ...classes.map((s) => c.create("/apis/storage.k8s.io/v1/storageclasses", storageClassManifest(s))),
        ]);
        log(`created ${nodes.length} nodes and ${classes.length} storage classes (${elapsed()})`);

        await Promise.all([
            waitUntil(ctx, "kwok", "all nodes Ready and untainted", async () => {
                const list = await c.get("/api/v1/nodes");
                const ready = new Set((list.items ?? []).filter(nodeReady).map((n: any) => n.metadata.name));
                const waiting = nodes.filter((n) => !ready.has(n.name)).map((n) => n.name);
                return waiting.length === 0 || `not ready: ${waiting.join(", ")}`;
            }),
            waitUntil(ctx, "kube-controller-manager", "/healthz and ServiceAccount default/default", async () => {
                const health = await probe(`https://${LOOPBACK}:${ports.controllerManager}/healthz`, { insecure: true });
                if (health !== true) {
                    return `healthz: ${health}`;
                }
                return (await c.find("/api/v1/namespaces/default/serviceaccounts/default")) ? true : "no default ServiceAccount yet";
            }),
            waitUntil(ctx, "kube-scheduler", "/readyz", () => probe(`https://${LOOPBACK}:${ports.scheduler}/readyz`, { insecure: true })),
            waitUntil(ctx, "provisioner", "its first pass", async () => fs.existsSync(readyFile) || "no first pass yet"),
        ]);
        // From here on an exit is the caller's business (stop, or a crash the next request shows).
        monitor.disarm();
        const startMs = Date.now() - t0;
        writeState({ ...state, readyAt: new Date().toISOString() });
        log(`cluster ready in ${elapsed()}: ${server}, state in ${stateDir}`);
        c.close();
        return {
            kubeconfig, stateDir, server, contexts: [...o.contexts], startMs,
            pids: Object.fromEntries(records.map((r) => [r.name, r.pid])),
            stop: () => stopCluster(stateDir, { log }),
        };
    } catch (err) {
        monitor.disarm();
        client?.close();
        const survivors = await stopProcesses(ordered(records), { graceMs: 5000, log });
        const leftovers = survivors.length > 0 ? ` Still running despite SIGKILL: ${survivors.join(", ")}.` : "";
        const note = `\nCluster start failed; components stopped, state dir kept for inspection: ${stateDir}.${leftovers}`;
        if (err instanceof Error) {
            err.message += note;
            throw err;
        }
        throw new Error(String(err) + note);
    }
}

function ordered(records: readonly ProcessRecord[]): ProcessRecord[] {
    const rank = (r: ProcessRecord) => STOP_ORDER.indexOf(r.name);
    return [...records].sort((a, b) => rank(a) - rank(b));
}

/**
 * Stops the cluster recorded in `stateDir`/state.json: every component's process group gets
 * SIGTERM in STOP_ORDER, SIGKILL after the grace period; then the state dir is removed if so
 * chosen. Idempotent: an already stopped or removed cluster is fine.
 */
export async function stopCluster(stateDir: string, o: StopOptions = {}): Promise<void> {
    const t0 = Date.now();
    const dir = path.resolve(stateDir);
    const state = readState(dir);
    if (!state) {
        return;
    }
    const records = ordered(state.processes);
    const survivors = await stopProcesses(records, { graceMs: o.graceMs ?? 10_000, log: o.log });
    const left = records.filter((r) => liveProcesses(r).length > 0);
    if (survivors.length > 0 || left.length > 0) {
        const names = [...new Set([...survivors, ...left.map((r) => `${r.name} (pid ${r.pid})`)])];
        throw new Error(`stopCluster ${dir}: still running after SIGKILL: ${names.join(", ")}`);
    }
    const removed = o.removeStateDir ?? state.removeStateDir;
    if (removed) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const took = `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    o.log?.(removed ? `stopped in ${took}; removed ${dir}` : `stopped in ${took}; state kept in ${dir}`);
}
