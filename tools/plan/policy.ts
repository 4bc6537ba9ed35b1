/**
 * Runs the policy pack (policy/) over the evaluated stack through the Analyzer gRPC interface, with
 * the stack's policy config (policy/config/<stack>.json), using the driver in tools/policy/: the
 * pack is started as the engine starts it, configured as the CLI configures it, then every resource
 * goes through Analyze and the whole stack through AnalyzeStack.
 */
import * as fs from "fs";
import * as path from "path";
import { classifyNotice, NoticeKind } from "../../policy/lib/exemptions";
import { PolicyDiagnostic, PolicyPackHandle, startPolicyPack } from "../policy/analyzer";
import { loadStackConfig, REPO_ROOT } from "../stack/projectConfig";
import { RecordedResource, StackEvaluation } from "../stack/types";
import { BUDGET_POLICY, policyConfigFile } from "./budget";
import { label, toK8sObject } from "./k8s";
import { Progress } from "./progress";

export interface PlanViolation {
    readonly policy: string;
    /** Enforcement level the finding was reported at (mandatory, advisory, remediate). */
    readonly level: string;
    /** URN of the resource it is about (absent for stack-wide findings without one). */
    readonly urn?: string;
    /** "Deployment chatbot-dev/api", or "<type> <name>" for other resources. */
    readonly resource?: string;
    readonly message: string;
    /**
     * `finding`: something to fix; `exempt`: an honoured exemption (deliberate, with its reason);
     * `stale`: an exemption annotation on an object that complies (`annotation` names it), which fails the plan.
     */
    readonly kind: NoticeKind;
    /** The exemption annotation an `exempt` or `stale` notice is about. */
    readonly annotation?: string;
    /** The reason an `exempt` notice quotes. */
    readonly reason?: string;
}

export interface PolicyOutcome {
    readonly ran: boolean;
    readonly skipped?: boolean;
    readonly pack?: { readonly name: string; readonly version: string };
    readonly policies?: number;
    /** The policy config file used (relative to the repository). */
    readonly configFile?: string;
    /** Effective enforcement level per policy after the config (disabled ones included). */
    readonly levels?: Record<string, string>;
    readonly violations: readonly PlanViolation[];
    /** Findings (kind `finding`) reported at the mandatory level. */
    readonly mandatory: number;
    /** Findings (kind `finding`) reported at a non-mandatory level. */
    readonly advisory: number;
    /** Honoured exemptions: deliberate, each with its reason. */
    readonly exempted: number;
    /** Exemption annotations on compliant objects: each fails the plan until the annotation is removed. */
    readonly stale: number;
    /** Keys of the config file that name no policy of the pack. */
    readonly unknownPolicies?: readonly string[];
    /** Description of each policy that reported something. */
    readonly descriptions?: Record<string, string>;
    /** The stack-resource-budget policy's effective config (schema defaults + file), for the budget. */
    readonly budgetSettings?: Record<string, unknown>;
    /** Why the pack could not be run. */
    readonly error?: string;
}

export interface PolicyRunOptions {
    readonly progress: Progress;
    readonly projectDir?: string;
    /** Stack config overrides of this run (the pack sees the same config as the program). */
    readonly overrides?: Record<string, unknown>;
    /** A pack already starting (startStackPolicyPack); runPolicies closes it. Default: started here. */
    readonly pack?: Promise<PolicyPackHandle>;
}

export const POLICY_PACK_DIR = "policy";

function describeResource(urn: string, byUrn: ReadonlyMap<string, RecordedResource>): string | undefined {
    const r = byUrn.get(urn);
    if (!r) {
        return urn === "" ? undefined : urn;
    }
    const o = toK8sObject(r);
    return o ? label(o) : `${r.type} ${r.name}`;
}

