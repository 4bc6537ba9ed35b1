import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { GRAFANA_DASHBOARD_LABEL } from "../platform/monitoring";
import { LABELS } from "../platform/namespaces";
import { ProductId } from "../products/catalog";
import { OBSERVABILITY } from "./catalog";
import { dashboardUid, renderDashboards, renderRuleGroups } from "./render";

export interface ProductObservabilityArgs {
    /** Product whose alerts and dashboards to create. */
    readonly product: ProductId;
    readonly environment: string;
    /** The product's main namespace (objects are created in it). */
    readonly namespace: k8s.core.v1.Namespace;
}

/**
 * A product's alerts and dashboards in its namespace: one PrometheusRule (kube-prometheus-stack
 * selects every PrometheusRule, so it needs no release label) and one ConfigMap per Grafana
 * dashboard, labelled for the Grafana sidecar, which loads them from all namespaces. The data is
 * in catalog.ts; every expression is scoped to the namespace passed in.
 */
export class ProductObservability extends pulumi.ComponentResource {
    /** The PrometheusRule, or undefined for a product without alerts. */
    public readonly rules: k8s.apiextensions.CustomResource | undefined;
    /** One ConfigMap per dashboard. */
    public readonly dashboards: k8s.core.v1.ConfigMap[];
    /** Names of the alerts the PrometheusRule defines. */
    public readonly alertNames: string[];
    /** Grafana uids of the dashboards. */
    public readonly dashboardUids: string[];

    constructor(name: string, args: ProductObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:observability:ProductObservability", name, {}, opts);
        const { product, environment } = args;
        const spec = OBSERVABILITY[product];
        const namespace = args.namespace.metadata.name;
        const context = (ns: string) => ({ product, environment, namespace: ns });
        const labels = {
            [LABELS.product]: product,
            [LABELS.environment]: environment,
            [LABELS.partOf]: product,
            "app.kubernetes.io/component": "observability",
            "app.kubernetes.io/managed-by": "pulumi",
        };

        this.alertNames = spec.alerts.map((a) => a.alert);
        this.rules = spec.alerts.length === 0 ? undefined : new k8s.apiextensions.CustomResource(`${name}-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: spec.rulesName, namespace, labels },
            spec: namespace.apply((ns) => ({ groups: renderRuleGroups(context(ns)) })),
        }, childOptions(this, opts));

        const rendered = namespace.apply((ns) => renderDashboards(context(ns)));
        this.dashboardUids = spec.dashboards.map((d) => dashboardUid(product, d.key, environment));
        this.dashboards = spec.dashboards.map((dashboard, i) =>
            new k8s.core.v1.ConfigMap(`${name}-dashboard-${dashboard.key}`, {
                metadata: {
                    name: `${product}-dashboard-${dashboard.key}`,
                    namespace,
                    labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL },
                },
                data: rendered.apply((all) => ({ [all[i].fileName]: all[i].json })),
            }, childOptions(this, opts)));

        // Names, not the resources: a resource's id is unknown in a saved update plan, so
        // `pulumi up --plan` would refuse the component (test/foundation/updatePlans.test.ts).
        this.registerOutputs({
            rules: this.rules ? spec.rulesName : undefined,
            dashboards: spec.dashboards.map((d) => `${product}-dashboard-${d.key}`),
            alertNames: this.alertNames,
            dashboardUids: this.dashboardUids,
        });
    }
}
