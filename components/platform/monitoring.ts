import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformConfig } from "../config";
import { childOptions } from "../lib/options";
import { ChartPin } from "./charts";
import { HelmAddon } from "./helmAddon";
import { secretData } from "../lib/secretData";

/** Grafana's sidecar loads every ConfigMap with this label as a dashboard, from all namespaces. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

const ALERTMANAGER_WEBHOOKS_SECRET = "alertmanager-webhooks";

/**
 * kube-prometheus-stack's own rules that are not for people: Watchdog always fires (a heartbeat
 * for an external dead man's switch) and InfoInhibitor exists only to inhibit info alerts. The
 * chart's default receiver is "null"; ours is the team channel, so these need routes of their own.
 */
const SILENCED_ALERTS = ["Watchdog", "InfoInhibitor"] as const;

/**
 * The chart's default inhibition, written out: Helm merges these values over the chart's, so a key
 * left out here would still be deployed, unseen by the tests. A critical alert mutes the warning
 * and info alerts of the same name and namespace, a warning its info alerts, and InfoInhibitor
 * mutes the info alerts of its namespace (and is itself muted by any other firing alert).
 */
const INHIBIT_RULES = [
    { source_matchers: ["severity = critical"], target_matchers: ["severity =~ warning|info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["severity = warning"], target_matchers: ["severity = info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["alertname = InfoInhibitor"], target_matchers: ["severity = info"], equal: ["namespace"] },
    { target_matchers: ["alertname = InfoInhibitor"] },
];
const GRAFANA_ADMIN_SECRET = "grafana-admin";

export interface MonitoringArgs {
    readonly pin: ChartPin;
    readonly namespace: k8s.core.v1.Namespace;
    readonly settings: PlatformConfig["monitoring"];
    readonly storageClass: string;
    readonly ingressClassName: string;
    /** ClusterIssuer that signs Grafana's certificate. */
    readonly clusterIssuer: k8s.apiextensions.CustomResource;
    /** In-cluster URL of Loki, added as a Grafana data source. */
    readonly lokiUrl: pulumi.Input<string>;
}

function volumeClaim(storageClass: string, size: string) {
    return {
        spec: {
            storageClassName: storageClass,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: size } },
        },
    };
}

