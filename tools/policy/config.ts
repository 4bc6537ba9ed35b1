/**
 * Policy pack configuration exactly as the Pulumi CLI handles `--policy-pack-config <file>`
 * (pkg/resource/analyzer/config.go): parse the file (a policy maps to an enforcement level string or to
 * an object with `enforcementLevel` plus properties), start from each policy's own level and its schema
 * defaults, apply the `all` key's enforcement level to every policy (only the level: `all` carries no
 * properties), apply per-policy entries, then validate each policy's properties against its schema.
 * The SDK does none of this, so a faithful driver must.
 */
import * as fs from "fs";
import { parseJsonText } from "../stack/files";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export type JsonSchema = Record<string, any>;

export interface PolicyConfigSchema {
    readonly properties: Record<string, JsonSchema>;
    readonly required: readonly string[];
}

/** What the CLI needs to know about a policy to reconcile its config. */
export interface PolicyMeta {
    readonly name: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly configSchema?: PolicyConfigSchema;
}

/** One policy's entry after parsing/reconciling: what `Configure` sends. */
export interface PolicyConfigEntry {
    readonly enforcementLevel: EnforcementLevel;
    readonly properties: Record<string, unknown>;
}

/** The JSON file format of `--policy-pack-config`. */
export type PolicyConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

interface ParsedEntry {
    readonly enforcementLevel?: EnforcementLevel;
    readonly properties?: Record<string, unknown>;
}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);
}

/** Parses a config file's content (CLI `parsePolicyPackConfig`). Throws on invalid levels or values. */
export function parsePolicyConfig(file: PolicyConfigFile): Record<string, ParsedEntry> {
    const out: Record<string, ParsedEntry> = {};
    for (const [k, v] of Object.entries(file)) {
        let enforcementLevel: EnforcementLevel | undefined;
        let properties: Record<string, unknown> | undefined;
        if (typeof v === "string") {
            if (!isLevel(v)) throw new Error(`parsing enforcement level for "${k}": "${v}" is not a valid enforcement level`);
            enforcementLevel = v;
        } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
            const { enforcementLevel: el, ...rest } = v as Record<string, unknown>;
            if (el !== undefined) {
                if (!isLevel(el)) throw new Error(`parsing enforcement level for "${k}": ${JSON.stringify(el)} is not a valid enforcement level`);
                enforcementLevel = el;
            }
            if (Object.keys(rest).length > 0) properties = rest;
        } else {
            throw new Error(`parsing "${k}": ${JSON.stringify(v)} is not a valid value; must be a string or object`);
        }
        if (enforcementLevel === undefined && properties === undefined) continue;
        out[k] = { enforcementLevel, properties };
    }
    return out;
}

export function loadPolicyConfigFile(path: string): PolicyConfigFile {
    const text = fs.readFileSync(path, "utf8");
    if (text.trim() === "") return {};
    return parseJsonText(text, path) as PolicyConfigFile;
}

export interface ReconciledConfig {
    /** Per-policy config to send with `Configure` (the CLI also forwards the `all` entry itself). */
    readonly config: Record<string, PolicyConfigEntry>;
    /** Keys of the file that name no policy of the pack (the CLI ignores them silently). */
    readonly unknownPolicies: readonly string[];
}

/** CLI `ReconcilePolicyPackConfig`: defaults, then initial config, then the file; validated. Throws on errors. */
export function reconcilePolicyConfig(
    policies: readonly PolicyMeta[],
    file: PolicyConfigFile,
    initialConfig: Record<string, PolicyConfigEntry> = {},
): ReconciledConfig {
    const result = new Map<string, { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> }>();
    for (const p of policies) {
        let props: Record<string, unknown> | undefined;
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if (s && typeof s === "object" && "default" in s) {
                props = props ?? {};
                props[k] = JSON.parse(JSON.stringify(s.default));
            }
        }
        result.set(p.name, { enforcementLevel: p.enforcementLevel, properties: props });
    }
    const apply = (cfg: Record<string, ParsedEntry>) => {
        const all = cfg.all;
        if (all && all.enforcementLevel) {
            for (const [k, v] of result) result.set(k, { enforcementLevel: all.enforcementLevel, properties: v.properties });
        }
        for (const [name, given] of Object.entries(cfg)) {
            const current = result.get(name);
            let enforcementLevel = current?.enforcementLevel;
            let properties = current?.properties;
            if (given.enforcementLevel) enforcementLevel = given.enforcementLevel;
            if (given.properties && Object.keys(given.properties).length > 0) {
                properties = { ...(properties ?? {}), ...given.properties };
            }
            result.set(name, { enforcementLevel, properties });
        }
    };
    apply(Object.fromEntries(Object.entries(initialConfig).map(([k, v]) => [k, { enforcementLevel: v.enforcementLevel, properties: v.properties }])));
    apply(parsePolicyConfig(file));

    const errors: string[] = [];
    for (const p of policies) {
        if (!p.configSchema) continue;
        const props = result.get(p.name)?.properties ?? {};
        const schema: JsonSchema = { type: "object", properties: { ...p.configSchema.properties, enforcementLevel: { type: "string", enum: [...ENFORCEMENT_LEVELS] } } };
        if (p.configSchema.required.length > 0) schema.required = [...p.configSchema.required];
        for (const e of validateJsonSchema(schema, props)) errors.push(`${p.name}: ${e}`);
    }
    if (errors.length > 0) {
        throw new Error(`policy pack configuration is invalid:\n  ${errors.join("\n  ")}`);
    }
    const names = new Set(policies.map((p) => p.name));
    const config: Record<string, PolicyConfigEntry> = {};
    for (const [k, v] of result) {
        if (!v.enforcementLevel || !isLevel(v.enforcementLevel)) {
            throw new Error(`invalid enforcement level ${JSON.stringify(v.enforcementLevel)} for "${k}"`);
        }
        config[k] = { enforcementLevel: v.enforcementLevel, properties: v.properties ?? {} };
    }
    return { config, unknownPolicies: Object.keys(parsePolicyConfig(file)).filter((k) => k !== "all" && !names.has(k)) };
}

