/**
 * Prometheus' own promtool on every stack's alerting rules: `promtool check rules` on each
 * PrometheusRule written out as a rule file, and `promtool test rules` with unit tests built from
 * the requirements (alertRequirements.ts), never from the rendered rules: each alert fires with its
 * labels and annotations once its condition has held for its `for`, and stays silent just under its
 * threshold and before `for` has passed. A rule copied with a broken threshold or `for` must fail.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { PrometheusTools, requirePrometheusTools, runTool } from "../helpers/prometheusTools";
import { configured, ofType, STACKS, stackEvaluation, StackName } from "../helpers/stacks";
import { AlertRequirement, EVENT_MINUTE, InputSeries, NAMESPACES, OWNERS, Product, REQUIREMENTS, Scenario } from "./alertRequirements";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

interface RuleFile {
    groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[] }[];
}

/** The product's PrometheusRule in a stack: the one in the namespace the docs give the product. */
function ruleOf(ev: StackEvaluation, product: Product): RecordedResource {
    const namespace = NAMESPACES[product][ev.stack as StackName];
    const rules = ofType(ev, PROMETHEUS_RULE).filter((r) => r.inputs.metadata?.namespace === namespace);
    assert.equal(rules.length, 1, `${ev.stack}: one PrometheusRule in ${namespace} (${product})`);
    return rules[0];
}

function ruleFile(rule: RecordedResource): RuleFile {
    return { groups: rule.inputs.spec.groups };
}

const minutes = (m: number) => `${m}m`;