/**
 * kube-prometheus-stack: Prometheus, Alertmanager and Grafana. The CRDs come from the separate
 * prometheus-operator-crds release (installed first), so this chart's own are off. Secrets never
 * enter the Helm values: Grafana's admin password is a generated Secret, and the Slack and Discord
 * webhook URLs are mounted into Alertmanager from a Secret and read through *_file settings.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly addon: HelmAddon;
    /** The Secret holding Grafana's admin credentials (keys admin-user, admin-password). */
    public readonly grafanaAdminSecret: k8s.core.v1.Secret;
    /** In-cluster endpoints for teams that query metrics or send alerts, and Grafana's public URL. */
    public readonly endpoints: {
        readonly prometheus: pulumi.Output<string>;
        readonly alertmanager: pulumi.Output<string>;
        readonly grafana: pulumi.Output<string>;
        readonly grafanaUrl: pulumi.Output<string>;
    };

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:Monitoring", name, {}, opts);
        const { settings, namespace } = args;
        const release = args.pin.releaseName;
        const ns = namespace.metadata.name;

        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, {
            length: 32,
            special: false,
        }, { parent: this });
        this.grafanaAdminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: ns },
            type: "Opaque",
            data: secretData({ "admin-user": "admin", "admin-password": adminPassword.result }),
        }, { parent: this });

        const webhooks = new k8s.core.v1.Secret(`${name}-alertmanager-webhooks`, {
            metadata: { name: ALERTMANAGER_WEBHOOKS_SECRET, namespace: ns },
            type: "Opaque",
            data: secretData({
                "slack-webhook-url": settings.alerts.slackWebhookUrl,
                "discord-webhook-url": settings.alerts.discordWebhookUrl,
            }),
        }, { parent: this });
        const mountedSecret = `/etc/alertmanager/secrets/${ALERTMANAGER_WEBHOOKS_SECRET}`;

        const selectEverything = {
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
        };
        const prom = settings.prometheus;
        const grafanaHost = settings.grafana.host;

        this.addon = new HelmAddon(name, {
            pin: args.pin,
            namespace,
            values: {
                crds: { enabled: false },
                prometheusOperator: {
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                },
                prometheus: {
                    prometheusSpec: {
                        ...selectEverything,
                        replicas: prom.replicas,
                        retention: prom.retention,
                        ...(prom.retentionSize ? { retentionSize: prom.retentionSize } : {}),
                        resources: prom.resources,
                        ...(prom.storageSize
                            ? { storageSpec: { volumeClaimTemplate: volumeClaim(args.storageClass, prom.storageSize) } }
                            : {}),
                    },
                },
                alertmanager: {
                    alertmanagerSpec: {
                        replicas: settings.alertmanager.replicas,
                        secrets: [ALERTMANAGER_WEBHOOKS_SECRET],
                        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                        ...(settings.alertmanager.storageSize
                            ? { storage: { volumeClaimTemplate: volumeClaim(args.storageClass, settings.alertmanager.storageSize) } }
                            : {}),
                    },
                    config: {
                        global: { resolve_timeout: "5m" },
                        route: {
                            group_by: ["alertname", "cluster", "service"],
                            group_wait: "30s",
                            group_interval: "5m",
                            repeat_interval: "12h",
                            receiver: "team-alerts",
                            routes: SILENCED_ALERTS.map((alertname) => ({ matchers: [`alertname = "${alertname}"`], receiver: "null" })),
                        },
                        inhibit_rules: INHIBIT_RULES,
                        receivers: [
                            { name: "null" },
                            {
                                name: "team-alerts",
                                slack_configs: [{
                                    api_url_file: `${mountedSecret}/slack-webhook-url`,
                                    channel: settings.alerts.slackChannel,
                                    send_resolved: true,
                                    title: "{{ .GroupLabels.alertname }}",
                                    text: "{{ range .Alerts }}{{ .Annotations.description }}{{ end }}",
                                }],
                                discord_configs: [{
                                    webhook_url_file: `${mountedSecret}/discord-webhook-url`,
                                    send_resolved: true,
                                }],
                            },
                        ],
                    },
                },
                grafana: {
                    admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                    persistence: settings.grafana.storageSize
                        ? { enabled: true, size: settings.grafana.storageSize, storageClassName: args.storageClass }
                        : { enabled: false },
                    ingress: {
                        enabled: true,
                        ingressClassName: args.ingressClassName,
                        annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuer.metadata.name },
                        hosts: [grafanaHost],
                        tls: [{ secretName: "grafana-tls", hosts: [grafanaHost] }],
                    },
                    sidecar: {
                        dashboards: {
                            enabled: true,
                            label: Object.keys(GRAFANA_DASHBOARD_LABEL)[0],
                            labelValue: Object.values(GRAFANA_DASHBOARD_LABEL)[0],
                            searchNamespace: "ALL",
                        },
                    },
                    additionalDataSources: [{
                        name: "Loki", type: "loki", uid: "loki", access: "proxy", url: args.lokiUrl,
                    }],
                },
                "kube-state-metrics": {
                    resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                },
                "prometheus-node-exporter": {
                    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { memory: "64Mi" } },
                },
            },
        }, childOptions(this, opts, this.grafanaAdminSecret, webhooks));

        const inCluster = (service: string, port: number) =>
            pulumi.interpolate`http://${service}.${ns}.svc.cluster.local:${port}`;
        const prefix = helmFullname(release, args.pin.chart);
        this.endpoints = {
            prometheus: inCluster(`${prefix}-prometheus`, 9090),
            alertmanager: inCluster(`${prefix}-alertmanager`, 9093),
            grafana: inCluster(`${release}-grafana`, 80),
            grafanaUrl: pulumi.output(`https://${grafanaHost}`),
        };
        this.registerOutputs({ endpoints: this.endpoints });
    }
}

/**
 * The "fullname" kube-prometheus-stack prefixes its objects with (its _helpers.tpl): the release
 * name when it already contains the chart name, else `<release>-<chart>`, cut to 26 characters.
 * So release `kube-prometheus-stack` names its Service `kube-prometheus-stack-prometheus`, while
 * release `prometheus` gets `prometheus-kube-prometheus-prometheus`.
 */
export function helmFullname(release: string, chart: string): string {
    const name = release.includes(chart) ? release : `${release}-${chart}`;
    return name.slice(0, 26).replace(/-+$/, "");
}
