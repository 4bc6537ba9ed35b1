/**
 * Shared access to offline stack evaluations for the test suites: each stack is evaluated once
 * per test run with its real configuration; tests that need other configuration evaluate anew.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { evaluateStack, EvaluateOptions } from "../../tools/stack/evaluate";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";

export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];
export const ROOT = path.resolve(__dirname, "..", "..");

const cache = new Map<string, Promise<StackEvaluation>>();

/** The stack evaluated with its committed configuration (cached). */
export function stackEvaluation(stack: StackName): Promise<StackEvaluation> {
    let evaluation = cache.get(stack);
    if (!evaluation) {
        evaluation = evaluateStack(stack);
        cache.set(stack, evaluation);
    }
    return evaluation;
}

/** A fresh evaluation with some configuration replaced (short keys; undefined removes a key). */
export function evaluateWith(stack: StackName, overrides: Record<string, unknown>, options: EvaluateOptions = {}) {
    return evaluateStack(stack, { ...options, overrides });
}

/**
 * The value a stack is configured with, read straight from Pulumi.<stack>.yaml and Pulumi.yaml,
 * so expectations come from the configuration files rather than from the code under test.
 */
export function configured(stack: StackName, key: string): any {
    const stackFile = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config ?? {};
    const full = `ai-platform:${key}`;
    if (full in stackFile) {
        return stackFile[full];
    }
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    return project.config?.[key]?.default;
}

export function ofType(evaluation: StackEvaluation, type: string): RecordedResource[] {
    return evaluation.resources.filter((r) => r.type === type);
}

export function one(
    evaluation: StackEvaluation,
    type: string,
    predicate: (r: RecordedResource) => boolean = () => true,
): RecordedResource {
    const matches = ofType(evaluation, type).filter(predicate);
    if (matches.length !== 1) {
        throw new Error(`expected exactly one ${type}, found ${matches.length}: ${matches.map((m) => m.name).join(", ")}`);
    }
    return matches[0];
}

export const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The Helm release installing a given chart. */
export function release(evaluation: StackEvaluation, chart: string): RecordedResource {
    return one(evaluation, RELEASE, (r) => r.inputs.chart === chart);
}

/** Expects a promise to reject and returns the error message. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
    throw new Error("expected the evaluation to fail, but it succeeded");
}

/** Whether the value at a dotted input path travels as a secret (itself or inside a secret parent). */
export function isSecretAt(resource: RecordedResource, path: string): boolean {
    return resource.secretPaths.some((p) => path === p || path.startsWith(`${p}.`));
}

/**
 * The GitLab provider stores every variable value as a secret, plain ones too (URLs, context
 * names), so those values say nothing about what must stay hidden elsewhere.
 */
const SECRET_BY_CONTRACT_ONLY = new Set(["pulumi-nodejs:dynamic/gitlab:ProjectVariable"]);

/**
 * Every string that travels as a secret somewhere in the stack (at least 8 characters), plus the
 * long parts of composite secrets such as connection strings, which embed other secrets.
 */
export function secretValues(ev: StackEvaluation): Set<string> {
    const values = new Set<string>();
    const collect = (value: any, path: string, r: RecordedResource, secret: boolean) => {
        const isSecret = secret || isSecretAt(r, path);
        if (isSecret && typeof value === "string" && value.length >= 8) {
            values.add(value);
            for (const part of value.split(/[:@/?&=,]/)) {
                if (part.length >= 24) values.add(part);
            }
        } else if (value && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) {
                collect(v, path ? `${path}.${k}` : k, r, isSecret);
            }
        }
    };
    for (const r of ev.resources.filter((x) => !SECRET_BY_CONTRACT_ONLY.has(x.type))) {
        collect(r.inputs, "", r, false);
        if (r.type === KUBERNETES_SECRET && r.inputs.data) {
            // Secrets carry their values base64-encoded: the decoded values must stay hidden too.
            collect(secretEntries(r), "data", r, false);
        }
    }
    return values;
}

const KUBERNETES_SECRET = "kubernetes:core/v1:Secret";

/** A Kubernetes Secret's values as the pod sees them: `data` decoded (our Secrets never set stringData). */
export function secretEntries(secret: RecordedResource): Record<string, string> {
    if (secret.type !== KUBERNETES_SECRET) {
        throw new Error(`secretEntries: ${secret.name} is a ${secret.type}, not a Secret`);
    }
    return Object.fromEntries(Object.entries<string>(secret.inputs.data ?? {})
        .map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

/** A resource's wire inputs as JSON with every secret replaced by "[secret]": what state shows in plain text. */
export function visibleInputs(resource: RecordedResource): string {
    return JSON.stringify(resource.wireInputs, (_key, v) =>
        v && typeof v === "object" && v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" ? "[secret]" : v);
}
