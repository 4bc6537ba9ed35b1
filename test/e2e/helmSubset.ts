/**
 * Renders a stand-in chart's templates without Helm, for tests: an interpreter of the part of Go
 * templates the stand-ins use (field chains on `$`, `index`, `include "fullname"`, `toJson`,
 * `printf`, `toString`, `int`, `eq`, `gt`, `not`, `and`, `or`, `if`/`else`/`end`, `range`), with
 * Helm's rules for values (chart defaults coalesced with the release's values) and Go's rules
 * for truth. Anything outside that part throws, so a template that only Helm could read fails
 * the tests instead of being skipped.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";

type Value = unknown;
type Scope = { readonly root: Record<string, Value>; readonly vars: Record<string, Value> };

const isMap = (v: Value): v is Record<string, Value> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Go's template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truth(v: Value): boolean {
    if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (isMap(v)) return Object.keys(v).length > 0;
    return true;
}

/** Helm's coalescing: the release's values over the chart's, maps merged, null deleting a key. */
export function coalesce(defaults: Value, overrides: Value): Value {
    if (!isMap(defaults) || !isMap(overrides)) {
        return overrides === undefined ? structuredClone(defaults) : structuredClone(overrides);
    }
    const out: Record<string, Value> = structuredClone(defaults);
    for (const [k, v] of Object.entries(overrides)) {
        if (v === null) delete out[k];
        else out[k] = isMap(v) && isMap(out[k]) ? coalesce(out[k], v) : structuredClone(v);
    }
    return out;
}

// --- Expressions ----------------------------------------------------------------------------------

type Token = { kind: "string" | "number" | "field" | "var" | "ident" | "(" | ")" | "|"; text: string };

function tokenize(src: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) { i++; continue; }
        if (c === "(" || c === ")" || c === "|") { tokens.push({ kind: c, text: c }); i++; continue; }
        if (c === "\"") {
            let j = i + 1;
            while (j < src.length && src[j] !== "\"") j += src[j] === "\\" ? 2 : 1;
            tokens.push({ kind: "string", text: JSON.parse(src.slice(i, j + 1)) as string });
            i = j + 1;
            continue;
        }
        const m = /^(\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|^(-?\d+(?:\.\d+)?)|^([A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i));
        if (!m) throw new Error(`template expression outside the subset: ${src}`);
        if (m[1]) tokens.push({ kind: m[1].includes(".") || m[1] === "$" ? "field" : "var", text: m[1] });
        else if (m[2]) tokens.push({ kind: "number", text: m[2] });
        else tokens.push({ kind: "ident", text: m[3] });
        i += m[0].length;
    }
    return tokens;
}

type Expr =
    | { op: "literal"; value: Value }
    | { op: "field"; path: string }
    | { op: "call"; fn: string; args: Expr[] };

function parsePipeline(tokens: Token[], pos: { i: number }): Expr {
    let expr = parseCommand(tokens, pos, undefined);
    while (tokens[pos.i]?.kind === "|") {
        pos.i++;
        expr = parseCommand(tokens, pos, expr);
    }
    return expr;
}

function parseOperand(tokens: Token[], pos: { i: number }): Expr {
    const t = tokens[pos.i++];
    if (!t) throw new Error("template expression ends early");
    switch (t.kind) {
        case "string": return { op: "literal", value: t.text };
        case "number": return { op: "literal", value: Number(t.text) };
        case "field":
        case "var": return { op: "field", path: t.text };
        case "(": {
            const inner = parsePipeline(tokens, pos);
            if (tokens[pos.i++]?.kind !== ")") throw new Error("unbalanced parentheses in template expression");
            return inner;
        }
        default: throw new Error(`unexpected ${t.text} in template expression`);
    }
}

function parseCommand(tokens: Token[], pos: { i: number }, piped: Expr | undefined): Expr {
    const first = tokens[pos.i];
    if (first?.kind === "ident") {
        pos.i++;
        const args: Expr[] = [];
        while (pos.i < tokens.length && tokens[pos.i].kind !== "|" && tokens[pos.i].kind !== ")") {
            args.push(parseOperand(tokens, pos));
        }
        return { op: "call", fn: first.text, args: piped ? [...args, piped] : args };
    }
    if (piped) throw new Error("a pipeline stage must be a function");
    return parseOperand(tokens, pos);
}

export interface ChartContext {
    readonly chart: { readonly name: string; readonly version: string; readonly appVersion: string };
    readonly release: { readonly name: string; readonly namespace: string };
    readonly fullnameLength: number;
}

