/**
 * The plan diff: what a change does to a stack, from two offline plans (the baseline's and the
 * working tree's). Pure functions over plan results, so it is tested on hand-written fixtures.
 *
 * - Resources are matched by URN, as the engine matches them: a URN only at the baseline is a
 *   delete, only in the working tree a create, in both with different inputs an update.
 * - Field changes are leaf paths (`spec.replicas`, `spec.template.spec.containers[name=api].image`);
 *   arrays whose items all carry a unique `name` are matched by name, so inserting an env var does
 *   not show every later one as changed.
 * - Secrets: changes are computed on the redacted inputs (secret leaves replaced by a marker, keys
 *   kept) walked in step with the real ones, so a rotated secret is reported as "changed" without
 *   its old or new value ever being part of the result.
 */
import { classifyNotice } from "../../policy/lib/exemptions";
import { RecordedResource } from "../stack/types";
import { Resources } from "./capacity";
import type { PlanDocument } from "./index";
import { HELM_RELEASE_TYPE, label, toK8sObject } from "./k8s";
import { PlanViolation } from "./policy";
import { REDACTED, Redactor } from "./redact";

export const GITLAB_VARIABLE_TYPE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

export interface FieldChange {
    /** Display path: dotted keys, `[i]` indices, `[name=x]` for name-matched items. */
    readonly path: string;
    readonly change: "added" | "removed" | "changed";
    /** Absent when the field was added, or when it is secret. */
    readonly old?: unknown;
    /** Absent when the field was removed, or when it is secret. */
    readonly new?: unknown;
    /** The value is secret: only the fact that it changed is reported. */
    readonly secret?: true;
}

export type Action = "create" | "update" | "delete";

export interface ResourceChange {
    readonly action: Action;
    readonly urn: string;
    readonly type: string;
    /** Logical Pulumi name. */
    readonly name: string;
    /** "Deployment chatbot-prod/api" for Kubernetes objects, "<type> <name>" otherwise. */
    readonly object: string;
    /** Field changes of an update (inputs and resource options). */
    readonly changes?: readonly FieldChange[];
}

export interface HelmValuesChange {
    readonly action: Action;
    readonly release: string;
    readonly namespace: string;
    readonly urn: string;
    /** Paths relative to the release's values (for create/delete: empty, the whole release). */
    readonly changes: readonly FieldChange[];
}

export interface GitlabVariableRef {
    readonly project: string;
    readonly key: string;
    readonly environmentScope: string;
    /** Flags as declared (protected, masked, hidden, raw, variableType). */
    readonly flags: Record<string, unknown>;
}

export interface GitlabVariableChange extends GitlabVariableRef {
    readonly changes: readonly FieldChange[];
}

export interface CapacityDelta {
    /** "" for the stack total. */
    readonly namespace: string;
    readonly atMin: Resources;
    readonly atMax: Resources;
    readonly storageMax: number;
}

export interface PlanDiff {
    readonly stack: string;
    readonly baseline: {
        readonly ref: string;
        /** The commit the ref resolved to. */
        readonly commit: string;
        /** false when the stack has no Pulumi.<stack>.yaml at the baseline: everything is added. */
        readonly stackExists: boolean;
    };
    readonly counts: { readonly create: number; readonly update: number; readonly delete: number };
    /** Every custom resource that changes (Helm releases and GitLab variables included). */
    readonly resources: readonly ResourceChange[];
    readonly helmValues: readonly HelmValuesChange[];
    readonly gitlabVariables: {
        readonly added: readonly GitlabVariableRef[];
        readonly removed: readonly GitlabVariableRef[];
        readonly changed: readonly GitlabVariableChange[];
    };
    readonly outputs: readonly FieldChange[];
    /** Per namespace whose figures moved, then the total (namespace ""); working tree minus baseline. */
    readonly capacity: readonly CapacityDelta[];
    readonly budget: {
        readonly before: string;
        readonly after: string;
        /** Workloads at HPA maximum plus add-ons, working tree minus baseline. */
        readonly withAddons: { readonly cpuRequest: number; readonly memoryRequest: number };
    };
    readonly policy: { readonly new: readonly PlanViolation[]; readonly resolved: readonly PlanViolation[] };
    /** "prod: 0 to create, 1 to update, 0 to delete; capacity +0.5 CPU, +1Gi memory (requests)". */
    readonly summary: string;
}

/** One side of the diff: what runPlan returns for it (absent side: the stack did not exist). */
export interface PlanSide {
    readonly document: PlanDocument;
    readonly resources: readonly RecordedResource[];
    readonly redactor: Redactor;
}

// --- Structural diff ---------------------------------------------------------------------------

