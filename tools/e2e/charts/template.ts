/**
 * A small model of Helm templates, written out as plain Go-template YAML. The stand-in charts are
 * described as manifests whose leaves may refer to chart values, the release or the chart; the
 * writer turns every reference into `{{ toJson … }}` (JSON is YAML, so no indentation games) and
 * every condition into an `{{- if }}` line, and collects the values' defaults into values.yaml so
 * that every path a template reads exists.
 *
 * The templates use only: `toJson` of a value, `printf … | toJson`, `include "fullname"`, `if` /
 * `else` / `end` on values, `range` over a list value, and `eq (toString …)`, `gt (int …)`, `not`,
 * `and`, `or` in conditions.
 */
import { stringify } from "yaml";

/** Dotted path into the chart values, e.g. "controller.service.type". */
export type ValuePath = string;

export interface ValueRef { readonly $value: ValuePath; readonly default?: unknown }
/** The value serialized to a JSON string (for ConfigMap and Secret data that hold configuration). */
export interface JsonStringRef { readonly $jsonString: ValuePath; readonly default?: unknown }
export type BuiltInName = "Release.Name" | "Release.Namespace" | "Chart.Name" | "Chart.Version" | "Chart.AppVersion" | "fullname";
export interface BuiltIn { readonly $builtin: BuiltInName }
/** The element of the innermost `each`. */
export interface ItemRef { readonly $item: true }
export interface Concat { readonly $concat: ReadonlyArray<string | number | ValueRef | BuiltIn | ItemRef> }
export interface Conditional { readonly $if: Condition; readonly then: Node; readonly else?: Node }
/** One sequence entry per element of a list value. */
export interface Each { readonly $each: ValuePath; readonly default?: readonly unknown[]; readonly item: Node }

export type Condition =
    | { readonly truthy: ValuePath }
    | { readonly equals: readonly [ValuePath, string] }
    | { readonly greaterThan: readonly [ValuePath, number] }
    | { readonly not: Condition }
    | { readonly all: readonly Condition[] }
    | { readonly any: readonly Condition[] };

export type Scalar = string | number | boolean | null;
export type Node = Scalar | ValueRef | JsonStringRef | BuiltIn | ItemRef | Concat | Conditional | Each | readonly Node[] | { readonly [key: string]: Node };

export const value = (path: ValuePath, defaultValue?: unknown): ValueRef =>
    (defaultValue === undefined ? { $value: path } : { $value: path, default: defaultValue });
export const jsonString = (path: ValuePath, defaultValue?: unknown): JsonStringRef =>
    (defaultValue === undefined ? { $jsonString: path } : { $jsonString: path, default: defaultValue });
export const release = { name: { $builtin: "Release.Name" }, namespace: { $builtin: "Release.Namespace" } } as const satisfies Record<string, BuiltIn>;
export const chart = { name: { $builtin: "Chart.Name" }, version: { $builtin: "Chart.Version" }, appVersion: { $builtin: "Chart.AppVersion" } } as const satisfies Record<string, BuiltIn>;
/** The usual Helm full name: the release name if it contains the chart name, else `<release>-<chart>`. */
export const fullname: BuiltIn = { $builtin: "fullname" };
export const item: ItemRef = { $item: true };
export const concat = (...parts: Concat["$concat"]): Concat => ({ $concat: parts });
export const when = (condition: Condition, then: Node, otherwise?: Node): Conditional =>
    (otherwise === undefined ? { $if: condition, then } : { $if: condition, then, else: otherwise });
export const each = (path: ValuePath, node: Node, defaultValue?: readonly unknown[]): Each =>
    (defaultValue === undefined ? { $each: path, item: node } : { $each: path, item: node, default: defaultValue });
export const truthy = (path: ValuePath): Condition => ({ truthy: path });
export const equals = (path: ValuePath, literal: string): Condition => ({ equals: [path, literal] });
export const greaterThan = (path: ValuePath, n: number): Condition => ({ greaterThan: [path, n] });
export const not = (condition: Condition): Condition => ({ not: condition });
export const all = (...conditions: Condition[]): Condition => ({ all: conditions });
export const any = (...conditions: Condition[]): Condition => ({ any: conditions });

