/**
 * `npm run release` as a library: resolve the request against the stack, edit Pulumi.<stack>.yaml in
 * place, then plan the stack offline against the committed file (HEAD) and report the diff. A
 * release whose plan fails is not left behind: the file is restored and the plan's exit code returned.
 */
import * as fs from "fs";
import * as path from "path";
import { RELEASE_KEYS } from "../../components/products/settings";
import { runPlanDiff } from "../plan/baseline";
import type { FieldChange, PlanDiff } from "../plan/diff";
import { fieldLine } from "../plan/diffReport";
import { PlanError } from "../plan/exitCodes";
import { Progress, silentProgress } from "../plan/progress";
import { knownStacks, loadStackConfig, REPO_ROOT } from "../stack/projectConfig";
import { RELEASE_EXIT, ReleaseError } from "./exitCodes";
import { previousLiveColor } from "./history";
import { setConfigScalar } from "./stackFile";
import { checkProduct, ReleaseRequest, ReleaseTarget, resolveTarget, StackValues } from "./target";

export interface ReleaseOptions extends ReleaseRequest {
    readonly projectDir?: string;
    /** Where release.json and the plan's files go. @default out/release/<stack> under the project */
    readonly outDir?: string;
    readonly progress?: Progress;
    /** Git ref the plan diffs against. @default HEAD */
    readonly baseline?: string;
}

/** A changed field of one object, as the release prints it. */
export interface ChangedField {
    readonly object: string;
    readonly field: FieldChange;
}

export interface ReleaseResult {
    readonly target: ReleaseTarget;
    /** Stack file, relative to the project directory. */
    readonly file: string;
    /** Line of the key in the edited file (absent: nothing changed). */
    readonly line?: number;
    /** Object fields the plan diff reports (what the release changes in the cluster). */
    readonly fields: readonly ChangedField[];
    readonly diff?: PlanDiff;
    /** The plan diff as text (secrets scrubbed). */
    readonly diffText?: string;
    readonly exitCode: number;
}

function stackValues(stack: string, projectDir: string): StackValues {
    const config = loadStackConfig(stack, { projectDir, placeholders: false });
    const prefix = `${config.project}:`;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.values)) {
        if (k.startsWith(prefix)) {
            values[k.slice(prefix.length)] = v;
        }
    }
    return { project: config.project, stack, values };
}

export function changedFields(diff: PlanDiff): ChangedField[] {
    return diff.resources.flatMap((r) => (r.changes ?? []).map((field) => ({ object: r.object, field })));
}

export async function runRelease(options: ReleaseOptions): Promise<ReleaseResult> {
    const projectDir = options.projectDir ?? REPO_ROOT;
    const progress = options.progress ?? silentProgress;
    checkProduct(options.product);
    const stacks = knownStacks(projectDir);
    if (!stacks.includes(options.stack)) {
        throw new ReleaseError(`unknown stack "${options.stack}": there is no Pulumi.${options.stack}.yaml (the stacks are ${stacks.join(", ")})`, RELEASE_EXIT.unknownStack);
    }
    const s = stackValues(options.stack, projectDir);
    const keys = RELEASE_KEYS[options.product as keyof typeof RELEASE_KEYS];
    const full = (k: string) => `${s.project}:${k}`;
    const target = resolveTarget(options, s, () => keys.activeColor === undefined ? undefined : previousLiveColor(projectDir, options.stack, {
        activeColor: full(keys.activeColor), blue: full(keys.blueImageTag!), green: full(keys.greenImageTag!),
    }, s.values[keys.activeColor] as "blue" | "green"));
    const fileName = `Pulumi.${options.stack}.yaml`;
    const file = path.join(projectDir, fileName);
    if (!target.changed) {
        return { target, file: fileName, fields: [], exitCode: RELEASE_EXIT.ok };
    }
    const original = fs.readFileSync(file, "utf8");
    const edit = setConfigScalar(original, fileName, full(target.key), target.to, target.siblings.map(full));
    fs.writeFileSync(file, edit.text);
    const outDir = options.outDir ?? path.join(projectDir, "out", "release", options.stack);
    let exitCode: number;
    let diff: PlanDiff;
    let diffText: string;
    try {
        const run = await runPlanDiff({ stack: options.stack, projectDir, outDir, progress, baseline: options.baseline ?? "HEAD" });
        exitCode = run.head.exitCode;
        diff = run.diff;
        diffText = run.text;
    } catch (error) {
        fs.writeFileSync(file, original);
        if (error instanceof PlanError) {
            throw new ReleaseError(`the plan of stack ${options.stack} with ${target.key} = ${target.to} failed, so ${fileName} is left as it was:\n${error.message}`, error.code);
        }
        throw error;
    }
    if (exitCode !== RELEASE_EXIT.ok) {
        fs.writeFileSync(file, original);
    }
    return { target, file: fileName, line: edit.line, fields: changedFields(diff), diff, diffText, exitCode };
}

/** What `--json` prints and the CI push step reads (out/release/<stack>/release.json). */
export function releaseJson(result: ReleaseResult): string {
    const t = result.target;
    return `${JSON.stringify({
        product: t.product, stack: t.stack, tier: t.tier, strategy: t.strategy, action: t.action, track: t.track,
        key: t.key, from: t.from, to: t.to, changed: t.changed, file: result.file, line: result.line,
        fields: result.fields.map((f) => ({ object: f.object, ...f.field })),
        summary: result.diff?.summary, diffText: result.diffText, exitCode: result.exitCode,
    }, null, 2)}\n`;
}

export function renderRelease(result: ReleaseResult): string {
    const t = result.target;
    if (!t.changed) {
        return `Nothing to release: ${t.key} on stack ${t.stack} is already ${t.to}.\n`;
    }
    const what = t.action === "release"
        ? `${t.product} ${t.track === "stable" ? "" : `${t.track} `}tag on stack ${t.stack}: ${t.key} ${t.from || "(unset)"} → ${t.to}`
        : `${t.product} live color on stack ${t.stack}: ${t.key} ${t.from} → ${t.to}${t.action === "rollback" ? " (rollback)" : ""}`;
    const lines = [`${t.action === "release" ? "Release" : "Switch"}: ${what} (${result.file}, line ${result.line})`, "", "Changes in the cluster:"];
    if (result.fields.length === 0) {
        lines.push("  none (the plan shows no object change)");
    }
    for (const f of result.fields) {
        lines.push(`  ${f.object}: ${fieldLine(f.field)}`);
    }
    lines.push("", result.diffText ?? "");
    lines.push(result.exitCode === RELEASE_EXIT.ok
        ? `${result.file} is edited: commit it (or let the release job push it).`
        : `The plan has findings (exit ${result.exitCode}): ${result.file} is left as it was.`);
    return `${lines.join("\n")}\n`;
}