/** Go's encoding/json: map keys sorted, and <, >, & escaped as Helm's toJson does. */
function goJson(v: Value): string {
    const sorted = (x: Value): Value => (Array.isArray(x) ? x.map(sorted)
        : isMap(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted(x[k])])) : x);
    return JSON.stringify(sorted(v ?? null))
        .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function formatV(v: Value): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new Error(`printf %v of ${JSON.stringify(v)} is not used by the stand-ins`);
}

function fieldValue(pathText: string, scope: Scope): Value {
    const [head, ...rest] = pathText.split(".");
    let v: Value = head === "$" ? scope.root : scope.vars[head];
    if (head !== "$" && !(head in scope.vars)) throw new Error(`undefined variable ${head}`);
    for (const name of rest) {
        if (!isMap(v)) throw new Error(`nil pointer evaluating ${pathText} at .${name}`);
        v = v[name];
    }
    return v;
}

function evaluate(e: Expr, scope: Scope, ctx: ChartContext): Value {
    if (e.op === "literal") return e.value;
    if (e.op === "field") return fieldValue(e.path, scope);
    const args = () => e.args.map((a) => evaluate(a, scope, ctx));
    switch (e.fn) {
        case "toJson": {
            const [v] = args();
            return goJson(v);
        }
        case "printf": {
            const [format, ...rest] = args();
            let n = 0;
            return (format as string).replace(/%[%vs]/g, (spec) => (spec === "%%" ? "%" : formatV(rest[n++])));
        }
        case "toString": {
            const [v] = args();
            return v === undefined || v === null ? "<nil>" : formatV(v);
        }
        case "int": {
            const [v] = args();
            return typeof v === "number" ? Math.trunc(v) : typeof v === "string" ? (Number.parseInt(v, 10) || 0) : v === true ? 1 : 0;
        }
        case "eq": {
            const [a, b] = args();
            return a === b;
        }
        case "gt": {
            const [a, b] = args();
            return (a as number) > (b as number);
        }
        case "not": return !truth(args()[0]);
        case "and": {
            let last: Value = true;
            for (const a of e.args) {
                last = evaluate(a, scope, ctx);
                if (!truth(last)) return last;
            }
            return last;
        }
        case "or": {
            let last: Value = false;
            for (const a of e.args) {
                last = evaluate(a, scope, ctx);
                if (truth(last)) return last;
            }
            return last;
        }
        case "index": {
            const [target, ...keys] = args();
            let v = target;
            for (const k of keys) {
                if (!isMap(v)) throw new Error(`index of ${JSON.stringify(v)}`);
                v = v[k as string];
            }
            return v;
        }
        case "include": {
            const [name] = args();
            if (name !== "fullname") throw new Error(`include "${String(name)}" is not a stand-in helper`);
            const { chart, release } = ctx;
            const full = release.name.includes(chart.name) ? release.name : `${release.name}-${chart.name}`;
            return full.slice(0, ctx.fullnameLength).replace(/-+$/, "");
        }
        default:
            throw new Error(`function ${e.fn} is outside the stand-ins' template subset`);
    }
}

function expression(src: string): Expr {
    const tokens = tokenize(src);
    const pos = { i: 0 };
    const e = parsePipeline(tokens, pos);
    if (pos.i !== tokens.length) throw new Error(`trailing tokens in template expression: ${src}`);
    return e;
}

// --- Templates ------------------------------------------------------------------------------------

type Part =
    | { kind: "text"; text: string }
    | { kind: "output"; expr: Expr }
    | { kind: "if"; cond: Expr; then: Part[]; else: Part[] }
    | { kind: "range"; variable: string; list: Expr; body: Part[] };

function lex(template: string): Array<{ text: string } | { action: string }> {
    const items: Array<{ text: string } | { action: string }> = [];
    let rest = template;
    while (rest.length > 0) {
        const start = rest.indexOf("{{");
        if (start < 0) {
            items.push({ text: rest });
            break;
        }
        let text = rest.slice(0, start);
        const end = rest.indexOf("}}", start);
        if (end < 0) throw new Error("unterminated template action");
        let action = rest.slice(start + 2, end);
        rest = rest.slice(end + 2);
        if (action.startsWith("-")) {
            text = text.replace(/\s+$/, "");
            action = action.slice(1);
        }
        if (action.endsWith("-")) {
            action = action.slice(0, -1);
            rest = rest.replace(/^\s+/, "");
        }
        items.push({ text }, { action: action.trim() });
    }
    return items;
}

