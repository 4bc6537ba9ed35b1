/**
 * `npm run bench` (not part of the tests): how long the offline plan takes per stack, next to the
 * time the same SDK takes to evaluate a one-resource program (tools/bench/oneResource.ts), and the
 * policy pack's throughput over the prod stack through the Analyzer gRPC driver. Each figure is the
 * median of a few repetitions in one warm process (module loading is paid once by a warm-up run);
 * `--cold` adds whole-process timings of `npm run plan` per stack. Results: out/bench/results.json.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command, Option } from "commander";
import { runPlan } from "./plan/index";
import { Progress } from "./plan/progress";
import { table } from "./plan/table";
import { startPolicyPack } from "./policy/analyzer";
import { evaluateStack } from "./stack/evaluate";
import { knownStacks, loadStackConfig, REPO_ROOT } from "./stack/projectConfig";

const ONE_RESOURCE = path.join(__dirname, "bench", "oneResource.ts");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const start = process.hrtime.bigint();
    const value = await fn();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Records how long each plan step took. */
function stepTimer(): Progress & { steps: Record<string, number> } {
    const steps: Record<string, number> = {};
    let current = "";
    let started = 0;
    return {
        steps,
        start(step) {
            const names: Record<string, string> = {
                evaluating: "evaluate", validating: "validate", running: "policy", computing: "capacity", writing: "write",
            };
            current = names[step.split(" ")[0]] ?? step;
            started = performance.now();
        },
        tick() {},
        done() {
            steps[current] = performance.now() - started;
        },
        note() {},
    };
}

function log(line: string): void {
    process.stderr.write(`bench: ${line}\n`);
}

const ms = (n: number) => `${n.toFixed(0)} ms`;

