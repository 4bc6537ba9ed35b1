/** The plan diff as text (stdout, the diff.txt artifact, the merge-request note). */
import { Resources } from "./capacity";
import { FieldChange, GITLAB_VARIABLE_TYPE, GitlabVariableRef, PlanDiff, signedBytes, signedCpu } from "./diff";
import { HELM_RELEASE_TYPE } from "./k8s";
import { table } from "./table";

const MAX_VALUE = 160;

function value(v: unknown): string {
    const text = v === undefined ? "(absent)" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

export function fieldLine(f: FieldChange): string {
    if (f.secret) {
        return `${f.path}: ${f.change === "changed" ? "changed" : f.change} (secret, value not shown)`;
    }
    return `${f.path}: ${value(f.old)} → ${value(f.new)}`;
}

const SYMBOL = { create: "+", update: "~", delete: "-" } as const;

function flags(v: GitlabVariableRef): string {
    const set = Object.entries(v.flags).filter(([k, x]) => k !== "variableType" && x === true).map(([k]) => k);
    const type = v.flags.variableType === "file" ? ["file"] : [];
    return [`scope ${v.environmentScope}`, ...type, ...set].join(", ");
}

function section(title: string): string {
    return `\n${title}\n${"-".repeat(title.length)}`;
}

function delta(r: Resources, key: keyof Resources, kind: "cpu" | "mem"): string {
    return kind === "cpu" ? signedCpu(r[key]) : signedBytes(r[key]);
}

export function renderDiff(diff: PlanDiff): string {
    const lines: string[] = [];
    const base = `${diff.baseline.ref} (${diff.baseline.commit.slice(0, 12)})`;
    lines.push(`Plan diff of stack "${diff.stack}": working tree against ${base}`);
    if (!diff.baseline.stackExists) {
        lines.push(`  the stack does not exist at ${diff.baseline.ref}: everything is added`);
    }
    lines.push(`  ${diff.summary}`);

    const objects = diff.resources.filter((r) => r.type !== GITLAB_VARIABLE_TYPE);
    lines.push(section(`Objects: ${diff.counts.create} to create, ${diff.counts.update} to update, ${diff.counts.delete} to delete` +
        " (GitLab variables included in the counts, listed below)"));
    if (objects.length === 0) {
        lines.push("  no change");
    }
    for (const r of objects) {
        lines.push(`  ${SYMBOL[r.action]} ${r.object}`);
        const fields = (r.changes ?? []).filter((f) => r.type !== HELM_RELEASE_TYPE || !/^values($|[.[])/.test(f.path));
        for (const f of fields) {
            lines.push(`      ${fieldLine(f)}`);
        }
        if (fields.length < (r.changes ?? []).length) {
            lines.push("      values: see Helm values");
        }
    }

    lines.push(section(`Helm values: ${diff.helmValues.length} release${diff.helmValues.length === 1 ? "" : "s"}`));
    if (diff.helmValues.length === 0) {
        lines.push("  no change");
    }
    for (const h of diff.helmValues) {
        lines.push(`  ${SYMBOL[h.action]} release ${h.release} (namespace ${h.namespace})${h.action === "update" ? "" : `: ${h.action === "create" ? "new" : "removed"} release`}`);
        for (const f of h.changes) {
            lines.push(`      ${fieldLine(f)}`);
        }
    }

    const g = diff.gitlabVariables;
    lines.push(section(`GitLab variables: ${g.added.length} added, ${g.removed.length} removed, ${g.changed.length} changed`));
    if (g.added.length + g.removed.length + g.changed.length === 0) {
        lines.push("  no change");
    }
    for (const v of g.added) {
        lines.push(`  + ${v.project} ${v.key} (${flags(v)})`);
    }
    for (const v of g.removed) {
        lines.push(`  - ${v.project} ${v.key} (${flags(v)})`);
    }
    for (const v of g.changed) {
        lines.push(`  ~ ${v.project} ${v.key} (${flags(v)})`);
        for (const f of v.changes) {
            lines.push(`      ${fieldLine(f)}`);
        }
    }

    lines.push(section(`Outputs: ${diff.outputs.length} changed`));
    if (diff.outputs.length === 0) {
        lines.push("  no change");
    }
    for (const f of diff.outputs) {
        lines.push(`  ~ ${fieldLine(f)}`);
    }

    lines.push(section("Capacity: working tree minus baseline (requests and limits; min = minimum replicas, max = HPA maximum)"));
    lines.push(table(["NAMESPACE", "CPU REQ MIN", "CPU REQ MAX", "MEM REQ MIN", "MEM REQ MAX", "CPU LIM MAX", "MEM LIM MAX", "STORAGE MAX"],
        diff.capacity.map((c) => [
            c.namespace === "" ? "(total)" : c.namespace,
            delta(c.atMin, "cpuRequest", "cpu"), delta(c.atMax, "cpuRequest", "cpu"),
            delta(c.atMin, "memoryRequest", "mem"), delta(c.atMax, "memoryRequest", "mem"),
            delta(c.atMax, "cpuLimit", "cpu"), delta(c.atMax, "memoryLimit", "mem"), signedBytes(c.storageMax),
        ])));
    const b = diff.budget;
    lines.push(`  budget: ${b.before} → ${b.after}; workloads at maximum + add-ons ${signedCpu(b.withAddons.cpuRequest)} CPU, ` +
        `${signedBytes(b.withAddons.memoryRequest)} memory`);

    const p = diff.policy;
    lines.push(section(`Policy findings: ${p.new.length} new, ${p.resolved.length} resolved`));
    if (p.new.length + p.resolved.length === 0) {
        lines.push("  no change");
    }
    for (const [mark, list] of [["new", p.new], ["resolved", p.resolved]] as const) {
        for (const v of list) {
            lines.push(`  ${mark} [${v.level}] ${v.policy}${v.resource ? ` ${v.resource}` : ""}: ${v.message.split("\n")[0]}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