const isObject = (n: unknown): n is Record<string, unknown> => typeof n === "object" && n !== null && !Array.isArray(n);
const isValueRef = (n: unknown): n is ValueRef => isObject(n) && "$value" in n;
const isJsonStringRef = (n: unknown): n is JsonStringRef => isObject(n) && "$jsonString" in n;
const isBuiltIn = (n: unknown): n is BuiltIn => isObject(n) && "$builtin" in n;
const isItemRef = (n: unknown): n is ItemRef => isObject(n) && "$item" in n;
const isConcat = (n: unknown): n is Concat => isObject(n) && "$concat" in n;
const isConditional = (n: unknown): n is Conditional => isObject(n) && "$if" in n;
const isEach = (n: unknown): n is Each => isObject(n) && "$each" in n;
const isInline = (n: unknown) => isValueRef(n) || isJsonStringRef(n) || isBuiltIn(n) || isItemRef(n) || isConcat(n);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function segments(path: ValuePath): string[] {
    const parts = path.split(".");
    if (parts.some((p) => p === "")) {
        throw new Error(`bad value path "${path}"`);
    }
    return parts;
}

/**
 * `$.Values.a.b`, or `(index $.Values "a-b" "c")` where a key is not an identifier; always from `$`
 * because `range` rebinds the dot.
 */
function valueExpression(path: ValuePath): string {
    const parts = segments(path);
    return parts.every((p) => IDENTIFIER.test(p))
        ? `$.Values.${parts.join(".")}`
        : `(index $.Values ${parts.map((p) => JSON.stringify(p)).join(" ")})`;
}

function builtInExpression(name: BuiltInName): string {
    return name === "fullname" ? `(include "fullname" $)` : `$.${name}`;
}

function conditionExpression(c: Condition): string {
    if ("truthy" in c) return valueExpression(c.truthy);
    if ("equals" in c) return `eq (toString ${valueExpression(c.equals[0])}) ${JSON.stringify(c.equals[1])}`;
    if ("greaterThan" in c) return `gt (int ${valueExpression(c.greaterThan[0])}) ${c.greaterThan[1]}`;
    if ("not" in c) return `not (${conditionExpression(c.not)})`;
    if ("all" in c) return `and ${c.all.map((x) => `(${conditionExpression(x)})`).join(" ")}`;
    return `or ${c.any.map((x) => `(${conditionExpression(x)})`).join(" ")}`;
}

function literal(s: string): string {
    if (s.includes("{{") || s.includes("}}")) {
        throw new Error(`literal ${JSON.stringify(s)} would be read as a template action`);
    }
    return JSON.stringify(s);
}

function inline(n: Node): string {
    if (n === null || typeof n === "number" || typeof n === "boolean") {
        return String(n);
    }
    if (typeof n === "string") {
        return literal(n);
    }
    if (isValueRef(n)) return `{{ toJson ${valueExpression(n.$value)} }}`;
    if (isJsonStringRef(n)) return `{{ toJson ${valueExpression(n.$jsonString)} | toJson }}`;
    if (isBuiltIn(n)) return `{{ toJson ${builtInExpression(n.$builtin)} }}`;
    if (isItemRef(n)) return `{{ toJson $item }}`;
    if (isConcat(n)) {
        let format = "";
        const args: string[] = [];
        for (const part of n.$concat) {
            if (typeof part === "string" || typeof part === "number") {
                format += String(part).replace(/%/g, "%%");
            } else {
                format += "%v";
                args.push(isValueRef(part) ? valueExpression(part.$value) : isItemRef(part) ? "$item" : builtInExpression(part.$builtin));
            }
        }
        if (format.includes("{{") || format.includes("}}")) {
            throw new Error(`literal ${JSON.stringify(format)} would be read as a template action`);
        }
        return `{{ printf ${JSON.stringify(format)}${args.map((a) => ` ${a}`).join("")} | toJson }}`;
    }
    throw new Error(`not an inline value: ${JSON.stringify(n)}`);
}