type Tree = unknown;

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function containsRedacted(v: unknown): boolean {
    if (v === REDACTED) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsRedacted);
    }
    return isObject(v) ? Object.values(v).some(containsRedacted) : false;
}

function same(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((x, i) => same(x, b[i]));
    }
    if (isObject(a) && isObject(b)) {
        const ka = Object.keys(a).filter((k) => a[k] !== undefined);
        const kb = Object.keys(b).filter((k) => b[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
    }
    return false;
}

/** Names of the items when every item is an object with a unique string `name`. */
function itemNames(list: readonly unknown[]): string[] | undefined {
    const names = list.map((x) => (isObject(x) && typeof x.name === "string" ? x.name : undefined));
    if (names.some((n) => n === undefined) || new Set(names).size !== names.length) {
        return undefined;
    }
    return names as string[];
}

function join(path: string, key: string): string {
    return path === "" ? key : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function leaf(path: string, change: FieldChange["change"], old: unknown, next: unknown): FieldChange {
    if (containsRedacted(old) || containsRedacted(next)) {
        return { path, change, secret: true };
    }
    return {
        path, change,
        ...(change !== "added" ? { old } : {}),
        ...(change !== "removed" ? { new: next } : {}),
    };
}

/**
 * Field changes from `old` to `next`. `oldRaw`/`nextRaw` are the same trees with real values:
 * where the shown (redacted) values agree but the real ones differ, the change is a secret one.
 */
export function diffTrees(old: Tree, next: Tree, oldRaw: Tree = old, nextRaw: Tree = next, path = ""): FieldChange[] {
    if (old === undefined && next === undefined) {
        return [];
    }
    if (old === undefined) {
        return [leaf(path, "added", undefined, next)];
    }
    if (next === undefined) {
        return [leaf(path, "removed", old, undefined)];
    }
    if (isObject(old) && isObject(next)) {
        const raw = (t: Tree, k: string) => (isObject(t) ? t[k] : undefined);
        const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
        return keys.flatMap((k) => diffTrees(old[k], next[k], raw(oldRaw, k), raw(nextRaw, k), join(path, k)));
    }
    if (Array.isArray(old) && Array.isArray(next)) {
        const rawAt = (t: Tree, i: number) => (Array.isArray(t) ? t[i] : undefined);
        const oldNames = itemNames(old);
        const nextNames = itemNames(next);
        if (oldNames && nextNames && (oldNames.length > 0 || nextNames.length > 0)) {
            const out: FieldChange[] = [];
            const common = oldNames.filter((n) => nextNames.includes(n));
            if (common.join("\u0000") !== nextNames.filter((n) => oldNames.includes(n)).join("\u0000")) {
                out.push({ path: `${path} (order)`, change: "changed", old: oldNames, new: nextNames });
            }
            for (const n of [...new Set([...oldNames, ...nextNames])]) {
                const i = oldNames.indexOf(n);
                const j = nextNames.indexOf(n);
                out.push(...diffTrees(i < 0 ? undefined : old[i], j < 0 ? undefined : next[j],
                    i < 0 ? undefined : rawAt(oldRaw, i), j < 0 ? undefined : rawAt(nextRaw, j), `${path}[name=${n}]`));
            }
            return out;
        }
        const out: FieldChange[] = [];
        for (let i = 0; i < Math.max(old.length, next.length); i++) {
            out.push(...diffTrees(old[i], next[i], rawAt(oldRaw, i), rawAt(nextRaw, i), `${path}[${i}]`));
        }
        return out;
    }
    if (same(old, next)) {
        // Equal as shown; a secret leaf that was rotated shows the same marker on both sides.
        return old === REDACTED && !same(oldRaw, nextRaw) ? [{ path, change: "changed", secret: true }] : [];
    }
    return [leaf(path, "changed", old, next)];
}

// --- Resources ---------------------------------------------------------------------------------

/** What is compared of a resource: its inputs without engine internals, plus its options. */
function comparable(inputs: Record<string, any>, r: RecordedResource): Record<string, unknown> {
    const shown = Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith("__") && k !== "kubeconfig"));
    const options = {
        protect: r.protect, retainOnDelete: r.retainOnDelete, deleteBeforeReplace: r.deleteBeforeReplace,
        ignoreChanges: [...r.ignoreChanges].sort(),
    };
    return { ...shown, "(options)": options };
}

function describe(r: RecordedResource): string {
    if (r.type === HELM_RELEASE_TYPE) {
        return `Helm release ${String(r.inputs.namespace ?? "default")}/${String(r.inputs.name ?? r.name)}`;
    }
    if (r.type === GITLAB_VARIABLE_TYPE) {
        return `GitLab variable ${String(r.inputs.project)} ${String(r.inputs.key)} (scope ${String(r.inputs.environmentScope ?? "*")})`;
    }
    const o = toK8sObject(r);
    return o ? label(o) : `${r.type} ${r.name}`;
}

