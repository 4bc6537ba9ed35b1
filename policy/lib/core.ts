/**
 * The policy framework of this pack: one factory per policy builds a CrossGuard policy from a spec
 * (name, description, documentation, config schema with defaults, and a check function). The wrapper
 * takes care of what every policy needs and no policy should re-implement:
 * - config: schema defaults merged with `getConfig()` (the CLI fills defaults too, but direct SDK use
 *   and hand-built args do not);
 * - unknown values: each check reads properties through the SDK's unknown-checking proxy (only when
 *   the resource holds an unknown value; otherwise the plain object behind it) and wraps
 *   independent parts in `out.guard()`; what could not be read becomes an advisory "could not check"
 *   finding (never a crash, never a silent pass);
 * - exemptions: a resource opts out of one policy with the annotation
 *   `policy.ai-platform.io/exempt-<policy-name>: "<reason>"` (see exemptions.ts).
 */
import type {
    EnforcementLevel, PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs,
    ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { exemptionKey, exemptionNotice, readExemption, staleExemptionNotice, Exemption } from "./exemptions";
import { describeObject, k8sType, K8sType } from "./k8s";
import { isUnknownValueError, proxyTarget, readableProps, unknownPath } from "./unknown";

export type Level = "advisory" | "mandatory" | "disabled";

/** Intended enforcement level per stack; `policy/config/<stack>.json` must produce exactly these. */
export interface StackLevels {
    readonly dev: Level;
    readonly staging: Level;
    readonly prod: Level;
}

/**
 * Whether a resource can opt out of the policy with an annotation:
 * - `yes`: in every stack;
 * - `not-in-prod`: never-acceptable findings; the default config refuses exemptions and only dev.json
 *   allows them (`allowExemptions: true`);
 * - `no`: the policy checks something that has no annotations (Helm release inputs, GitLab variables,
 *   providers, the whole stack) or is the exemption checker itself.
 */
export type Exemptability = "yes" | "not-in-prod" | "no";

export interface PolicyDoc {
    /** Catalogue check id(s) and anchors, e.g. "PSS baseline; Kyverno disallow-privileged-containers". */
    readonly anchors: string;
    readonly levels: StackLevels;
    readonly exemption: Exemptability;
    /** `resource` (runs in Analyze) or `stack` (runs in AnalyzeStack). */
    readonly scope: "resource" | "stack";
}

export type JsonSchemaProp = PolicyConfigSchema["properties"][string];

/** The resource as the checks see it. */
export interface Res {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs; wrapped in the SDK's unknown-checking proxy when any of them is unknown (readableProps). */
    readonly props: any;
    readonly protect: boolean;
    readonly parentUrn?: string;
    /** Decoded type when it is a Kubernetes object. */
    readonly k8s?: K8sType;
    /** The Kubernetes kind, or the last part of the type token. */
    readonly kind: string;
    /** "Deployment chatbot-prod/api" — how messages name the resource. */
    readonly label: string;
}

export interface Finding {
    readonly message: string;
    /** The resource the finding is about (stack policies); undefined = the resource being analyzed. */
    readonly urn?: string;
    /** True when the check could not run because a value was unknown. */
    readonly unknown?: boolean;
    /** Report at advisory level whatever the policy's level (informational notes). */
    readonly note?: boolean;
}

/**
 * Thrown when a check depends on another resource whose relevant value is unknown during preview (e.g. a
 * NetworkPolicy whose namespace is not known yet might or might not cover a pod). Caught by `guard`.
 */
export class UnknownDependencyError extends Error {
    constructor(readonly detail: string) {
        super(detail);
        this.name = "UnknownDependencyError";
    }
}

/** Collects findings; `guard` turns unknown values into "could not check" findings. */
export class Findings {
    readonly items: Finding[] = [];

    violation(message: string, urn?: string): void {
        this.items.push({ message, urn });
    }

    /** An informational finding, always reported as advisory. */
    note(message: string, urn?: string): void {
        this.items.push({ message, urn, note: true });
    }

    unknown(what: string, e: Error & { props?: string[] }, urn?: string): void {
        const path = unknownPath(e);
        this.items.push({
            urn,
            unknown: true,
            message:
                `Could not check ${what}: the value at \`${path}\` is unknown during preview (it is computed from ` +
                `another resource or a generated secret). This is not a pass: the check runs again with known ` +
                `values during \`pulumi up\`; to check it now, use a value known at preview time.`,
        });
    }

    /** Runs one independent check; an unknown value read inside it becomes a "could not check" finding. */
    guard(what: string, fn: () => void, urn?: string): void {
        try {
            fn();
        } catch (e) {
            if (isUnknownValueError(e)) {
                this.unknown(what, e, urn);
            } else if (e instanceof UnknownDependencyError) {
                this.items.push({
                    urn,
                    unknown: true,
                    message: `Could not check ${what}: ${e.detail}. This is not a pass: the check runs again with known values during \`pulumi up\`.`,
                });
            } else {
                throw e;
            }
        }
    }
}

/** Reads a value; returns `fallback` when it is unknown during preview. */
export function known<T>(fn: () => T, fallback: T): T {
    try {
        return fn();
    } catch (e) {
        if (isUnknownValueError(e) || e instanceof UnknownDependencyError) {
            return fallback;
        }
        throw e;
    }
}

export interface BaseConfig {
    /** Whether exemption annotations are honoured in this stack (absent when the policy is not exemptable). */
    readonly allowExemptions?: boolean;
}

export type ConfigSchemaOf<C> = { [K in keyof C]-?: JsonSchemaProp };

interface CommonSpec<C> {
    readonly name: string;
    readonly description: string;
    readonly anchors: string;
    readonly levels: StackLevels;
    readonly exemption: Exemptability;
    /** Tunables, each with a `default` (the CLI fills defaults from here). */
    readonly config?: ConfigSchemaOf<C>;
}

export interface ResourcePolicySpec<C> extends CommonSpec<C> {
    /** Cheap type filter (the check only runs for these types). */
    readonly appliesTo: (type: string) => boolean;
    /**
     * Reads the properties synchronously (inside `out.guard`). A check that needs an asynchronous
     * library (the secret scanner) returns a promise for the rest of its work, which must only handle
     * plain values already read: the findings are reported once it settles.
     */
    readonly check: (res: Res, cfg: C & BaseConfig, out: Findings) => void | Promise<void>;
}

export interface StackPolicySpec<C> extends CommonSpec<C> {
    /** Sees every resource of the stack (build a `StackIndex` from them, see stack.ts). */
    readonly check: (resources: Res[], cfg: C & BaseConfig, out: Findings) => void;
}

export type PackPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { readonly doc: PolicyDoc };

const ALLOW_EXEMPTIONS_DESCRIPTION =
    "Honour `policy.ai-platform.io/exempt-<policy>` annotations (with a reason) in this stack.";

function schemaOf<C>(spec: CommonSpec<C>): PolicyConfigSchema {
    const properties: Record<string, JsonSchemaProp> = { ...(spec.config ?? {}) } as Record<string, JsonSchemaProp>;
    if (spec.exemption !== "no") {
        properties.allowExemptions = {
            type: "boolean",
            default: spec.exemption === "yes",
            description: ALLOW_EXEMPTIONS_DESCRIPTION,
        };
    }
    return { properties };
}

/** Schema defaults merged with the configured values. */
export function effectiveConfig<C>(schema: PolicyConfigSchema, configured: object | undefined): C & BaseConfig {
    const out: Record<string, unknown> = {};
    for (const [k, prop] of Object.entries(schema.properties)) {
        if (typeof prop === "object" && prop !== null && "default" in prop) {
            out[k] = JSON.parse(JSON.stringify(prop.default));
        }
    }
    for (const [k, v] of Object.entries(configured ?? {})) {
        if (k !== "enforcementLevel" && v !== undefined) {
            out[k] = v;
        }
    }
    return out as C & BaseConfig;
}

export function toRes(r: {
    type: string; name: string; urn: string; props: any; opts?: { protect?: boolean; parent?: string };
}): Res {
    const props = readableProps(r.props ?? {});
    const k8s = k8sType(r.type);
    const kind = k8s?.kind ?? r.type.split(":").pop() ?? r.type;
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props,
        protect: r.opts?.protect === true,
        parentUrn: r.opts?.parent,
        k8s,
        kind,
        label: k8s ? describeObject(kind, props, r.name) : `${r.type} "${r.name}"`,
    };
}

