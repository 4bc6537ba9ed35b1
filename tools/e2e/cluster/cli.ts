/**
 * ts-node --transpile-only tools/e2e/cluster/cli.ts up --bin <dir> [--state-dir <dir>] [--context <name>]... [--json]
 * ts-node --transpile-only tools/e2e/cluster/cli.ts down --state-dir <dir>
 *
 * `up` returns once the cluster is ready and leaves it running (detached) for `down`; with
 * --foreground it stays attached instead and stops the cluster on Ctrl-C / SIGTERM.
 * Progress goes to stderr, the result to stdout.
 */
import { Command } from "commander";
import { startCluster, stopCluster } from "./index";

const collect = (value: string, previous: string[]) => [...previous, value];
function seconds(value: string): number {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
        throw new Error(`--timeout expects a positive number of seconds, got "${value}"`);
    }
    return n;
}

const stderr = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

interface UpOptions {
    bin: string;
    stateDir?: string;
    context: string[];
    storageClass: string[];
    json?: boolean;
    keepState?: boolean;
    foreground?: boolean;
    quiet?: boolean;
    timeout: string;
    admissionWebhooks?: boolean;
}

async function up(o: UpOptions): Promise<void> {
    // Ctrl-C while starting stops what has started instead of leaving detached components behind.
    const starting = new AbortController();
    const abort = () => starting.abort();
    process.once("SIGINT", abort);
    process.once("SIGTERM", abort);
    const cluster = await startCluster({
        signal: starting.signal,
        binDir: o.bin,
        stateDir: o.stateDir,
        contexts: o.context.length > 0 ? o.context : ["e2e"],
        storageClasses: o.storageClass.length > 0 ? o.storageClass : undefined,
        removeStateDir: o.keepState ? false : undefined,
        timeoutMs: seconds(o.timeout) * 1000,
        admissionWebhooks: o.admissionWebhooks,
        log: o.quiet ? undefined : stderr,
    });
    process.off("SIGINT", abort);
    process.off("SIGTERM", abort);
    if (o.json) {
        const { kubeconfig, stateDir, server, contexts, pids, startMs } = cluster;
        process.stdout.write(JSON.stringify({ kubeconfig, stateDir, server, contexts, pids, startMs }) + "\n");
    } else {
        process.stdout.write(`kubeconfig: ${cluster.kubeconfig}\nstateDir: ${cluster.stateDir}\nserver: ${cluster.server}\n`);
        stderr(`export KUBECONFIG=${cluster.kubeconfig}; stop with: cli.ts down --state-dir ${cluster.stateDir}`);
    }
    if (!o.foreground) {
        return;
    }
    await new Promise<void>((resolve) => {
        // Signal handlers alone do not keep Node's event loop alive.
        const keepAlive = setInterval(() => undefined, 60_000);
        const done = () => {
            clearInterval(keepAlive);
            resolve();
        };
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
    });
    await cluster.stop();
}

async function down(o: { stateDir: string; keepState?: boolean; quiet?: boolean }): Promise<void> {
    await stopCluster(o.stateDir, { removeStateDir: o.keepState ? false : undefined, log: o.quiet ? undefined : stderr });
}

const program = new Command("cluster").description("Loopback Kubernetes control plane with KWOK nodes for the e2e tier");

program.command("up")
    .description("start a cluster and print its kubeconfig path and state dir")
    .requiredOption("--bin <dir>", "directory with etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
    .option("--state-dir <dir>", "state directory (default: a new temp dir, removed by down)")
    .option("--context <name>", "kubeconfig context to create, repeatable; the first is current (default: e2e)", collect, [])
    .option("--storage-class <name>", "StorageClass to create, repeatable (default: local-path, gp3, gp3-retain)", collect, [])
    .option("--json", "print one JSON object ({ kubeconfig, stateDir, server, contexts, pids, startMs })")
    .option("--keep-state", "down keeps the state dir even if it is a temp dir")
    .option("--admission-webhooks", "let the apiserver call admission webhooks (off by default: simulated pods cannot serve them)")
    .option("--timeout <seconds>", "give up starting after this long", "120")
    .option("--foreground", "stay attached; stop the cluster on SIGINT/SIGTERM")
    .option("-q, --quiet", "no progress lines")
    .action(up);

program.command("down")
    .description("stop a cluster started by up (idempotent)")
    .requiredOption("--state-dir <dir>", "the state dir up printed")
    .option("--keep-state", "keep the state dir (logs, etcd data) even if up created it")
    .option("-q, --quiet", "no progress lines")
    .action(down);

program.parseAsync(process.argv).then(
    // Detached components hold no handles of ours; exit without waiting for idle sockets.
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