function key(k: string): string {
    return /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(k) ? k : JSON.stringify(k);
}

const pad = (n: number) => " ".repeat(n);

function entryLines(k: string, v: Node, indent: number): string[] {
    if (isConditional(v)) {
        return [
            `{{- if ${conditionExpression(v.$if)} }}`,
            ...entryLines(k, v.then, indent),
            ...(v.else === undefined ? [] : ["{{- else }}", ...entryLines(k, v.else, indent)]),
            "{{- end }}",
        ];
    }
    if (isEach(v)) {
        return [`${pad(indent)}${key(k)}:`, ...sequenceLines([v], indent + 2)];
    }
    if (Array.isArray(v)) {
        return v.length === 0 ? [`${pad(indent)}${key(k)}: []`] : [`${pad(indent)}${key(k)}:`, ...sequenceLines(v, indent + 2)];
    }
    if (isObject(v) && !isInline(v)) {
        const entries = Object.entries(v as Record<string, Node>);
        return entries.length === 0 ? [`${pad(indent)}${key(k)}: {}`] : [`${pad(indent)}${key(k)}:`, ...mappingLines(v as Record<string, Node>, indent + 2)];
    }
    return [`${pad(indent)}${key(k)}: ${inline(v)}`];
}

function mappingLines(obj: Record<string, Node>, indent: number): string[] {
    return Object.entries(obj).flatMap(([k, v]) => entryLines(k, v, indent));
}

function itemLines(n: Node, indent: number): string[] {
    if (isConditional(n)) {
        return [
            `{{- if ${conditionExpression(n.$if)} }}`,
            ...itemLines(n.then, indent),
            ...(n.else === undefined ? [] : ["{{- else }}", ...itemLines(n.else, indent)]),
            "{{- end }}",
        ];
    }
    if (isEach(n)) {
        return [`{{- range $item := ${valueExpression(n.$each)} }}`, ...itemLines(n.item, indent), "{{- end }}"];
    }
    if (Array.isArray(n)) {
        if (n.length === 0) return [`${pad(indent)}- []`];
        return [`${pad(indent)}-`, ...sequenceLines(n, indent + 2)];
    }
    if (isObject(n) && !isInline(n)) {
        const entries = Object.entries(n as Record<string, Node>);
        if (entries.length === 0) return [`${pad(indent)}- {}`];
        const [firstKey, firstValue] = entries[0];
        if (isConditional(firstValue)) {
            // A `- ` line of its own, so the entry stays a mapping whether or not the condition holds.
            return [`${pad(indent)}-`, ...mappingLines(n as Record<string, Node>, indent + 2)];
        }
        const first = entryLines(firstKey, firstValue, indent + 2);
        first[0] = `${pad(indent)}- ${first[0].slice(indent + 2)}`;
        return [...first, ...mappingLines(Object.fromEntries(entries.slice(1)) as Record<string, Node>, indent + 2)];
    }
    return [`${pad(indent)}- ${inline(n)}`];
}

function sequenceLines(items: readonly Node[], indent: number): string[] {
    return items.flatMap((n) => itemLines(n, indent));
}

/** A manifest, optionally rendered only when a condition holds. */
export interface Manifest {
    readonly when?: Condition;
    readonly body: Record<string, Node>;
}

/** The template text of a file holding the given manifests. */
export function renderTemplate(manifests: readonly Manifest[]): string {
    const docs = manifests.map((m) => {
        const lines = mappingLines(m.body, 0);
        return m.when ? [`{{- if ${conditionExpression(m.when)} }}`, "---", ...lines, "{{- end }}"] : ["---", ...lines];
    });
    return `${docs.flat().join("\n")}\n`;
}

