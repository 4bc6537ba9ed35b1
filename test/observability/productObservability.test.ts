/**
 * ProductObservability for every product in every environment, evaluated offline with the SDK
 * mocks (test program fixtures/allProducts.ts, independent of index.ts and of stack config).
 *
 * Expected thresholds, windows, durations, severities, names, namespaces and Services are written
 * here from the five source documents (docs/products/) and issue 3, never imported from the catalog under
 * test; objects are validated against the prometheus-operator CRD and Kubernetes OpenAPI schemas.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { evaluateStack } from "../../tools/stack/evaluate";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { comparison, promqlProblems, ranges } from "./promql";

const FIXTURE = path.join(__dirname, "fixtures", "allProducts.ts");
const DOCS = path.resolve(__dirname, "..", "..", "docs", "observability.md");
const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
type Env = (typeof ENVIRONMENTS)[number];
const PRODUCTS = ["quickspin-ai", "chatbot", "soundcore-kcp", "harvis-ai", "llm-secret-detection"] as const;
type Product = (typeof PRODUCTS)[number];

const COMPONENT = "ai-platform:observability:ProductObservability";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const NAMESPACE = "kubernetes:core/v1:Namespace";
/** The Grafana sidecar's label (issue 3 / kube-prometheus-stack values). */
const DASHBOARD_LABEL = ["grafana_dashboard", "1"] as const;
/** Kubernetes object names: DNS-1123 subdomains. */
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROM_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** Namespaces the source documents name (the Harvis AI implementation summary: ai-agents-staging / ai-agents; the chatbot's deployment guide: chatbot-<env>; …). */
const SEED_NAMESPACES: Partial<Record<Product, Partial<Record<Env, string>>>> = {
    "quickspin-ai": { prod: "quickspin-ai" },
    chatbot: { dev: "chatbot-dev", staging: "chatbot-staging", prod: "chatbot-prod" },
    "soundcore-kcp": { staging: "soundcore-kcp-staging", prod: "soundcore-kcp-prod" },
    "harvis-ai": { staging: "ai-agents-staging", prod: "ai-agents" },
};

/** The Services (= scrape job labels) of each product, from the source documents and issue 3. */
const SERVICES: Record<Product, string[]> = {
    "quickspin-ai": ["quickspin-ai"],
    chatbot: ["chatbot-service"],
    "soundcore-kcp": ["frontend", "knowledge-service", "content-service", "support-service", "analytics-service", "auth-service"],
    "harvis-ai": ["harvis-ai-backend", "harvis-ai-frontend"],
    "llm-secret-detection": ["llm-service"],
};
/** Metrics the products' own /metrics endpoints serve: their selectors must name the product's Services. */
const APP_METRIC = /^(up|http_.*|llm_.*|process_.*)$/;

interface Rule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

interface Dashboard {
    uid: string;
    title: string;
    tags: string[];
    schemaVersion: number;
    templating?: { list: { name: string; type: string; query?: string }[] };
    panels: {
        id: number;
        type: string;
        title: string;
        gridPos: { h: number; w: number; x: number; y: number };
        datasource: { type: string; uid: string };
        targets: { refId: string; expr: string; datasource?: { type: string } }[];
    }[];
}

interface ProductObjects {
    component: RecordedResource;
    namespace: string;
    namespaceResource: RecordedResource;
    ruleObjects: RecordedResource[];
    rules: Rule[];
    configMaps: RecordedResource[];
    dashboards: Dashboard[];
}

const evaluations = new Map<Env, Promise<StackEvaluation>>();
function evaluation(env: Env): Promise<StackEvaluation> {
    if (!evaluations.has(env)) {
        evaluations.set(env, evaluateStack(env, { program: FIXTURE }));
    }
    return evaluations.get(env)!;
}

function objectsOf(ev: StackEvaluation, product: Product): ProductObjects {
    const components = ev.resources.filter((r) => r.type === COMPONENT && r.name === `obs-${product}`);
    assert.equal(components.length, 1, `one ProductObservability for ${product}`);
    const component = components[0];
    const children = ev.resources.filter((r) => r.parent === component.urn);
    const namespace = ev.outputs.namespaces[product] as string;
    const namespaceResource = ev.resources.find((r) => r.type === NAMESPACE && r.inputs.metadata?.name === namespace)!;
    const ruleObjects = children.filter((r) => r.type === PROMETHEUS_RULE);
    const configMaps = children.filter((r) => r.type === CONFIG_MAP);
    const rules = ruleObjects.flatMap((r) => (r.inputs.spec?.groups ?? []).flatMap((g: { rules: Rule[] }) => g.rules));
    const dashboards = configMaps.flatMap((cm) => Object.values(cm.inputs.data ?? {}).map((text) => JSON.parse(text as string) as Dashboard));
    return { component, namespace, namespaceResource, ruleObjects, rules, configMaps, dashboards };
}

/** Selectors in an expression: metric name and matcher list. */
function selectors(expr: string): { metric: string; matchers: string[] }[] {
    return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\{([^}]*)\}/g)].map((m) => ({
        metric: m[1] ?? "",
        matchers: m[2].split(",").map((s) => s.trim()).filter((s) => s !== ""),
    }));
}