function parseTemplate(template: string): Part[] {
    const items = lex(template);
    let i = 0;
    const block = (terminators: string[]): { parts: Part[]; end: string } => {
        const parts: Part[] = [];
        while (i < items.length) {
            const item = items[i++];
            if ("text" in item) {
                if (item.text) parts.push({ kind: "text", text: item.text });
                continue;
            }
            const a = item.action;
            if (terminators.includes(a)) return { parts, end: a };
            if (a.startsWith("if ")) {
                const cond = expression(a.slice(3));
                const then = block(["else", "end"]);
                const otherwise = then.end === "else" ? block(["end"]).parts : [];
                parts.push({ kind: "if", cond, then: then.parts, else: otherwise });
            } else if (a.startsWith("range ")) {
                const m = /^range (\$[A-Za-z0-9_]+) := (.+)$/.exec(a);
                if (!m) throw new Error(`range outside the subset: ${a}`);
                parts.push({ kind: "range", variable: m[1], list: expression(m[2]), body: block(["end"]).parts });
            } else if (a.startsWith("toJson ") || a.startsWith("printf ")) {
                parts.push({ kind: "output", expr: expression(a) });
            } else {
                throw new Error(`template action outside the stand-ins' subset: {{ ${a} }}`);
            }
        }
        if (terminators.length > 0) throw new Error(`missing {{ ${terminators.join(" or ")} }}`);
        return { parts, end: "" };
    };
    return block([]).parts;
}

function execute(parts: Part[], scope: Scope, ctx: ChartContext): string {
    let out = "";
    for (const p of parts) {
        if (p.kind === "text") out += p.text;
        else if (p.kind === "output") out += String(evaluate(p.expr, scope, ctx));
        else if (p.kind === "if") out += execute(truth(evaluate(p.cond, scope, ctx)) ? p.then : p.else, scope, ctx);
        else {
            const list = evaluate(p.list, scope, ctx);
            const items = list === undefined || list === null ? [] : Array.isArray(list) ? list : isMap(list) ? Object.keys(list).sort().map((k) => list[k]) : undefined;
            if (!items) throw new Error(`range over ${JSON.stringify(list)}`);
            for (const element of items) {
                out += execute(p.body, { root: scope.root, vars: { ...scope.vars, [p.variable]: element } }, ctx);
            }
        }
    }
    return out;
}

const HELPERS = /^\{\{- define "fullname" -\}\}\n\{\{- if contains \.Chart\.Name \.Release\.Name -\}\}\n\{\{- \.Release\.Name \| trunc (\d+) \| trimSuffix "-" -\}\}\n\{\{- else -\}\}\n\{\{- printf "%s-%s" \.Release\.Name \.Chart\.Name \| trunc (\d+) \| trimSuffix "-" -\}\}\n\{\{- end -\}\}\n\{\{- end -\}\}\n$/;

export interface RenderedChart {
    readonly chartYaml: Record<string, any>;
    readonly defaults: Record<string, any>;
    /** Every object of every template, in file order. */
    readonly objects: Array<Record<string, any>>;
}

/** Renders an unpacked chart for a release, as `helm template` would for this subset. */
export function renderChart(chartDir: string, release: { name: string; namespace: string }, values: Record<string, unknown> = {}): RenderedChart {
    const chartYaml = parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"));
    const defaults = parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8")) ?? {};
    const templatesDir = path.join(chartDir, "templates");
    const helpers = HELPERS.exec(fs.readFileSync(path.join(templatesDir, "_helpers.tpl"), "utf8"));
    if (!helpers || helpers[1] !== helpers[2]) {
        throw new Error(`${chartDir}: _helpers.tpl is not the fullname helper the subset knows`);
    }
    const ctx: ChartContext = {
        chart: { name: chartYaml.name, version: chartYaml.version, appVersion: chartYaml.appVersion },
        release,
        fullnameLength: Number(helpers[1]),
    };
    const root = {
        Values: coalesce(defaults, values),
        Release: { Name: release.name, Namespace: release.namespace },
        Chart: { Name: ctx.chart.name, Version: ctx.chart.version, AppVersion: ctx.chart.appVersion },
    };
    const objects: Array<Record<string, any>> = [];
    for (const file of fs.readdirSync(templatesDir).filter((f) => f.endsWith(".yaml")).sort()) {
        const text = execute(parseTemplate(fs.readFileSync(path.join(templatesDir, file), "utf8")), { root, vars: {} }, ctx);
        for (const doc of parseAllDocuments(text)) {
            if (doc.errors.length > 0) {
                throw new Error(`${file} renders to invalid YAML: ${doc.errors[0].message}`);
            }
            const obj = doc.toJS();
            if (obj) objects.push(obj);
        }
    }
    return { chartYaml, defaults, objects };
}
