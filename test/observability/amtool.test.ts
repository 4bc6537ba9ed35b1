/**
 * Alertmanager's own amtool on the configuration each stack gives kube-prometheus-stack:
 * `amtool check-config` accepts it, and `amtool config routes test` sends every product alert
 * (each name, severity and product of alertRequirements.ts) to the team receiver, whose Slack
 * channel is the one the stack's configuration file names, while the chart's Watchdog heartbeat
 * and InfoInhibitor reach nobody (docs/observability.md, "Routing").
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { PrometheusTools, requirePrometheusTools, runTool } from "../helpers/prometheusTools";
import { configured, release, STACKS, stackEvaluation } from "../helpers/stacks";
import { NAMESPACES, OWNERS, Product, REQUIREMENTS } from "./alertRequirements";

/** The receiver that notifies people (docs: Routing), and the one that drops. */
const TEAM = "team-alerts";
const NOBODY = "null";

describe("amtool: the stacks' Alertmanager configuration (Alertmanager's own checker)", function () {
    this.timeout(60_000);
    let tools: PrometheusTools;
    let dir: string;
    before(function () {
        tools = requirePrometheusTools(this);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "amtool-"));
    });
    after(() => {
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let file: string;
            let config: any;
            let products: Product[];
            before(async () => {
                config = release(await stackEvaluation(stack), "kube-prometheus-stack").inputs.values.alertmanager.config;
                products = configured(stack, "products");
                file = path.join(dir, `${stack}.alertmanager.yaml`);
                fs.writeFileSync(file, stringify(config));
            });

            /** The receivers amtool resolves for a label set, and whether they are `expected`. */
            function routes(labels: Record<string, string>, expected: string) {
                const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
                return runTool(tools.amtool, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${expected}`, ...args]);
            }

            it("amtool check-config accepts it", () => {
                const run = runTool(tools.amtool, ["check-config", file]);
                assert.equal(run.status, 0, run.output);
                assert.match(run.output, /SUCCESS/);
                assert.match(run.output, / - 4 inhibit rules/, "the chart's inhibition, written out");
            });

            it("routes every product alert, critical and warning, to the team receiver", () => {
                const alerts = REQUIREMENTS.filter((r) => products.includes(r.product));
                assert.ok(alerts.some((r) => r.severity === "critical") && alerts.some((r) => r.severity === "warning"));
                for (const req of alerts) {
                    const labels = {
                        alertname: req.alert, severity: req.severity, product: req.product, environment: stack,
                        team: OWNERS[req.product].team, namespace: NAMESPACES[req.product][stack],
                    };
                    const run = routes(labels, TEAM);
                    assert.equal(run.status, 0, `${JSON.stringify(labels)}: ${run.output}`);
                    assert.equal(run.output.trim(), TEAM);
                }
            });

            it("sends the team receiver to the stack's own Slack channel and its Discord webhook", () => {
                const team = config.receivers.find((r: { name: string }) => r.name === TEAM);
                assert.deepEqual(team.slack_configs.map((s: { channel: string }) => s.channel), [configured(stack, "alertSlackChannel")]);
                assert.equal(team.discord_configs.length, 1);
                // Nothing else notifies: no paging service in any stack (dev's alerts stay in its channel).
                assert.deepEqual(Object.keys(team).filter((k) => k.endsWith("_configs")).sort(), ["discord_configs", "slack_configs"]);
            });

            for (const alertname of ["Watchdog", "InfoInhibitor"]) {
                it(`drops the chart's ${alertname} (it is for machines, not people)`, () => {
                    const run = routes({ alertname, severity: "none", namespace: "monitoring" }, NOBODY);
                    assert.equal(run.status, 0, run.output);
                    assert.equal(run.output.trim(), NOBODY);
                });
            }

            it("would catch a product alert routed to nobody (the check can fail)", () => {
                const run = routes({ alertname: "ChatbotHighErrorRate5xx", severity: "critical", product: "chatbot" }, NOBODY);
                assert.equal(run.status, 1, run.output);
                assert.match(run.output, /did not match/);
            });
        });
    }
});
