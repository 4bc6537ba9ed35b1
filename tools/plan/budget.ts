/**
 * The stack's resource budget. There is one budget per stack and it lives where the policy pack's
 * `stack-resource-budget` policy reads it: that policy's entry in `policy/config/<stack>.json`, over
 * the defaults of the policy's config schema (as the running pack reports them). The plan compares
 * the stack's requests at full scale (HPA maximum, DaemonSets × `daemonSetNodes`) with it, exactly
 * the figures the policy checks.
 */
import * as fs from "fs";
import * as path from "path";
import { formatBytes, formatCpu, parseBytes, parseCpu } from "../../components/lib/quantity";
import { readJsonFile } from "../stack/files";
import { policyConfigPath, REPO_ROOT } from "../stack/projectConfig";
import { AddonEstimate } from "./addons";
import { CapacityReport, Resources } from "./capacity";

export const BUDGET_POLICY = "stack-resource-budget";

/** Environment variable holding a JSON budget override, for tests only (e.g. `{"cpu":"1m"}`). */
export const TEST_BUDGET_ENV = "AI_PLATFORM_PLAN_TEST_BUDGET";

export interface Budget {
    /** Where the figures came from (the config file, schema defaults, a test override). */
    readonly source: string;
    /** The raw settings as configured (quantities as written). */
    readonly settings: Record<string, unknown>;
    /** millicores */
    readonly cpu?: number;
    /** bytes */
    readonly memory?: number;
    /** bytes */
    readonly storage?: number;
    readonly loadBalancers?: number;
    /** Nodes a DaemonSet is costed on. */
    readonly daemonSetNodes: number;
    /** The policy's enforcement level in this stack's config, when set there. */
    readonly enforcementLevel?: string;
    /** Settings that are set but not valid quantities. */
    readonly problems: readonly string[];
}

export interface BudgetCheck {
    readonly dimension: "cpu" | "memory" | "storage" | "loadBalancers";
    readonly used: number;
    readonly budget: number;
    readonly ok: boolean;
    /** Human form: "2.35 CPU of 3 CPU". */
    readonly text: string;
}

export interface BudgetVerdict {
    readonly budget?: Budget;
    /** "within", "exceeded", or "none" when no budget could be found. */
    readonly verdict: "within" | "exceeded" | "none";
    readonly checks: readonly BudgetCheck[];
    /**
     * The platform add-ons (Helm releases) are not in the budget's figures: the budget is what is
     * left for the workloads. Shown next to it so a reader can see the whole cluster.
     */
    readonly addonsApproximate: { cpuRequest: number; memoryRequest: number; storage: number };
    readonly withAddons: { cpuRequest: number; memoryRequest: number };
}

/** The stack's own policy config, else its tier's (tools/stack/projectConfig.ts). */
export function policyConfigFile(stack: string, root = REPO_ROOT): string {
    return policyConfigPath(stack, root);
}

/** The `stack-resource-budget` entry of the stack's policy config (undefined when absent). */
export function readBudgetSettings(stack: string, root = REPO_ROOT): { file: string; entry?: Record<string, unknown>; all?: unknown } {
    const file = policyConfigFile(stack, root);
    if (!fs.existsSync(file)) {
        return { file };
    }
    const config = readJsonFile(file) as Record<string, unknown>;
    const entry = config[BUDGET_POLICY];
    if (typeof entry === "string") {
        return { file, entry: { enforcementLevel: entry }, all: config.all };
    }
    return {
        file,
        entry: entry && typeof entry === "object" ? (entry as Record<string, unknown>) : undefined,
        all: config.all,
    };
}

function cpuOf(v: unknown): number | undefined {
    if (typeof v === "number") {
        return v * 1000;
    }
    return typeof v === "string" ? parseCpu(v) : undefined;
}

function bytesOf(v: unknown): number | undefined {
    if (typeof v === "number") {
        return v;
    }
    return typeof v === "string" ? parseBytes(v) : undefined;
}

