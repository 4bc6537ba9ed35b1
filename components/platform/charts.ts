/**
 * Every Helm chart the platform installs, pinned in one place. A stack can replace a version with
 * `chartVersionOverrides` (exact versions only) to try an upgrade on one environment first.
 *
 * Versions and repositories are the charts' latest releases checked against each chart's own
 * release notes when pinned; docs/plan.md lists the add-ons' sizes. Notable choices:
 * - Loki's maintained chart lives in the grafana-community repository since March 2026.
 * - prometheus-operator-crds carries the monitoring CRDs as templates, so a Release upgrades them
 *   (kube-prometheus-stack's own crds/ directory is never upgraded by Helm).
 * - ingress-nginx 4.15.1 is the final release (retired upstream in March 2026): keep the ingress
 *   layer swappable; Gateway API is the successor.
 */
export interface ChartPin {
    /** Chart name in its repository. */
    readonly chart: string;
    /** Exact chart version; never a range. */
    readonly version: string;
    /** Repository URL (HTTP Helm repository): the chart's own, or the stack's mirror after resolveCharts. */
    readonly repo: string;
    /** Helm release name: explicit, because it prefixes every object name and the `release` label. */
    readonly releaseName: string;
    /** Seconds Helm waits for the release to become ready. */
    readonly timeoutSeconds: number;
}

export const CHARTS = {
    "cert-manager": {
        chart: "cert-manager",
        version: "v1.21.1",
        repo: "https://charts.jetstack.io",
        releaseName: "cert-manager",
        timeoutSeconds: 600,
    },
    "ingress-nginx": {
        chart: "ingress-nginx",
        version: "4.15.1",
        repo: "https://kubernetes.github.io/ingress-nginx",
        releaseName: "ingress-nginx",
        timeoutSeconds: 600,
    },
    "prometheus-operator-crds": {
        chart: "prometheus-operator-crds",
        version: "31.0.1",
        repo: "https://prometheus-community.github.io/helm-charts",
        releaseName: "prometheus-operator-crds",
        timeoutSeconds: 600,
    },
    "kube-prometheus-stack": {
        chart: "kube-prometheus-stack",
        version: "88.5.3",
        repo: "https://prometheus-community.github.io/helm-charts",
        releaseName: "kube-prometheus-stack",
        timeoutSeconds: 900,
    },
    loki: {
        chart: "loki",
        version: "18.11.0",
        repo: "https://grafana-community.github.io/helm-charts",
        releaseName: "loki",
        timeoutSeconds: 600,
    },
    alloy: {
        chart: "alloy",
        version: "1.11.1",
        repo: "https://grafana.github.io/helm-charts",
        releaseName: "alloy",
        timeoutSeconds: 600,
    },
    // Harvis AI's CI runners (docs/products/harvis-ai.md), Kubernetes executor; 0.93.0 ships GitLab Runner 19.4.0.
    "gitlab-runner": {
        chart: "gitlab-runner",
        version: "0.93.0",
        repo: "https://charts.gitlab.io",
        releaseName: "gitlab-runner",
        timeoutSeconds: 600,
    },
} as const satisfies Record<string, ChartPin>;

export type ChartId = keyof typeof CHARTS;
export const CHART_IDS = Object.keys(CHARTS) as [ChartId, ...ChartId[]];

/**
 * The pins with a stack's overrides applied ("<chart>=<version>" entries, already validated) and,
 * when the stack names a mirror (one Helm repository serving every pinned chart, already
 * validated), that mirror as every chart's repository. Names and versions stay as pinned: a
 * mirror serves the same charts.
 */
export function resolveCharts(overrides: readonly string[], mirror?: string): Record<ChartId, ChartPin> {
    const resolved: Record<string, ChartPin> = { ...CHARTS };
    for (const entry of overrides) {
        const [chart, version] = entry.split("=") as [ChartId, string];
        resolved[chart] = { ...CHARTS[chart], version };
    }
    if (mirror) {
        for (const id of CHART_IDS) {
            resolved[id] = { ...resolved[id], repo: mirror };
        }
    }
    return resolved as Record<ChartId, ChartPin>;
}
