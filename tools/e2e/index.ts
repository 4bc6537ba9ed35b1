/**
 * npm run e2e: every stack deployed for real — the Pulumi CLI and plugins of the e2e toolchain, a
 * Kubernetes API server on loopback with KWOK nodes (or a cluster you bring), stand-in charts from
 * a loopback Helm repository (or the real archives), and the GitLab double — then the checks of
 * tools/e2e/checks.ts. Exit code 0 only when every check of every stack passed.
 */
import { Command, Option } from "commander";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startGitlabDouble } from "../../test/gitlab/gitlabDouble";
import { knownStacks, loadStackConfig } from "../stack/projectConfig";
import { startChartRepository } from "./charts/repository";
import { startCluster, stopCluster, RunningCluster } from "./cluster";
import { KubeClient } from "./kube";
import { formatReport, RunReport, StackReport } from "./report";
import { gitlabProjectsOf } from "./checks";
import { runStack } from "./stackRun";
import { loopbackCertificate } from "./tls";
import { builtToolchain, pathToolchain, Toolchain } from "./toolchain";

/** Where `--keep` remembers the cluster it left running, for `--down`. */
const KEPT_FILE = path.join(os.homedir(), ".cache", "ai-platform", "e2e-kept.json");

interface Options {
    stack: string;
    keep?: boolean;
    json?: boolean;
    down?: boolean;
    kubeContext?: string;
    kubeconfig?: string;
    charts?: string;
}

function parseArgs(argv: string[]): Options {
    const program = new Command("e2e")
        .description("Deploy stacks with the real Pulumi engine on a real Kubernetes API server and check them")
        .addOption(new Option("--stack <stack>", "stack to run, or all").default("all"))
        .option("--keep", "leave the loopback cluster running; prints its kubeconfig and state directory")
        .option("--down", "stop a cluster an earlier --keep left running, and exit")
        .option("--json", "print the report as JSON")
        .option("--kube-context <context>", "deploy to this context of your kubeconfig instead of a loopback cluster (Pulumi CLI from PATH)")
        .option("--kubeconfig <file>", "kubeconfig for --kube-context (default: $KUBECONFIG or ~/.kube/config)")
        .option("--charts <dir>", "serve the real chart archives in this directory (helm pull output) instead of the stand-ins")
        .addHelpText("after", "\nExit codes: 0 every check passed, 1 a check failed, 2 usage or prerequisites missing.")
        .exitOverride();
    program.parse(argv, { from: "user" });
    return program.opts<Options>();
}

