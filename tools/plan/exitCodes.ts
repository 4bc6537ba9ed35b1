/**
 * Exit codes of `npm run plan`. Findings are a bit set over 16, so one run reports every kind of
 * failure it found: 16 + 1 (schema errors) + 2 (mandatory policy violations) + 4 (budget exceeded)
 * + 8 (stale exemption annotations) + 16 (`--stack all` only: two stacks would own the same thing),
 * i.e. 17..47. Codes below 16 mean the plan could not be made at all.
 */
export const EXIT = {
    /** No schema error, no mandatory violation, within budget. */
    ok: 0,
    /** An unexpected internal error (a bug in the tool). */
    internal: 1,
    /** Bad command line (unknown option, missing value). */
    usage: 2,
    /** The stack has no Pulumi.<stack>.yaml. */
    unknownStack: 3,
    /** The stack's configuration is invalid (the program's ConfigError, unreadable stack file). */
    config: 4,
    /** The program failed while it was evaluated, for a reason other than configuration. */
    program: 5,
    /** The policy pack could not be started or run (or its configuration is invalid). */
    policy: 6,
    /** The --baseline ref cannot be resolved or checked out. */
    baseline: 7,
    /** Base of the findings bit set. */
    findings: 16,
    schemaBit: 1,
    mandatoryBit: 2,
    budgetBit: 4,
    staleExemptionBit: 8,
    collisionBit: 16,
} as const;

export interface Findings {
    readonly schemaErrors: boolean;
    readonly mandatoryViolations: boolean;
    readonly budgetExceeded: boolean;
    readonly staleExemptions: boolean;
    /** `--stack all`: stacks that would own the same objects. */
    readonly collisions?: boolean;
}

export function findingsExitCode(f: Findings): number {
    const bits = (f.schemaErrors ? EXIT.schemaBit : 0) | (f.mandatoryViolations ? EXIT.mandatoryBit : 0) |
        (f.budgetExceeded ? EXIT.budgetBit : 0) | (f.staleExemptions ? EXIT.staleExemptionBit : 0);
    return bits === 0 ? EXIT.ok : EXIT.findings + bits;
}

/** Which findings an exit code stands for (for messages and tests). */
export function decodeExitCode(code: number): Findings | undefined {
    if (code < EXIT.findings || code > EXIT.findings + 31) {
        return undefined;
    }
    const bits = code - EXIT.findings;
    return {
        schemaErrors: (bits & EXIT.schemaBit) !== 0,
        mandatoryViolations: (bits & EXIT.mandatoryBit) !== 0,
        budgetExceeded: (bits & EXIT.budgetBit) !== 0,
        staleExemptions: (bits & EXIT.staleExemptionBit) !== 0,
        ...((bits & EXIT.collisionBit) !== 0 ? { collisions: true } : {}),
    };
}

/** Thrown by the plan library when no plan can be made; `code` is the process exit code. */
export class PlanError extends Error {
    constructor(message: string, readonly code: number) {
        super(message);
        this.name = "PlanError";
    }
}
