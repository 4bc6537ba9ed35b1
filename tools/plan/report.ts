/** The human-readable plan report (stdout). */
import * as path from "path";
import { formatBytes, formatCpu } from "../../components/lib/quantity";
import { BUDGET_POLICY } from "./budget";
import { formatLimits, formatRequests, Resources } from "./capacity";
import { decodeExitCode, EXIT } from "./exitCodes";
import type { AllPlansResult } from "./all";
import { describeCollision } from "./collisions";
import type { PlanResult } from "./index";
import { PlanViolation, PolicyOutcome } from "./policy";
import { table } from "./table";

const cpu = (m: number) => formatCpu(m);
const mem = (b: number) => (b === 0 ? "0" : formatBytes(b));

function limits(r: Resources): [string, string] {
    return [
        `${cpu(r.cpuLimit)}${r.cpuLimitUnset > 0 ? `+${r.cpuLimitUnset}∞` : ""}`,
        `${mem(r.memoryLimit)}${r.memoryLimitUnset > 0 ? `+${r.memoryLimitUnset}∞` : ""}`,
    ];
}

function range(min: number, max: number, fmt: (n: number) => string): string {
    return min === max ? fmt(min) : `${fmt(min)}–${fmt(max)}`;
}

function section(title: string): string {
    return `\n${title}\n${"-".repeat(title.length)}`;
}

function indentLines(text: string, indent: string): string {
    return text.split("\n").map((l) => indent + l).join("\n");
}

export interface ReportOptions {
    readonly cwd?: string;
    /** List every finding and every exemption, not one example per policy. @default false */
    readonly verbose?: boolean;
}