function resourceDiff(base: PlanSide | undefined, head: PlanSide): ResourceChange[] {
    const before = new Map((base?.resources ?? []).filter((r) => r.custom).map((r) => [r.urn, r]));
    const after = new Map(head.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const out: ResourceChange[] = [];
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (!old) {
            out.push({ action: "create", urn, type: r.type, name: r.name, object: describe(r) });
            continue;
        }
        const changes = diffTrees(
            comparable(base!.redactor.inputs(old), old), comparable(head.redactor.inputs(r), r),
            comparable(old.inputs, old), comparable(r.inputs, r));
        if (changes.length > 0) {
            out.push({ action: "update", urn, type: r.type, name: r.name, object: describe(r), changes });
        }
    }
    for (const [urn, r] of before) {
        if (!after.has(urn)) {
            out.push({ action: "delete", urn, type: r.type, name: r.name, object: describe(r) });
        }
    }
    const rank: Record<Action, number> = { create: 0, update: 1, delete: 2 };
    return out.sort((a, b) => rank[a.action] - rank[b.action] || a.object.localeCompare(b.object) || a.urn.localeCompare(b.urn));
}

function helmValuesDiff(resources: readonly ResourceChange[], base: PlanSide | undefined, head: PlanSide): HelmValuesChange[] {
    const find = (side: PlanSide | undefined, urn: string) => side?.resources.find((r) => r.urn === urn);
    return resources.filter((c) => c.type === HELM_RELEASE_TYPE).flatMap((c): HelmValuesChange[] => {
        const r = (c.action === "delete" ? find(base, c.urn) : find(head, c.urn))!;
        const identity = { action: c.action, release: String(r.inputs.name ?? r.name), namespace: String(r.inputs.namespace ?? "default"), urn: c.urn };
        if (c.action !== "update") {
            return [{ ...identity, changes: [] }];
        }
        const values = (c.changes ?? []).filter((f) => f.path === "values" || f.path.startsWith("values.") || f.path.startsWith("values["))
            .map((f) => ({ ...f, path: f.path.replace(/^values\.?/, "") || "(all values)" }));
        return values.length > 0 ? [{ ...identity, changes: values }] : [];
    });
}

const VARIABLE_FLAGS = ["protected", "masked", "hidden", "raw", "variableType"] as const;

function variableRef(r: RecordedResource): GitlabVariableRef {
    return {
        project: String(r.inputs.project ?? ""),
        key: String(r.inputs.key ?? r.name),
        environmentScope: String(r.inputs.environmentScope ?? "*"),
        flags: Object.fromEntries(VARIABLE_FLAGS.filter((f) => r.inputs[f] !== undefined).map((f) => [f, r.inputs[f]])),
    };
}

function gitlabDiff(resources: readonly ResourceChange[], base: PlanSide | undefined, head: PlanSide): PlanDiff["gitlabVariables"] {
    const find = (side: PlanSide | undefined, urn: string) => side!.resources.find((r) => r.urn === urn)!;
    const variables = resources.filter((c) => c.type === GITLAB_VARIABLE_TYPE);
    return {
        added: variables.filter((c) => c.action === "create").map((c) => variableRef(find(head, c.urn))),
        removed: variables.filter((c) => c.action === "delete").map((c) => variableRef(find(base, c.urn))),
        changed: variables.filter((c) => c.action === "update").map((c) => ({ ...variableRef(find(head, c.urn)), changes: c.changes ?? [] })),
    };
}

// --- Capacity, budget, policy ------------------------------------------------------------------

const RESOURCE_KEYS = ["cpuRequest", "memoryRequest", "cpuLimit", "memoryLimit", "cpuLimitUnset", "memoryLimitUnset"] as const;

function minus(a: Resources | undefined, b: Resources | undefined): Resources {
    return Object.fromEntries(RESOURCE_KEYS.map((k) => [k, (a?.[k] ?? 0) - (b?.[k] ?? 0)])) as unknown as Resources;
}

function isZero(r: Resources): boolean {
    return RESOURCE_KEYS.every((k) => r[k] === 0);
}

