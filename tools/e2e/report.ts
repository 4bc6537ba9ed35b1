/**
 * What the e2e tier reports: per stack, what was created, how many pods became ready, each check
 * with its outcome, and where the time went.
 */

export interface CheckResult {
    /** Stable identifier, e.g. `no-op-preview`; named in the failure message and the JSON. */
    readonly id: string;
    readonly title: string;
    readonly outcome: "pass" | "fail" | "skip";
    readonly detail: string;
    readonly seconds: number;
}

export interface StackReport {
    readonly stack: string;
    readonly resources: { readonly created: number; readonly inState: number };
    readonly pods: { readonly ready: number; readonly total: number };
    readonly checks: CheckResult[];
    /** Seconds per phase: cluster, preview, up, noopPreview, destroy … */
    readonly timings: Record<string, number>;
    /** Where the stack's state and logs stay when the run keeps them. */
    readonly logFile: string;
}

export interface RunReport {
    readonly ok: boolean;
    readonly toolchain: { readonly binDir: string; readonly checkSeconds: number; readonly versions?: Record<string, unknown> };
    readonly cluster: { readonly mode: "loopback" | "external"; readonly kubeconfig?: string; readonly stateDir?: string };
    readonly charts: { readonly source: string };
    readonly stacks: StackReport[];
    readonly seconds: number;
}

const MARK = { pass: "ok  ", fail: "FAIL", skip: "skip" } as const;

export function formatReport(report: RunReport): string {
    const lines: string[] = [];
    lines.push(`e2e: toolchain ${report.toolchain.binDir} (checked in ${report.toolchain.checkSeconds.toFixed(1)} s)`);
    lines.push(`e2e: cluster ${report.cluster.mode}${report.cluster.kubeconfig ? `, kubeconfig ${report.cluster.kubeconfig}` : ""}` +
        `${report.cluster.stateDir ? `, state ${report.cluster.stateDir}` : ""}; charts from ${report.charts.source}`);
    for (const stack of report.stacks) {
        lines.push("");
        lines.push(`${stack.stack}: ${stack.resources.created} resources created (${stack.resources.inState} in state), ` +
            `pods ready ${stack.pods.ready}/${stack.pods.total}`);
        for (const check of stack.checks) {
            lines.push(`  ${MARK[check.outcome]} ${check.id.padEnd(22)} ${check.title}${check.detail ? ` — ${check.detail}` : ""}`);
        }
        const timings = Object.entries(stack.timings).map(([phase, s]) => `${phase} ${s.toFixed(1)} s`).join(", ");
        lines.push(`  timings: ${timings}`);
        if (stack.checks.some((c) => c.outcome === "fail")) {
            lines.push(`  log of every pulumi command: ${stack.logFile}`);
        }
    }
    const failed = report.stacks.flatMap((s) => s.checks.filter((c) => c.outcome === "fail").map((c) => `${s.stack}/${c.id}`));
    const passed = report.stacks.reduce((n, s) => n + s.checks.filter((c) => c.outcome === "pass").length, 0);
    const skipped = report.stacks.reduce((n, s) => n + s.checks.filter((c) => c.outcome === "skip").length, 0);
    lines.push("");
    lines.push(failed.length === 0 ? `e2e: all checks passed in ${report.seconds.toFixed(0)} s` : `e2e: failed checks: ${failed.join(", ")}`);
    // The plain closing line CI readers count.
    lines.push(`e2e: ${passed} passed, ${failed.length} failed${skipped ? `, ${skipped} skipped` : ""}`);
    return lines.join("\n");
}