export function renderReport(result: PlanResult, options: ReportOptions = {}): string {
    const d = result.document;
    const lines: string[] = [];
    lines.push(`Offline plan of stack "${d.stack}" (project ${d.project}): no Pulumi CLI, no cluster, no credentials`);
    if (d.config.placeholders.length > 0) {
        lines.push(`  secrets replaced by offline placeholders: ${d.config.placeholders.map((k) => k.replace(/^[^:]+:/, "")).join(", ")}`);
    }
    if (d.config.overridden.length > 0) {
        lines.push(`  config overridden for this run: ${d.config.overridden.join(", ")}`);
    }

    // --- Summary ------------------------------------------------------------------------------
    const s = d.summary;
    lines.push(section(`Resources: ${s.resources} (${s.customResources} to create, ${s.components} components), ${s.kubernetesObjects} Kubernetes objects`));
    lines.push("By type:");
    lines.push(table(["TYPE", "COUNT"], Object.entries(s.byType).map(([t, n]) => [t, String(n)])));
    lines.push("By namespace (Kubernetes objects and Helm releases):");
    lines.push(table(["NAMESPACE", "COUNT"], Object.entries(s.byNamespace).map(([ns, n]) => [ns || "(cluster-scoped)", String(n)])));
    if (s.helmReleases.length > 0) {
        lines.push("Helm releases:");
        lines.push(table(["RELEASE", "CHART", "VERSION", "NAMESPACE", "REPOSITORY"],
            s.helmReleases.map((r) => [r.name, r.chart, r.version, r.namespace, r.repo])));
    }

    // --- Schema -------------------------------------------------------------------------------
    const sc = d.schema;
    lines.push(section(`Schema validation: ${sc.validated} objects checked against the published OpenAPI schemas, ${sc.invalid} invalid, ${sc.notValidated} not validated`));
    if (sc.errors.length === 0) {
        lines.push("  no invalid field");
    } else {
        const byObject = new Map<string, typeof sc.errors[number][]>();
        for (const e of sc.errors) {
            byObject.set(e.object, [...(byObject.get(e.object) ?? []), e]);
        }
        for (const [object, errors] of byObject) {
            lines.push(`  ✗ ${object}`);
            for (const e of errors) {
                lines.push(`      ${e.path}: ${e.reason}`);
            }
        }
    }
    for (const o of sc.notValidatedObjects) {
        lines.push(`  ? not validated: ${o.object}: ${o.reason}`);
    }

    // --- Policy -------------------------------------------------------------------------------
    lines.push(...policySection(d.policy, options.verbose === true));

    // --- Capacity -----------------------------------------------------------------------------
    const c = d.capacity;
    lines.push(section("Capacity: requests and limits at minimum replicas and at HPA maximum, PVC storage"));
    if (c.workloads.length === 0) {
        lines.push("  no pod-bearing object in the stack");
    }
    const nsRows = c.namespaces.map((n) => [
        n.namespace, cpu(n.atMin.cpuRequest), mem(n.atMin.memoryRequest), cpu(n.atMax.cpuRequest), mem(n.atMax.memoryRequest),
        ...limits(n.atMax), mem(n.storageMin), mem(n.storageMax),
    ]);
    const t = c.total;
    nsRows.push(["TOTAL", cpu(t.atMin.cpuRequest), mem(t.atMin.memoryRequest), cpu(t.atMax.cpuRequest), mem(t.atMax.memoryRequest),
        ...limits(t.atMax), mem(t.storageMin), mem(t.storageMax)]);
    lines.push(table(["NAMESPACE", "CPU REQ MIN", "MEM REQ MIN", "CPU REQ MAX", "MEM REQ MAX", "CPU LIM MAX", "MEM LIM MAX", "PVC MIN", "PVC MAX"], nsRows));
    lines.push("  (+N∞: N containers without that limit, so the limit total is a lower bound)");
    if (c.workloads.length > 0) {
        lines.push("Workloads:");
        lines.push(table(["OBJECT", "REPLICAS", "PER POD (REQ)", "PER POD (LIM)", "FROM"], c.workloads.map((w) => [
            w.object, w.replicas.min === w.replicas.max ? String(w.replicas.min) : `${w.replicas.min}–${w.replicas.max}`,
            formatRequests(w.perPod), formatLimits(w.perPod), w.replicas.source,
        ])));
    }
    if (c.claims.length > 0) {
        lines.push("PersistentVolumeClaims:");
        lines.push(table(["CLAIM", "SIZE", "STORAGE CLASS"], c.claims.map((x) => [x.object, mem(x.storage), x.storageClass ?? "(default)"])));
    }
    for (const note of c.notes) {
        lines.push(`  note: ${note}`);
    }
    const a = c.addons;
    lines.push(`Platform add-ons and other Helm releases (APPROXIMATE: their pods are not visible offline; from the requests their values set):`);
    if (a.rows.length > 0) {
        lines.push(table(["RELEASE", "COMPONENT", "KIND", "PODS", "CPU REQ", "MEM REQ", "STORAGE", "NOTE"], a.rows.map((r) => [
            r.release, r.component, r.kind, r.replicasMin === r.replicasMax ? String(r.replicasMin) : `${r.replicasMin}–${r.replicasMax}`,
            r.perPod ? range(r.atMin.cpuRequest, r.atMax.cpuRequest, cpu) : "-",
            r.perPod ? range(r.atMin.memoryRequest, r.atMax.memoryRequest, mem) : "-", r.storage ? mem(r.storage) : "",
            r.notes.join("; "),
        ])));
    }
    for (const r of a.notEstimated) {
        lines.push(`  not estimated: release ${r.release} (chart ${r.chart}) has no entry in the add-on table`);
    }
    lines.push(`  ≈ ${formatRequests(a.atMin)} requested by the add-ons at minimum` +
        (a.atMax.cpuRequest !== a.atMin.cpuRequest || a.atMax.memoryRequest !== a.atMin.memoryRequest ? `, ${formatRequests(a.atMax)} at most` : "") +
        `, ${mem(a.storage)} of storage (approximate)`);

    // --- Budget -------------------------------------------------------------------------------
    const b = d.budget;
    if (!b.budget) {
        lines.push(section(`Budget: none found (no "${BUDGET_POLICY}" settings for this stack)`));
    } else {
        lines.push(section(`Budget: ${b.verdict.toUpperCase()} (${b.budget.source}; at HPA maximum, DaemonSets × ${b.budget.daemonSetNodes} node${b.budget.daemonSetNodes === 1 ? "" : "s"})`));
        for (const check of b.checks) {
            lines.push(`  ${check.ok ? "✓" : "✗"} ${check.dimension.padEnd(13)} ${check.text}`);
        }
        for (const problem of b.budget.problems) {
            lines.push(`  ✗ ${problem}`);
        }
        lines.push(`  The budget covers the workloads the stack defines; the platform add-ons come on top: ` +
            `workloads at maximum + add-ons ≈ ${cpu(b.withAddons.cpuRequest)} CPU / ${mem(b.withAddons.memoryRequest)} (approximate).`);
    }

    // --- Files and verdict --------------------------------------------------------------------
    if (result.outDir) {
        lines.push(section(`Wrote ${result.files.length} files to ${path.relative(options.cwd ?? process.cwd(), result.outDir) || "."}`));
        lines.push("  plan.json, manifests/<namespace>.yaml (+ _cluster.yaml), releases/<release>.values.yaml" +
            (result.files.includes("other-resources.yaml") ? ", other-resources.yaml" : ""));
    }
    lines.push("");
    lines.push(verdictLine(result.exitCode));
    return `${lines.join("\n")}\n`;
}