function capacityDiff(base: PlanDocument | undefined, head: PlanDocument): CapacityDelta[] {
    const before = new Map((base?.capacity.namespaces ?? []).map((n) => [n.namespace, n]));
    const after = new Map(head.capacity.namespaces.map((n) => [n.namespace, n]));
    const out: CapacityDelta[] = [];
    for (const ns of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const a = after.get(ns);
        const b = before.get(ns);
        const delta = { namespace: ns, atMin: minus(a?.atMin, b?.atMin), atMax: minus(a?.atMax, b?.atMax), storageMax: (a?.storageMax ?? 0) - (b?.storageMax ?? 0) };
        if (!isZero(delta.atMin) || !isZero(delta.atMax) || delta.storageMax !== 0) {
            out.push(delta);
        }
    }
    out.push({
        namespace: "",
        atMin: minus(head.capacity.total.atMin, base?.capacity.total.atMin),
        atMax: minus(head.capacity.total.atMax, base?.capacity.total.atMax),
        storageMax: head.capacity.total.storageMax - (base?.capacity.total.storageMax ?? 0),
    });
    return out;
}

function findingKey(v: PlanViolation): string {
    return `${v.policy}\u0000${v.level}\u0000${v.urn ?? v.resource ?? ""}\u0000${v.message}`;
}

/**
 * What a reviewer has to act on: findings and stale exemptions. Honoured exemptions are deliberate and
 * listed in the plan report; a baseline planned before the plan recorded kinds is classified here.
 */
function actionable(violations: readonly PlanViolation[]): PlanViolation[] {
    return violations.filter((v) => (v.kind ?? classifyNotice(v.policy, v.message).kind) !== "exempt");
}

function policyDiff(base: PlanDocument | undefined, head: PlanDocument): PlanDiff["policy"] {
    const baseViolations = actionable(base?.policy.violations ?? []);
    const headViolations = actionable(head.policy.violations);
    const before = new Set(baseViolations.map(findingKey));
    const after = new Set(headViolations.map(findingKey));
    return {
        new: headViolations.filter((v) => !before.has(findingKey(v))),
        resolved: baseViolations.filter((v) => !after.has(findingKey(v))),
    };
}

// --- Summary -----------------------------------------------------------------------------------

/** Signed CPU cores: "+0.5", "-2", "+0". */
export function signedCpu(millicores: number): string {
    return `${millicores < 0 ? "-" : "+"}${Number((Math.abs(millicores) / 1000).toFixed(3))}`;
}

/** Signed bytes in binary units: "+512Mi", "-1.5Gi", "+0". */
export function signedBytes(bytes: number): string {
    const sign = bytes < 0 ? "-" : "+";
    const abs = Math.abs(bytes);
    const units: Array<[string, number]> = [["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]];
    for (const [unit, size] of units) {
        if (abs >= size) {
            return `${sign}${Number((abs / size).toFixed(2))}${unit}`;
        }
    }
    return `${sign}${abs}`;
}

export function summaryLine(stack: string, counts: PlanDiff["counts"], capacity: readonly CapacityDelta[]): string {
    const total = capacity.find((c) => c.namespace === "")!;
    const figures = (r: Resources) => `${signedCpu(r.cpuRequest)} CPU, ${signedBytes(r.memoryRequest)} memory`;
    const cap = figures(total.atMin) === figures(total.atMax)
        ? `capacity ${figures(total.atMax)} (requests)`
        : `capacity ${figures(total.atMin)} at minimum replicas, ${figures(total.atMax)} at HPA maximum (requests)`;
    return `${stack}: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete; ${cap}`;
}

export interface DiffOptions {
    readonly ref: string;
    readonly commit: string;
}

/** The diff from `base` (undefined: the stack does not exist at the baseline) to `head`. */
export function diffPlans(base: PlanSide | undefined, head: PlanSide, options: DiffOptions): PlanDiff {
    const resources = resourceDiff(base, head);
    const counts = {
        create: resources.filter((r) => r.action === "create").length,
        update: resources.filter((r) => r.action === "update").length,
        delete: resources.filter((r) => r.action === "delete").length,
    };
    const capacity = capacityDiff(base?.document, head.document);
    const outputs = diffTrees(base?.document.outputs ?? {}, head.document.outputs);
    const withAddons = (d: PlanDocument | undefined) => d?.budget.withAddons ?? { cpuRequest: 0, memoryRequest: 0 };
    return {
        stack: head.document.stack,
        baseline: { ref: options.ref, commit: options.commit, stackExists: base !== undefined },
        counts,
        resources,
        helmValues: helmValuesDiff(resources, base, head),
        gitlabVariables: gitlabDiff(resources, base, head),
        outputs,
        capacity,
        budget: {
            before: base?.document.budget.verdict ?? "none",
            after: head.document.budget.verdict,
            withAddons: {
                cpuRequest: withAddons(head.document).cpuRequest - withAddons(base?.document).cpuRequest,
                memoryRequest: withAddons(head.document).memoryRequest - withAddons(base?.document).memoryRequest,
            },
        },
        policy: policyDiff(base?.document, head.document),
        summary: summaryLine(head.document.stack, counts, capacity),
    };
}
