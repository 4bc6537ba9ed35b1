/**
 * `npm run plan -- --stack <stack|all>`: render, validate and policy-check a stack offline; `all`
 * plans every Pulumi.<stack>.yaml and checks that no two stacks would own the same objects.
 * A thin shell around tools/plan/index.ts; exit codes in tools/plan/exitCodes.ts and docs/plan.md.
 */
import * as path from "path";
import { Command, Option } from "commander";
import { TEST_BUDGET_ENV } from "./plan/budget";
import { EXIT, PlanError } from "./plan/exitCodes";
import { runAllPlans } from "./plan/all";
import { runPlanDiff } from "./plan/baseline";
import { runPlan } from "./plan/index";
import { consoleProgress, silentProgress } from "./plan/progress";
import { renderAllReport, renderReport, verdictLine } from "./plan/report";
import { exitAfterStdout, logToStderr, parseCommandLine } from "./plan/commandLine";

interface CliOptions {
    stack: string;
    json?: boolean;
    out?: string;
    config: string[];
    skipPolicy?: boolean;
    quiet?: boolean;
    verbose?: boolean;
    program?: string;
    baseline?: string;
}

function collect(value: string, previous: string[]): string[] {
    return [...previous, value];
}

function parseOverrides(pairs: readonly string[]): Record<string, unknown> {
    const overrides: Record<string, unknown> = {};
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq <= 0) {
            throw new PlanError(`--config expects key=value, got "${pair}"`, EXIT.usage);
        }
        overrides[pair.slice(0, eq).replace(/^ai-platform:/, "")] = pair.slice(eq + 1);
    }
    return overrides;
}

function testBudget(): Record<string, unknown> | undefined {
    const raw = process.env[TEST_BUDGET_ENV];
    if (raw === undefined || raw === "") {
        return undefined;
    }
    try {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
            return parsed as Record<string, unknown>;
        }
    } catch {
        // reported below
    }
    throw new PlanError(`${TEST_BUDGET_ENV} must be a JSON object such as {"cpu":"1m"}`, EXIT.usage);
}

async function main(argv: string[]): Promise<number> {
    const program = new Command("plan")
        .description("Offline plan of a stack: evaluate the program with the stack's config (no Pulumi CLI, no cluster, " +
            "no credentials), validate every Kubernetes object, run the policy pack, report capacity against the budget " +
            "and write manifests and plan.json.")
        .addOption(new Option("-s, --stack <stack>", "stack to plan, or all (every Pulumi.<stack>.yaml, then the collision check)").default("dev"))
        .option("--json", "print plan.json to stdout instead of the report (progress stays on stderr)")
        .option("-o, --out <dir>", "output folder (default: out/plan/<stack>; with --stack all, the parent of one folder per stack)")
        .option("-c, --config <key=value>", "override a config key for this run only (repeatable)", collect, [])
        .option("--skip-policy", "do not run the policy pack (its findings then do not count; never in CI)")
        .option("-q, --quiet", "no progress lines on stderr")
        .option("-v, --verbose", "list every policy finding and exemption (default: one example per policy)")
        .option("-b, --baseline <ref>", "also plan the stack at this git ref (temporary worktree) and report what changes: " +
            "objects and fields, Helm values, GitLab variables, outputs, capacity, policy findings (one stack, not all)")
        // Tests and experiments: evaluate another entry point with the stack's configuration.
        .addOption(new Option("--program <file>", "program entry point instead of index.ts").hideHelp())
        .addHelpText("after", `
Exit codes: 0 clean; 16 + 1 (schema errors) + 2 (mandatory violations) + 4 (budget exceeded)
+ 8 (stale exemption annotations); with --stack all, + 16 when two stacks would own the same objects.
2 bad command line, 3 unknown stack, 4 broken configuration, 5 program failed, 6 policy pack
failed, 7 --baseline ref unusable, 1 internal error. See docs/plan.md.`);
    const stop = parseCommandLine(program, argv, EXIT.usage);
    if (stop !== undefined) {
        return stop;
    }
    const options = program.opts<CliOptions>();

    logToStderr();

    const verbose = options.verbose === true;
    if (options.stack === "all") {
        if (options.baseline !== undefined) {
            throw new PlanError("--baseline diffs one stack: name it (--stack <stack> --baseline <ref>, once per stack); --stack all checks collisions without a baseline", EXIT.usage);
        }
        if (options.json) {
            throw new PlanError("--json prints one stack's plan.json: name the stack (each stack's plan.json is also written to out/plan/<stack>/)", EXIT.usage);
        }
    }
    // What one stack's plan and `--stack all` take alike.
    const common = {
        overrides: options.config.length > 0 ? parseOverrides(options.config) : undefined,
        outDir: options.out,
        budgetOverride: testBudget(),
        skipPolicy: options.skipPolicy === true,
        program: options.program ? path.resolve(options.program) : undefined,
        progress: options.quiet ? silentProgress : consoleProgress(),
    };
    if (options.stack === "all") {
        const all = await runAllPlans({
            ...common,
            onStack: (s) => process.stdout.write(s.result ? renderReport(s.result, { verbose }) : `\nStack ${s.stack}: no plan (exit ${s.error!.code}):\n${s.error!.message}\n`),
        });
        process.stdout.write(renderAllReport(all));
        return all.exitCode;
    }
    const planOptions = { stack: options.stack, ...common };
    if (options.baseline !== undefined) {
        const run = await runPlanDiff({ ...planOptions, baseline: options.baseline });
        // The diff comes last: in a CI log it is what a reviewer reads first, above the verdict.
        process.stdout.write(options.json ? run.json : `${renderReport(run.head, { verbose })}\n${run.text}\n${verdictLine(run.head.exitCode)}\n`);
        return run.head.exitCode;
    }
    const result = await runPlan(planOptions);
    process.stdout.write(options.json ? result.json : renderReport(result, { verbose }));
    return result.exitCode;
}

let failedEvaluation = false;
// A failed evaluation leaves the program's own rejected promises behind; the failure is reported once.
process.on("unhandledRejection", (reason) => {
    if (!failedEvaluation) {
        process.stderr.write(`plan: warning: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    }
});

main(process.argv.slice(2)).then(exitAfterStdout, (error: unknown) => {
    failedEvaluation = true;
    if (error instanceof PlanError) {
        process.stderr.write(`plan: error: ${error.message}\n`);
        exitAfterStdout(error.code);
    } else {
        process.stderr.write(`plan: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        exitAfterStdout(EXIT.internal);
    }
});
