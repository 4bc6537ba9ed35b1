/**
 * PromQL checks for the tests, on Prometheus' own grammar (@prometheus-io/lezer-promql, the parser
 * of Prometheus' web UI, at the release promtool is built from): an expression assembled from
 * strings must parse without error nodes (brackets, label matchers, range durations, function
 * names, `by`/`on` label lists), and every selector must carry the namespace matcher.
 */
import { parser } from "@prometheus-io/lezer-promql";
import type { SyntaxNode, Tree } from "@lezer/common";

/** Comparison operators as the grammar names their nodes. */
const COMPARISONS: Record<string, string> = { Gtr: ">", Lss: "<", Gte: ">=", Lte: "<=", Eql: "==", Neq: "!=" };

function parse(expr: string): Tree {
    return parser.parse(expr);
}

function text(expr: string, node: SyntaxNode): string {
    return expr.slice(node.from, node.to);
}

/** Where a syntax error is, with a few characters around it. */
function around(expr: string, at: number): string {
    return JSON.stringify(expr.slice(Math.max(0, at - 12), at + 12));
}

/** Problems found in an expression; empty when it is valid PromQL scoped to `namespace`. */
export function promqlProblems(expr: string, namespace: string): string[] {
    const problems: string[] = [];
    const tree = parse(expr);
    tree.iterate({
        enter(ref) {
            const node = ref.node;
            if (node.type.isError) {
                // The grammar knows every function by name: an unknown one parses as a metric name
                // followed by an error where its "(" is.
                const before = node.prevSibling;
                if (before?.name === "Identifier" && /^\s*\(/.test(expr.slice(before.to))) {
                    problems.push(`unknown function "${text(expr, before)}"`);
                } else {
                    problems.push(`syntax error at ${node.from} near ${around(expr, node.from)}`);
                }
                return false;
            }
            if (node.name === "VectorSelector") {
                const metric = node.getChild("Identifier");
                const matchers = node.getChild("LabelMatchers");
                if (matchers === null) {
                    const name = metric ? text(expr, metric) : text(expr, node);
                    if (!/^\s*\(/.test(expr.slice(node.to))) {
                        problems.push(`metric "${name}" is selected without label matchers (no namespace scope)`);
                    }
                    return;
                }
                const scoped = matchers.getChildren("UnquotedLabelMatcher").some((m) => {
                    const label = m.getChild("LabelName");
                    const op = m.getChild("MatchOp")?.firstChild;
                    const value = m.getChild("StringLiteral");
                    return label && op && value && text(expr, label) === "namespace" && op.name === "EqlSingle"
                        && text(expr, value).slice(1, -1) === namespace;
                });
                if (!scoped) {
                    problems.push(`selector ${text(expr, node)} lacks namespace="${namespace}"`);
                }
            }
            return undefined;
        },
    });
    if (tree.topNode.firstChild === null && expr.trim() !== "") {
        problems.push(`no expression parsed from ${JSON.stringify(expr)}`);
    }
    return problems;
}

/** The comparison at the top of an alert expression: `… > 0.05` → { op: ">", value: 0.05 }. */
export function comparison(expr: string): { op: string; value: number } | undefined {
    const top = parse(expr).topNode.firstChild;
    if (top?.name !== "BinaryExpr") {
        return undefined;
    }
    const right = top.lastChild;
    const op = right?.prevSibling;
    if (!right || !op || right.name !== "NumberDurationLiteral" || !(op.name in COMPARISONS)) {
        return undefined;
    }
    return { op: COMPARISONS[op.name], value: Number(text(expr, right)) };
}

/** Range windows (of range selectors and subqueries) in an expression, e.g. ["5m", "24h"]. */
export function ranges(expr: string): string[] {
    const found: string[] = [];
    parse(expr).iterate({
        enter(ref) {
            if (ref.name === "MatrixSelector") {
                const range = ref.node.getChild("DurationExpr");
                if (range) {
                    found.push(text(expr, range));
                }
            } else if (ref.name === "SubqueryExpr") {
                const [range, step] = ref.node.getChildren("DurationExpr");
                found.push(step ? `${text(expr, range)}:${text(expr, step)}` : `${text(expr, range)}:`);
            }
        },
    });
    return found;
}
