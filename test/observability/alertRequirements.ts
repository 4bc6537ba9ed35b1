/**
 * Every product alert as its requirement states it, with the input series that must make it fire
 * and the ones that must leave it silent: the promtool unit tests (promtool.test.ts) are built from
 * this table, never from the rendered rules.
 *
 * Sources, by product: the chatbot's "Performance Baselines & SLOs" table, Soundcore KCP's and the
 * LLM service's "Alerting Rules", QuickSpin AI's "Set Up Alerts", and the choices
 * docs/observability.md records as ours (every *TargetDown, everything of Harvis AI). Thresholds,
 * `for` durations, severities, owners and namespaces are written here from those documents; the
 * notification texts are the documented wording filled in for each scenario, so a changed text is
 * a deliberate change of both.
 *
 * Each alert gets three checks, all at a 1-minute evaluation interval:
 * - `fires`: series over the threshold from the start; the alert must be firing, with exactly the
 *   expected labels and annotations, once the window is full and `for` has passed (`window + for +
 *   1m`), and must not be firing yet one minute before `for` has passed;
 * - `under`: series just under the threshold (or beside the condition, e.g. another Service): the
 *   alert must stay silent at the same time.
 * Alerts without `for` fire at once: they are checked at the first evaluation after the event and
 * after the event has left their window.
 */

export type Env = "dev" | "staging" | "prod";
export type Product = "quickspin-ai" | "chatbot" | "soundcore-kcp" | "harvis-ai" | "llm-secret-detection";

/** The product's main namespace per environment (docs/observability.md, "Scoping"). */
export const NAMESPACES: Record<Product, Record<Env, string>> = {
    "quickspin-ai": { dev: "quickspin-ai", staging: "quickspin-ai", prod: "quickspin-ai" },
    chatbot: { dev: "chatbot-dev", staging: "chatbot-staging", prod: "chatbot-prod" },
    "soundcore-kcp": { dev: "soundcore-kcp-dev", staging: "soundcore-kcp-staging", prod: "soundcore-kcp-prod" },
    "harvis-ai": { dev: "ai-agents-dev", staging: "ai-agents-staging", prod: "ai-agents" },
    "llm-secret-detection": { dev: "llm-service", staging: "llm-service", prod: "llm-service" },
};

/** Display name (what the notification starts with) and owning team, from the product catalogue. */
export const OWNERS: Record<Product, { name: string; team: string }> = {
    "quickspin-ai": { name: "QuickSpin AI", team: "quickspin" },
    chatbot: { name: "ShopyVerse chatbot", team: "shopyverse" },
    "soundcore-kcp": { name: "Soundcore KCP", team: "soundcore" },
    "harvis-ai": { name: "Harvis AI", team: "harvis" },
    "llm-secret-detection": { name: "LLM secret-detection service", team: "secops" },
};

export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

export interface ExpectedAlert {
    /** The alert's labels besides alertname and the rule's own severity/product/environment/team. */
    readonly labels: Record<string, string>;
    readonly summary: string;
    /** The description after its `[<env>] <product>: ` prefix. */
    readonly description: string;
}

export interface Scenario {
    readonly series: InputSeries[];
    readonly alerts: ExpectedAlert[];
}

export interface AlertRequirement {
    readonly product: Product;
    readonly alert: string;
    /** The requirement in words, with its source; docs/observability.md lists the same. */
    readonly requirement: string;
    readonly severity: "critical" | "warning";
    /** `for` in minutes; undefined: fires at the first evaluation. */
    readonly forMinutes?: number;
    /** The longest range the condition averages over, in minutes (0 for an instant gauge). */
    readonly windowMinutes: number;
    /** Over the threshold (for alerts without `for`: the event happens at EVENT_MINUTE). */
    readonly fires: (ns: string) => Scenario;
    /** Just under the threshold, or a near miss beside the condition. */
    readonly under: (ns: string) => InputSeries[];
}

/** For alerts without `for`: the minute of the event (a restart) in `fires`. */
export const EVENT_MINUTE = 10;
/** Samples per series: beyond every evaluation time used (the 24 h window plus margin). */
const SAMPLES = 24 * 60 + 60;

