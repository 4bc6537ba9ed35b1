/**
 * Pure rendering of the observability data (catalog.ts) into what the cluster receives: the
 * `spec.groups` of a PrometheusRule and Grafana dashboard models. No Pulumi here, so the same
 * functions serve the component, the documentation and the tests.
 */
import { PRODUCTS, ProductId } from "../products/catalog";
import { AlertSpec, DashboardSpec, OBSERVABILITY, PanelSpec, Scope, ThresholdUnit } from "./catalog";

/** Grafana dashboard schema version the models are written against (Grafana 10.4 / 11). */
export const DASHBOARD_SCHEMA_VERSION = 39;
/** Grafana limits dashboard uids to 40 characters. */
export const MAX_UID_LENGTH = 40;

export interface PrometheusAlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export interface PrometheusRuleGroup {
    name: string;
    rules: PrometheusAlertRule[];
}

export interface RenderContext {
    readonly product: ProductId;
    readonly environment: string;
    /** The namespace every expression is scoped to (the product's main namespace). */
    readonly namespace: string;
}

export function scopeOf(ctx: RenderContext): Scope {
    return { namespace: ctx.namespace, services: OBSERVABILITY[ctx.product].services };
}

function trimNumber(value: number): string {
    return String(Number(value.toPrecision(12)));
}

/** A threshold as people read it: 0.05 → "5%", 2 (seconds) → "2s". */
export function formatThreshold(value: number, unit: ThresholdUnit): string {
    switch (unit) {
        case "ratio":
            return `${trimNumber(value * 100)}%`;
        case "seconds":
            return `${trimNumber(value)}s`;
        case "per-second":
            return `${trimNumber(value)}/s`;
        case "count":
            return trimNumber(value);
    }
}

/** The full expression: query, comparison, threshold. */
export function alertExpression(alert: AlertSpec, scope: Scope): string {
    return `${alert.query(scope)} ${alert.op} ${trimNumber(alert.threshold)}`;
}

export function renderAlert(alert: AlertSpec, ctx: RenderContext): PrometheusAlertRule {
    const product = PRODUCTS[ctx.product];
    const threshold = formatThreshold(alert.threshold, alert.unit);
    return {
        alert: alert.alert,
        expr: alertExpression(alert, scopeOf(ctx)),
        ...(alert.for ? { for: alert.for } : {}),
        labels: {
            severity: alert.severity,
            product: ctx.product,
            environment: ctx.environment,
            team: product.team,
        },
        annotations: {
            summary: `${product.displayName} (${ctx.environment}): ${alert.summary}`,
            description: `[${ctx.environment}] ${product.displayName}: ${alert.description(threshold)}`,
            ...(alert.runbookUrl ? { runbook_url: alert.runbookUrl } : {}),
        },
    };
}

/** `spec.groups` of the product's PrometheusRule: one group per product and environment. */
export function renderRuleGroups(ctx: RenderContext): PrometheusRuleGroup[] {
    const alerts = OBSERVABILITY[ctx.product].alerts;
    if (alerts.length === 0) {
        return [];
    }
    return [{ name: `${ctx.product}.${ctx.environment}`, rules: alerts.map((a) => renderAlert(a, ctx)) }];
}

/** Stable uid: product prefix, dashboard key, environment (unique even with one Grafana for all). */
export function dashboardUid(product: ProductId, key: string, environment: string): string {
    const uid = `${OBSERVABILITY[product].uidPrefix}-${key}-${environment}`;
    if (uid.length > MAX_UID_LENGTH || !/^[a-z0-9-]+$/.test(uid)) {
        throw new Error(`Dashboard uid "${uid}" must be at most ${MAX_UID_LENGTH} characters of [a-z0-9-]`);
    }
    return uid;
}

/** Panels reference the data source through this variable; its default is kube-prometheus-stack's Prometheus. */
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const GRID_WIDTH = 24;

