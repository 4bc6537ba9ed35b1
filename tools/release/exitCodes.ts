/**
 * Exit codes of `npm run release` (docs/releases.md). The plan's own failures pass through with the
 * plan's codes (tools/plan/exitCodes.ts: 4 configuration, 5 program, 6 policy pack, 7 baseline,
 * 17..47 findings), so a script can tell "the release was refused" from "the plan failed".
 */
export const RELEASE_EXIT = {
    /** Released (the stack file changed and its plan is clean), or nothing to release (same tag, same color). */
    ok: 0,
    internal: 1,
    /** Bad command line: unknown option or product, missing --tag, --switch with --tag, … */
    usage: 2,
    /** The stack has no Pulumi.<stack>.yaml. */
    unknownStack: 3,
    /** The release breaks a rule: product not deployed, tag rule, track, retagging the live color, nothing to roll back. */
    refused: 10,
} as const;

export class ReleaseError extends Error {
    constructor(message: string, readonly code: number) {
        super(message);
        this.name = "ReleaseError";
    }
}
