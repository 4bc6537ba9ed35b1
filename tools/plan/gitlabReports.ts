/**
 * The plan diff in the formats GitLab reads from a merge-request pipeline's artifacts:
 * - `artifacts:reports:terraform`: `{"create": n, "update": n, "delete": n}` (the MR widget shows
 *   the counts per report);
 * - `artifacts:reports:codequality`: a JSON array of issues with `description`, `check_name`,
 *   `fingerprint`, `severity` (info, minor, major, critical, blocker) and `location.path` +
 *   `location.lines.begin`, here the policy findings the change introduces.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PlanDiff } from "./diff";
import { PlanViolation } from "./policy";

export interface TerraformReport {
    readonly create: number;
    readonly update: number;
    readonly delete: number;
}

export function terraformReport(diff: PlanDiff): TerraformReport {
    return { create: diff.counts.create, update: diff.counts.update, delete: diff.counts.delete };
}

export type CodeQualitySeverity = "info" | "minor" | "major" | "critical" | "blocker";

export interface CodeQualityIssue {
    readonly type: "issue";
    readonly description: string;
    readonly check_name: string;
    readonly fingerprint: string;
    readonly severity: CodeQualitySeverity;
    readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

export interface Declaration {
    /** Repository-relative path, forward slashes. */
    readonly path: string;
    readonly line: number;
}

/** Component type token ("ai-platform:workloads:Product") → the file and line that declare it. */
export function componentDeclarations(projectDir: string): Map<string, Declaration> {
    const out = new Map<string, Declaration>();
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(file);
            } else if (entry.name.endsWith(".ts")) {
                fs.readFileSync(file, "utf8").split("\n").forEach((text, i) => {
                    const m = /\bsuper\(\s*"([^"]+:[^"]+:[^"]+)"/.exec(text);
                    if (m && !out.has(m[1])) {
                        out.set(m[1], { path: path.relative(projectDir, file).split(path.sep).join("/"), line: i + 1 });
                    }
                });
            }
        }
    };
    const components = path.join(projectDir, "components");
    if (fs.existsSync(components)) {
        walk(components);
    }
    return out;
}

/** The type chain of a URN (`urn:pulumi:stack::project::parentType$childType::name`), innermost last. */
function typeChain(urn: string): string[] {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$") : [];
}

/**
 * Where a finding points: the component that declares its resource (innermost component of the
 * URN with a known declaration), the program's entry point for resources declared there, and the
 * stack's configuration file for stack-wide findings.
 */
export function locate(v: PlanViolation, stack: string, declarations: ReadonlyMap<string, Declaration>): Declaration {
    if (!v.urn) {
        return { path: `Pulumi.${stack}.yaml`, line: 1 };
    }
    const chain = typeChain(v.urn);
    for (const type of chain.slice(0, -1).reverse()) {
        const found = declarations.get(type);
        if (found) {
            return found;
        }
    }
    return { path: "index.ts", line: 1 };
}

function fingerprint(stack: string, v: PlanViolation): string {
    return crypto.createHash("sha256").update([stack, v.policy, v.urn ?? v.resource ?? "", v.message].join("\u0000")).digest("hex");
}

export function codeQualityReport(diff: PlanDiff, projectDir: string): CodeQualityIssue[] {
    const declarations = componentDeclarations(projectDir);
    return diff.policy.new.map((v) => {
        const at = locate(v, diff.stack, declarations);
        return {
            type: "issue",
            description: `[${diff.stack}] ${v.policy}: ${v.resource ? `${v.resource}: ` : ""}${v.message.split("\n")[0]}`,
            check_name: v.policy,
            fingerprint: fingerprint(diff.stack, v),
            severity: v.level === "mandatory" ? "critical" : "minor",
            location: { path: at.path, lines: { begin: at.line } },
        };
    });
}