async function main(): Promise<void> {
    const program = new Command("bench")
        .addOption(new Option("-r, --reps <n>", "repetitions per measurement").default("3"))
        .option("-s, --stacks <list>", "comma-separated stacks (default: all)")
        .option("--cold", "also time whole `npm run plan` processes (slow)")
        .parse(process.argv);
    const opts = program.opts<{ reps: string; stacks?: string; cold?: boolean }>();
    const reps = Math.max(1, Number(opts.reps) || 3);
    const stacks = opts.stacks ? opts.stacks.split(",") : knownStacks();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bench-"));

    // --- Baseline: a one-resource program on the same SDK, mocks and config --------------------------
    const baseline = async () => {
        // evaluateStack keeps tools/ modules cached; the baseline program must run afresh each time.
        delete require.cache[require.resolve(ONE_RESOURCE)];
        const e = await evaluateStack("dev", { program: ONE_RESOURCE });
        if (e.resources.length < 1) {
            throw new Error("the one-resource program registered nothing");
        }
    };
    log("warm-up (loads the SDK once)");
    await baseline();
    const baselineRuns: number[] = [];
    for (let i = 0; i < reps; i++) {
        baselineRuns.push((await time(baseline)).ms);
    }
    const baselineMedian = median(baselineRuns);
    log(`one-resource evaluation: median ${ms(baselineMedian)}`);

    // --- Plan per stack ------------------------------------------------------------------------------
    interface StackResult {
        stack: string;
        resources?: number;
        planMs?: number;
        evaluateMs?: number;
        steps?: Record<string, number>;
        runs?: number[];
        ratio?: number;
        evaluateRatio?: number;
        coldMs?: number;
        error?: string;
    }
    const perStack: StackResult[] = [];
    for (const stack of stacks) {
        const runs: number[] = [];
        const evaluations: number[] = [];
        const steps: Record<string, number[]> = {};
        let resources = 0;
        try {
            for (let i = 0; i < reps; i++) {
                const timer = stepTimer();
                const { ms: total, value } = await time(() => runPlan({ stack, outDir: path.join(tmp, stack), progress: timer }));
                runs.push(total);
                resources = value.evaluation.resources.length;
                evaluations.push(timer.steps.evaluate ?? 0);
                for (const [k, v] of Object.entries(timer.steps)) {
                    (steps[k] ??= []).push(v);
                }
            }
            const planMs = median(runs);
            const evaluateMs = median(evaluations);
            perStack.push({
                stack, resources, planMs, evaluateMs, runs,
                steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(median(v))])),
                ratio: planMs / baselineMedian, evaluateRatio: evaluateMs / baselineMedian,
            });
            log(`plan ${stack}: median ${ms(planMs)} (${resources} resources)`);
        } catch (error: any) {
            perStack.push({ stack, error: String(error?.message ?? error).split("\n")[0] });
            log(`plan ${stack}: failed: ${String(error?.message ?? error).split("\n")[0]}`);
        }
    }
    if (opts.cold) {
        for (const r of perStack.filter((x) => !x.error)) {
            const coldRuns: number[] = [];
            for (let i = 0; i < reps; i++) {
                const start = performance.now();
                spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "plan.ts"),
                    "--stack", r.stack, "--quiet", "--out", path.join(tmp, `cold-${r.stack}`)], { cwd: REPO_ROOT, stdio: "ignore" });
                coldRuns.push(performance.now() - start);
            }
            r.coldMs = median(coldRuns);
            log(`cold plan ${r.stack}: median ${ms(r.coldMs)}`);
        }
    }

    // --- Policy throughput over prod -----------------------------------------------------------------
    let policy: Record<string, unknown> = {};
    try {
        const evaluation = await evaluateStack("prod");
        const resources = evaluation.resources;
        const { ms: startupMs, value: pack } = await time(() => startPolicyPack(path.join(REPO_ROOT, "policy"), {
            stack: "prod", project: evaluation.project, stackConfig: loadStackConfig("prod").values,
        }));
        try {
            await pack.configure(path.join(REPO_ROOT, "policy", "config", "prod.json"));
            const analyzeRuns: number[] = [];
            const stackRuns: number[] = [];
            for (let i = 0; i < reps; i++) {
                analyzeRuns.push((await time(() => pack.analyze(resources))).ms);
                stackRuns.push((await time(() => pack.analyzeStack(resources))).ms);
            }
            const analyzeMs = median(analyzeRuns);
            const stackMs = median(stackRuns);
            policy = {
                stack: "prod", resources: resources.length, policies: pack.info.policies.length, startupMs,
                analyzeMs, analyzeStackMs: stackMs,
                analyzeResourcesPerSecond: resources.length / (analyzeMs / 1000),
                totalResourcesPerSecond: resources.length / ((analyzeMs + stackMs) / 1000),
                analyzeRuns, stackRuns,
            };
            log(`policy over prod: ${(policy.totalResourcesPerSecond as number).toFixed(0)} resources/s`);
        } finally {
            await pack.close();
        }
    } catch (error: any) {
        policy = { stack: "prod", error: String(error?.message ?? error).split("\n")[0] };
        log(`policy throughput: failed: ${policy.error}`);
    }
    fs.rmSync(tmp, { recursive: true, force: true });

    // --- Report --------------------------------------------------------------------------------------
    const results = {
        node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, reps,
        baseline: { program: path.relative(REPO_ROOT, ONE_RESOURCE), medianMs: baselineMedian, runs: baselineRuns },
        stacks: perStack, policy,
    };
    const out = path.join(REPO_ROOT, "out", "bench");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);

    const lines = [
        `Offline plan benchmark (${reps} repetitions, median; Node ${process.version}, ${os.cpus().length} CPUs)`,
        "",
        table(["STACK", "RESOURCES", "PLAN", "EVALUATE", "1-RESOURCE EVAL", "PLAN ÷ 1-RES", "EVAL ÷ 1-RES", ...(opts.cold ? ["COLD PLAN"] : [])],
            perStack.map((r) => r.error ? [r.stack, "-", `failed: ${r.error}`, "", "", "", ""] : [
                r.stack, String(r.resources), ms(r.planMs!), ms(r.evaluateMs!), ms(baselineMedian),
                `${r.ratio!.toFixed(1)}×`, `${r.evaluateRatio!.toFixed(1)}×`, ...(opts.cold ? [ms(r.coldMs ?? 0)] : []),
            ])),
        "",
        "Plan steps (median ms): " + perStack.filter((r) => r.steps).map((r) =>
            `${r.stack}: ${Object.entries(r.steps!).map(([k, v]) => `${k} ${v}`).join(", ")}`).join(" | "),
        "",
        policy.error
            ? `Policy throughput over prod: failed: ${policy.error}`
            : `Policy throughput over prod (${policy.resources} resources, ${policy.policies} policies, pack start-up ${ms(policy.startupMs as number)}):\n` +
              table(["CALLS", "MEDIAN", "RESOURCES/S"], [
                  ["Analyze (per resource, 4 in flight)", ms(policy.analyzeMs as number), (policy.analyzeResourcesPerSecond as number).toFixed(0)],
                  ["Analyze + AnalyzeStack", ms((policy.analyzeMs as number) + (policy.analyzeStackMs as number)), (policy.totalResourcesPerSecond as number).toFixed(0)],
              ]),
        "",
        `Wrote ${path.relative(process.cwd(), path.join(out, "results.json"))}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(() => process.exit(0), (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    process.exit(1);
});
