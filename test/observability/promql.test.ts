/**
 * The PromQL checks the observability tests rely on must themselves reject what they are there to
 * catch: a syntax error anywhere (Prometheus' grammar decides), an unknown function, and a
 * selector outside the product's namespace.
 */
import { strict as assert } from "assert";
import { comparison, promqlProblems, ranges } from "./promql";

const NS = "chatbot-prod";

describe("PromQL checks on the lezer-promql grammar (test helper)", () => {
    it("accepts scoped expressions with aggregations, label lists, vector matching and functions", () => {
        for (const expr of [
            `up{namespace="${NS}", job="chatbot-service"} == 0`,
            `histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{namespace="${NS}"}[5m]))) > 2`,
            `sum(rate(a_total{namespace="${NS}", status=~"5.."}[5m])) / sum(rate(a_total{namespace="${NS}"}[5m])) > 0.05`,
            `(sum by (namespace, pod) (x{namespace="${NS}"}) and on (namespace, pod) (max by (namespace, pod) (y{namespace="${NS}"}) == 1)) > 0`,
            `sum(x{namespace="${NS}"} * on (namespace, pod) group_left() (y{namespace="${NS}"} == 1))`,
            `min by (job) (time() - process_start_time_seconds{namespace="${NS}"})`,
        ]) {
            assert.deepEqual(promqlProblems(expr, NS), [], expr);
        }
    });

    const bad: [string, RegExp][] = [
        [`rate(http_requests_total[5m]) > 0.05`, /without label matchers/],
        [`up == 0`, /without label matchers/],
        [`rate(x{job="a"}[5m]) > 1`, /lacks namespace="chatbot-prod"/],
        [`rate(x{namespace="chatbot-staging"}[5m]) > 1`, /lacks namespace="chatbot-prod"/],
        [`sum(rate(x{namespace="${NS}"}[5m]) > 1`, /syntax error/],
        [`rate(x{namespace="${NS}"}[5m])) > 1`, /syntax error/],
        [`rate(x{namespace="${NS}"[5m]) > 1`, /syntax error/],
        [`rate(x{namespace="${NS}"}[5 minutes]) > 1`, /syntax error/],
        [`rate(x{namespace="${NS}"}[5m:1 hour]) > 1`, /syntax error/],
        [`rate(x{namespace="${NS}", status=~5..}[5m]) > 1`, /syntax error/],
        [`rte(x{namespace="${NS}"}[5m]) > 1`, /unknown function "rte"/],
        [`histogram_quantile(0.95, sum by (le) (rate(x_bucket{namespace="${NS}"}[5m]))) > 2 and hisotgram_quantile(0.5, x{namespace="${NS}"})`, /unknown function "hisotgram_quantile"/],
        [`sum by namespace (x{namespace="${NS}"})`, /syntax error/],
        [`sum(x{namespace="${NS}"}) / on namespace sum(y{namespace="${NS}"})`, /syntax error/],
        [`rate(x{namespace="${NS}"}[5m]`, /syntax error/],
        [`x{namespace="${NS}} > 1`, /syntax error/],
        [`x{namespace="${NS}"} >`, /syntax error/],
    ];
    for (const [expr, problem] of bad) {
        it(`rejects ${expr}`, () => {
            const problems = promqlProblems(expr, NS);
            assert.ok(problems.some((p) => problem.test(p)), `expected ${problem} in ${JSON.stringify(problems)}`);
        });
    }

    it("reads the comparison and the range windows of an expression", () => {
        assert.deepEqual(comparison("a{b=\"c\"} / d > 0.05"), { op: ">", value: 0.05 });
        assert.deepEqual(comparison("1 - x < 0.995"), { op: "<", value: 0.995 });
        assert.deepEqual(comparison("up == 0"), { op: "==", value: 0 });
        assert.equal(comparison("rate(x[5m])"), undefined);
        assert.deepEqual(comparison("(a{b=\"c\"} and on (d) e) > 0"), { op: ">", value: 0 });
        assert.equal(comparison("a > 1 and b"), undefined, "the top of the expression is `and`, not the comparison");
        assert.deepEqual(ranges("rate(a[5m]) / increase(b[24h])"), ["5m", "24h"]);
        assert.deepEqual(ranges("max_over_time(rate(a[1m])[1h:5m])"), ["1h:5m", "1m"]);
    });
});