/**
 * The stack's budget. `effective` is the policy's config as the pack received it (its schema defaults
 * reconciled with the config file, like the CLI does); without it (policy pack skipped) the config
 * file's entry alone. The test override goes on top.
 */
export function resolveBudget(
    stack: string,
    effective: Record<string, unknown> | undefined,
    override?: Record<string, unknown>,
    root = REPO_ROOT,
): Budget | undefined {
    const { file, entry } = readBudgetSettings(stack, root);
    const relative = path.relative(root, file);
    const sources: string[] = [];
    const settings: Record<string, unknown> = {};
    const { enforcementLevel: level, ...fileSettings } = entry ?? {};
    const enforcementLevel = typeof level === "string" ? level : undefined;
    if (effective) {
        Object.assign(settings, effective);
        sources.push(`${relative} "${BUDGET_POLICY}" with the policy's defaults`);
    } else if (entry) {
        Object.assign(settings, fileSettings);
        sources.push(`${relative} "${BUDGET_POLICY}"`);
    }
    if (override) {
        Object.assign(settings, override);
        sources.push(`test override (${TEST_BUDGET_ENV})`);
    }
    if (!["cpu", "memory", "storage", "loadBalancers"].some((k) => settings[k] !== undefined)) {
        return undefined;
    }
    const problems: string[] = [];
    const read = <T>(key: string, parse: (v: unknown) => T | undefined): T | undefined => {
        if (settings[key] === undefined) {
            return undefined;
        }
        const value = parse(settings[key]);
        if (value === undefined) {
            problems.push(`${BUDGET_POLICY}.${key} = ${JSON.stringify(settings[key])} is not a valid quantity`);
        }
        return value;
    };
    const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
    return {
        source: sources.join(" + "),
        settings,
        cpu: read("cpu", cpuOf),
        memory: read("memory", bytesOf),
        storage: read("storage", bytesOf),
        loadBalancers: read("loadBalancers", count),
        daemonSetNodes: read("daemonSetNodes", count) ?? 1,
        ...(enforcementLevel ? { enforcementLevel } : {}),
        problems,
    };
}

export function checkBudget(
    budget: Budget | undefined,
    capacity: CapacityReport,
    loadBalancers: number,
    addons: AddonEstimate,
): BudgetVerdict {
    const used: Resources = capacity.total.atMax;
    const addonsApproximate = {
        cpuRequest: addons.atMin.cpuRequest, memoryRequest: addons.atMin.memoryRequest, storage: addons.storage,
    };
    const withAddons = {
        cpuRequest: used.cpuRequest + addons.atMin.cpuRequest,
        memoryRequest: used.memoryRequest + addons.atMin.memoryRequest,
    };
    if (!budget) {
        return { verdict: "none", checks: [], addonsApproximate, withAddons };
    }
    const checks: BudgetCheck[] = [];
    const push = (dimension: BudgetCheck["dimension"], value: number, limit: number | undefined, fmt: (n: number) => string) => {
        if (limit !== undefined) {
            const ok = value <= limit + 1e-9;
            checks.push({ dimension, used: value, budget: limit, ok, text: `${fmt(value)} of ${fmt(limit)}` });
        }
    };
    push("cpu", used.cpuRequest, budget.cpu, (n) => `${formatCpu(n)} CPU`);
    push("memory", used.memoryRequest, budget.memory, formatBytes);
    push("storage", capacity.total.storageMax, budget.storage, formatBytes);
    push("loadBalancers", loadBalancers, budget.loadBalancers, (n) => `${n} LoadBalancer${n === 1 ? "" : "s"}`);
    const exceeded = checks.some((c) => !c.ok) || budget.problems.length > 0;
    return { budget, verdict: exceeded ? "exceeded" : "within", checks, addonsApproximate, withAddons };
}
