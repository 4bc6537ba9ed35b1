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

/** A top-level group of case tables, declared in a `*.cases.ts` file and registered by its test file. */
export interface CaseSuite {
    readonly title: string;
    readonly body: () => void;
}

/**
 * Case files declare their suites without registering them: the coverage check counts the cases of
 * every file, and a worker of `mocha --parallel` that imported test files for that would run their
 * tests a second time.
 */
export function caseSuites(): { readonly suites: CaseSuite[]; suite(title: string, body: () => void): void } {
    const suites: CaseSuite[] = [];
    return { suites, suite: (title, body) => { suites.push({ title, body }); } };
}

export function registerSuites(suites: readonly CaseSuite[]): void {
    for (const s of suites) {
        describe(s.title, s.body);
    }
}

export type CaseCounts = Map<string, { pass: number; fail: number }>;
let counting: CaseCounts | undefined;

/** How many failing and passing cases each policy has in these suites; registers no test. */
export function countCases(suites: readonly CaseSuite[]): CaseCounts {
    counting = new Map();
    const mocha = globalThis as unknown as Record<"describe" | "it", unknown>;
    const saved = { describe: mocha.describe, it: mocha.it };
    const refuse = () => { throw new Error("a case suite may only call defineCases while its cases are counted"); };
    mocha.describe = refuse;
    mocha.it = refuse;
    try {
        for (const s of suites) {
            s.body();
        }
        return counting;
    } finally {
        Object.assign(mocha, saved);
        counting = undefined;
    }
}

export function defineCases(policyName: string, cases: readonly Case[]): void {
    if (counting) {
        const counts = counting.get(policyName) ?? { pass: 0, fail: 0 };
        for (const c of cases) {
            if (c.expect) counts.fail++; else counts.pass++;
        }
        counting.set(policyName, counts);
        return;
    }
    describe(policyName, () => {
        it("passes the compliant stack (prod, staging and dev configs)", async () => {
            for (const stack of ["prod", "staging", "dev"] as const) {
                const ds = await run(policyName, compliantStack(), { stack });
                assert.deepStrictEqual(ds, [], `${stack}: ${summarize(ds)}`);
            }
        });
        for (const c of cases) {
            const opts: RunOptions = { stack: c.stack ?? "prod", config: c.config };
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
}
