/**
 * promtool and amtool for the alerting tests, found where tools/prometheus-tools/build.sh caches
 * them (its --print-bin names the directory of the current recipe, so a changed recipe is never
 * served stale binaries). Where they are not built, the suites skip with one loud line.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./stacks";

export interface PrometheusTools {
    readonly promtool: string;
    readonly amtool: string;
}

let found: PrometheusTools | undefined | null = null;
let warned = false;

/** The built tools, or undefined when this machine has not built them (yet). */
export function prometheusTools(): PrometheusTools | undefined {
    if (found === null) {
        const script = path.join(ROOT, "tools", "prometheus-tools", "build.sh");
        const result = spawnSync("bash", [script, "--print-bin"], { encoding: "utf8" });
        const bin = result.stdout.trim();
        found = result.status === 0 ? { promtool: path.join(bin, "promtool"), amtool: path.join(bin, "amtool") } : undefined;
        if (result.status !== 0 && result.status !== 1) {
            throw new Error(`tools/prometheus-tools/build.sh --print-bin failed (exit ${result.status}): ${result.stderr.trim()}`);
        }
    }
    return found;
}

/**
 * For a suite's `before`: skips the suite when the tools are not built, saying so once per run in
 * one line that names the command that builds them.
 */
export function requirePrometheusTools(context: Mocha.Context): PrometheusTools {
    const tools = prometheusTools();
    if (tools === undefined) {
        if (!warned) {
            warned = true;
            console.warn("PROMTOOL/AMTOOL SUITES SKIPPED: the tools are not built on this machine; run `npm run prometheus-tools` (tools/prometheus-tools/build.sh) once");
        }
        context.skip();
    }
    return tools!;
}

export interface ToolRun {
    readonly status: number | null;
    /** stdout and stderr together, as a person running the tool would see them. */
    readonly output: string;
}

/** Runs a tool to completion (both tools answer in well under a second per file). */
export function runTool(binary: string, args: readonly string[], options: { cwd?: string } = {}): ToolRun {
    const result = spawnSync(binary, args, { encoding: "utf8", cwd: options.cwd, timeout: 120_000 });
    if (result.error) {
        throw result.error;
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
