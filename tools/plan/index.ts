/**
 * The offline plan as a library: evaluate → validate → policy → capacity → write. The CLI
 * (tools/plan.ts) is a thin shell around `runPlan`; tests call this directly.
 */
import * as path from "path";
import { evaluateStack } from "../stack/evaluate";
import { knownStacks, loadStackConfig, REPO_ROOT } from "../stack/projectConfig";
import { RecordedResource, StackEvaluation } from "../stack/types";
import { AddonEstimate, estimateAddons } from "./addons";
import { BudgetVerdict, checkBudget, resolveBudget } from "./budget";
import { CapacityReport, capacityOf } from "./capacity";
import { EXIT, findingsExitCode, PlanError } from "./exitCodes";
import { asRecord, k8sObjects } from "./k8s";
import type { PolicyPackHandle } from "../policy/analyzer";
import { NO_VIOLATIONS, PolicyOutcome, runPolicies, startStackPolicyPack } from "./policy";
import { Progress, silentProgress } from "./progress";
import { Redactor } from "./redact";
import { PlanSummary, summarize } from "./summary";
import { ValidationReport, validateObjects } from "./validate";
import { clearPlanFiles, renderManifests, renderOther, renderReleases, writePlanFiles } from "./write";

export { EXIT, PlanError } from "./exitCodes";

export const PLAN_FORMAT_VERSION = 1;

export interface PlanOptions {
    readonly stack: string;
    /** Config values replaced for this run (short key → value; undefined removes the key). */
    readonly overrides?: Record<string, unknown>;
    /** Output folder; `false` writes nothing. @default out/plan/<stack> */
    readonly outDir?: string | false;
    /** Budget settings merged over the stack's (tests only). */
    readonly budgetOverride?: Record<string, unknown>;
    /** Skip the policy pack (its findings then do not count). @default false */
    readonly skipPolicy?: boolean;
    readonly progress?: Progress;
    readonly projectDir?: string;
    /** Program entry point (tests evaluate small fixture programs). @default index.ts */
    readonly program?: string;
}

/** Everything plan.json holds. Quantities: CPU in millicores, memory and storage in bytes. */
export interface PlanDocument {
    readonly formatVersion: number;
    readonly project: string;
    readonly stack: string;
    readonly config: {
        /** Secret keys that got an offline placeholder (their real values are never read). */
        readonly placeholders: readonly string[];
        /** Keys overridden for this run (values not recorded). */
        readonly overridden: readonly string[];
    };
    readonly summary: PlanSummary;
    readonly schema: {
        readonly validated: number;
        readonly invalid: number;
        readonly notValidated: number;
        readonly errors: ReadonlyArray<{ urn: string; object: string; path: string; reason: string }>;
        readonly notValidatedObjects: ReadonlyArray<{ urn: string; object: string; reason: string }>;
    };
    readonly policy: PolicyOutcome;
    readonly capacity: CapacityReport & { readonly addons: AddonEstimate };
    readonly budget: BudgetVerdict;
    /** Stack outputs; secret ones redacted. */
    readonly outputs: Record<string, unknown>;
    readonly verdict: {
        readonly schemaErrors: number;
        readonly mandatoryViolations: number;
        readonly advisoryViolations: number;
        /** Honoured exemptions (deliberate, each with its reason). */
        readonly exemptions: number;
        /** Exemption annotations on compliant objects; any makes the exit code carry the stale-exemption bit. */
        readonly staleExemptions: number;
        readonly budget: BudgetVerdict["verdict"];
        readonly exitCode: number;
    };
}

export interface PlanResult {
    readonly document: PlanDocument;
    readonly evaluation: StackEvaluation;
    readonly validation: ValidationReport;
    /** Where files were written (absent with outDir: false). */
    readonly outDir?: string;
    readonly files: readonly string[];
    /** plan.json's text (what `--json` prints), written or not. */
    readonly json: string;
    readonly exitCode: number;
    /** Knows every secret of this run: anything else derived from it is scrubbed with it. */
    readonly redactor: Redactor;
}