interface AlertTestCase {
    eval_time: string;
    alertname: string;
    exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

/** promtool's alert expectations for one scenario at one time. */
function expect(req: AlertRequirement, env: StackName, at: number, scenario: Scenario | undefined): AlertTestCase {
    const owner = OWNERS[req.product];
    return {
        eval_time: minutes(at),
        alertname: req.alert,
        exp_alerts: (scenario?.alerts ?? []).map((a) => ({
            exp_labels: { ...a.labels, severity: req.severity, product: req.product, environment: env, team: owner.team },
            exp_annotations: { summary: `${owner.name} (${env}): ${a.summary}`, description: `[${env}] ${owner.name}: ${a.description}` },
        })),
    };
}

/** The unit-test groups of one alert (see alertRequirements.ts for what each checks). */
function testGroups(req: AlertRequirement, env: StackName) {
    const ns = NAMESPACES[req.product][env];
    const fires = req.fires(ns);
    const group = (name: string, series: InputSeries[], cases: AlertTestCase[]) => ({
        name: `${req.alert} ${name}`, interval: "1m", input_series: series.map((s) => ({ series: s.series, values: s.values })), alert_rule_test: cases,
    });
    if (req.forMinutes === undefined) {
        // The event lies between the samples at EVENT_MINUTE - 1 and EVENT_MINUTE; a range is
        // open at its start, so the window sees both samples until EVENT_MINUTE + window - 2.
        const last = EVENT_MINUTE + req.windowMinutes - 2;
        return [
            group("fires at the event and while it is in its window", fires.series, [
                expect(req, env, EVENT_MINUTE - 1, undefined),
                expect(req, env, EVENT_MINUTE, fires),
                expect(req, env, last, fires),
                expect(req, env, last + 1, undefined),
            ]),
            group("stays silent without the event", req.under(ns), [expect(req, env, EVENT_MINUTE, undefined), expect(req, env, last, undefined)]),
        ];
    }
    const settled = req.windowMinutes + req.forMinutes + 1;
    return [
        group(`fires over its threshold after ${req.forMinutes}m`, fires.series, [
            expect(req, env, req.forMinutes - 1, undefined),
            expect(req, env, settled, fires),
        ]),
        group("stays silent just under its threshold", req.under(ns), [expect(req, env, settled, undefined)]),
    ];
}

/** Writes the rule file and the unit tests of `requirements` into `dir`; returns the test file. */
function writeUnitTests(dir: string, name: string, rules: RuleFile, requirements: AlertRequirement[], env: StackName): string {
    fs.writeFileSync(path.join(dir, `${name}.rules.yaml`), stringify(rules));
    const tests = {
        rule_files: [`${name}.rules.yaml`],
        evaluation_interval: "1m",
        tests: requirements.flatMap((r) => testGroups(r, env)),
    };
    const file = path.join(dir, `${name}.test.yaml`);
    fs.writeFileSync(file, stringify(tests));
    return file;
}

describe("promtool: the stacks' alerting rules (Prometheus' own checker)", function () {
    this.timeout(120_000);
    let tools: PrometheusTools;
    let dir: string;
    before(function () {
        tools = requirePrometheusTools(this);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    });
    after(() => {
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("has a requirement for every alert of every product, and every requirement names an alert the rules define", async () => {
        const ev = await stackEvaluation("prod");
        for (const product of Object.keys(NAMESPACES) as Product[]) {
            const defined = ruleFile(ruleOf(ev, product)).groups.flatMap((g) => g.rules.map((r) => r.alert)).sort();
            const required = REQUIREMENTS.filter((r) => r.product === product).map((r) => r.alert).sort();
            assert.deepEqual(defined, required, `${product}: alerts defined vs alerts with a requirement`);
        }
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let ev: StackEvaluation;
            const products: Product[] = configured(stack, "products");
            before(async () => {
                ev = await stackEvaluation(stack);
            });

            it("promtool check rules accepts every PrometheusRule of the stack", () => {
                const rules = ofType(ev, PROMETHEUS_RULE);
                assert.equal(rules.length, products.length, `one PrometheusRule per product of ${stack} (${products.join(", ")})`);
                const files = rules.map((r) => {
                    const file = path.join(dir, `${stack}-${r.inputs.metadata.namespace}-${r.inputs.metadata.name}.check.yaml`);
                    fs.writeFileSync(file, stringify(ruleFile(r)));
                    return file;
                });
                const run = runTool(tools.promtool, ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
                assert.equal(run.status, 0, run.output);
                for (const file of files) {
                    assert.match(run.output, new RegExp(`Checking ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+SUCCESS: \\d+ rules found`), run.output);
                }
            });

            // Only the products the stack runs (Pulumi.<stack>.yaml): dev has no Soundcore KCP.
            for (const req of REQUIREMENTS.filter((r) => products.includes(r.product))) {
                const when = req.forMinutes === undefined ? "at once, no for" : `for ${req.forMinutes}m`;
                it(`${req.product} ${req.alert} (${req.severity}, ${when}): ${req.requirement}`, () => {
                    const file = writeUnitTests(dir, `${stack}-${req.product}-${req.alert}`, ruleFile(ruleOf(ev, req.product)), [req], stack);
                    const run = runTool(tools.promtool, ["test", "rules", path.basename(file)], { cwd: dir });
                    assert.equal(run.status, 0, run.output);
                    assert.match(run.output, /SUCCESS/);
                });
            }
        });
    }

    describe("fails where a rule misses its requirement", () => {
        let rules: RuleFile;
        const req = REQUIREMENTS.find((r) => r.alert === "ChatbotHighErrorRate5xx")!;
        before(async () => {
            rules = ruleFile(ruleOf(await stackEvaluation("prod"), "chatbot"));
        });

        /** The prod chatbot rules with ChatbotHighErrorRate5xx changed by `edit`. */
        function broken(edit: (rule: RuleFile["groups"][number]["rules"][number]) => void): RuleFile {
            const copy: RuleFile = JSON.parse(JSON.stringify(rules));
            const rule = copy.groups.flatMap((g) => g.rules).find((r) => r.alert === req.alert)!;
            edit(rule);
            return copy;
        }

        function run(name: string, file: RuleFile) {
            const test = writeUnitTests(dir, name, file, [req], "prod");
            return runTool(tools.promtool, ["test", "rules", path.basename(test)], { cwd: dir });
        }

        it("the unmodified copy passes (the baseline of the two below)", () => {
            const result = run("baseline", broken(() => undefined));
            assert.equal(result.status, 0, result.output);
        });

        it("a threshold lowered from 5 % to 3 %: the just-under case fires and the test fails", () => {
            const result = run("threshold", broken((r) => {
                assert.match(r.expr, / > 0\.05$/);
                r.expr = r.expr.replace(/ > 0\.05$/, " > 0.03");
            }));
            assert.equal(result.status, 1, result.output);
            assert.match(result.output, /ChatbotHighErrorRate5xx stays silent just under its threshold/);
            assert.match(result.output, /FAILED/);
        });

        it("a `for` shortened from 5m to 2m: the alert fires too early and the test fails", () => {
            const result = run("for", broken((r) => {
                r.for = "2m";
            }));
            assert.equal(result.status, 1, result.output);
            assert.match(result.output, /ChatbotHighErrorRate5xx fires over its threshold after 5m/);
        });

        it("a severity or product label changed: the firing case no longer matches", () => {
            const result = run("labels", broken((r) => {
                r.labels = { ...r.labels, severity: "warning" };
            }));
            assert.equal(result.status, 1, result.output);
            assert.match(result.output, /severity="warning"/);
        });
    });
});
