/**
 * Alerts and dashboards of every product, as data. Each threshold is written once, here, with the
 * source document it comes from (named by title; docs/products/ lists them); where a source document
 * is silent the choice is ours and says so.
 *
 * Expressions are functions of a {@link Scope}: the product's namespace in one environment and the
 * Services it exposes metrics through (a ServiceMonitor's `job` label is the Service name). Every
 * selector carries `namespace="<ns>"`, so rules of staging and prod never see each other's series,
 * even where both run in one cluster.
 *
 * Metric sources: application metrics from the products' `/metrics` (labels `namespace`, `service`,
 * `job`, `pod` added by the ServiceMonitor), container metrics from the kubelet/cAdvisor and object
 * state from kube-state-metrics (both scraped by kube-prometheus-stack, `namespace` = the pod's).
 */
import { ProductId } from "../products/catalog";

export type Severity = "critical" | "warning" | "info";

/** How a threshold reads in an alert's description. */
export type ThresholdUnit = "ratio" | "seconds" | "per-second" | "count";

export interface Scope {
    /** The product's main namespace in this environment. */
    readonly namespace: string;
    /** Services (= `job` labels) that serve the product's own metrics. */
    readonly services: readonly string[];
}

export interface AlertSpec {
    /** Alert name (unique within the product). */
    readonly alert: string;
    /** The PromQL left of the comparison. */
    readonly query: (scope: Scope) => string;
    readonly op: ">" | "<" | ">=" | "==";
    readonly threshold: number;
    readonly unit: ThresholdUnit;
    /** How long the condition must hold before the alert fires (Prometheus duration). */
    readonly for?: string;
    readonly severity: Severity;
    readonly summary: string;
    /** What Slack and Discord show (Alertmanager prints `.Annotations.description`); may use Go templates. */
    readonly description: (threshold: string) => string;
    /** Where the alert comes from: a source document and its section, or "ours" with the reason. */
    readonly source: string;
    readonly runbookUrl?: string;
}

export interface TargetSpec {
    readonly expr: (scope: Scope) => string;
    /** Grafana legend format; "__auto" lets Grafana derive it. */
    readonly legend?: string;
}

export interface PanelSpec {
    readonly title: string;
    readonly description?: string;
    /** @default "timeseries" */
    readonly type?: "timeseries" | "stat";
    /** Grafana unit id, e.g. "s", "percentunit", "reqps", "bytes", "short". @default "short" */
    readonly unit?: string;
    /** Grid width out of 24. @default 12 (timeseries), 6 (stat) */
    readonly width?: number;
    /** A red threshold line/colour at this value (the alert threshold the panel relates to). */
    readonly threshold?: number;
    readonly targets: readonly TargetSpec[];
}

export interface DashboardSpec {
    /** Short key: part of the uid, the ConfigMap name and its file name. */
    readonly key: string;
    readonly title: string;
    readonly description: string;
    readonly source: string;
    readonly panels: readonly PanelSpec[];
}

export interface ProductObservabilitySpec {
    /** Services (= ServiceMonitor `job` labels) whose metrics the rules and dashboards read. */
    readonly services: readonly string[];
    /** Name of the PrometheusRule object. */
    readonly rulesName: string;
    /** Short prefix of dashboard uids (uids must stay within Grafana's 40 characters). */
    readonly uidPrefix: string;
    readonly alerts: readonly AlertSpec[];
    readonly dashboards: readonly DashboardSpec[];
}

// ---------------------------------------------------------------------------------------------
// Selector helpers: every selector starts with the namespace matcher.

const quote = (value: string) => JSON.stringify(value);

function selector(scope: Scope, ...matchers: string[]): string {
    return `{${[`namespace=${quote(scope.namespace)}`, ...matchers].join(", ")}}`;
}

function jobMatcher(services: readonly string[]): string {
    return services.length === 1 ? `job=${quote(services[0])}` : `job=~${quote(services.join("|"))}`;
}

function podMatcher(services: readonly string[]): string {
    return services.length === 1 ? `pod=~${quote(`${services[0]}-.*`)}` : `pod=~${quote(`(${services.join("|")})-.*`)}`;
}

/** Series of the whole namespace. */
export const inNamespace = (scope: Scope, ...matchers: string[]) => selector(scope, ...matchers);
/** Series of the product's Services (all of them, or the ones named). */
export const ofServices = (scope: Scope, ...matchers: string[]) => selector(scope, jobMatcher(scope.services), ...matchers);
export const ofService = (scope: Scope, service: string, ...matchers: string[]) => selector(scope, jobMatcher([service]), ...matchers);
/** Series of the pods of the product's Deployments (pods are named `<deployment>-<hash>-<id>`). */
export const ofPods = (scope: Scope, ...matchers: string[]) => selector(scope, podMatcher(scope.services), ...matchers);

/** Aggregation that keeps one series per Service: Alertmanager groups by `service`. */
const BY_SERVICE = "namespace, service, job";