export function defaultOutDir(stack: string, projectDir = REPO_ROOT): string {
    return path.join(projectDir, "out", "plan", stack);
}

/** Evaluates the stack, mapping failures to PlanErrors with their exit codes. */
async function evaluate(options: PlanOptions, progress: Progress): Promise<StackEvaluation> {
    const stacks = knownStacks(options.projectDir);
    if (!stacks.includes(options.stack)) {
        throw new PlanError(
            `Unknown stack "${options.stack}": there is no Pulumi.${options.stack}.yaml (known stacks: ${stacks.join(", ")})`,
            EXIT.unknownStack);
    }
    progress.start(`evaluating stack ${options.stack}`);
    let count = 0;
    try {
        const evaluation = await evaluateStack(options.stack, {
            overrides: options.overrides,
            projectDir: options.projectDir,
            program: options.program,
            onResource: (r) => progress.tick(`${++count} resources (${r.type})`),
        });
        progress.done(`${evaluation.resources.length} resources`);
        return evaluation;
    } catch (error: any) {
        progress.done("failed");
        const message = String(error?.message ?? error);
        if (error?.name === "ConfigError" || error?.name === "DataFileError" || /^Unknown stack/.test(message)) {
            throw new PlanError(message, /^Unknown stack/.test(message) ? EXIT.unknownStack : EXIT.config);
        }
        throw new PlanError(`The program failed while evaluating stack "${options.stack}":\n${error?.stack ?? message}`, EXIT.program);
    }
}

function secretConfigValues(options: PlanOptions): { placeholders: string[]; values: string[] } {
    const config = loadStackConfig(options.stack, { projectDir: options.projectDir, overrides: options.overrides });
    return {
        placeholders: config.placeholders,
        values: config.secretKeys.map((k) => config.values[k]).filter((v): v is string => typeof v === "string"),
    };
}

function loadBalancerCount(resources: readonly RecordedResource[]): number {
    return k8sObjects(resources).filter((o) => o.kind === "Service" && !o.type.patch &&
        asRecord(o.resource.inputs.spec).type === "LoadBalancer").length;
}

function redactedOutputs(evaluation: StackEvaluation, redactor: Redactor): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(evaluation.outputs)) {
        out[key] = evaluation.secretOutputs.includes(key) ? "<redacted: secret>" : value;
    }
    return JSON.parse(redactor.scrub(JSON.stringify(out)));
}

export async function runPlan(options: PlanOptions): Promise<PlanResult> {
    try {
        return await plan(options);
    } catch (error) {
        // No plan: make sure no earlier plan in the output folder passes for this one.
        if (options.outDir !== false && !(error instanceof PlanError && error.code === EXIT.unknownStack)) {
            clearPlanFiles(path.resolve(options.outDir ?? defaultOutDir(options.stack, options.projectDir)));
        }
        throw error;
    }
}

async function plan(options: PlanOptions): Promise<PlanResult> {
    const pack = options.skipPolicy || !knownStacks(options.projectDir).includes(options.stack)
        ? undefined
        : startStackPolicyPack(options.stack, { projectDir: options.projectDir, overrides: options.overrides });
    // Its failure is reported where the findings are needed (or not at all when the plan stops first).
    pack?.catch(() => undefined);
    try {
        return await planWith(options, pack);
    } finally {
        await pack?.then((p) => p.close(), () => undefined);
    }
}