type ObjectReport = (v: { message: string; urn?: string; enforcementLevel?: EnforcementLevel }) => void;

/**
 * Turns findings into reported violations, applying exemptions per resource.
 * - Exempted (annotation with a reason, exemptions allowed here): one advisory note quoting the reason
 *   and what it suppresses.
 * - Annotation present but not honoured (no reason, or not exemptable in this stack): the findings are
 *   reported normally, with a sentence saying why the annotation was ignored.
 * - Unknown-value findings and notes: advisory.
 */
export function emit(
    policyName: string,
    findings: readonly Finding[],
    lookup: (urn: string | undefined) => Res | undefined,
    cfg: BaseConfig,
    exemption: Exemptability,
    report: ReportViolation,
    reportUnusedExemptionFor?: Res,
): void {
    const reportObject = report as unknown as ObjectReport;
    const groups = new Map<string | undefined, Finding[]>();
    const seen = new Set<string>();
    for (const f of findings) {
        const dedupe = `${f.urn ?? ""}\u0000${f.message}`;
        if (seen.has(dedupe)) continue;
        seen.add(dedupe);
        const list = groups.get(f.urn) ?? [];
        list.push(f);
        groups.set(f.urn, list);
    }
    if (reportUnusedExemptionFor && !groups.has(undefined)) {
        groups.set(undefined, []);
    }
    for (const [urn, list] of groups) {
        const res = lookup(urn);
        const ex: Exemption = exemption === "no" || !res ? { present: false } : readExemption(res.props, policyName);
        const violations = list.filter((f) => !f.unknown && !f.note);
        const advisories = list.filter((f) => f.unknown || f.note);
        const key = exemptionKey(policyName);
        if (ex.present && ex.valid && cfg.allowExemptions === true) {
            if (violations.length > 0) {
                reportObject({
                    urn,
                    enforcementLevel: "advisory",
                    message: exemptionNotice(res!.label, policyName, ex.reason, violations.map((v) => v.message)),
                });
            } else if (res === reportUnusedExemptionFor && advisories.length === 0) {
                reportObject({
                    urn,
                    enforcementLevel: "advisory",
                    message: staleExemptionNotice(res!.label, policyName),
                });
            }
            continue;
        }
        let suffix = "";
        if (ex.present && !ex.valid) {
            suffix =
                ` (The annotation ${key} is ignored: it gives no reason. Write why the exemption is needed — ` +
                `at least 10 characters, e.g. a ticket and the constraint.)`;
        } else if (ex.present && cfg.allowExemptions !== true) {
            suffix = ` (The annotation ${key} is ignored: ${policyName} cannot be exempted in this stack.)`;
        }
        for (const v of violations) {
            report(v.message + suffix, urn);
        }
        for (const a of advisories) {
            reportObject({ urn, enforcementLevel: "advisory", message: a.message });
        }
    }
}