/** Share of requests whose status matches `statusMatcher`, per Service. */
function statusRatio(metric: string, sel: (...m: string[]) => string, statusMatcher: string, window: string): string {
    return `sum by (${BY_SERVICE}) (rate(${metric}${sel(statusMatcher)}[${window}]))`
        + ` / sum by (${BY_SERVICE}) (rate(${metric}${sel()}[${window}]))`;
}

/** Quantile of a Prometheus histogram, per Service. */
function latencyQuantile(quantile: number, sel: string, window: string): string {
    return `histogram_quantile(${quantile}, sum by (${BY_SERVICE}, le) (rate(http_request_duration_seconds_bucket${sel}[${window}])))`;
}

/** CPU used per container as a share of its limit (averaged over the window by `rate`). */
function cpuOfLimit(pods: (...m: string[]) => string, window: string): string {
    return `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total${pods('container!=""')}[${window}]))`
        + ` / sum by (namespace, pod, container) (kube_pod_container_resource_limits${pods('resource="cpu"')})`;
}

/** Working-set memory per container, averaged over the window, as a share of its limit. */
function memoryOfLimit(pods: (...m: string[]) => string, window: string): string {
    return `sum by (namespace, pod, container) (avg_over_time(container_memory_working_set_bytes${pods('container!=""')}[${window}]))`
        + ` / sum by (namespace, pod, container) (kube_pod_container_resource_limits${pods('resource="memory"')})`;
}

const restartRate = (scope: Scope) => `rate(kube_pod_container_status_restarts_total${inNamespace(scope)}[15m])`;

// ---------------------------------------------------------------------------------------------
// Alerts used by more than one product (our choices, stated where used).

/** Every scrape target of the product's Services unreachable (ours: a product without it is blind). */
function targetDown(alert: string, severity: Severity = "critical"): AlertSpec {
    return {
        alert,
        query: (s) => `up${ofServices(s)}`,
        op: "==", threshold: 0, unit: "count", for: "5m", severity,
        summary: "Metrics target down",
        description: () => "{{ $labels.job }} pod {{ $labels.pod }} in {{ $labels.namespace }} has not answered Prometheus' scrape for 5 minutes.",
        source: "ours: no source document asks for it; the same shape as the LLM service's DevOps setup's LLMServiceDown",
    };
}

// ---------------------------------------------------------------------------------------------
// Shared dashboard panels (namespace-wide resource views).

const podCpuPanel: PanelSpec = {
    title: "CPU usage by pod", unit: "short",
    targets: [{ expr: (s) => `sum by (pod) (rate(container_cpu_usage_seconds_total${inNamespace(s, 'container!=""')}[5m]))`, legend: "{{pod}}" }],
};
const podMemoryPanel: PanelSpec = {
    title: "Memory working set by pod", unit: "bytes",
    targets: [{ expr: (s) => `sum by (pod) (container_memory_working_set_bytes${inNamespace(s, 'container!=""')})`, legend: "{{pod}}" }],
};
const restartsPanel: PanelSpec = {
    title: "Container restarts (15m)", unit: "short",
    targets: [{ expr: (s) => `sum by (pod, container) (increase(kube_pod_container_status_restarts_total${inNamespace(s)}[15m]))`, legend: "{{pod}}/{{container}}" }],
};
const targetsUpPanel: PanelSpec = {
    title: "Scrape targets up", type: "stat", unit: "short", width: 6,
    targets: [{ expr: (s) => `sum by (job) (up${ofServices(s)})`, legend: "{{job}}" }],
};

// ---------------------------------------------------------------------------------------------
// The chatbot's deployment guide (ShopyVerse chatbot), "Performance Baselines & SLOs": the alert thresholds.

export const CHATBOT_SLO = {
    /** P95 latency > 2s (5m avg). */
    p95LatencySeconds: 2,
    /** P99 latency > 5s (2m avg). */
    p99LatencySeconds: 5,
    /** Error rate (5xx) > 5% (5m avg). */
    errorRatio5xx: 0.05,
    /** Error rate (4xx) > 20% (5m avg). */
    errorRatio4xx: 0.2,
    /** Availability < 99.5% (24h). */
    availability: 0.995,
    /** CPU usage > 80% (5m avg). */
    cpuRatio: 0.8,
    /** Memory usage > 85% (5m avg). */
    memoryRatio: 0.85,
} as const;