const SUPPORTED_KEYWORDS = new Set([
    "type", "enum", "const", "items", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "properties", "required", "additionalProperties", "minItems", "maxItems", "uniqueItems", "description",
    "default", "title", "format",
]);
const TYPE_NAMES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

/**
 * Validates a value against the JSON-schema subset policy config schemas use here (draft-04 semantics, as
 * the CLI's gojsonschema). Throws on keywords outside the subset, so an unsupported schema is noticed.
 */
export function validateJsonSchema(schema: JsonSchema | boolean, value: unknown, path = "(root)"): string[] {
    if (schema === true) return [];
    if (schema === false) return [`${path}: no value is allowed`];
    const errors: string[] = [];
    for (const k of Object.keys(schema)) {
        if (!SUPPORTED_KEYWORDS.has(k)) throw new Error(`unsupported JSON schema keyword "${k}" at ${path}`);
    }
    if (schema.type !== undefined) {
        const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
        for (const t of types) if (!TYPE_NAMES.has(t)) throw new Error(`invalid JSON schema type "${t}" at ${path}`);
        const actual = typeOf(value);
        const ok = types.some((t) => t === actual || (t === "number" && actual === "integer"));
        if (!ok) {
            errors.push(`${path}: Invalid type. Expected: ${types.join(" or ")}, given: ${actual}`);
            return errors;
        }
    }
    if (schema.enum !== undefined && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) {
        errors.push(`${path}: must be one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(", ")}`);
    }
    if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) {
        errors.push(`${path}: does not match ${JSON.stringify(schema.const)}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: must be greater than or equal to ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: must be less than or equal to ${schema.maximum}`);
        if (schema.exclusiveMinimum !== undefined && typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`${path}: must be greater than ${schema.exclusiveMinimum}`);
        if (schema.exclusiveMaximum !== undefined && typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) errors.push(`${path}: must be less than ${schema.exclusiveMaximum}`);
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: string length must be greater than or equal to ${schema.minLength}`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: string length must be less than or equal to ${schema.maxLength}`);
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match pattern ${schema.pattern}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: array must have at least ${schema.minItems} items`);
        if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: array must have at most ${schema.maxItems} items`);
        if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: array items must be unique`);
        if (schema.items !== undefined) {
            if (Array.isArray(schema.items)) throw new Error(`tuple "items" is not supported at ${path}`);
            value.forEach((v, i) => errors.push(...validateJsonSchema(schema.items, v, `${path}.${i}`)));
        }
    }
    if (typeOf(value) === "object") {
        const obj = value as Record<string, unknown>;
        for (const r of schema.required ?? []) {
            if (!(r in obj)) errors.push(`${path}: ${r} is required`);
        }
        const props: Record<string, JsonSchema> = schema.properties ?? {};
        for (const [k, v] of Object.entries(obj)) {
            if (props[k] !== undefined) {
                errors.push(...validateJsonSchema(props[k], v, path === "(root)" ? k : `${path}.${k}`));
            } else if (schema.additionalProperties !== undefined) {
                errors.push(...validateJsonSchema(schema.additionalProperties, v, `${path}.${k}`));
            }
        }
    }
    return errors;
}

/** Checks that a policy's config schema is well formed and that each default satisfies its property schema. */
export function checkConfigSchema(schema: PolicyConfigSchema): string[] {
    const errors: string[] = [];
    for (const [k, s] of Object.entries(schema.properties)) {
        if (k === "enforcementLevel") errors.push(`${k}: enforcementLevel cannot be a config property`);
        try {
            validateJsonSchema(s, undefined as unknown, k); // keyword check only
            if ("default" in s) {
                for (const e of validateJsonSchema(s, s.default, k)) errors.push(`default: ${e}`);
            }
        } catch (e) {
            errors.push((e as Error).message);
        }
    }
    for (const r of schema.required) {
        if (!(r in schema.properties)) errors.push(`required property ${r} is not declared`);
    }
    return errors;
}