type Labels = Record<string, string>;

function selector(metric: string, labels: Labels): string {
    return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;
}

/** A counter growing by `perMinute` each minute from 0. */
export function counter(metric: string, labels: Labels, perMinute: number): InputSeries {
    return { series: selector(metric, labels), values: `0+${perMinute}x${SAMPLES}` };
}

/** A gauge holding `value`. */
export function gauge(metric: string, labels: Labels, value: number): InputSeries {
    return { series: selector(metric, labels), values: `${value}+0x${SAMPLES}` };
}

/** A counter at `before` until `minute`, then at `before + 1` (one restart at that minute). */
function stepAt(metric: string, labels: Labels, before: number, minute: number): InputSeries {
    return { series: selector(metric, labels), values: `${before}+0x${minute - 1} ${before + 1}+0x${SAMPLES - minute}` };
}

/** Pod name of a Deployment's pod, as Kubernetes generates it. */
const podOf = (deployment: string) => `${deployment}-5d8f7c9b4-x2x7q`;

/** Labels of a product's own metrics, as its ServiceMonitor scrapes them. */
function target(ns: string, service: string, extra: Labels = {}): Labels {
    return { namespace: ns, service, job: service, pod: podOf(service), instance: "10.42.0.17:8080", endpoint: "http", ...extra };
}

/** Labels kube-state-metrics puts on a container's series. */
function ksmContainer(ns: string, deployment: string, extra: Labels = {}): Labels {
    return { namespace: ns, pod: podOf(deployment), container: deployment, job: "kube-state-metrics", ...extra };
}

/** Requests per minute by status: `{ "200": 900, "500": 100 }`. */
function requests(metric: string, statusLabel: string, labels: Labels, byStatus: Record<string, number>): InputSeries[] {
    return Object.entries(byStatus).map(([status, perMinute]) => counter(metric, { ...labels, [statusLabel]: status }, perMinute));
}

const BUCKETS = ["0.25", "0.5", "1", "2", "3", "5", "6", "10", "+Inf"];

/**
 * A latency histogram where every request (60 a minute) takes between `from` and `to` seconds, two
 * adjacent bucket bounds: the quantile q then interpolates to from + q × (to − from).
 */
function latencies(labels: Labels, from: string, to: string): InputSeries[] {
    if (BUCKETS.indexOf(to) !== BUCKETS.indexOf(from) + 1) {
        throw new Error(`${from} and ${to} are not adjacent buckets of ${BUCKETS.join(", ")}`);
    }
    return BUCKETS.map((le) => counter("http_request_duration_seconds_bucket", { ...labels, le },
        BUCKETS.indexOf(le) >= BUCKETS.indexOf(to) ? 60 : 0));
}

const serviceLabels = (ns: string, service: string) => ({ namespace: ns, service, job: service });

/** `up == 0` of a Service for 5 minutes (ours, shaped like the LLM service's LLMServiceDown). */
function targetDown(product: Product, alert: string, service: string, summary: string, requirement: string): AlertRequirement {
    return {
        product, alert, requirement, severity: "critical", forMinutes: 5, windowMinutes: 0,
        fires: (ns) => ({
            series: [gauge("up", target(ns, service), 0)],
            alerts: [{
                labels: target(ns, service),
                summary,
                description: `${service} pod ${podOf(service)} in ${ns} has not answered Prometheus' scrape for 5 minutes.`,
            }],
        }),
        under: (ns) => [gauge("up", target(ns, service), 1)],
    };
}

/** A container restart makes the alert fire at once and for the 15 minutes the restart stays in the window. */
function podCrashing(product: Product, alert: string, deployment: string, requirement: string): AlertRequirement {
    return {
        product, alert, requirement, severity: "critical", windowMinutes: 15,
        fires: (ns) => ({
            series: [stepAt("kube_pod_container_status_restarts_total", ksmContainer(ns, deployment), 0, EVENT_MINUTE)],
            alerts: [{
                labels: ksmContainer(ns, deployment),
                summary: "Pod restarting",
                description: `Container ${deployment} of ${podOf(deployment)} in ${ns} restarted in the last 15 minutes.`,
            }],
        }),
        // A container that restarted long before the window: its counter is high but still.
        under: (ns) => [gauge("kube_pod_container_status_restarts_total", ksmContainer(ns, deployment), 3)],
    };
}