const chatbot: ProductObservabilitySpec = {
    services: ["chatbot-service"],
    rulesName: "chatbot-alerts",
    uidPrefix: "chatbot",
    alerts: [
        {
            alert: "ChatbotHighLatencyP95",
            query: (s) => latencyQuantile(0.95, ofServices(s), "5m"),
            op: ">", threshold: CHATBOT_SLO.p95LatencySeconds, unit: "seconds", for: "5m", severity: "warning",
            summary: "P95 latency above its SLO threshold",
            description: (t) => `P95 request latency of {{ $labels.service }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }} (5m average), above ${t} (target < 2s).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: P95 Latency > 2s (5m avg)",
        },
        {
            alert: "ChatbotHighLatencyP99",
            query: (s) => latencyQuantile(0.99, ofServices(s), "2m"),
            op: ">", threshold: CHATBOT_SLO.p99LatencySeconds, unit: "seconds", for: "2m", severity: "critical",
            summary: "P99 latency above its SLO threshold",
            description: (t) => `P99 request latency of {{ $labels.service }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }} (2m average), above ${t}.`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: P99 Latency > 5s (2m avg)",
        },
        {
            alert: "ChatbotHighErrorRate5xx",
            query: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"5.."', "5m"),
            op: ">", threshold: CHATBOT_SLO.errorRatio5xx, unit: "ratio", for: "5m", severity: "critical",
            summary: "5xx error rate above its SLO threshold",
            description: (t) => `{{ $value | humanizePercentage }} of requests to {{ $labels.service }} in {{ $labels.namespace }} failed with 5xx over 5 minutes (threshold ${t}, target < 0.5%).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: Error Rate (5xx) > 5% (5m avg)",
        },
        {
            alert: "ChatbotHighErrorRate4xx",
            query: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"4.."', "5m"),
            op: ">", threshold: CHATBOT_SLO.errorRatio4xx, unit: "ratio", for: "5m", severity: "warning",
            summary: "4xx error rate above its SLO threshold",
            description: (t) => `{{ $value | humanizePercentage }} of requests to {{ $labels.service }} in {{ $labels.namespace }} were answered 4xx over 5 minutes (threshold ${t}, target < 5%).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: Error Rate (4xx) > 20% (5m avg)",
        },
        {
            // Availability = share of requests not answered 5xx over 24 h. Written as 1 - 5xx/total so
            // that a total outage (no successful request at all) still yields a value. The 24 h is
            // the range; `for: 5m` only rides out scrape gaps (a `for: 24h` would delay it a day).
            alert: "ChatbotAvailabilityBelowSLO",
            query: (s) => `1 - (sum by (${BY_SERVICE}) (increase(http_requests_total${ofServices(s, 'status=~"5.."')}[24h]))`
                + ` / sum by (${BY_SERVICE}) (increase(http_requests_total${ofServices(s)}[24h])))`,
            op: "<", threshold: CHATBOT_SLO.availability, unit: "ratio", for: "5m", severity: "critical",
            summary: "Availability below its SLO threshold",
            description: (t) => `Availability of {{ $labels.service }} in {{ $labels.namespace }} over the last 24 hours is {{ $value | humanizePercentage }}, below ${t} (target 99.9%).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: Availability < 99.5% (24h); for: 5m is ours",
        },
        {
            alert: "ChatbotHighCPU",
            query: (s) => cpuOfLimit((...m) => ofPods(s, ...m), "5m"),
            op: ">", threshold: CHATBOT_SLO.cpuRatio, unit: "ratio", for: "5m", severity: "warning",
            summary: "Pod CPU above its threshold",
            description: (t) => "Container {{ $labels.container }} of {{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its CPU limit"
                + ` (5m average), above ${t} (target < 70%).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: CPU Usage > 80% (5m avg); measured against the container's limit (ours)",
        },
        {
            alert: "ChatbotHighMemory",
            query: (s) => memoryOfLimit((...m) => ofPods(s, ...m), "5m"),
            op: ">", threshold: CHATBOT_SLO.memoryRatio, unit: "ratio", for: "5m", severity: "warning",
            summary: "Pod memory above its threshold",
            description: (t) => "Container {{ $labels.container }} of {{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its memory limit"
                + ` (5m average), above ${t} (target < 80%).`,
            source: "the chatbot's deployment guide, Performance Baselines & SLOs: Memory Usage > 85% (5m avg); measured against the container's limit (ours)",
        },
        targetDown("ChatbotTargetDown"),
    ],
    dashboards: [
        {
            key: "service",
            title: "Chatbot Service Monitoring",
            description: "The document's custom dashboard for the chatbot service, scoped to this environment's namespace.",
            source: "the chatbot's deployment guide, Grafana Dashboards: Custom dashboard for Chatbot Service (its three panels and expressions)",
            panels: [
                {
                    title: "Request Latency (P95)", unit: "s", threshold: CHATBOT_SLO.p95LatencySeconds,
                    targets: [{ expr: (s) => `histogram_quantile(0.95, rate(http_request_duration_seconds_bucket${ofServices(s)}[5m]))` }],
                },
                {
                    title: "Error Rate (5xx)", unit: "reqps",
                    targets: [{ expr: (s) => `rate(http_requests_total${ofServices(s, 'status=~"5.."')}[5m])` }],
                },
                {
                    title: "Pod CPU Usage", unit: "short",
                    targets: [{ expr: (s) => `rate(container_cpu_usage_seconds_total${ofPods(s)}[5m])`, legend: "{{pod}} {{container}}" }],
                },
            ],
        },
        {
            key: "slo",
            title: "Chatbot SLOs",
            description: "The document's Performance Baselines & SLOs, each with its alert threshold.",
            source: "the chatbot's deployment guide, Performance Baselines & SLOs (the panels are ours)",
            panels: [
                { title: "P95 latency", unit: "s", threshold: CHATBOT_SLO.p95LatencySeconds, targets: [{ expr: (s) => latencyQuantile(0.95, ofServices(s), "5m"), legend: "{{service}}" }] },
                { title: "P99 latency", unit: "s", threshold: CHATBOT_SLO.p99LatencySeconds, targets: [{ expr: (s) => latencyQuantile(0.99, ofServices(s), "2m"), legend: "{{service}}" }] },
                {
                    title: "5xx error ratio", unit: "percentunit", threshold: CHATBOT_SLO.errorRatio5xx,
                    targets: [{ expr: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"5.."', "5m"), legend: "{{service}}" }],
                },
                {
                    title: "4xx error ratio", unit: "percentunit", threshold: CHATBOT_SLO.errorRatio4xx,
                    targets: [{ expr: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"4.."', "5m"), legend: "{{service}}" }],
                },
                {
                    title: "Availability (24h)", type: "stat", unit: "percentunit", width: 12, threshold: CHATBOT_SLO.availability,
                    targets: [{
                        expr: (s) => `1 - (sum(increase(http_requests_total${ofServices(s, 'status=~"5.."')}[24h])) / sum(increase(http_requests_total${ofServices(s)}[24h])))`,
                    }],
                },
                targetsUpPanel,
                { title: "CPU of limit", unit: "percentunit", threshold: CHATBOT_SLO.cpuRatio, targets: [{ expr: (s) => cpuOfLimit((...m) => ofPods(s, ...m), "5m"), legend: "{{pod}}" }] },
                { title: "Memory of limit", unit: "percentunit", threshold: CHATBOT_SLO.memoryRatio, targets: [{ expr: (s) => memoryOfLimit((...m) => ofPods(s, ...m), "5m"), legend: "{{pod}}" }] },
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// The Soundcore KCP deployment documentation (Soundcore KCP), "Alerting Rules" and "Grafana Dashboards".

const SOUNDCORE_SERVICES = ["frontend", "knowledge-service", "content-service", "support-service", "analytics-service", "auth-service"] as const;

export const SOUNDCORE_ALERTS = {
    /** HighErrorRate: rate(http_requests_total{status=~"5.."}[5m]) > 0.05, for 5m. An absolute rate (5xx per second), as the document writes it. */
    errorsPerSecond: 0.05,
    /** HighLatency: P95 > 2 (seconds), for 10m. */
    p95LatencySeconds: 2,
    /** PodCrashing: restart rate over 15m > 0. */
    restartRate: 0,
} as const;

const soundcore: ProductObservabilitySpec = {
    services: SOUNDCORE_SERVICES,
    rulesName: "soundcore-kcp-alerts",
    uidPrefix: "kcp",
    alerts: [
        {
            // The document's expression alerts per raw series (pod × method × status); summed per Service
            // so one notification names one Service. The threshold stays the document's absolute rate.
            alert: "HighErrorRate",
            query: (s) => `sum by (${BY_SERVICE}) (rate(http_requests_total${ofServices(s, 'status=~"5.."')}[5m]))`,
            op: ">", threshold: SOUNDCORE_ALERTS.errorsPerSecond, unit: "per-second", for: "5m", severity: "critical",
            summary: "High 5xx error rate",
            description: (t) => `{{ $labels.service }} in {{ $labels.namespace }} answers {{ $value | humanize }} 5xx responses per second (5m rate), above ${t}.`,
            source: "the Soundcore KCP deployment documentation, Alerting Rules: HighErrorRate",
        },
        {
            alert: "HighLatency",
            query: (s) => latencyQuantile(0.95, ofServices(s), "5m"),
            op: ">", threshold: SOUNDCORE_ALERTS.p95LatencySeconds, unit: "seconds", for: "10m", severity: "warning",
            summary: "High P95 latency",
            description: (t) => `P95 latency of {{ $labels.service }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }}, above ${t} for 10 minutes.`,
            source: "the Soundcore KCP deployment documentation, Alerting Rules: HighLatency",
        },
        {
            // The document gives no `for`: the 15m rate stays above zero for 15 minutes after a restart.
            alert: "PodCrashing",
            query: restartRate,
            op: ">", threshold: SOUNDCORE_ALERTS.restartRate, unit: "per-second", severity: "critical",
            summary: "Pod restarting",
            description: () => "Container {{ $labels.container }} of {{ $labels.pod }} in {{ $labels.namespace }} restarted in the last 15 minutes.",
            source: "the Soundcore KCP deployment documentation, Alerting Rules: PodCrashing",
        },
        targetDown("SoundcoreTargetDown"),
    ],
    dashboards: [
        {
            key: "system", title: "Soundcore KCP System Overview",
            description: "Health, uptime and resource usage of the Soundcore KCP services.",
            source: "the Soundcore KCP deployment documentation, Grafana Dashboards 1: System Overview (health, uptime, resource usage)",
            panels: [
                targetsUpPanel,
                {
                    title: "Uptime", type: "stat", unit: "s", width: 18,
                    targets: [{ expr: (s) => `min by (job) (time() - process_start_time_seconds${ofServices(s)})`, legend: "{{job}}" }],
                },
                podCpuPanel, podMemoryPanel, restartsPanel,
                {
                    title: "Unavailable replicas", unit: "short",
                    targets: [{ expr: (s) => `sum by (deployment) (kube_deployment_status_replicas_unavailable${inNamespace(s)})`, legend: "{{deployment}}" }],
                },
            ],
        },
        {
            key: "api", title: "Soundcore KCP API Performance",
            description: "Request rate, latency (P50/P95/P99) and errors of each service.",
            source: "the Soundcore KCP deployment documentation, Grafana Dashboards 2: API Performance; Prometheus Metrics (request rate, P50/P95/P99, error rate)",
            panels: [
                { title: "Request rate", unit: "reqps", targets: [{ expr: (s) => `sum by (job) (rate(http_requests_total${ofServices(s)}[5m]))`, legend: "{{job}}" }] },
                {
                    title: "5xx responses per second", unit: "reqps", threshold: SOUNDCORE_ALERTS.errorsPerSecond,
                    targets: [{ expr: (s) => `sum by (job) (rate(http_requests_total${ofServices(s, 'status=~"5.."')}[5m]))`, legend: "{{job}}" }],
                },
                {
                    title: "Latency P50 / P95 / P99", unit: "s", width: 24, threshold: SOUNDCORE_ALERTS.p95LatencySeconds,
                    targets: ([["0.5", "P50"], ["0.95", "P95"], ["0.99", "P99"]] as const).map(([q, name]): TargetSpec => ({
                        expr: (s) => `histogram_quantile(${q}, sum by (job, le) (rate(http_request_duration_seconds_bucket${ofServices(s)}[5m])))`,
                        legend: `{{job}} ${name}`,
                    })),
                },
                {
                    title: "Error ratio (5xx)", unit: "percentunit",
                    targets: [{ expr: (s) => `sum by (job) (rate(http_requests_total${ofServices(s, 'status=~"5.."')}[5m])) / sum by (job) (rate(http_requests_total${ofServices(s)}[5m]))`, legend: "{{job}}" }],
                },
                {
                    title: "Client errors (4xx) per second", unit: "reqps",
                    targets: [{ expr: (s) => `sum by (job) (rate(http_requests_total${ofServices(s, 'status=~"4.."')}[5m]))`, legend: "{{job}}" }],
                },
            ],
        },
        {
            // The stores' metrics come from their exporters (postgres_exporter, mongodb_exporter,
            // redis_exporter, Neo4j's own endpoint) when the workloads run them; panels stay empty
            // otherwise. Metric names are those exporters' defaults.
            key: "database", title: "Soundcore KCP Database Metrics",
            description: "Queries, connections and cache hit rate of PostgreSQL, MongoDB and Redis.",
            source: "the Soundcore KCP deployment documentation, Grafana Dashboards 3: Database Metrics (queries, connections, cache hit rate); exporter metric names are ours",
            panels: [
                {
                    title: "PostgreSQL transactions per second", unit: "ops",
                    targets: [{ expr: (s) => `sum by (datname) (rate(pg_stat_database_xact_commit${inNamespace(s)}[5m]) + rate(pg_stat_database_xact_rollback${inNamespace(s)}[5m]))`, legend: "{{datname}}" }],
                },
                {
                    title: "PostgreSQL connections", unit: "short",
                    targets: [{ expr: (s) => `sum by (datname) (pg_stat_database_numbackends${inNamespace(s)})`, legend: "{{datname}}" }],
                },
                {
                    title: "MongoDB operations per second", unit: "ops",
                    targets: [{ expr: (s) => `sum by (type) (rate(mongodb_op_counters_total${inNamespace(s)}[5m]))`, legend: "{{type}}" }],
                },
                {
                    title: "MongoDB connections", unit: "short",
                    targets: [{ expr: (s) => `sum by (pod) (mongodb_connections${inNamespace(s, 'state="current"')})`, legend: "{{pod}}" }],
                },
                {
                    title: "Redis cache hit rate", unit: "percentunit",
                    targets: [{
                        expr: (s) => `sum(rate(redis_keyspace_hits_total${inNamespace(s)}[5m])) / (sum(rate(redis_keyspace_hits_total${inNamespace(s)}[5m])) + sum(rate(redis_keyspace_misses_total${inNamespace(s)}[5m])))`,
                        legend: "hit rate",
                    }],
                },
                {
                    title: "Redis connected clients", unit: "short",
                    targets: [{ expr: (s) => `sum by (pod) (redis_connected_clients${inNamespace(s)})`, legend: "{{pod}}" }],
                },
            ],
        },
        {
            // The document names the activities, not metrics: each maps to the requests of the service
            // that performs it (auth → user activity, knowledge → searches, content → generation).
            key: "business", title: "Soundcore KCP Business Metrics",
            description: "User activity, knowledge searches and content generation, from the request rates of the services behind them.",
            source: "the Soundcore KCP deployment documentation, Grafana Dashboards 4: Business Metrics (user activity, knowledge searches, content generation); the mapping to services is ours",
            panels: [
                { title: "User activity (auth-service requests)", unit: "reqps", targets: [{ expr: (s) => `sum by (method) (rate(http_requests_total${ofService(s, "auth-service")}[5m]))`, legend: "{{method}}" }] },
                { title: "Knowledge searches (knowledge-service requests)", unit: "reqps", targets: [{ expr: (s) => `sum(rate(http_requests_total${ofService(s, "knowledge-service")}[5m]))`, legend: "requests" }] },
                { title: "Content generation (content-service requests)", unit: "reqps", targets: [{ expr: (s) => `sum(rate(http_requests_total${ofService(s, "content-service")}[5m]))`, legend: "requests" }] },
                { title: "Support requests (support-service)", unit: "reqps", targets: [{ expr: (s) => `sum(rate(http_requests_total${ofService(s, "support-service")}[5m]))`, legend: "requests" }] },
                {
                    title: "Requests in the last 24 hours", type: "stat", unit: "short", width: 24,
                    targets: [{ expr: (s) => `sum by (job) (increase(http_requests_total${ofServices(s)}[24h]))`, legend: "{{job}}" }],
                },
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// The LLM service's DevOps setup (LLM secret-detection service), "Alerting Rules" and "Prometheus Metrics".

export const LLM_ALERTS = {
    /** LLMServiceDown: up{job="llm-service"} == 0, for 5m. */
    up: 0,
    /** HighErrorRate: 5xx / all > 0.05, for 5m. */
    errorRatio: 0.05,
} as const;

const llm: ProductObservabilitySpec = {
    services: ["llm-service"],
    rulesName: "llm-service-alerts",
    uidPrefix: "llm",
    alerts: [
        {
            alert: "LLMServiceDown",
            query: (s) => `up${ofServices(s)}`,
            op: "==", threshold: LLM_ALERTS.up, unit: "count", for: "5m", severity: "critical",
            summary: "Service down",
            description: () => "llm-service pod {{ $labels.pod }} in {{ $labels.namespace }} has not answered Prometheus' scrape for 5 minutes.",
            source: "the LLM service's DevOps setup, Alerting Rules: LLMServiceDown",
        },
        {
            // The document divides un-aggregated series: numerator and denominator then match label by
            // label, so each 5xx series is divided by itself (always 1). Summing both sides per
            // Service computes the share the document means; threshold and `for` are the document's.
            alert: "HighErrorRate",
            query: (s) => statusRatio("llm_http_requests_total", (...m) => ofServices(s, ...m), 'status_code=~"5.."', "5m"),
            op: ">", threshold: LLM_ALERTS.errorRatio, unit: "ratio", for: "5m", severity: "warning",
            summary: "5xx error rate high",
            description: (t) => `{{ $value | humanizePercentage }} of requests to llm-service in {{ $labels.namespace }} failed with 5xx over 5 minutes (threshold ${t}).`,
            source: "the LLM service's DevOps setup, Alerting Rules: HighErrorRate",
        },
    ],
    dashboards: [
        {
            key: "service", title: "LLM Secret Detection Service",
            description: "Requests, analysis latency, cache efficiency and detected secrets of the LLM secret-detection service.",
            source: "the LLM service's DevOps setup, Prometheus Metrics (llm_http_requests_total, llm_analysis_duration_seconds, llm_cache_hits/misses_total, llm_secrets_detected_total)",
            panels: [
                targetsUpPanel,
                {
                    title: "5xx error ratio", type: "stat", unit: "percentunit", width: 18, threshold: LLM_ALERTS.errorRatio,
                    targets: [{ expr: (s) => statusRatio("llm_http_requests_total", (...m) => ofServices(s, ...m), 'status_code=~"5.."', "5m"), legend: "{{service}}" }],
                },
                {
                    title: "Requests by endpoint and status", unit: "reqps",
                    targets: [{ expr: (s) => `sum by (endpoint, status_code) (rate(llm_http_requests_total${ofServices(s)}[5m]))`, legend: "{{endpoint}} {{status_code}}" }],
                },
                {
                    // The document shows a summary (quantile label), not a histogram.
                    title: "Analysis duration P95 by secret type", unit: "s",
                    targets: [{ expr: (s) => `max by (secret_type) (llm_analysis_duration_seconds${ofServices(s, 'quantile="0.95"')})`, legend: "{{secret_type}}" }],
                },
                {
                    title: "Cache hit ratio", unit: "percentunit",
                    targets: [{
                        expr: (s) => `sum(rate(llm_cache_hits_total${ofServices(s)}[5m])) / (sum(rate(llm_cache_hits_total${ofServices(s)}[5m])) + sum(rate(llm_cache_misses_total${ofServices(s)}[5m])))`,
                        legend: "hit ratio",
                    }],
                },
                {
                    title: "Secrets detected per hour", unit: "short",
                    targets: [{ expr: (s) => `sum by (risk_level, secret_type) (increase(llm_secrets_detected_total${ofServices(s)}[1h]))`, legend: "{{risk_level}} {{secret_type}}" }],
                },
                podCpuPanel, podMemoryPanel,
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// The QuickSpin AI setup guide (QuickSpin AI), "Next Steps → Set Up Alerts": high error rate, pod crashes, API quota
// limits. The document names the alerts but gives no expression or number: the thresholds are ours,
// taken from the other source documents' equivalents (5% 5xx as in the chatbot's and the LLM service's, the Soundcore KCP deployment documentation's PodCrashing).

export const QUICKSPIN_ALERTS = {
    /** Ours (the QuickSpin AI setup guide gives no number): 5% of requests 5xx, as the chatbot's and the LLM service's documents. */
    errorRatio: 0.05,
    /** Ours: any restart in 15 minutes, as the Soundcore KCP deployment documentation's PodCrashing. */
    restartRate: 0,
    /** Ours: more than 1% of requests answered 429 Too Many Requests. */
    quotaLimitedRatio: 0.01,
} as const;

const quickspin: ProductObservabilitySpec = {
    services: ["quickspin-ai"],
    rulesName: "quickspin-ai-alerts",
    uidPrefix: "quickspin",
    alerts: [
        {
            alert: "QuickSpinHighErrorRate",
            query: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"5.."', "5m"),
            op: ">", threshold: QUICKSPIN_ALERTS.errorRatio, unit: "ratio", for: "5m", severity: "critical",
            summary: "5xx error rate high",
            description: (t) => `{{ $value | humanizePercentage }} of requests to {{ $labels.service }} in {{ $labels.namespace }} failed with 5xx over 5 minutes (threshold ${t}).`,
            source: "the QuickSpin AI setup guide, Set Up Alerts: high error rate (threshold ours)",
        },
        {
            alert: "QuickSpinPodCrashing",
            query: restartRate,
            op: ">", threshold: QUICKSPIN_ALERTS.restartRate, unit: "per-second", severity: "critical",
            summary: "Pod restarting",
            description: () => "Container {{ $labels.container }} of {{ $labels.pod }} in {{ $labels.namespace }} restarted in the last 15 minutes.",
            source: "the QuickSpin AI setup guide, Set Up Alerts: pod crashes (expression as the Soundcore KCP deployment documentation's PodCrashing)",
        },
        {
            // The service answers 429 when its callers exceed their quota or when Groq's quota is
            // exhausted upstream; the ingress-level 100 requests/minute limit is enforced by
            // ingress-nginx before requests reach the pod and shows in its own metrics.
            alert: "QuickSpinApiQuotaLimited",
            query: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status="429"', "5m"),
            op: ">", threshold: QUICKSPIN_ALERTS.quotaLimitedRatio, unit: "ratio", for: "10m", severity: "warning",
            summary: "Requests hitting API quota limits",
            description: (t) => `{{ $value | humanizePercentage }} of requests to {{ $labels.service }} in {{ $labels.namespace }} were answered 429 Too Many Requests over 5 minutes (threshold ${t}): a caller or the Groq API quota is at its limit.`,
            source: "the QuickSpin AI setup guide, Set Up Alerts: API quota limits (signal and threshold ours)",
        },
        targetDown("QuickSpinTargetDown"),
    ],
    dashboards: [
        {
            key: "service", title: "QuickSpin AI Service",
            description: "Requests, errors, quota rejections, latency and resources of the QuickSpin AI service.",
            source: "the QuickSpin AI setup guide (Prometheus Metrics, Set Up Alerts, Monitor Performance); the panels are ours",
            panels: [
                targetsUpPanel,
                {
                    title: "5xx error ratio", type: "stat", unit: "percentunit", width: 18, threshold: QUICKSPIN_ALERTS.errorRatio,
                    targets: [{ expr: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status=~"5.."', "5m"), legend: "{{service}}" }],
                },
                { title: "Requests by status", unit: "reqps", targets: [{ expr: (s) => `sum by (status) (rate(http_requests_total${ofServices(s)}[5m]))`, legend: "{{status}}" }] },
                {
                    title: "429 Too Many Requests ratio", unit: "percentunit", threshold: QUICKSPIN_ALERTS.quotaLimitedRatio,
                    targets: [{ expr: (s) => statusRatio("http_requests_total", (...m) => ofServices(s, ...m), 'status="429"', "5m"), legend: "{{service}}" }],
                },
                { title: "Latency P95", unit: "s", targets: [{ expr: (s) => latencyQuantile(0.95, ofServices(s), "5m"), legend: "{{service}}" }] },
                restartsPanel, podCpuPanel, podMemoryPanel,
            ],
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// The Harvis AI implementation summary (Harvis AI) gives no alerts and no dashboards (it lists Prometheus/Grafana monitoring
// and alerting as next steps). Everything here is our choice: the backend and frontend scraped,
// crash loops, GPU pods that cannot be scheduled (the backend requests a GPU and pins to GPU
// nodes), and Deployments (backend, Ollama, n8n) short of replicas.

export const HARVIS_ALERTS = {
    /** Ours: a container in CrashLoopBackOff for 15 minutes. */
    crashLooping: 1,
    /** Ours: a Deployment missing replicas for 15 minutes. */
    unavailableReplicas: 0,
    /** Ours: 5% of backend requests 5xx, as the chatbot's and the LLM service's documents. */
    backendErrorRatio: 0.05,
} as const;

const harvis: ProductObservabilitySpec = {
    services: ["harvis-ai-backend", "harvis-ai-frontend"],
    rulesName: "harvis-ai-alerts",
    uidPrefix: "harvis",
    alerts: [
        targetDown("HarvisTargetDown"),
        {
            alert: "HarvisPodCrashLooping",
            query: (s) => `max_over_time(kube_pod_container_status_waiting_reason${inNamespace(s, 'reason="CrashLoopBackOff"')}[5m])`,
            op: ">=", threshold: HARVIS_ALERTS.crashLooping, unit: "count", for: "15m", severity: "critical",
            summary: "Container crash looping",
            description: () => "Container {{ $labels.container }} of {{ $labels.pod }} in {{ $labels.namespace }} has been in CrashLoopBackOff for 15 minutes.",
            source: "ours (the Harvis AI implementation summary has no alerts)",
        },
        {
            alert: "HarvisGpuPodPending",
            // Parenthesised: `and` binds more loosely than the comparison appended to the query.
            query: (s) => `(sum by (namespace, pod) (kube_pod_container_resource_requests${inNamespace(s, 'resource="nvidia_com_gpu"')})`
                + ` and on (namespace, pod) (max by (namespace, pod) (kube_pod_status_phase${inNamespace(s, 'phase="Pending"')}) == 1))`,
            op: ">", threshold: 0, unit: "count", for: "10m", severity: "critical",
            summary: "GPU pod cannot be scheduled",
            description: () => "Pod {{ $labels.pod }} in {{ $labels.namespace }} requests a GPU and has been Pending for 10 minutes: no GPU node with free capacity matches its placement.",
            source: "ours (the Harvis AI implementation summary has no alerts; its backend needs a GPU node)",
        },
        {
            alert: "HarvisDeploymentUnavailable",
            query: (s) => `kube_deployment_status_replicas_unavailable${inNamespace(s)}`,
            op: ">", threshold: HARVIS_ALERTS.unavailableReplicas, unit: "count", for: "15m", severity: "warning",
            summary: "Deployment short of replicas",
            description: () => "Deployment {{ $labels.deployment }} in {{ $labels.namespace }} has had {{ $value }} unavailable replica(s) for 15 minutes.",
            source: "ours (the Harvis AI implementation summary has no alerts; covers the backend, Ollama and n8n, which expose no metrics of their own)",
        },
        {
            alert: "HarvisBackendHighErrorRate",
            query: (s) => statusRatio("http_requests_total", (...m) => ofService(s, "harvis-ai-backend", ...m), 'status=~"5.."', "5m"),
            op: ">", threshold: HARVIS_ALERTS.backendErrorRatio, unit: "ratio", for: "5m", severity: "warning",
            summary: "Backend 5xx error rate high",
            description: (t) => `{{ $value | humanizePercentage }} of requests to the Harvis AI backend in {{ $labels.namespace }} failed with 5xx over 5 minutes (threshold ${t}).`,
            source: "ours (the Harvis AI implementation summary has no alerts; threshold as the chatbot's and the LLM service's documents)",
        },
    ],
    dashboards: [
        {
            key: "overview", title: "Harvis AI Overview",
            description: "Health of the Harvis AI backend and frontend, GPU scheduling, restarts and resources.",
            source: "ours (the Harvis AI implementation summary names Prometheus/Grafana monitoring as a next step, without panels)",
            panels: [
                targetsUpPanel,
                {
                    title: "GPUs requested by running pods", type: "stat", unit: "short", width: 9,
                    targets: [{ expr: (s) => `sum(kube_pod_container_resource_requests${inNamespace(s, 'resource="nvidia_com_gpu"')} * on (namespace, pod) group_left() (max by (namespace, pod) (kube_pod_status_phase${inNamespace(s, 'phase="Running"')}) == 1))` }],
                },
                {
                    title: "Pending pods", type: "stat", unit: "short", width: 9,
                    targets: [{ expr: (s) => `sum(kube_pod_status_phase${inNamespace(s, 'phase="Pending"')})` }],
                },
                { title: "Request rate", unit: "reqps", targets: [{ expr: (s) => `sum by (job) (rate(http_requests_total${ofServices(s)}[5m]))`, legend: "{{job}}" }] },
                {
                    title: "Backend 5xx error ratio", unit: "percentunit", threshold: HARVIS_ALERTS.backendErrorRatio,
                    targets: [{ expr: (s) => statusRatio("http_requests_total", (...m) => ofService(s, "harvis-ai-backend", ...m), 'status=~"5.."', "5m"), legend: "{{service}}" }],
                },
                { title: "Backend latency P95", unit: "s", targets: [{ expr: (s) => latencyQuantile(0.95, ofService(s, "harvis-ai-backend"), "5m"), legend: "{{service}}" }] },
                {
                    title: "Unavailable replicas", unit: "short",
                    targets: [{ expr: (s) => `sum by (deployment) (kube_deployment_status_replicas_unavailable${inNamespace(s)})`, legend: "{{deployment}}" }],
                },
                restartsPanel, podCpuPanel, podMemoryPanel,
            ],
        },
    ],
};

/** Alerts and dashboards per product. */
export const OBSERVABILITY: Record<ProductId, ProductObservabilitySpec> = {
    "quickspin-ai": quickspin,
    chatbot,
    "soundcore-kcp": soundcore,
    "harvis-ai": harvis,
    "llm-secret-detection": llm,
};