export function verdictLine(exitCode: number): string {
    if (exitCode === EXIT.ok) {
        return "Plan OK: no schema error, no mandatory violation, within budget, no stale exemption (exit 0).";
    }
    const f = decodeExitCode(exitCode);
    const reasons = f ? [
        f.schemaErrors ? "schema errors" : "", f.mandatoryViolations ? "mandatory policy violations" : "",
        f.budgetExceeded ? "budget exceeded" : "", f.staleExemptions ? "stale exemption annotations" : "",
        f.collisions ? "stacks would own the same objects" : "",
    ].filter(Boolean) : [];
    return `Plan FAILED: ${reasons.join(", ")} (exit ${exitCode}).`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    return groups;
}

/** A policy message split into what was found, why it matters and what to change (policy/lib/core.ts `explain`). */
export function explained(message: string): { what: string; why?: string; fix?: string } {
    const why = message.indexOf(" Why: ");
    const fix = message.lastIndexOf(" Fix: ");
    if (why < 0 || fix < why) {
        return { what: message };
    }
    return {
        what: message.slice(0, why).replace(/\.$/, ""),
        why: message.slice(why + " Why: ".length, fix).replace(/\.$/, ""),
        fix: message.slice(fix + " Fix: ".length).replace(/\.$/, ""),
    };
}

/**
 * Findings grouped by policy, each with its count, one example and what to change (every finding with
 * `verbose`); then stale exemptions, which fail the plan; then the deliberate exemptions, grouped by
 * reason so a reviewer reads each reason once.
 */
