/**
 * `npm run plan -- --stack all`: the plan of every stack that has a Pulumi.<stack>.yaml, then the
 * collision check between them (tools/plan/collisions.ts). Each stack is planned exactly as on its
 * own (out/plan/<stack>/); a stack that cannot be planned does not stop the others.
 */
import * as path from "path";
import { knownStacks, loadStackConfig, REPO_ROOT } from "../stack/projectConfig";
import { Collision, findCollisions } from "./collisions";
import { EXIT, PlanError } from "./exitCodes";
import { PlanOptions, PlanResult, runPlan } from "./index";

export interface StackOutcome {
    readonly stack: string;
    readonly result?: PlanResult;
    /** Why no plan could be made for the stack. */
    readonly error?: PlanError;
}

export interface AllPlansResult {
    readonly stacks: readonly StackOutcome[];
    /** Between the stacks that could be planned. */
    readonly collisions: readonly Collision[];
    readonly exitCode: number;
}

export interface AllPlansOptions extends Omit<PlanOptions, "stack" | "outDir"> {
    /** Parent folder of each stack's output folder; `false` writes nothing. @default out/plan */
    readonly outDir?: string | false;
    /** Called when a stack's plan is done (or failed), before the next starts. */
    readonly onStack?: (outcome: StackOutcome) => void;
}

/**
 * The exit code of the whole run: a stack that could not be planned decides it (the first such
 * stack's code, as if it had been planned alone); otherwise the findings of every stack and the
 * collisions, as one bit set.
 */
function combinedExitCode(outcomes: readonly StackOutcome[], collisions: readonly Collision[]): number {
    const failed = outcomes.find((o) => o.error !== undefined);
    if (failed) {
        return failed.error!.code;
    }
    let bits = collisions.length > 0 ? EXIT.collisionBit : 0;
    for (const o of outcomes) {
        const code = o.result!.exitCode;
        bits |= code >= EXIT.findings ? code - EXIT.findings : 0;
    }
    return bits === 0 ? EXIT.ok : EXIT.findings + bits;
}

export async function runAllPlans(options: AllPlansOptions): Promise<AllPlansResult> {
    const projectDir = options.projectDir ?? REPO_ROOT;
    const stacks = knownStacks(projectDir);
    if (stacks.length === 0) {
        throw new PlanError(`There is no Pulumi.<stack>.yaml in ${projectDir}`, EXIT.unknownStack);
    }
    const parent = options.outDir === false ? false : path.resolve(options.outDir ?? path.join(projectDir, "out", "plan"));
    const outcomes: StackOutcome[] = [];
    for (const stack of stacks) {
        let outcome: StackOutcome;
        try {
            const result = await runPlan({ ...options, stack, outDir: parent === false ? false : path.join(parent, stack) });
            outcome = { stack, result };
        } catch (error) {
            if (!(error instanceof PlanError)) {
                throw error;
            }
            outcome = { stack, error };
        }
        outcomes.push(outcome);
        options.onStack?.(outcome);
    }
    const planned = outcomes.filter((o) => o.result !== undefined);
    const collisions = findCollisions(planned.map((o) => ({
        stack: o.stack,
        kubeContext: loadStackConfig(o.stack, { projectDir, overrides: options.overrides }).values[`${o.result!.evaluation.project}:kubeContext`] ?? "",
        resources: o.result!.evaluation.resources,
    })));
    return { stacks: outcomes, collisions, exitCode: combinedExitCode(outcomes, collisions) };
}