/** The `fullname` helper: Helm's usual rule, truncated as the real chart truncates it. */
export function helpersTemplate(truncateAt: number): string {
    return [
        `{{- define "fullname" -}}`,
        `{{- if contains .Chart.Name .Release.Name -}}`,
        `{{- .Release.Name | trunc ${truncateAt} | trimSuffix "-" -}}`,
        `{{- else -}}`,
        `{{- printf "%s-%s" .Release.Name .Chart.Name | trunc ${truncateAt} | trimSuffix "-" -}}`,
        `{{- end -}}`,
        `{{- end -}}`,
        "",
    ].join("\n");
}

function setDefault(values: Record<string, unknown>, path: ValuePath, defaultValue: unknown, where: string): void {
    const parts = segments(path);
    let node = values;
    for (const part of parts.slice(0, -1)) {
        const next = node[part];
        if (next === undefined) {
            node[part] = {};
        } else if (!isObject(next)) {
            throw new Error(`${where}: ${path} needs ${part} to be a map, but its default is ${JSON.stringify(next)}`);
        }
        node = node[part] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1];
    if (defaultValue === undefined) {
        return;
    }
    const existing = node[leaf];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(defaultValue)) {
        if (isObject(existing) && isObject(defaultValue) && Object.keys(existing).every((k) => !(k in defaultValue))) {
            Object.assign(existing, defaultValue);
            return;
        }
        throw new Error(`${where}: two defaults for ${path}: ${JSON.stringify(existing)} and ${JSON.stringify(defaultValue)}`);
    }
    node[leaf] = structuredClone(defaultValue);
}

function collectCondition(c: Condition, visit: (path: ValuePath) => void): void {
    if ("truthy" in c) visit(c.truthy);
    else if ("equals" in c) visit(c.equals[0]);
    else if ("greaterThan" in c) visit(c.greaterThan[0]);
    else if ("not" in c) collectCondition(c.not, visit);
    else if ("all" in c) c.all.forEach((x) => collectCondition(x, visit));
    else c.any.forEach((x) => collectCondition(x, visit));
}

/**
 * values.yaml of a chart: the default of every value its templates read, and an empty map for
 * every map on the way to a value with a default or to a condition, so that no template ever
 * dereferences a missing parent. A value read without a default sits under a condition on it or
 * on its parent (e.g. a storage spec's claim template), and creating its parents would make that
 * condition true.
 */
export function chartValues(manifests: readonly Manifest[], where: string, defaults: Record<string, unknown> = {}): Record<string, unknown> {
    const values = structuredClone(defaults);
    const withDefaults: Array<[ValuePath, unknown]> = [];
    const conditions: ValuePath[] = [];
    const read = (path: ValuePath, defaultValue: unknown) => {
        if (defaultValue !== undefined) withDefaults.push([path, defaultValue]);
    };
    const visit = (n: Node): void => {
        if (isValueRef(n)) read(n.$value, n.default);
        else if (isJsonStringRef(n)) read(n.$jsonString, n.default);
        else if (isConcat(n)) n.$concat.forEach((p) => isValueRef(p) && read(p.$value, p.default));
        else if (isConditional(n)) {
            collectCondition(n.$if, (p) => conditions.push(p));
            visit(n.then);
            if (n.else !== undefined) visit(n.else);
        } else if (isEach(n)) {
            read(n.$each, n.default);
            visit(n.item);
        } else if (Array.isArray(n)) n.forEach(visit);
        else if (isObject(n) && !isBuiltIn(n) && !isItemRef(n)) Object.values(n as Record<string, Node>).forEach(visit);
    };
    for (const m of manifests) {
        if (m.when) collectCondition(m.when, (p) => conditions.push(p));
        visit(m.body);
    }
    for (const [path, defaultValue] of withDefaults) setDefault(values, path, defaultValue, where);
    for (const path of conditions) setDefault(values, path, undefined, where);
    return values;
}

export function valuesYaml(values: Record<string, unknown>): string {
    return stringify(values, { lineWidth: 0 });
}