const CHATBOT = "chatbot-service";

export const REQUIREMENTS: AlertRequirement[] = [
    // --- ShopyVerse chatbot: "Performance Baselines & SLOs", the "Alert Threshold" column -------
    {
        product: "chatbot", alert: "ChatbotHighLatencyP95", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "P95 latency > 2 s (5m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: latencies(target(ns, CHATBOT), "2", "3"),
            alerts: [{ labels: serviceLabels(ns, CHATBOT), summary: "P95 latency above its SLO threshold", description: `P95 request latency of ${CHATBOT} in ${ns} is 2.95s (5m average), above 2s (target < 2s).` }],
        }),
        under: (ns) => latencies(target(ns, CHATBOT), "1", "2"),
    },
    {
        product: "chatbot", alert: "ChatbotHighLatencyP99", severity: "critical", forMinutes: 2, windowMinutes: 2,
        requirement: "P99 latency > 5 s (2m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: latencies(target(ns, CHATBOT), "5", "6"),
            alerts: [{ labels: serviceLabels(ns, CHATBOT), summary: "P99 latency above its SLO threshold", description: `P99 request latency of ${CHATBOT} in ${ns} is 5.99s (2m average), above 5s.` }],
        }),
        under: (ns) => latencies(target(ns, CHATBOT), "3", "5"),
    },
    {
        product: "chatbot", alert: "ChatbotHighErrorRate5xx", severity: "critical", forMinutes: 5, windowMinutes: 5,
        requirement: "Error rate (5xx) > 5 % of requests (5m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 900, "500": 100 }),
            alerts: [{ labels: serviceLabels(ns, CHATBOT), summary: "5xx error rate above its SLO threshold", description: `10% of requests to ${CHATBOT} in ${ns} failed with 5xx over 5 minutes (threshold 5%, target < 0.5%).` }],
        }),
        under: (ns) => requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 951, "500": 49 }),
    },
    {
        product: "chatbot", alert: "ChatbotHighErrorRate4xx", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "Error rate (4xx) > 20 % of requests (5m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 750, "404": 250 }),
            alerts: [{ labels: serviceLabels(ns, CHATBOT), summary: "4xx error rate above its SLO threshold", description: `25% of requests to ${CHATBOT} in ${ns} were answered 4xx over 5 minutes (threshold 20%, target < 5%).` }],
        }),
        under: (ns) => requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 810, "404": 190 }),
    },
    {
        product: "chatbot", alert: "ChatbotAvailabilityBelowSLO", severity: "critical", forMinutes: 5, windowMinutes: 24 * 60,
        requirement: "Availability < 99.5 % over 24 h — Performance Baselines & SLOs (for: 5m ours)",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 990, "503": 10 }),
            alerts: [{ labels: serviceLabels(ns, CHATBOT), summary: "Availability below its SLO threshold", description: `Availability of ${CHATBOT} in ${ns} over the last 24 hours is 99%, below 99.5% (target 99.9%).` }],
        }),
        under: (ns) => requests("http_requests_total", "status", target(ns, CHATBOT), { "200": 996, "503": 4 }),
    },
    {
        product: "chatbot", alert: "ChatbotHighCPU", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "CPU usage > 80 % of the container's limit (5m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: [
                counter("container_cpu_usage_seconds_total", { ...ksmContainer(ns, CHATBOT), job: "kubelet" }, 54),
                gauge("kube_pod_container_resource_limits", ksmContainer(ns, CHATBOT, { resource: "cpu", unit: "core" }), 1),
            ],
            alerts: [{
                labels: { namespace: ns, pod: podOf(CHATBOT), container: CHATBOT },
                summary: "Pod CPU above its threshold",
                description: `Container ${CHATBOT} of ${podOf(CHATBOT)} in ${ns} uses 90% of its CPU limit (5m average), above 80% (target < 70%).`,
            }],
        }),
        under: (ns) => [
            counter("container_cpu_usage_seconds_total", { ...ksmContainer(ns, CHATBOT), job: "kubelet" }, 47.4),
            gauge("kube_pod_container_resource_limits", ksmContainer(ns, CHATBOT, { resource: "cpu", unit: "core" }), 1),
        ],
    },
    {
        product: "chatbot", alert: "ChatbotHighMemory", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "Memory usage > 85 % of the container's limit (5m avg) — Performance Baselines & SLOs",
        fires: (ns) => ({
            series: [
                gauge("container_memory_working_set_bytes", { ...ksmContainer(ns, CHATBOT), job: "kubelet" }, 900_000_000),
                gauge("kube_pod_container_resource_limits", ksmContainer(ns, CHATBOT, { resource: "memory", unit: "byte" }), 1_000_000_000),
            ],
            alerts: [{
                labels: { namespace: ns, pod: podOf(CHATBOT), container: CHATBOT },
                summary: "Pod memory above its threshold",
                description: `Container ${CHATBOT} of ${podOf(CHATBOT)} in ${ns} uses 90% of its memory limit (5m average), above 85% (target < 80%).`,
            }],
        }),
        under: (ns) => [
            gauge("container_memory_working_set_bytes", { ...ksmContainer(ns, CHATBOT), job: "kubelet" }, 840_000_000),
            gauge("kube_pod_container_resource_limits", ksmContainer(ns, CHATBOT, { resource: "memory", unit: "byte" }), 1_000_000_000),
        ],
    },
    targetDown("chatbot", "ChatbotTargetDown", CHATBOT, "Metrics target down", "up == 0 for 5m (ours)"),

    // --- Soundcore KCP: "Alerting Rules" -----------------------------------------------------
    {
        product: "soundcore-kcp", alert: "HighErrorRate", severity: "critical", forMinutes: 5, windowMinutes: 5,
        requirement: "rate(http_requests_total{status=~\"5..\"}[5m]) > 0.05 (5xx responses per second, per Service) for 5m — Alerting Rules",
        fires: (ns) => ({
            // Two pods of one Service at 0.03/s each: 0.06/s for the Service.
            series: [
                counter("http_requests_total", target(ns, "knowledge-service", { status: "500" }), 1.8),
                counter("http_requests_total", target(ns, "knowledge-service", { status: "500", pod: "knowledge-service-5d8f7c9b4-k9p2m", instance: "10.42.0.18:8080" }), 1.8),
                counter("http_requests_total", target(ns, "knowledge-service", { status: "200" }), 600),
            ],
            alerts: [{ labels: serviceLabels(ns, "knowledge-service"), summary: "High 5xx error rate", description: `knowledge-service in ${ns} answers 60m 5xx responses per second (5m rate), above 0.05/s.` }],
        }),
        // Two Services at 0.04/s each: 0.08/s together, but each under its threshold.
        under: (ns) => [
            counter("http_requests_total", target(ns, "content-service", { status: "502" }), 2.4),
            counter("http_requests_total", target(ns, "support-service", { status: "500" }), 2.4),
        ],
    },
    {
        product: "soundcore-kcp", alert: "HighLatency", severity: "warning", forMinutes: 10, windowMinutes: 5,
        requirement: "P95 latency > 2 s for 10m — Alerting Rules",
        fires: (ns) => ({
            series: latencies(target(ns, "frontend"), "2", "3"),
            alerts: [{ labels: serviceLabels(ns, "frontend"), summary: "High P95 latency", description: `P95 latency of frontend in ${ns} is 2.95s, above 2s for 10 minutes.` }],
        }),
        under: (ns) => latencies(target(ns, "frontend"), "1", "2"),
    },
    podCrashing("soundcore-kcp", "PodCrashing", "knowledge-service", "rate(kube_pod_container_status_restarts_total[15m]) > 0, no for — Alerting Rules"),
    targetDown("soundcore-kcp", "SoundcoreTargetDown", "auth-service", "Metrics target down", "up == 0 for 5m (ours)"),

    // --- LLM secret-detection service: "Alerting Rules" --------------------------------------
    targetDown("llm-secret-detection", "LLMServiceDown", "llm-service", "Service down", "up{job=\"llm-service\"} == 0 for 5m — Alerting Rules"),
    {
        product: "llm-secret-detection", alert: "HighErrorRate", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "5xx share of llm_http_requests_total > 5 % for 5m — Alerting Rules",
        fires: (ns) => ({
            series: requests("llm_http_requests_total", "status_code", target(ns, "llm-service", { endpoint: "/api/v1/analyze", method: "POST" }), { "200": 900, "500": 100 }),
            alerts: [{ labels: serviceLabels(ns, "llm-service"), summary: "5xx error rate high", description: `10% of requests to llm-service in ${ns} failed with 5xx over 5 minutes (threshold 5%).` }],
        }),
        under: (ns) => requests("llm_http_requests_total", "status_code", target(ns, "llm-service", { endpoint: "/api/v1/analyze", method: "POST" }), { "200": 951, "500": 49 }),
    },

    // --- QuickSpin AI: "Set Up Alerts" (thresholds ours) -------------------------------------
    {
        product: "quickspin-ai", alert: "QuickSpinHighErrorRate", severity: "critical", forMinutes: 5, windowMinutes: 5,
        requirement: "high error rate: 5xx share > 5 % for 5m — Set Up Alerts (threshold ours)",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, "quickspin-ai"), { "200": 900, "500": 100 }),
            alerts: [{ labels: serviceLabels(ns, "quickspin-ai"), summary: "5xx error rate high", description: `10% of requests to quickspin-ai in ${ns} failed with 5xx over 5 minutes (threshold 5%).` }],
        }),
        under: (ns) => requests("http_requests_total", "status", target(ns, "quickspin-ai"), { "200": 951, "500": 49 }),
    },
    podCrashing("quickspin-ai", "QuickSpinPodCrashing", "quickspin-ai", "pod crashes: any restart in 15m, no for — Set Up Alerts"),
    {
        product: "quickspin-ai", alert: "QuickSpinApiQuotaLimited", severity: "warning", forMinutes: 10, windowMinutes: 5,
        requirement: "API quota limits: share of 429 answers > 1 % for 10m — Set Up Alerts (signal and threshold ours)",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, "quickspin-ai"), { "200": 980, "429": 20 }),
            alerts: [{
                labels: serviceLabels(ns, "quickspin-ai"),
                summary: "Requests hitting API quota limits",
                description: `2% of requests to quickspin-ai in ${ns} were answered 429 Too Many Requests over 5 minutes (threshold 1%): a caller or the Groq API quota is at its limit.`,
            }],
        }),
        under: (ns) => requests("http_requests_total", "status", target(ns, "quickspin-ai"), { "200": 991, "429": 9 }),
    },
    targetDown("quickspin-ai", "QuickSpinTargetDown", "quickspin-ai", "Metrics target down", "up == 0 for 5m (ours)"),

    // --- Harvis AI: all ours -----------------------------------------------------------------
    targetDown("harvis-ai", "HarvisTargetDown", "harvis-ai-frontend", "Metrics target down", "up == 0 of the backend or frontend for 5m (ours)"),
    {
        product: "harvis-ai", alert: "HarvisPodCrashLooping", severity: "critical", forMinutes: 15, windowMinutes: 5,
        requirement: "a container in CrashLoopBackOff for 15m (ours)",
        fires: (ns) => ({
            series: [gauge("kube_pod_container_status_waiting_reason", ksmContainer(ns, "harvis-ai-backend", { reason: "CrashLoopBackOff" }), 1)],
            alerts: [{
                labels: ksmContainer(ns, "harvis-ai-backend", { reason: "CrashLoopBackOff" }),
                summary: "Container crash looping",
                description: `Container harvis-ai-backend of ${podOf("harvis-ai-backend")} in ${ns} has been in CrashLoopBackOff for 15 minutes.`,
            }],
        }),
        under: (ns) => [
            gauge("kube_pod_container_status_waiting_reason", ksmContainer(ns, "harvis-ai-backend", { reason: "CrashLoopBackOff" }), 0),
            gauge("kube_pod_container_status_waiting_reason", ksmContainer(ns, "ollama", { reason: "ContainerCreating" }), 1),
        ],
    },
    {
        product: "harvis-ai", alert: "HarvisGpuPodPending", severity: "critical", forMinutes: 10, windowMinutes: 0,
        requirement: "a pod requesting a GPU Pending for 10m (ours)",
        fires: (ns) => ({
            series: [
                gauge("kube_pod_container_resource_requests", ksmContainer(ns, "harvis-ai-backend", { resource: "nvidia_com_gpu", unit: "integer" }), 1),
                gauge("kube_pod_status_phase", { namespace: ns, pod: podOf("harvis-ai-backend"), job: "kube-state-metrics", phase: "Pending" }, 1),
                gauge("kube_pod_status_phase", { namespace: ns, pod: podOf("harvis-ai-backend"), job: "kube-state-metrics", phase: "Running" }, 0),
            ],
            alerts: [{
                labels: { namespace: ns, pod: podOf("harvis-ai-backend") },
                summary: "GPU pod cannot be scheduled",
                description: `Pod ${podOf("harvis-ai-backend")} in ${ns} requests a GPU and has been Pending for 10 minutes: no GPU node with free capacity matches its placement.`,
            }],
        }),
        // A GPU pod that runs, and a pending pod that asks for no GPU.
        under: (ns) => [
            gauge("kube_pod_container_resource_requests", ksmContainer(ns, "harvis-ai-backend", { resource: "nvidia_com_gpu", unit: "integer" }), 1),
            gauge("kube_pod_status_phase", { namespace: ns, pod: podOf("harvis-ai-backend"), job: "kube-state-metrics", phase: "Pending" }, 0),
            gauge("kube_pod_status_phase", { namespace: ns, pod: podOf("harvis-ai-backend"), job: "kube-state-metrics", phase: "Running" }, 1),
            gauge("kube_pod_container_resource_requests", ksmContainer(ns, "n8n", { resource: "cpu", unit: "core" }), 0.5),
            gauge("kube_pod_status_phase", { namespace: ns, pod: podOf("n8n"), job: "kube-state-metrics", phase: "Pending" }, 1),
        ],
    },
    {
        product: "harvis-ai", alert: "HarvisDeploymentUnavailable", severity: "warning", forMinutes: 15, windowMinutes: 0,
        requirement: "a Deployment with unavailable replicas for 15m (ours)",
        fires: (ns) => ({
            series: [gauge("kube_deployment_status_replicas_unavailable", { namespace: ns, deployment: "ollama", job: "kube-state-metrics" }, 1)],
            alerts: [{
                labels: { namespace: ns, deployment: "ollama", job: "kube-state-metrics" },
                summary: "Deployment short of replicas",
                description: `Deployment ollama in ${ns} has had 1 unavailable replica(s) for 15 minutes.`,
            }],
        }),
        under: (ns) => [gauge("kube_deployment_status_replicas_unavailable", { namespace: ns, deployment: "ollama", job: "kube-state-metrics" }, 0)],
    },
    {
        product: "harvis-ai", alert: "HarvisBackendHighErrorRate", severity: "warning", forMinutes: 5, windowMinutes: 5,
        requirement: "backend 5xx share > 5 % for 5m (ours)",
        fires: (ns) => ({
            series: requests("http_requests_total", "status", target(ns, "harvis-ai-backend"), { "200": 900, "500": 100 }),
            alerts: [{ labels: serviceLabels(ns, "harvis-ai-backend"), summary: "Backend 5xx error rate high", description: `10% of requests to the Harvis AI backend in ${ns} failed with 5xx over 5 minutes (threshold 5%).` }],
        }),
        // The backend just under; the frontend, which the alert does not cover, far over.
        under: (ns) => [
            ...requests("http_requests_total", "status", target(ns, "harvis-ai-backend"), { "200": 951, "500": 49 }),
            ...requests("http_requests_total", "status", target(ns, "harvis-ai-frontend"), { "200": 500, "500": 500 }),
        ],
    },
];