export function toViolations(diagnostics: readonly PolicyDiagnostic[], resources: readonly RecordedResource[]): PlanViolation[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const out: PlanViolation[] = [];
    for (const d of diagnostics) {
        const key = `${d.policyName}\u0000${d.urn}\u0000${d.message}`;
        if (seen.has(key)) {
            continue;
        }
        seen.add(key);
        const resource = describeResource(d.urn, byUrn);
        // The SDK prefixes each message with the policy's description; the report shows that once.
        const message = d.description && d.message.startsWith(`${d.description}\n`)
            ? d.message.slice(d.description.length + 1)
            : d.message;
        const notice = classifyNotice(d.policyName, message);
        out.push({
            policy: d.policyName,
            level: d.enforcementLevel,
            ...(d.urn ? { urn: d.urn } : {}),
            ...(resource ? { resource } : {}),
            message,
            kind: notice.kind,
            ...(notice.annotation ? { annotation: notice.annotation } : {}),
            ...(notice.reason ? { reason: notice.reason } : {}),
        });
    }
    return out;
}

/** The counts of a set of reported messages, by kind and level. */
export function countViolations(violations: readonly PlanViolation[]): Pick<PolicyOutcome, "mandatory" | "advisory" | "exempted" | "stale"> {
    const findings = violations.filter((v) => v.kind === "finding");
    return {
        mandatory: findings.filter((v) => v.level === "mandatory").length,
        advisory: findings.filter((v) => v.level !== "mandatory").length,
        exempted: violations.filter((v) => v.kind === "exempt").length,
        stale: violations.filter((v) => v.kind === "stale").length,
    };
}

export const NO_VIOLATIONS = { violations: [], mandatory: 0, advisory: 0, exempted: 0, stale: 0 } as const;

/**
 * Starts the pack with the stack's name, project and configuration (the same the program sees). The
 * plan starts it before evaluating the program: the pack's start-up runs in its own process and
 * overlaps with the evaluation instead of adding to it.
 */
export async function startStackPolicyPack(
    stack: string, options: { readonly projectDir?: string; readonly overrides?: Record<string, unknown> } = {},
): Promise<PolicyPackHandle> {
    const root = options.projectDir ?? REPO_ROOT;
    const stackConfig = loadStackConfig(stack, { projectDir: root, overrides: options.overrides });
    return startPolicyPack(path.join(root, POLICY_PACK_DIR), { stack, project: stackConfig.project, stackConfig: stackConfig.values });
}

export async function runPolicies(evaluation: StackEvaluation, options: PolicyRunOptions): Promise<PolicyOutcome> {
    const root = options.projectDir ?? REPO_ROOT;
    const configFile = policyConfigFile(evaluation.stack, root);
    const relativeConfig = path.relative(root, configFile);
    if (!fs.existsSync(configFile)) {
        await options.pack?.then((p) => p.close(), () => undefined);
        return { ran: false, ...NO_VIOLATIONS, configFile: relativeConfig, error: `${relativeConfig} does not exist` };
    }
    let pack: PolicyPackHandle | undefined;
    try {
        options.progress.tick("starting the pack");
        pack = await (options.pack ?? startStackPolicyPack(evaluation.stack, { projectDir: root, overrides: options.overrides }));
        options.progress.tick(`configuring ${pack.info.policies.length} policies`);
        const reconciled = await pack.configure(configFile);
        const resources = evaluation.resources;
        options.progress.tick(`analyzing ${resources.length} resources`);
        const diagnostics = [...await pack.analyze(resources), ...await pack.analyzeStack(resources)];
        const violations = toViolations(diagnostics, resources);
        const descriptions: Record<string, string> = {};
        for (const p of pack.info.policies) {
            if (violations.some((v) => v.policy === p.name)) {
                descriptions[p.name] = p.description;
            }
        }
        const budget = reconciled.config[BUDGET_POLICY];
        return {
            ran: true,
            pack: { name: pack.info.name, version: pack.info.version },
            policies: pack.info.policies.length,
            configFile: relativeConfig,
            levels: Object.fromEntries(Object.entries(reconciled.config).map(([k, v]) => [k, v.enforcementLevel]).sort()),
            violations,
            ...countViolations(violations),
            unknownPolicies: reconciled.unknownPolicies,
            descriptions,
            ...(budget ? { budgetSettings: { ...budget.properties } } : {}),
        };
    } catch (error: any) {
        const logs = pack?.logs().slice(-20).join("\n");
        return {
            ran: false, ...NO_VIOLATIONS, configFile: relativeConfig,
            error: `${error?.message ?? String(error)}${logs ? `\n${logs}` : ""}`,
        };
    } finally {
        await pack?.close();
    }
}