export function policySection(p: PolicyOutcome, verbose: boolean): string[] {
    const lines: string[] = [];
    if (p.skipped) {
        lines.push(section("Policy: skipped (--skip-policy); mandatory violations are not checked"));
        return lines;
    }
    lines.push(section(`Policy: ${p.pack ? `${p.pack.name} ${p.pack.version}, ` : ""}${p.policies ?? 0} policies, config ${p.configFile ?? "(none)"}: ` +
        `${p.mandatory} mandatory and ${p.advisory} advisory findings, ${p.stale} stale exemptions, ${p.exempted} deliberate exemptions`));
    if (p.unknownPolicies && p.unknownPolicies.length > 0) {
        lines.push(`  note: the config names policies the pack does not have: ${p.unknownPolicies.join(", ")}`);
    }
    const findings = p.violations.filter((v) => v.kind === "finding");
    if (findings.length === 0) {
        lines.push("  no finding");
    }
    const order = (vs: PlanViolation[]) => (vs.some((v) => v.level === "mandatory") ? 0 : 1);
    for (const [policy, violations] of [...groupBy(findings, (v) => v.policy)].sort((a, b) => order(a[1]) - order(b[1]) || a[0].localeCompare(b[0]))) {
        const levels = [...new Set(violations.map((v) => v.level))].join("/");
        const objects = groupBy(violations, (v) => v.resource ?? "(stack)");
        lines.push(`  [${levels.toUpperCase()}] ${policy}: ${violations.length} finding${violations.length === 1 ? "" : "s"} on ${objects.size} object${objects.size === 1 ? "" : "s"}` +
            (p.descriptions?.[policy] ? ` — ${p.descriptions[policy]}` : ""));
        if (verbose) {
            for (const [resource, vs] of objects) {
                lines.push(`    ${resource}`);
                for (const v of vs) {
                    lines.push(indentLines(`- ${v.message}`, "        ").replace(/^ {8}- /, "      - "));
                }
            }
            continue;
        }
        const example = explained(violations[0].message);
        lines.push(indentLines(`${violations.length > 1 ? "e.g. " : ""}${example.what}`, "      ").replace(/^ {6}/, "    "));
        if (example.why) {
            lines.push(`    why: ${example.why}`);
        }
        if (example.fix) {
            lines.push(`    to change: ${example.fix}`);
        }
        if (violations.length > 1) {
            lines.push(`    (${violations.length - 1} more; --verbose lists every one)`);
        }
    }
    const stale = p.violations.filter((v) => v.kind === "stale");
    if (stale.length > 0) {
        lines.push(`  Stale exemptions (${stale.length}): these objects comply, so the annotation hides nothing and would hide a future regression; the plan fails until it is removed`);
        for (const v of stale) {
            lines.push(`    ✗ ${v.resource ?? "(stack)"}: remove the annotation ${v.annotation} (${v.policy})`);
        }
    }
    const exempt = p.violations.filter((v) => v.kind === "exempt");
    if (exempt.length > 0) {
        lines.push(`  Deliberate exemptions (${exempt.length}), each with the reason on its annotation (policy/README.md lists them):`);
        for (const [policy, vs] of groupBy(exempt, (v) => v.policy)) {
            lines.push(`    ${policy} (${vs.length}):`);
            for (const [reason, same] of groupBy(vs, (v) => v.reason ?? "")) {
                lines.push(`      "${reason}": ${same.map((v) => v.resource ?? "(stack)").join(", ")}`);
                if (verbose) {
                    for (const v of same) {
                        lines.push(indentLines(`- ${v.message}`, "          ").replace(/^ {10}- /, "        - "));
                    }
                }
            }
        }
    }
    return lines;
}

/** `--stack all`: one line per stack, then every collision, then the verdict of the whole run. */
export function renderAllReport(all: AllPlansResult): string {
    const lines: string[] = ["", `All stacks (${all.stacks.length}): ${all.stacks.map((s) => s.stack).join(", ")}`];
    for (const s of all.stacks) {
        lines.push(s.result
            ? `  ${s.stack}: ${verdictLine(s.result.exitCode)}`
            : `  ${s.stack}: no plan (exit ${s.error!.code}): ${s.error!.message.split("\n")[0]}`);
    }
    lines.push("");
    if (all.collisions.length === 0) {
        lines.push("Collisions between stacks: none (namespaces, cluster-scoped objects and Helm releases per kube context; Ingress hosts and GitLab variables everywhere).");
    } else {
        lines.push(`Collisions between stacks (${all.collisions.length}):`);
        for (const c of all.collisions) {
            lines.push(`  - ${describeCollision(c)}`);
        }
        lines.push("  Give each stack its own names (environment, hosts) or its own cluster (kubeContext); see docs/environments.md.");
    }
    lines.push("");
    const unplanned = all.stacks.filter((s) => s.error !== undefined).map((s) => s.stack);
    lines.push(unplanned.length > 0
        ? `Plan FAILED: no plan for ${unplanned.join(", ")} (exit ${all.exitCode}).`
        : verdictLine(all.exitCode));
    return `${lines.join("\n")}\n`;
}