function chooseToolchain(options: Options): Toolchain {
    const built = builtToolchain();
    if (options.kubeContext) {
        const fromPath = pathToolchain();
        const toolchain = built.toolchain ?? fromPath;
        if (!toolchain) {
            throw new UsageError(`no Pulumi CLI: put pulumi on PATH or build the toolchain (npm run e2e:toolchain)`);
        }
        return toolchain;
    }
    if (!built.toolchain) {
        throw new UsageError(built.missing!);
    }
    if (!built.toolchain.hasControlPlane) {
        throw new UsageError(`the toolchain in ${built.toolchain.binDir} has no control plane; rebuild it (npm run e2e:toolchain) or pass --kube-context`);
    }
    return built.toolchain;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
    const started = Date.now();
    const options = parseArgs(argv);
    // Progress always goes to stderr, so `--json` keeps stdout for the report alone.
    const log = (line: string) => console.error(line);

    if (options.down) {
        if (!fs.existsSync(KEPT_FILE)) {
            log("e2e: no kept cluster to stop");
            return 0;
        }
        const kept = JSON.parse(fs.readFileSync(KEPT_FILE, "utf8")) as { stateDir: string; runDir?: string };
        await stopCluster(kept.stateDir);
        if (kept.runDir) {
            fs.rmSync(kept.runDir, { recursive: true, force: true });
        }
        fs.rmSync(KEPT_FILE);
        log(`e2e: stopped the cluster in ${kept.stateDir}${kept.runDir ? ` and removed ${kept.runDir}` : ""}`);
        return 0;
    }

    const stacks = options.stack === "all" ? knownStacks() : [options.stack];
    for (const stack of stacks) {
        if (!knownStacks().includes(stack)) {
            throw new UsageError(`unknown stack "${stack}": known stacks are ${knownStacks().join(", ")}, or all`);
        }
    }
    if (options.kubeContext && stacks.length > 1) {
        // On one cluster the stacks would fight over the same cluster-scoped objects and platform
        // namespaces, and prod's protected data stays behind after its (refused) destroy.
        throw new UsageError(`--kube-context deploys into your cluster: name one stack (--stack ${knownStacks().join("|")}), not all`);
    }
    const toolchainStarted = Date.now();
    const toolchain = chooseToolchain(options);
    const checkSeconds = (Date.now() - toolchainStarted) / 1000;

    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-e2e-"));
    const tls = loopbackCertificate(path.join(runDir, "tls"), "gitlab-double");
    const repository = await startChartRepository({ dir: path.join(runDir, "charts"), realCharts: options.charts });
    const gitlabToken = `glpat-e2e${crypto.randomBytes(12).toString("hex")}`;
    const gitlabProjects = [...new Set(stacks.flatMap(gitlabProjectsOf))];
    const double = await startGitlabDouble({
        tokens: { [gitlabToken]: "maintainer" },
        projects: gitlabProjects.map((p, i) => ({ id: 1000 + i, path: p })),
        tls: { key: tls.key, cert: tls.cert },
    });

    const reports: StackReport[] = [];
    let kept: RunningCluster | undefined;
    let active: RunningCluster | undefined;
    // Ctrl-C or CI's kill must not leave a control plane running: stop it, then exit.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            log(`e2e: ${signal}: stopping`);
            void (active ? active.stop() : Promise.resolve()).finally(() => process.exit(130));
        });
    }
    try {
        for (const stack of stacks) {
            const clusterStarted = Date.now();
            // A fresh cluster per stack: the stacks own the same cluster-scoped objects and platform
            // namespaces, as they would on their own clusters, and prod must refuse to be destroyed.
            const cluster = options.kubeContext ? undefined : await startCluster({
                binDir: toolchain.binDir,
                contexts: [loadStackConfig(stack).values["ai-platform:kubeContext"]],
                storageClasses: [loadStackConfig(stack).values["ai-platform:storageClass"]],
                stateDir: path.join(runDir, `cluster-${stack}`),
                // Logs survive a failed run (the run directory is kept then); a kept cluster keeps its state.
                removeStateDir: false,
                log: (line) => log(`cluster: ${line}`),
            });
            active = cluster;
            const clusterSeconds = (Date.now() - clusterStarted) / 1000;
            const kubeconfig = cluster?.kubeconfig ?? options.kubeconfig ?? process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
            const kubeContext = options.kubeContext ?? loadStackConfig(stack).values["ai-platform:kubeContext"];
            let report: StackReport | undefined;
            try {
                report = await runStack({
                    stack,
                    toolchain,
                    target: { kubeconfig, kubeContext, kube: KubeClient.fromKubeconfig(kubeconfig, kubeContext) },
                    chartMirror: repository.url,
                    gitlab: { double, token: gitlabToken, caFile: tls.certFile },
                    runDir,
                    log,
                });
                report.timings.cluster = clusterSeconds;
                reports.push(report);
                double.reset();
            } finally {
                if (cluster && options.keep && stack === stacks[stacks.length - 1]) {
                    kept = cluster;
                } else if (cluster) {
                    const stopping = Date.now();
                    await cluster.stop();
                    if (report) {
                        report.timings.clusterStop = (Date.now() - stopping) / 1000;
                    }
                }
                active = undefined;
            }
        }
    } finally {
        await double.stop();
        await repository.close();
    }

    if (kept) {
        fs.mkdirSync(path.dirname(KEPT_FILE), { recursive: true });
        fs.writeFileSync(KEPT_FILE, JSON.stringify({ stateDir: kept.stateDir, kubeconfig: kept.kubeconfig, runDir }));
    }
    const report: RunReport = {
        ok: reports.length === stacks.length && reports.every((r) => r.checks.every((c) => c.outcome !== "fail") && r.checks.length > 0),
        toolchain: { binDir: toolchain.binDir, checkSeconds, versions: toolchain.versions },
        cluster: options.kubeContext
            ? { mode: "external" }
            : { mode: "loopback", ...(kept ? { kubeconfig: kept.kubeconfig, stateDir: kept.stateDir } : {}) },
        charts: { source: options.charts ? `real archives in ${options.charts}` : "stand-in charts" },
        stacks: reports,
        seconds: (Date.now() - started) / 1000,
    };
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    // A passing run leaves nothing behind; a failing or kept one keeps logs, state and cluster files.
    if (report.ok && !kept) {
        fs.rmSync(runDir, { recursive: true, force: true });
    } else {
        log(`e2e: run directory kept for inspection: ${runDir}`);
    }
    return report.ok ? 0 : 1;
}

// The offline evaluation (checks compare against it) leaves a failed program's own rejected
// promises behind; its failure is already reported by the check that asked for it.
process.on("unhandledRejection", () => undefined);

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    if (err instanceof UsageError) {
        console.error(`e2e: ${err.message}`);
        process.exit(2);
    }
    // commander has already printed its own message (or the help).
    if (err?.code === "commander.helpDisplayed" || err?.code === "commander.version") {
        process.exit(0);
    }
    if (typeof err?.code === "string" && err.code.startsWith("commander.")) {
        process.exit(2);
    }
    console.error(`e2e: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
});
