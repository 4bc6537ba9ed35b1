/**
 * A small PromQL checker for the tests: not a full parser, but enough to catch what goes wrong
 * when expressions are assembled from strings — unbalanced brackets, malformed label matchers or
 * range durations, misspelt functions, and above all a selector without the namespace matcher.
 */

const FUNCTIONS = new Set([
    // aggregations
    "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    // functions
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "count_over_time", "delta", "deriv", "exp", "floor", "histogram_quantile", "idelta", "increase", "irate",
    "label_join", "label_replace", "last_over_time", "ln", "log2", "log10", "max_over_time", "min_over_time",
    "predict_linear", "quantile_over_time", "rate", "resets", "round", "scalar", "sort", "sort_desc", "sqrt",
    "stddev_over_time", "sum_over_time", "time", "timestamp", "vector",
]);
/** Keywords followed by a parenthesised list of label names. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const OPERATOR_KEYWORDS = new Set(["and", "or", "unless", "bool", "offset"]);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const MATCHER = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/;

type Token = { kind: "ident" | "number" | "string" | "punct" | "op"; text: string; at: number };

function tokenize(expr: string, problems: string[]): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < expr.length) {
        const c = expr[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === '"' || c === "'" || c === "`") {
            let j = i + 1;
            while (j < expr.length && expr[j] !== c) {
                j += expr[j] === "\\" ? 2 : 1;
            }
            if (j >= expr.length) {
                problems.push(`unterminated string at ${i}`);
            }
            tokens.push({ kind: "string", text: expr.slice(i, j + 1), at: i });
            i = j + 1;
        } else if (/[0-9.]/.test(c)) {
            const m = /^[0-9.]+(e[+-]?\d+)?[a-z]*/i.exec(expr.slice(i))!;
            tokens.push({ kind: "number", text: m[0], at: i });
            i += m[0].length;
        } else if (/[a-zA-Z_:]/.test(c)) {
            const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))!;
            tokens.push({ kind: "ident", text: m[0], at: i });
            i += m[0].length;
        } else if ("(){}[],".includes(c)) {
            tokens.push({ kind: "punct", text: c, at: i });
            i++;
        } else {
            const m = /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=!])/.exec(expr.slice(i));
            if (!m) {
                problems.push(`unexpected character "${c}" at ${i}`);
                i++;
            } else {
                tokens.push({ kind: "op", text: m[0], at: i });
                i += m[0].length;
            }
        }
    }
    return tokens;
}

/** Problems found in an expression; empty when it looks like valid PromQL scoped to `namespace`. */
export function promqlProblems(expr: string, namespace: string): string[] {
    const problems: string[] = [];
    const tokens = tokenize(expr, problems);
    const closing: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    const stack: Token[] = [];
    for (const t of tokens) {
        if (t.kind !== "punct") {
            continue;
        }
        if ("([{".includes(t.text)) {
            stack.push(t);
        } else if (t.text in closing) {
            const open = stack.pop();
            if (!open || open.text !== closing[t.text]) {
                problems.push(`unbalanced "${t.text}" at ${t.at}`);
            }
        }
    }
    for (const open of stack) {
        problems.push(`unclosed "${open.text}" at ${open.at}`);
    }
    if (problems.length > 0) {
        return problems;
    }

    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        const next = tokens[i + 1];
        if (t.kind === "punct" && t.text === "{") {
            // A selector's label matchers: every one well-formed, the namespace matcher among them.
            const end = tokens.findIndex((u, k) => k > i && u.text === "}");
            const body = expr.slice(t.at + 1, tokens[end].at);
            const matchers = body.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((m) => m.trim()).filter((m) => m !== "");
            for (const m of matchers) {
                if (!MATCHER.test(m)) {
                    problems.push(`malformed label matcher "${m}"`);
                }
            }
            if (!matchers.some((m) => m === `namespace="${namespace}"` || m === `namespace='${namespace}'`)) {
                problems.push(`selector {${body}} lacks namespace="${namespace}"`);
            }
            const after = tokens[end + 1];
            if (after && after.kind === "ident" && !OPERATOR_KEYWORDS.has(after.text) && !LABEL_LIST_KEYWORDS.has(after.text)) {
                problems.push(`unexpected "${after.text}" after a selector`);
            }
            i = end;
        } else if (t.kind === "punct" && t.text === "[") {
            const end = tokens.findIndex((u, k) => k > i && u.text === "]");
            const range = expr.slice(t.at + 1, tokens[end].at).trim();
            if (!range.split(":").every((part, k) => (k > 0 && part === "") || DURATION.test(part))) {
                problems.push(`malformed range "[${range}]"`);
            }
            const before = tokens[i - 1];
            if (!before || !(before.text === "}" || before.text === ")")) {
                problems.push(`range "[${range}]" follows "${before?.text}", not a scoped selector`);
            }
            i = end;
        } else if (t.kind === "ident") {
            if (LABEL_LIST_KEYWORDS.has(t.text)) {
                if (next?.text !== "(") {
                    problems.push(`"${t.text}" must be followed by a label list`);
                    continue;
                }
                const end = tokens.findIndex((u, k) => k > i && u.text === ")");
                const list = tokens.slice(i + 2, end);
                if (!list.every((u, k) => (k % 2 === 0 ? u.kind === "ident" : u.text === ","))) {
                    problems.push(`malformed label list after "${t.text}"`);
                }
                i = end;
            } else if (OPERATOR_KEYWORDS.has(t.text)) {
                continue;
            } else if (next?.text === "(" || (next?.kind === "ident" && (next.text === "by" || next.text === "without"))) {
                if (!FUNCTIONS.has(t.text)) {
                    problems.push(`unknown function "${t.text}"`);
                }
            } else if (next?.text !== "{") {
                problems.push(`metric "${t.text}" is selected without label matchers (no namespace scope)`);
            }
        }
    }
    return problems;
}

/** The comparison at the end of an alert expression: `… > 0.05` → { op: ">", value: 0.05 }. */
export function comparison(expr: string): { op: string; value: number } | undefined {
    const m = /\s(>|<|>=|<=|==|!=)\s*(-?[0-9.]+(?:e[+-]?\d+)?)\s*$/.exec(expr);
    return m ? { op: m[1], value: Number(m[2]) } : undefined;
}

/** Range windows used in an expression, e.g. ["5m", "24h"]. */
export function ranges(expr: string): string[] {
    return [...expr.matchAll(/\[([0-9a-z:]+)\]/g)].map((m) => m[1]);
}