function panelHeight(panel: PanelSpec): number {
    return (panel.type ?? "timeseries") === "stat" ? 4 : 8;
}

function panelWidth(panel: PanelSpec): number {
    return panel.width ?? ((panel.type ?? "timeseries") === "stat" ? 6 : 12);
}

function thresholds(panel: PanelSpec) {
    const steps: { color: string; value: number | null }[] = [{ color: "green", value: null }];
    if (panel.threshold !== undefined) {
        steps.push({ color: "red", value: panel.threshold });
    }
    return { mode: "absolute", steps };
}

function renderPanel(panel: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }, scope: Scope) {
    const type = panel.type ?? "timeseries";
    const custom = type === "timeseries"
        ? { custom: { drawStyle: "line", lineWidth: 1, fillOpacity: 10, showPoints: "never", thresholdsStyle: { mode: panel.threshold === undefined ? "off" : "line" } } }
        : {};
    const options = type === "timeseries"
        ? { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } }
        : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area", justifyMode: "auto", orientation: "auto", textMode: "auto" };
    return {
        id,
        type,
        title: panel.title,
        ...(panel.description ? { description: panel.description } : {}),
        datasource: DATASOURCE,
        gridPos,
        targets: panel.targets.map((target, i) => ({
            refId: REF_IDS[i],
            datasource: DATASOURCE,
            expr: target.expr(scope),
            legendFormat: target.legend ?? "__auto",
            range: true,
        })),
        fieldConfig: { defaults: { unit: panel.unit ?? "short", thresholds: thresholds(panel), ...custom }, overrides: [] },
        options,
    };
}

/** A Grafana dashboard model (what the sidecar provisions from a file: no `dashboard` wrapper). */
export function renderDashboard(dashboard: DashboardSpec, ctx: RenderContext) {
    const scope = scopeOf(ctx);
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    const panels = dashboard.panels.map((panel, i) => {
        const w = Math.min(panelWidth(panel), GRID_WIDTH);
        const h = panelHeight(panel);
        if (x + w > GRID_WIDTH) {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        const gridPos = { h, w, x, y };
        x += w;
        rowHeight = Math.max(rowHeight, h);
        return renderPanel(panel, i + 1, gridPos, scope);
    });
    return {
        id: null,
        uid: dashboardUid(ctx.product, dashboard.key, ctx.environment),
        title: `${dashboard.title} (${ctx.environment})`,
        description: dashboard.description,
        tags: [ctx.product, ctx.environment],
        timezone: "browser",
        editable: false,
        graphTooltip: 1,
        schemaVersion: DASHBOARD_SCHEMA_VERSION,
        version: 1,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        timepicker: {},
        links: [],
        annotations: {
            list: [{
                builtIn: 1,
                datasource: { type: "grafana", uid: "-- Grafana --" },
                enable: true,
                hide: true,
                iconColor: "rgba(0, 211, 255, 1)",
                name: "Annotations & Alerts",
                type: "dashboard",
            }],
        },
        templating: {
            list: [{
                name: "datasource",
                label: "Data source",
                type: "datasource",
                query: "prometheus",
                current: { selected: false, text: "Prometheus", value: "prometheus" },
                hide: 0,
                includeAll: false,
                multi: false,
                options: [],
                refresh: 1,
                regex: "",
            }],
        },
        panels,
    };
}

export interface RenderedDashboard {
    readonly key: string;
    readonly uid: string;
    /** ConfigMap data key: unique cluster-wide, since the sidecar writes every key into one folder. */
    readonly fileName: string;
    readonly json: string;
}

export function renderDashboards(ctx: RenderContext): RenderedDashboard[] {
    return OBSERVABILITY[ctx.product].dashboards.map((dashboard) => {
        const model = renderDashboard(dashboard, ctx);
        return { key: dashboard.key, uid: model.uid, fileName: `${model.uid}.json`, json: JSON.stringify(model, null, 2) };
    });
}