function docOf<C>(spec: CommonSpec<C>, scope: "resource" | "stack"): PolicyDoc {
    return { anchors: spec.anchors, levels: spec.levels, exemption: spec.exemption, scope };
}

export function resourcePolicy<C extends object>(spec: ResourcePolicySpec<C>): PackPolicy {
    const configSchema = schemaOf(spec);
    const policy: ResourceValidationPolicy & { doc: PolicyDoc } = {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.levels.prod,
        configSchema,
        doc: docOf(spec, "resource"),
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
            if (!spec.appliesTo(args.type)) {
                return;
            }
            const cfg = effectiveConfig<C>(configSchema, args.getConfig<object>());
            const res = toRes({ type: args.type, name: args.name, urn: args.urn, props: args.props, opts: args.opts });
            const out = new Findings();
            const rest: { pending?: Promise<void> } = {};
            out.guard(res.label, () => {
                rest.pending = spec.check(res, cfg, out) ?? undefined;
            });
            const finish = () => emit(spec.name, out.items, (urn) => (urn === undefined || urn === res.urn ? res : undefined),
                cfg, spec.exemption, report, res.k8s ? res : undefined);
            if (rest.pending) {
                // The SDK awaits a validateResource that returns a promise (server.ts makeAnalyzeRpcFun).
                return rest.pending.then(finish);
            }
            finish();
            return undefined;
        },
    };
    return policy;
}

/**
 * The stack as every stack policy of one AnalyzeStack request sees it, converted once. The SDK hands
 * each stack policy its own wrappers of all the resources, and converting them (and indexing them,
 * see `StackIndex.of`) per policy was done twenty times per request. A resource's deserialized props
 * are one object per request (sharedProps.ts), which makes them the key; URN, type, name and options
 * are compared too, so hand-built args that reuse a props object still get their own resource.
 */
const resOfProps = new WeakMap<object, Res>();
let lastStack: { resources: Res[]; byUrn: ReadonlyMap<string, Res> } | undefined;

function sharedRes(r: PolicyResource): Res {
    const key: object | undefined = r.props !== null && typeof r.props === "object" ? proxyTarget(r.props) : undefined;
    const hit = key && resOfProps.get(key);
    if (hit && hit.urn === r.urn && hit.type === r.type && hit.name === r.name &&
        hit.protect === (r.opts?.protect === true) && hit.parentUrn === r.opts?.parent) {
        return hit;
    }
    const res = toRes({ type: r.type, name: r.name, urn: r.urn, props: r.props, opts: r.opts });
    if (key) {
        resOfProps.set(key, res);
    }
    return res;
}

function sharedStack(list: readonly PolicyResource[]): { resources: Res[]; byUrn: ReadonlyMap<string, Res> } {
    const resources = list.map(sharedRes);
    if (lastStack && lastStack.resources.length === resources.length && lastStack.resources.every((r, i) => r === resources[i])) {
        return lastStack;
    }
    lastStack = { resources, byUrn: new Map(resources.map((r) => [r.urn, r])) };
    return lastStack;
}

export function stackPolicy<C extends object>(spec: StackPolicySpec<C>): PackPolicy {
    const configSchema = schemaOf(spec);
    const policy: StackValidationPolicy & { doc: PolicyDoc } = {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.levels.prod,
        configSchema,
        doc: docOf(spec, "stack"),
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const cfg = effectiveConfig<C>(configSchema, args.getConfig<object>());
            const { resources, byUrn } = sharedStack(args.resources);
            const out = new Findings();
            out.guard("the stack", () => spec.check(resources, cfg, out));
            emit(spec.name, out.items, (urn) => (urn === undefined ? undefined : byUrn.get(urn)), cfg,
                spec.exemption, report);
        },
    };
    return policy;
}

/** Joins "what is wrong", "why it matters" and "how to fix it" into one message. */
export function explain(what: string, why: string, fix: string): string {
    return `${what}. Why: ${why}. Fix: ${fix}.`;
}