async function planWith(options: PlanOptions, pack: Promise<PolicyPackHandle> | undefined): Promise<PlanResult> {
    const progress = options.progress ?? silentProgress;
    const evaluation = await evaluate(options, progress);
    const resources = evaluation.resources;
    const secrets = secretConfigValues(options);
    const redactor = new Redactor(secrets.values);
    redactor.learn(resources);

    progress.start("validating Kubernetes objects against the OpenAPI schemas");
    const objects = k8sObjects(resources);
    const validation = validateObjects(objects);
    progress.done(`${validation.validated} validated, ${validation.invalid} invalid, ${validation.notValidated} not validated`);

    let policy: PolicyOutcome;
    if (options.skipPolicy) {
        policy = { ran: false, skipped: true, ...NO_VIOLATIONS };
        progress.note("policy pack skipped (--skip-policy): its findings do not count");
    } else {
        progress.start("running the policy pack");
        policy = await runPolicies(evaluation, { progress, projectDir: options.projectDir, overrides: options.overrides, pack });
        if (policy.error) {
            progress.done("failed");
            throw new PlanError(`The policy pack could not be run: ${policy.error}`, EXIT.policy);
        }
        progress.done(`${policy.policies ?? 0} policies: ${policy.mandatory} mandatory and ${policy.advisory} advisory findings, ` +
            `${policy.exempted} exempted, ${policy.stale} stale exemptions`);
    }

    progress.start("computing capacity");
    const budget = resolveBudget(options.stack, policy.budgetSettings, options.budgetOverride, options.projectDir);
    const daemonSetNodes = budget?.daemonSetNodes ?? 1;
    const capacity = capacityOf(resources, { daemonSetNodes });
    const addons = estimateAddons(resources, { daemonSetNodes });
    const budgetVerdict = checkBudget(budget, capacity, loadBalancerCount(resources), addons);
    progress.done(`budget ${budgetVerdict.verdict}`);

    const exitCode = findingsExitCode({
        schemaErrors: validation.invalid > 0,
        mandatoryViolations: policy.mandatory > 0,
        budgetExceeded: budgetVerdict.verdict === "exceeded",
        staleExemptions: policy.stale > 0,
    });
    const document: PlanDocument = {
        formatVersion: PLAN_FORMAT_VERSION,
        project: evaluation.project,
        stack: evaluation.stack,
        config: { placeholders: secrets.placeholders, overridden: Object.keys(options.overrides ?? {}).sort() },
        summary: summarize(resources),
        schema: {
            validated: validation.validated,
            invalid: validation.invalid,
            notValidated: validation.notValidated,
            errors: validation.objects.flatMap((o) => o.errors.map((e) => ({ urn: o.urn, object: o.object, path: e.path, reason: e.reason }))),
            notValidatedObjects: validation.objects.filter((o) => o.status === "not-validated")
                .map((o) => ({ urn: o.urn, object: o.object, reason: o.reason ?? "" })),
        },
        policy,
        capacity: { ...capacity, addons },
        budget: budgetVerdict,
        outputs: redactedOutputs(evaluation, redactor),
        verdict: {
            schemaErrors: validation.errorCount,
            mandatoryViolations: policy.mandatory,
            advisoryViolations: policy.advisory,
            exemptions: policy.exempted,
            staleExemptions: policy.stale,
            budget: budgetVerdict.verdict,
            exitCode,
        },
    };

    const json = planJson(document, redactor);
    let files: string[] = [];
    let outDir: string | undefined;
    if (options.outDir !== false) {
        outDir = path.resolve(options.outDir ?? defaultOutDir(options.stack, options.projectDir));
        progress.start(`writing ${path.relative(process.cwd(), outDir) || "."}`);
        const rendered = new Map<string, string>();
        rendered.set("plan.json", json);
        for (const [file, text] of renderManifests(resources, redactor)) {
            rendered.set(`manifests/${file}`, text);
        }
        for (const [file, text] of renderReleases(resources, redactor)) {
            rendered.set(`releases/${file}`, text);
        }
        const other = renderOther(resources, redactor);
        if (other !== undefined) {
            rendered.set("other-resources.yaml", other);
        }
        files = [...writePlanFiles(outDir, rendered).files];
        progress.done(`${files.length} files`);
    }
    return { document, evaluation, validation, outDir, files, json, exitCode, redactor };
}

/** plan.json text (also what `--json` prints): stable key order, secrets scrubbed. */
export function planJson(document: PlanDocument, redactor?: Redactor): string {
    const text = `${JSON.stringify(document, null, 2)}\n`;
    return redactor ? redactor.scrub(text) : text;
}
