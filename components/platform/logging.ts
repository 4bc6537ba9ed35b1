import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { childOptions } from "../lib/options";
import { ChartPin } from "./charts";
import { HelmAddon } from "./helmAddon";

const LOKI_HTTP_PORT = 3100;

/**
 * In-cluster URL of Loki's HTTP API. In monolithic mode without the gateway the chart names the
 * Service after the release (the release name contains the chart name).
 */
export function lokiServiceUrl(lokiPin: ChartPin, namespace: k8s.core.v1.Namespace): pulumi.Output<string> {
    return pulumi.interpolate`http://${lokiPin.releaseName}.${namespace.metadata.name}.svc.cluster.local:${LOKI_HTTP_PORT}`;
}

/** Alloy pipeline: this node's pods, tailed through the Kubernetes API, pushed to Loki. */
function alloyPipeline(pushUrl: string): string {
    return `
discovery.kubernetes "pods" {
  role = "pod"
  // Each DaemonSet pod handles only its own node, so no log line is shipped twice.
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"]
    regex         = "^;*([^;]+)(;.*)?$"
    target_label  = "app"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${pushUrl}"
  }
}
`;
}

export interface LoggingArgs {
    readonly lokiPin: ChartPin;
    readonly alloyPin: ChartPin;
    readonly namespace: k8s.core.v1.Namespace;
    readonly settings: PlatformConfig["logging"];
    readonly storageClass: string;
}

/**
 * Loki in monolithic mode on a filesystem volume (one replica: small installs only; object storage
 * is the path to HA), with compactor retention so logs do not grow forever, and Grafana Alloy as
 * the log shipper (Promtail reached end of life in March 2026).
 */
export class Logging extends pulumi.ComponentResource {
    public readonly loki: HelmAddon;
    public readonly alloy: HelmAddon;
    /** In-cluster Loki URL (queries) and push endpoint (for teams shipping logs themselves). */
    public readonly lokiUrl: pulumi.Output<string>;
    public readonly lokiPushUrl: pulumi.Output<string>;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:Logging", name, {}, opts);
        const { settings } = args;
        this.lokiUrl = lokiServiceUrl(args.lokiPin, args.namespace);
        this.lokiPushUrl = pulumi.interpolate`${this.lokiUrl}/loki/api/v1/push`;

        this.loki = new HelmAddon(`${name}-loki`, {
            pin: args.lokiPin,
            namespace: args.namespace,
            values: {
                deploymentMode: "Monolithic",
                loki: {
                    // One tenant: without this, pushes without an X-Scope-OrgID header are rejected.
                    auth_enabled: false,
                    commonConfig: { replication_factor: 1 },
                    storage: { type: "filesystem" },
                    schemaConfig: {
                        configs: [{
                            from: "2024-04-01",
                            store: "tsdb",
                            object_store: "filesystem",
                            schema: "v13",
                            index: { prefix: "index_", period: "24h" },
                        }],
                    },
                    limits_config: { retention_period: settings.retention },
                    compactor: { retention_enabled: true, delete_request_store: "filesystem" },
                },
                singleBinary: {
                    replicas: 1,
                    resources: settings.resources,
                    persistence: { enabled: true, size: settings.storageSize, storageClass: args.storageClass },
                },
                read: { replicas: 0 },
                write: { replicas: 0 },
                backend: { replicas: 0 },
                gateway: { enabled: false },
                // The caches default to 8 GiB of memcached, far beyond a monolithic install.
                chunksCache: { enabled: false },
                resultsCache: { enabled: false },
                lokiCanary: { enabled: false },
                test: { enabled: false },
                monitoring: { serviceMonitor: { enabled: true } },
            },
        }, childOptions(this, opts));

        this.alloy = new HelmAddon(`${name}-alloy`, {
            pin: args.alloyPin,
            namespace: args.namespace,
            values: this.lokiPushUrl.apply((pushUrl) => ({
                controller: { type: "daemonset" },
                alloy: {
                    configMap: { create: true, content: alloyPipeline(pushUrl) },
                    extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                    mounts: { varlog: false, dockercontainers: false },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                },
                serviceMonitor: { enabled: true },
            })),
        }, childOptions(this, opts, this.loki));

        this.registerOutputs({ lokiUrl: this.lokiUrl, lokiPushUrl: this.lokiPushUrl });
    }
}
