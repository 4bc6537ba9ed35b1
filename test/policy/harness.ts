/**
 * Runs policies in-process the way @pulumi/policy's server does (server.ts makeAnalyzeRpcFun /
 * makeAnalyzeStackRpcFun): inputs are marshalled like the engine, turned into a protobuf Struct,
 * deserialized by the SDK's own `deserializeProperties` and wrapped in its `unknownCheckingProxy`;
 * `getConfig` returns the reconciled config of a real policy/config/<stack>.json (or a given object);
 * `reportViolation` behaves like the SDK's (string form prefixes the description, object form may
 * override the level). An `UnknownValueError` escaping a policy is recorded the way the SDK records it
 * (an advisory "can't run … during preview"), so tests can assert that never happens.
 */
import * as path from "path";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PackPolicy } from "../../policy/lib/core";
import { allPolicies } from "../../policy/policies";
import { isUnknownValueError, policySdk } from "../../policy/lib/unknown";
import { loadPolicyConfigFile, reconcilePolicyConfig, ReconciledConfig } from "../../tools/policy/config";
import { toAnalyzerProperties } from "../../tools/policy/wire";
import type { RecordedResource } from "../../tools/stack/types";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
    deserializeProperties(s: structPb.Struct, proxySecrets: boolean): Record<string, any>;
};

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
export type StackName = "dev" | "staging" | "prod";

export interface Diag {
    readonly policyName: string;
    readonly enforcementLevel: Level;
    /** As the SDK builds it (string form: description + "\n" + message). */
    readonly message: string;
    readonly urn?: string;
    /** True when an UnknownValueError escaped the policy (the SDK's generic fallback). */
    readonly sdkUnknown?: boolean;
}

const POLICIES = allPolicies();
const configCache = new Map<StackName, ReconciledConfig>();

export function policy(name: string): PackPolicy {
    const p = POLICIES.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
}

export function allPackPolicies(): PackPolicy[] {
    return POLICIES;
}

/** The CLI-reconciled config of a stack's config file. */
export function stackConfig(stack: StackName): ReconciledConfig {
    let c = configCache.get(stack);
    if (!c) {
        const metas = POLICIES.map((p) => ({
            name: p.name,
            enforcementLevel: p.enforcementLevel!,
            configSchema: { properties: p.configSchema?.properties ?? {}, required: p.configSchema?.required ?? [] },
        }));
        c = reconcilePolicyConfig(metas, loadPolicyConfigFile(path.join(__dirname, "../../policy/config", `${stack}.json`)));
        configCache.set(stack, c);
    }
    return c;
}

function sdkProps(r: Pick<RecordedResource, "wireInputs">): Record<string, any> {
    const struct = structPb.Struct.fromJavaScript(toAnalyzerProperties(r.wireInputs) as Record<string, structPb.JavaScriptValue>);
    return policySdk.unknownCheckingProxy(deserializeProperties(struct, false));
}

function opts(r: RecordedResource) {
    return {
        protect: r.protect, ignoreChanges: [...r.ignoreChanges], aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...r.additionalSecretOutputs], parent: r.parent || undefined,
        deleteBeforeReplace: r.deleteBeforeReplace,
    };
}

export interface RunOptions {
    /** Use this stack's config file (level + properties). Default "prod". */
    readonly stack?: StackName;
    /** Replace the policy's config properties (merged over the stack's). */
    readonly config?: Record<string, unknown>;
    /** Override the enforcement level. */
    readonly level?: Level;
}

/**
 * Runs one policy on the resources (validateResource per resource, or validateStack once), awaiting a
 * validation that returns a promise as the SDK does.
 */
export async function run(policyName: string, resources: readonly RecordedResource[], o: RunOptions = {}): Promise<Diag[]> {
    const p = policy(policyName);
    const stack = o.stack ?? "prod";
    const entry = stackConfig(stack).config[policyName];
    const level = (o.level ?? entry?.enforcementLevel ?? p.enforcementLevel) as Level;
    const config = { ...(entry?.properties ?? {}), ...(o.config ?? {}) };
    if (level === "disabled") return [];
    const ds: Diag[] = [];
    const report = ((message: any, urn?: string) => {
        if (typeof message === "object") {
            ds.push({ policyName, enforcementLevel: message.enforcementLevel ?? level, message: message.message, urn: message.urn });
        } else {
            ds.push({ policyName, enforcementLevel: level, message: `${p.description}${message ? `\n${message}` : ""}`, urn });
        }
    }) as ReportViolation;
    const onError = (e: unknown) => {
        if (isUnknownValueError(e)) {
            ds.push({ policyName, enforcementLevel: "advisory", message: `can't run policy '${policyName}' during preview: ${(e as Error).message}`, sdkUnknown: true });
        } else {
            throw e;
        }
    };
    if ("validateResource" in p && p.validateResource) {
        const validate = (p as ResourceValidationPolicy).validateResource as (a: any, r: ReportViolation) => void | Promise<void>;
        for (const r of resources) {
            const before = ds.length;
            try {
                await validate({
                    type: r.type, props: sdkProps(r), urn: r.urn, name: r.name, opts: opts(r), stackTags: new Map(),
                    isType: () => false, asType: () => undefined, getConfig: () => config,
                    notApplicable: (reason?: string) => { throw new Error(`notApplicable: ${reason}`); },
                }, report);
            } catch (e) {
                onError(e);
            }
            for (let i = before; i < ds.length; i++) {
                if (ds[i].urn === undefined) (ds[i] as { urn?: string }).urn = r.urn;
            }
        }
    } else {
        const validate = (p as StackValidationPolicy).validateStack as (a: any, r: ReportViolation) => void | Promise<void>;
        const policyResources: PolicyResource[] = resources.map((r) => ({
            type: r.type, props: sdkProps(r), urn: r.urn, name: r.name, opts: opts(r), dependencies: [], propertyDependencies: {},
            isType: () => false, asType: () => undefined,
        }));
        try {
            await validate({ resources: policyResources, getConfig: () => config, stackTags: new Map(), notApplicable: () => { throw new Error("notApplicable"); } }, report);
        } catch (e) {
            onError(e);
        }
    }
    return ds;
}

/** Runs every policy of the pack with a stack's config. */
export async function runAll(resources: readonly RecordedResource[], stack: StackName = "prod"): Promise<Diag[]> {
    const ds: Diag[] = [];
    for (const p of POLICIES) {
        ds.push(...await run(p.name, resources, { stack }));
    }
    return ds;
}

export function summarize(ds: readonly Diag[]): string {
    return ds.map((d) => `[${d.enforcementLevel}] ${d.policyName} ${d.urn ?? ""}\n    ${d.message.replace(/\n/g, "\n    ")}`).join("\n");
}