/** The Services a job matcher selects (job="a" or job=~"a|b"). */
function jobsOf(matchers: string[]): string[] | undefined {
    const job = matchers.find((m) => /^job=~?"/.test(m));
    return job ? /^job=~?"(.*)"$/.exec(job)![1].split("|") : undefined;
}

/** A source document's PromQL with our scoping (namespace and job matchers) removed, quotes and spaces normalised. */
function withoutScope(expr: string): string {
    return expr
        .replace(/\{([^}]*)\}/g, (_all, body: string) => {
            const kept = body.split(",").map((s) => s.trim()).filter((s) => s !== "" && !/^(namespace|job)=/.test(s));
            return kept.length > 0 ? `{${kept.join(",")}}` : "";
        })
        .replace(/'/g, '"')
        .replace(/\s+/g, "");
}

function expectAlert(rules: Rule[], spec: {
    what: string;
    name?: string;
    markers: string[];
    window: string;
    op: string;
    value: number;
    for?: string;
    severity?: string;
}): Rule {
    const matches = rules.filter((r) =>
        (spec.name === undefined || r.alert === spec.name)
        && spec.markers.every((m) => r.expr.includes(m))
        && ranges(r.expr).every((w) => w === spec.window)
        && ranges(r.expr).length > 0);
    assert.equal(matches.length, 1, `${spec.what}: expected one rule with ${spec.markers.join(", ")} over [${spec.window}], found ${matches.map((m) => m.alert).join(", ") || "none"}`);
    const rule = matches[0];
    assert.deepEqual(comparison(rule.expr), { op: spec.op, value: spec.value }, `${spec.what}: threshold of ${rule.alert}: ${rule.expr}`);
    if (spec.for !== undefined) {
        assert.equal(rule.for, spec.for, `${spec.what}: for of ${rule.alert}`);
    }
    if (spec.severity !== undefined) {
        assert.equal(rule.labels.severity, spec.severity, `${spec.what}: severity of ${rule.alert}`);
    }
    return rule;
}

for (const env of ENVIRONMENTS) {
    describe(`ProductObservability (${env})`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await evaluation(env);
        });

        for (const product of PRODUCTS) {
            describe(product, () => {
                let o: ProductObjects;
                before(() => {
                    o = objectsOf(ev, product);
                });

                it("lives in the namespace the source documents name", () => {
                    const expected = SEED_NAMESPACES[product]?.[env];
                    if (expected !== undefined) {
                        assert.equal(o.namespace, expected);
                    }
                    assert.ok(o.namespaceResource, "the fixture's Namespace");
                });

                it("creates one PrometheusRule in the product's namespace, after its Namespace, through the stack's provider", () => {
                    assert.equal(o.ruleObjects.length, 1);
                    const r = o.ruleObjects[0];
                    assert.equal(r.inputs.apiVersion, "monitoring.coreos.com/v1");
                    assert.equal(r.inputs.kind, "PrometheusRule");
                    assert.equal(r.inputs.metadata.namespace, o.namespace);
                    assert.match(r.inputs.metadata.name, DNS_1123, "explicit, valid name");
                    assert.ok(r.dependencies.includes(o.namespaceResource.urn), "depends on the Namespace");
                    assert.match(r.provider, /::observability-test::/, "inherits the explicit provider");
                });

                it("writes every expression as PromQL scoped to the namespace, and app metrics to the product's Services", () => {
                    assert.ok(o.rules.length > 0);
                    for (const rule of o.rules) {
                        assert.deepEqual(promqlProblems(rule.expr, o.namespace), [], `${rule.alert}: ${rule.expr}`);
                        assert.ok(comparison(rule.expr), `${rule.alert} ends in a comparison with a threshold: ${rule.expr}`);
                        for (const sel of selectors(rule.expr).filter((s) => APP_METRIC.test(s.metric))) {
                            const jobs = jobsOf(sel.matchers);
                            assert.ok(jobs && jobs.every((j) => SERVICES[product].includes(j)), `${rule.alert}: ${sel.metric} must select ${SERVICES[product].join("|")}`);
                        }
                    }
                });

                it("names rules uniquely and gives each severity, product, environment, summary and description", () => {
                    const names = o.rules.map((r) => r.alert);
                    assert.equal(new Set(names).size, names.length, `duplicate alert names: ${names}`);
                    for (const rule of o.rules) {
                        assert.match(rule.alert, /^[A-Za-z][A-Za-z0-9_]*$/);
                        assert.ok(["critical", "warning", "info"].includes(rule.labels.severity), `${rule.alert} severity ${rule.labels.severity}`);
                        assert.equal(rule.labels.product, product);
                        assert.equal(rule.labels.environment, env);
                        assert.ok(rule.annotations.summary?.trim(), `${rule.alert} summary`);
                        assert.ok(rule.annotations.description?.trim(), `${rule.alert} description`);
                        assert.ok(rule.annotations.description.includes(env), `${rule.alert}: Slack shows only the description, so it names the environment`);
                        if (rule.for !== undefined) {
                            assert.match(rule.for, PROM_DURATION, `${rule.alert} for`);
                        }
                    }
                });

                it("validates against the PrometheusRule CRD schema", () => {
                    for (const r of o.ruleObjects) {
                        new PrometheusRule(r.inputs as never).validate();
                    }
                });

                it("creates its dashboards as ConfigMaps labelled for the Grafana sidecar, in its namespace, after the Namespace", () => {
                    assert.ok(o.configMaps.length > 0);
                    for (const cm of o.configMaps) {
                        assert.equal(cm.inputs.metadata.labels?.[DASHBOARD_LABEL[0]], DASHBOARD_LABEL[1], cm.name);
                        assert.equal(cm.inputs.metadata.namespace, o.namespace);
                        assert.match(cm.inputs.metadata.name, DNS_1123);
                        assert.ok(cm.inputs.metadata.name.length <= 253);
                        assert.ok(cm.dependencies.includes(o.namespaceResource.urn), `${cm.name} depends on the Namespace`);
                        const keys = Object.keys(cm.inputs.data ?? {});
                        assert.equal(keys.length, 1, `${cm.name} holds one dashboard`);
                        assert.match(keys[0], /^[-._a-zA-Z0-9]+\.json$/);
                        new ConfigMap(cm.inputs as never).validate();
                    }
                    const names = o.configMaps.map((cm) => cm.inputs.metadata.name);
                    assert.equal(new Set(names).size, names.length);
                });

                it("holds valid Grafana dashboard models: uid, title, tags, schema version, Prometheus panels laid out on the grid", () => {
                    for (const d of o.dashboards) {
                        assert.ok(typeof d.title === "string" && d.title.trim() !== "", "title");
                        assert.ok(typeof d.uid === "string" && d.uid.length > 0 && d.uid.length <= 40, `uid "${d.uid}" within 40 characters`);
                        assert.match(d.uid, /^[a-zA-Z0-9_-]+$/);
                        assert.ok(d.tags.includes(product) && d.tags.includes(env), `${d.uid} tags ${d.tags}`);
                        assert.ok(Number.isInteger(d.schemaVersion) && d.schemaVersion >= 36, `${d.uid} schemaVersion`);
                        assert.ok(d.panels.length > 0, `${d.uid} has panels`);
                        const ids = d.panels.map((p) => p.id);
                        assert.equal(new Set(ids).size, ids.length, `${d.uid} panel ids unique`);
                        const cells = new Set<string>();
                        for (const p of d.panels) {
                            const g = p.gridPos;
                            assert.ok([g.h, g.w, g.x, g.y].every(Number.isInteger), `${d.uid}/${p.title} gridPos integers`);
                            assert.ok(g.h > 0 && g.w > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `${d.uid}/${p.title} gridPos ${JSON.stringify(g)} within 24 columns`);
                            for (let x = g.x; x < g.x + g.w; x++) {
                                for (let y = g.y; y < g.y + g.h; y++) {
                                    assert.ok(!cells.has(`${x},${y}`), `${d.uid}/${p.title} overlaps another panel`);
                                    cells.add(`${x},${y}`);
                                }
                            }
                            assert.equal(p.datasource.type, "prometheus", `${d.uid}/${p.title} datasource`);
                            const variable = /^\$\{?(\w+)\}?$/.exec(p.datasource.uid)?.[1];
                            if (variable) {
                                const v = d.templating?.list.find((t) => t.name === variable);
                                assert.ok(v && v.type === "datasource" && v.query === "prometheus", `${d.uid}: variable ${variable} is a Prometheus data source`);
                            }
                            assert.ok(p.title.trim() !== "" && p.targets.length > 0, `${d.uid}/${p.title} has targets`);
                            const refIds = p.targets.map((t) => t.refId);
                            assert.equal(new Set(refIds).size, refIds.length);
                            for (const t of p.targets) {
                                assert.deepEqual(promqlProblems(t.expr, o.namespace), [], `${d.uid}/${p.title}: ${t.expr}`);
                                for (const sel of selectors(t.expr).filter((s) => APP_METRIC.test(s.metric))) {
                                    const jobs = jobsOf(sel.matchers);
                                    assert.ok(jobs && jobs.every((j) => SERVICES[product].includes(j)), `${d.uid}/${p.title}: ${sel.metric} must select the product's Services`);
                                }
                            }
                        }
                    }
                    const titles = o.dashboards.map((d) => d.title);
                    assert.equal(new Set(titles).size, titles.length);
                });
            });
        }

        describe("the chatbot's deployment guide (chatbot): Performance Baselines & SLOs and the custom dashboard", () => {
            let o: ProductObjects;
            before(() => {
                o = objectsOf(ev, "chatbot");
            });

            // The table's "Alert Threshold" column, row by row.
            it("alerts on P95 latency > 2s (5m avg)", () => {
                expectAlert(o.rules, { what: "P95", markers: ["histogram_quantile(0.95", "http_request_duration_seconds_bucket"], window: "5m", op: ">", value: 2, for: "5m" });
            });
            it("alerts on P99 latency > 5s (2m avg)", () => {
                expectAlert(o.rules, { what: "P99", markers: ["histogram_quantile(0.99", "http_request_duration_seconds_bucket"], window: "2m", op: ">", value: 5, for: "2m" });
            });
            it("alerts on a 5xx error rate > 5% of requests (5m avg)", () => {
                const r = expectAlert(o.rules, { what: "5xx", markers: ["http_requests_total", 'status=~"5.."', "/"], window: "5m", op: ">", value: 0.05, for: "5m" });
                assert.equal(r.labels.severity, "critical");
            });
            it("alerts on a 4xx error rate > 20% of requests (5m avg)", () => {
                expectAlert(o.rules, { what: "4xx", markers: ["http_requests_total", 'status=~"4.."', "/"], window: "5m", op: ">", value: 0.2, for: "5m" });
            });
            it("alerts on availability < 99.5% over 24h", () => {
                expectAlert(o.rules, { what: "availability", markers: ["http_requests_total", "/"], window: "24h", op: "<", value: 0.995 });
            });
            it("alerts on CPU usage > 80% (5m avg)", () => {
                expectAlert(o.rules, { what: "CPU", markers: ["container_cpu_usage_seconds_total"], window: "5m", op: ">", value: 0.8, for: "5m" });
            });
            it("alerts on memory usage > 85% (5m avg)", () => {
                expectAlert(o.rules, { what: "memory", markers: ["container_memory"], window: "5m", op: ">", value: 0.85, for: "5m" });
            });

            it("ships the 'Chatbot Service Monitoring' dashboard with the document's three panels and expressions", () => {
                const seedPanels: Record<string, string> = {
                    "Request Latency (P95)": "histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))",
                    "Error Rate (5xx)": "rate(http_requests_total{status=~'5..'}[5m])",
                    "Pod CPU Usage": "rate(container_cpu_usage_seconds_total{pod=~'chatbot-service-.*'}[5m])",
                };
                const matches = o.dashboards.filter((d) => d.title.startsWith("Chatbot Service Monitoring"));
                assert.equal(matches.length, 1, `dashboards: ${o.dashboards.map((d) => d.title)}`);
                const d = matches[0];
                for (const [title, seedExpr] of Object.entries(seedPanels)) {
                    const panel = d.panels.find((p) => p.title === title);
                    assert.ok(panel, `panel "${title}"`);
                    assert.ok(panel.targets.some((t) => withoutScope(t.expr) === withoutScope(seedExpr)),
                        `"${title}": ${panel.targets.map((t) => t.expr)} is not the document's ${seedExpr} plus scoping`);
                    assert.ok(panel.targets.every((t) => t.expr.includes(`namespace="${o.namespace}"`)));
                }
            });
        });

        describe("the Soundcore KCP deployment documentation (Soundcore KCP): Alerting Rules and Grafana Dashboards", () => {
            let o: ProductObjects;
            before(() => {
                o = objectsOf(ev, "soundcore-kcp");
            });

            it("HighErrorRate: rate(http_requests_total{status=~\"5..\"}[5m]) > 0.05 for 5m, critical", () => {
                expectAlert(o.rules, { what: "HighErrorRate", name: "HighErrorRate", markers: ["rate(http_requests_total{", 'status=~"5.."'], window: "5m", op: ">", value: 0.05, for: "5m", severity: "critical" });
            });
            it("HighLatency: P95 > 2 for 10m, warning", () => {
                expectAlert(o.rules, { what: "HighLatency", name: "HighLatency", markers: ["histogram_quantile(0.95", "http_request_duration_seconds_bucket"], window: "5m", op: ">", value: 2, for: "10m", severity: "warning" });
            });
            it("PodCrashing: rate(kube_pod_container_status_restarts_total[15m]) > 0, critical", () => {
                expectAlert(o.rules, { what: "PodCrashing", name: "PodCrashing", markers: ["rate(kube_pod_container_status_restarts_total{"], window: "15m", op: ">", value: 0, severity: "critical" });
            });
            it("covers all six services in its error and latency alerts", () => {
                for (const name of ["HighErrorRate", "HighLatency"]) {
                    const rule = o.rules.find((r) => r.alert === name)!;
                    const jobs = new Set(selectors(rule.expr).flatMap((s) => jobsOf(s.matchers) ?? []));
                    assert.deepEqual([...jobs].sort(), [...SERVICES["soundcore-kcp"]].sort(), name);
                }
            });
            it("ships the System Overview, API Performance, Database Metrics and Business Metrics dashboards", () => {
                for (const title of ["System Overview", "API Performance", "Database Metrics", "Business Metrics"]) {
                    assert.equal(o.dashboards.filter((d) => d.title.includes(title)).length, 1, title);
                }
                const api = o.dashboards.find((d) => d.title.includes("API Performance"))!;
                const exprs = api.panels.flatMap((p) => p.targets.map((t) => t.expr));
                for (const q of ["0.5", "0.95", "0.99"]) {
                    assert.ok(exprs.some((e) => e.startsWith(`histogram_quantile(${q},`)), `API Performance shows P${Number(q) * 100}`);
                }
            });
        });

        describe("the LLM service's DevOps setup (LLM service): Alerting Rules and metrics", () => {
            let o: ProductObjects;
            before(() => {
                o = objectsOf(ev, "llm-secret-detection");
            });

            it("LLMServiceDown: up{job=\"llm-service\"} == 0 for 5m, critical", () => {
                const r = o.rules.find((x) => x.alert === "LLMServiceDown");
                assert.ok(r, "LLMServiceDown");
                assert.ok(/^up\{[^}]*job="llm-service"/.test(r.expr), r.expr);
                assert.deepEqual(comparison(r.expr), { op: "==", value: 0 });
                assert.equal(r.for, "5m");
                assert.equal(r.labels.severity, "critical");
            });
            it("HighErrorRate: 5xx share of llm_http_requests_total > 0.05 for 5m, warning", () => {
                const r = expectAlert(o.rules, { what: "HighErrorRate", name: "HighErrorRate", markers: ["llm_http_requests_total", 'status_code=~"5.."', "/"], window: "5m", op: ">", value: 0.05, for: "5m", severity: "warning" });
                // Numerator and denominator aggregated alike, or each 5xx series is divided by itself.
                const sides = r.expr.replace(/\s*>\s*[0-9.]+$/, "").split(" / ");
                assert.equal(sides.length, 2);
                assert.match(sides[0], /^sum( by \([^)]*\))? \(/);
                assert.equal(/^sum( by \([^)]*\))?/.exec(sides[0])![0], /^sum( by \([^)]*\))?/.exec(sides[1])![0]);
            });
            it("has a dashboard over the document's metrics", () => {
                const exprs = o.dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr))).join("\n");
                for (const metric of ["llm_http_requests_total", "llm_analysis_duration_seconds", "llm_cache_hits_total", "llm_cache_misses_total", "llm_secrets_detected_total"]) {
                    assert.ok(exprs.includes(metric), metric);
                }
            });
        });

        describe("the QuickSpin AI setup guide (QuickSpin AI): Set Up Alerts", () => {
            let o: ProductObjects;
            before(() => {
                o = objectsOf(ev, "quickspin-ai");
            });
            it("alerts on a high error rate, pod crashes and API quota limits", () => {
                const find = (what: string, test: (r: Rule) => boolean) => assert.ok(o.rules.some(test), what);
                find("high error rate", (r) => r.expr.includes('status=~"5.."') && r.expr.includes("/"));
                find("pod crashes", (r) => /kube_pod_container_status_restarts_total|CrashLoopBackOff/.test(r.expr));
                find("API quota limits", (r) => /status=~?"429"/.test(r.expr));
            });
        });

        describe("Harvis AI (the Harvis AI implementation summary gives no alerts: ours)", () => {
            let o: ProductObjects;
            before(() => {
                o = objectsOf(ev, "harvis-ai");
            });
            it("alerts on the backend down, crash loops and GPU pods that cannot be scheduled", () => {
                const down = o.rules.find((r) => r.expr.startsWith("up{") && comparison(r.expr)?.op === "==" && comparison(r.expr)?.value === 0);
                assert.ok(down && jobsOf(selectors(down.expr)[0].matchers)!.includes("harvis-ai-backend"), "service down");
                assert.ok(o.rules.some((r) => /CrashLoopBackOff|kube_pod_container_status_restarts_total/.test(r.expr)), "crash looping");
                assert.ok(o.rules.some((r) => r.expr.includes('resource="nvidia_com_gpu"') && r.expr.includes('phase="Pending"')), "GPU pod pending");
            });
        });
    });
}

