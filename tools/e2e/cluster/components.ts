/**
 * Command lines of the control-plane components. Everything binds 127.0.0.1 only and keeps its
 * files in the state dir; each component gets its own log.
 */
import * as fs from "fs";
import * as path from "path";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_VALUE } from "./nodes";
import { Pki } from "./pki";
import { LOOPBACK } from "./ports";
import { ProcessSpec } from "./processes";

export const SERVICE_CIDR = "10.96.0.0/16";
/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_CIDR. */
export const FIRST_SERVICE_IP = "10.96.0.1";
/**
 * Published in the `kubernetes` Service's endpoints only. Endpoints may not hold a loopback
 * address, and the host's own address is not ours to advertise; nothing listens on or dials this.
 */
export const ADVERTISE_ADDRESS = "10.250.255.254";
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** KWOK's pod IP range for nodes without a pod CIDR of their own (nodes.ts gives every node one). */
const KWOK_FALLBACK_POD_CIDR = "10.245.0.0/16";
/** KWOK renews each node's Lease every quarter of this; the node lifecycle controller reads the leases. */
const NODE_LEASE_SECONDS = 40;

export interface Ports {
    readonly etcdClient: number;
    readonly etcdPeer: number;
    readonly apiserver: number;
    readonly controllerManager: number;
    readonly scheduler: number;
}

export interface Layout {
    readonly stateDir: string;
    readonly binDir: string;
    readonly pki: Pki;
    readonly ports: Ports;
    /** Per-component kubeconfig files. */
    readonly kubeconfigs: { readonly controllerManager: string; readonly scheduler: string; readonly kwok: string };
    /** Whether the apiserver calls admission webhooks (ClusterOptions.admissionWebhooks). */
    readonly admissionWebhooks: boolean;
}

export const logFile = (stateDir: string, name: string) => path.join(stateDir, "logs", `${name}.log`);

/** Scratch space of a component (generated serving certs, KWOK's work dir). */
function runDir(l: Layout, name: string): string {
    const dir = path.join(l.stateDir, "run", name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

function spec(l: Layout, name: string, args: string[], env?: NodeJS.ProcessEnv): ProcessSpec {
    return { name, command: path.join(l.binDir, name), args, cwd: l.stateDir, logFile: logFile(l.stateDir, name), env };
}

export const etcdUrl = (p: Ports) => `http://${LOOPBACK}:${p.etcdClient}`;

export function etcd(l: Layout): ProcessSpec {
    const client = etcdUrl(l.ports);
    const peer = `http://${LOOPBACK}:${l.ports.etcdPeer}`;
    return spec(l, "etcd", [
        "--name=e2e",
        `--data-dir=${path.join(l.stateDir, "etcd")}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=e2e=${peer}`,
        "--initial-cluster-state=new",
        // A throwaway cluster: durability is not worth an fsync per write on a busy CI disk.
        "--unsafe-no-fsync=true",
        "--auto-compaction-mode=periodic",
        "--auto-compaction-retention=5m",
        "--quota-backend-bytes=4294967296",
        "--log-level=warn",
    ]);
}

export function apiserver(l: Layout): ProcessSpec {
    const k = l.pki;
    return spec(l, "kube-apiserver", [
        `--etcd-servers=${etcdUrl(l.ports)}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${l.ports.apiserver}`,
        `--advertise-address=${ADVERTISE_ADDRESS}`,
        `--cert-dir=${runDir(l, "kube-apiserver")}`,
        `--tls-cert-file=${k.apiserverCert}`,
        `--tls-private-key-file=${k.apiserverKey}`,
        `--client-ca-file=${k.caCert}`,
        "--authorization-mode=Node,RBAC",
        // On by default already; named so that no later default change or flag edit drops it.
        "--enable-admission-plugins=NodeRestriction,PodSecurity",
        // Webhook servers would be pods, and simulated pods serve nothing: with webhooks on, every
        // object a chart's webhook covers (cert-manager's, ingress-nginx's) waits for the call's
        // timeout and is then rejected.
        ...(l.admissionWebhooks ? [] : ["--disable-admission-plugins=ValidatingAdmissionWebhook,MutatingAdmissionWebhook"]),
        // Privileged pods are legal where the namespace's Pod Security level allows them (the
        // default level, privileged); PodSecurity, not this flag, is what restricts them.
        "--allow-privileged=true",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${k.serviceAccountPub}`,
        `--service-account-signing-key-file=${k.serviceAccountKey}`,
        "--profiling=false",
    ]);
}

export function controllerManager(l: Layout): ProcessSpec {
    const k = l.pki;
    return spec(l, "kube-controller-manager", [
        `--kubeconfig=${l.kubeconfigs.controllerManager}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${l.ports.controllerManager}`,
        `--cert-dir=${runDir(l, "kube-controller-manager")}`,
        "--leader-elect=false",
        // Each controller acts as its own ServiceAccount, so RBAC gaps show up as they would in a real cluster.
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${k.serviceAccountKey}`,
        `--root-ca-file=${k.caCert}`,
        `--cluster-signing-cert-file=${k.caCert}`,
        `--cluster-signing-key-file=${k.caKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--cluster-name=e2e",
        // A whole stack lands at once; the default 20 QPS would make its controllers queue.
        "--kube-api-qps=100",
        "--kube-api-burst=200",
        "--profiling=false",
    ]);
}

export function scheduler(l: Layout): ProcessSpec {
    return spec(l, "kube-scheduler", [
        `--kubeconfig=${l.kubeconfigs.scheduler}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${l.ports.scheduler}`,
        `--cert-dir=${runDir(l, "kube-scheduler")}`,
        "--leader-elect=false",
        "--kube-api-qps=100",
        "--kube-api-burst=200",
        "--profiling=false",
    ]);
}

/** The stage definitions next to this file, in the order KWOK should load them. */
export const STAGE_FILES = ["node-initialize", "node-heartbeat", "pod-ready", "pod-complete", "pod-delete"]
    .map((name) => path.join(__dirname, "stages", `${name}.yaml`));

export function kwok(l: Layout): ProcessSpec {
    const missing = STAGE_FILES.filter((f) => !fs.existsSync(f));
    if (missing.length > 0) {
        throw new Error(`KWOK stage definitions missing (they ship next to components.ts): ${missing.join(", ")}`);
    }
    const workDir = runDir(l, "kwok");
    return spec(l, "kwok", [
        `--kubeconfig=${l.kubeconfigs.kwok}`,
        ...STAGE_FILES.map((f) => `--config=${f}`),
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_VALUE}`,
        `--cidr=${KWOK_FALLBACK_POD_CIDR}`,
        `--node-lease-duration-seconds=${NODE_LEASE_SECONDS}`,
        // No --server-address/--node-port: KWOK's kubelet API (logs, exec) is not needed, so it
        // opens no port at all.
    ], {
        ...process.env,
        // KWOK also loads ~/.kwok/kwok.yaml when it exists; point its work dir into the state dir
        // so a developer's own KWOK setup cannot add stages or options.
        KWOK_WORKDIR: workDir,
    });
}
