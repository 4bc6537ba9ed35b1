/** Table-driven policy tests: each case is a broken (or deliberately passing) copy of the compliant stack. */
import * as assert from "assert";
import { compliantStack, Rec } from "./fixtures";
import { Diag, Level, run, RunOptions, stackConfig, StackName, summarize } from "./harness";

export interface Case {
    /** What is broken (or why it passes). */
    readonly title: string;
    readonly resources: () => Rec[];
    /** Substrings one reported diagnostic must contain; omit for a passing case. */
    readonly expect?: readonly string[];
    /** Expected level (default: the policy's level in the stack's config). */
    readonly level?: Level;
    /** Pulumi name of the resource the finding must be attributed to. */
    readonly on?: string;
    /** Substrings no diagnostic may contain (e.g. a secret value). */
    readonly mustNotContain?: readonly string[];
    readonly stack?: StackName;
    readonly config?: Record<string, unknown>;
}

/** Policies that have at least one failing case (checked by coverage.test.ts). */
export const COVERED = new Map<string, { pass: number; fail: number }>();

export function defineCases(policyName: string, cases: readonly Case[]): void {
    const counts = COVERED.get(policyName) ?? { pass: 0, fail: 0 };
    describe(policyName, () => {
        it("passes the compliant stack (prod, staging and dev configs)", async () => {
            for (const stack of ["prod", "staging", "dev"] as const) {
                const ds = await run(policyName, compliantStack(), { stack });
                assert.deepStrictEqual(ds, [], `${stack}: ${summarize(ds)}`);
            }
        });
        for (const c of cases) {
            const opts: RunOptions = { stack: c.stack ?? "prod", config: c.config };
            if (c.expect) counts.fail++; else counts.pass++;
            it(c.expect ? `catches: ${c.title}` : `passes: ${c.title}`, async () => {
                const resources = c.resources();
                const ds = await run(policyName, resources, opts);
                assert.ok(!ds.some((d) => d.sdkUnknown), `an unknown value escaped the policy:\n${summarize(ds)}`);
                for (const bad of c.mustNotContain ?? []) {
                    assert.ok(!ds.some((d) => d.message.includes(bad)), `a diagnostic contains ${JSON.stringify(bad)}:\n${summarize(ds)}`);
                }
                if (!c.expect) {
                    assert.deepStrictEqual(ds, [], summarize(ds));
                    return;
                }
                const level = c.level ?? stackConfig(c.stack ?? "prod").config[policyName].enforcementLevel;
                const match = ds.find((d: Diag) => c.expect!.every((s) => d.message.includes(s)));
                assert.ok(match, `no diagnostic contains ${JSON.stringify(c.expect)}; got:\n${summarize(ds)}`);
                assert.strictEqual(match!.enforcementLevel, level, summarize([match!]));
                if (level !== "advisory" || !/Could not|exempt|stale/.test(match!.message)) {
                    assert.match(match!.message, /Why: .+ Fix: /s, "messages say why it matters and how to fix it");
                }
                if (c.on) {
                    const target = resources.find((r) => r.name === c.on)!;
                    assert.strictEqual(match!.urn, target.urn, `attributed to ${match!.urn}`);
                }
            });
        }
    });
    COVERED.set(policyName, counts);
}