describe("ProductObservability across environments", () => {
    let all: Record<Env, StackEvaluation>;
    before(async () => {
        all = {} as Record<Env, StackEvaluation>;
        for (const env of ENVIRONMENTS) {
            all[env] = await evaluation(env);
        }
    });

    it("gives every dashboard a uid unique across products and environments", () => {
        const uids = ENVIRONMENTS.flatMap((env) => PRODUCTS.flatMap((p) => objectsOf(all[env], p).dashboards.map((d) => `${d.uid}`)));
        assert.ok(uids.length >= PRODUCTS.length * ENVIRONMENTS.length);
        assert.equal(new Set(uids).size, uids.length, `duplicates: ${uids.filter((u, i) => uids.indexOf(u) !== i)}`);
    });

    it("gives every dashboard file name a cluster-wide unique name (the sidecar writes all into one folder)", () => {
        for (const env of ENVIRONMENTS) {
            const files = PRODUCTS.flatMap((p) => objectsOf(all[env], p).configMaps.flatMap((cm) => Object.keys(cm.inputs.data)));
            assert.equal(new Set(files).size, files.length, env);
        }
    });

    it("keeps stable uids: the same dashboards exist in every environment", () => {
        for (const product of PRODUCTS) {
            const perEnv = ENVIRONMENTS.map((env) => objectsOf(all[env], product).dashboards.map((d) => d.uid.replace(new RegExp(`${env}`), "<env>")).sort());
            assert.deepEqual(perEnv[0], perEnv[1], product);
            assert.deepEqual(perEnv[1], perEnv[2], product);
        }
    });

    it("never lets staging rules read prod series or the other way round", () => {
        for (const product of ["chatbot", "soundcore-kcp", "harvis-ai"] as const) {
            const staging = objectsOf(all.staging, product);
            const prod = objectsOf(all.prod, product);
            assert.notEqual(staging.namespace, prod.namespace);
            for (const rule of staging.rules) {
                assert.ok(!rule.expr.includes(`namespace="${prod.namespace}"`), `${product} staging ${rule.alert}`);
            }
            for (const rule of prod.rules) {
                assert.ok(!rule.expr.includes(`namespace="${staging.namespace}"`), `${product} prod ${rule.alert}`);
            }
        }
    });

    it("registers ProductObservability with its type token and parents every object to it", () => {
        const ev = all.prod;
        for (const product of PRODUCTS) {
            const o = objectsOf(ev, product);
            assert.equal(o.component.custom, false);
            const children = ev.resources.filter((r) => r.parent === o.component.urn);
            assert.deepEqual(children.map((c) => c.type).sort(), [...o.configMaps.map(() => CONFIG_MAP), PROMETHEUS_RULE].sort());
        }
    });

    it("documents every alert and dashboard in docs/observability.md", () => {
        const docs = fs.readFileSync(DOCS, "utf8");
        for (const product of PRODUCTS) {
            const o = objectsOf(all.prod, product);
            for (const rule of o.rules) {
                assert.ok(docs.includes(rule.alert), `${product}: ${rule.alert} missing from the docs`);
            }
            for (const d of o.dashboards) {
                assert.ok(docs.includes(d.title.replace(/ \(prod\)$/, "")), `${product}: dashboard "${d.title}" missing from the docs`);
            }
        }
    });
});

describe("schema validation catches broken objects", () => {
    it("rejects a PrometheusRule with a malformed `for` or a group without a name", () => {
        const rule = (group: object) => new PrometheusRule({ metadata: { name: "x", namespace: "y" }, spec: { groups: [group as never] } });
        assert.throws(() => rule({ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5 minutes" }] }).validate());
        assert.throws(() => rule({ rules: [{ alert: "A", expr: "up == 0" }] }).validate());
        rule({ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5m", labels: { severity: "critical" } }] }).validate();
    });
    it("rejects a ConfigMap whose data is not a string map", () => {
        assert.throws(() => new ConfigMap({ metadata: { name: "x" }, data: { "a.json": { not: "a string" } as never } }).validate());
    });
});
