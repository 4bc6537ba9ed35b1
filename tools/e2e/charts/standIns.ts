/**
 * The stand-in charts: for each pinned chart, the objects the program relies on, under the names,
 * labels and ports the real chart gives them, so the e2e tier exercises the program's references
 * (Service URLs, IngressClass, label selectors of the NetworkPolicies, CRDs before the custom
 * resources that need them) against a real apiserver. Nothing here runs: on KWOK nodes a pod is
 * Ready without a kubelet, so images are never pulled.
 *
 * Left out on purpose: admission webhooks (nothing would answer them, and with failurePolicy Fail
 * they would block every Ingress or Certificate), Helm hooks, RBAC a stand-in process would need,
 * and everything the program does not refer to. Every pod runs under the restricted Pod Security
 * profile whatever the values say, because the namespaces audit and warn at restricted.
 */
import { CERT_MANAGER_CRDS, customResourceDefinition, PROMETHEUS_OPERATOR_CRDS } from "./crds";
import {
    all, any, chart, concat, Condition, each, equals, fullname, greaterThan, item, jsonString, Manifest, Node, not,
    release, truthy, value, when,
} from "./template";

export interface StandIn {
    readonly description: string;
    /** Where the real chart truncates its full name (kube-prometheus-stack: 26 characters). */
    readonly fullnameLength: number;
    /** Defaults of values read only by conditions. */
    readonly defaults: Record<string, unknown>;
    /** templates/<file> → manifests. */
    readonly templates: Record<string, readonly Manifest[]>;
}

type Labels = Record<string, Node>;

const POD_SECURITY = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    fsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};
const CONTAINER_SECURITY = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};

/** Default requests and limits of a stand-in container (the program's values replace them). */
const resources = (cpu: string, memory: string, memoryLimit: string) =>
    ({ requests: { cpu, memory }, limits: { memory: memoryLimit } });
const SMALL = resources("10m", "32Mi", "128Mi");

function labels(name: Node, component?: string, extra: Labels = {}): Labels {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release.name,
        ...(component ? { "app.kubernetes.io/component": component } : {}),
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": concat(chart.name, "-", chart.version),
        ...extra,
    };
}

function selectorOf(name: Node, component?: string): Labels {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release.name,
        ...(component ? { "app.kubernetes.io/component": component } : {}),
    };
}

function metadata(name: Node, objectLabels: Labels, extra: Record<string, Node> = {}): Record<string, Node> {
    return { name, namespace: release.namespace, labels: objectLabels, ...extra };
}

type Port = { readonly name: string; readonly containerPort: number; readonly protocol?: "TCP" | "UDP" };

interface ContainerSpec {
    readonly name: string;
    readonly image: Node;
    readonly args?: Node;
    readonly env?: Node;
    readonly ports?: Node;
    readonly resources: Node;
    readonly volumeMounts?: Node;
}

function container(c: ContainerSpec): Record<string, Node> {
    return {
        name: c.name,
        image: c.image,
        imagePullPolicy: "IfNotPresent",
        ...(c.args === undefined ? {} : { args: c.args }),
        ...(c.env === undefined ? {} : { env: c.env }),
        ...(c.ports === undefined ? {} : { ports: c.ports }),
        resources: c.resources,
        securityContext: CONTAINER_SECURITY,
        ...(c.volumeMounts === undefined ? {} : { volumeMounts: c.volumeMounts }),
    };
}

interface PodSpec {
    readonly serviceAccountName: Node;
    readonly containers: readonly Node[];
    readonly volumes?: Node;
    readonly extra?: Record<string, Node>;
}

function podTemplate(podLabels: Labels, pod: PodSpec): Record<string, Node> {
    return {
        metadata: { labels: podLabels },
        spec: {
            serviceAccountName: pod.serviceAccountName,
            securityContext: POD_SECURITY,
            ...pod.extra,
            containers: pod.containers,
            ...(pod.volumes === undefined ? {} : { volumes: pod.volumes }),
        },
    };
}

interface WorkloadSpec {
    readonly name: Node;
    readonly labels: Labels;
    readonly selector: Labels;
    readonly pod: PodSpec;
    /** Pod labels beyond the selector. */
    readonly podLabels?: Labels;
}

function deployment(w: WorkloadSpec & { readonly replicas: Node }): Manifest {
    return {
        body: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: metadata(w.name, w.labels),
            spec: {
                replicas: w.replicas,
                selector: { matchLabels: w.selector },
                template: podTemplate({ ...w.selector, ...w.podLabels }, w.pod),
            },
        },
    };
}

function statefulSet(w: WorkloadSpec & { readonly replicas: Node; readonly serviceName: Node; readonly volumeClaimTemplates?: Node }): Manifest {
    return {
        body: {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: metadata(w.name, w.labels),
            spec: {
                replicas: w.replicas,
                serviceName: w.serviceName,
                selector: { matchLabels: w.selector },
                template: podTemplate({ ...w.selector, ...w.podLabels }, w.pod),
                ...(w.volumeClaimTemplates === undefined ? {} : { volumeClaimTemplates: w.volumeClaimTemplates }),
            },
        },
    };
}

function daemonSet(w: WorkloadSpec): Manifest {
    return {
        body: {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: metadata(w.name, w.labels),
            spec: {
                selector: { matchLabels: w.selector },
                template: podTemplate({ ...w.selector, ...w.podLabels }, w.pod),
            },
        },
    };
}

type ServicePort = { readonly name: string; readonly port: number; readonly targetPort: string | number; readonly protocol?: "TCP" | "UDP" };

function service(name: Node, serviceLabels: Labels, selector: Labels, ports: readonly ServicePort[], spec: Record<string, Node> = {}, condition?: Condition): Manifest {
    return {
        ...(condition ? { when: condition } : {}),
        body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: metadata(name, serviceLabels),
            spec: {
                ...spec,
                ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? "TCP" })),
                selector,
            },
        },
    };
}

function serviceAccount(name: Node, accountLabels: Labels, condition?: Condition): Manifest {
    return {
        ...(condition ? { when: condition } : {}),
        body: { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(name, accountLabels) },
    };
}

function podDisruptionBudget(name: Node, pdbLabels: Labels, selector: Labels, minAvailable: Node, condition: Condition): Manifest {
    return {
        when: condition,
        body: {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: metadata(name, pdbLabels),
            spec: { minAvailable, selector: { matchLabels: selector } },
        },
    };
}

function serviceMonitor(name: Node, monitorLabels: Labels, selector: Labels, port: string, condition: Condition): Manifest {
    return {
        when: condition,
        body: {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: metadata(name, monitorLabels),
            spec: {
                selector: { matchLabels: selector },
                namespaceSelector: { matchNames: [release.namespace] },
                endpoints: [{ port, path: "/metrics", interval: "60s" }],
            },
        },
    };
}

function crdManifests(crds: typeof CERT_MANAGER_CRDS, crdLabels: Labels, condition?: Condition, keep?: Condition): Manifest[] {
    return crds.map((source) => {
        const crd = customResourceDefinition(source) as { metadata: { name: string } } & Record<string, Node>;
        return {
            ...(condition ? { when: condition } : {}),
            body: {
                ...crd,
                metadata: {
                    name: crd.metadata.name,
                    labels: crdLabels,
                    // Helm leaves "keep" resources behind on uninstall, as the real chart's CRDs.
                    ...(keep ? { annotations: when(keep, { "helm.sh/resource-policy": "keep" }) } : {}),
                },
            },
        };
    });
}

const image = (repository: string) => concat(repository, ":", chart.appVersion);
const withName = (suffix: string) => concat(fullname, suffix);

// --- cert-manager ----------------------------------------------------------------------------------

function certManager(): StandIn {
    const parts = [
        { suffix: "", app: "cert-manager", component: "controller", values: "", image: "quay.io/jetstack/cert-manager-controller", ports: [{ name: "http-metrics", containerPort: 9402 }, { name: "http-healthz", containerPort: 9403 }] },
        { suffix: "-webhook", app: "webhook", component: "webhook", values: "webhook.", image: "quay.io/jetstack/cert-manager-webhook", ports: [{ name: "https", containerPort: 10250 }, { name: "healthcheck", containerPort: 6080 }] },
        { suffix: "-cainjector", app: "cainjector", component: "cainjector", values: "cainjector.", image: "quay.io/jetstack/cert-manager-cainjector", ports: [] as Port[] },
    ];
    const workloads = parts.flatMap((p): Manifest[] => {
        const name = withName(p.suffix);
        const objectLabels = labels(p.app, p.component, { app: p.app });
        const selector = selectorOf(p.app, p.component);
        return [
            serviceAccount(name, objectLabels),
            deployment({
                name,
                labels: objectLabels,
                selector,
                podLabels: { app: p.app },
                replicas: value(`${p.values}replicaCount`, 1),
                pod: {
                    serviceAccountName: name,
                    containers: [container({
                        name: `cert-manager-${p.component}`,
                        image: image(p.image),
                        args: [concat("--leader-election-namespace=", value("global.leaderElection.namespace", "kube-system"))],
                        ports: p.ports,
                        resources: value(`${p.values}resources`, SMALL),
                    })],
                },
            }),
            podDisruptionBudget(name, objectLabels, selector, value(`${p.values}podDisruptionBudget.minAvailable`, 1),
                truthy(`${p.values}podDisruptionBudget.enabled`)),
        ];
    });
    const controllerLabels = labels("cert-manager", "controller", { app: "cert-manager" });
    const controllerSelector = selectorOf("cert-manager", "controller");
    const webhookSelector = selectorOf("webhook", "webhook");
    return {
        description: "cert-manager: CRDs (when crds.enabled), controller, webhook and cainjector Deployments and Services",
        fullnameLength: 63,
        defaults: {
            installCRDs: false,
            crds: { enabled: false, keep: true },
            prometheus: { enabled: true, servicemonitor: { enabled: false } },
            podDisruptionBudget: { enabled: false },
            webhook: { podDisruptionBudget: { enabled: false } },
            cainjector: { podDisruptionBudget: { enabled: false } },
        },
        templates: {
            "crds.yaml": crdManifests(CERT_MANAGER_CRDS, labels("cert-manager", "crds", { app: "cert-manager" }),
                any(truthy("crds.enabled"), truthy("installCRDs")), truthy("crds.keep")),
            "workloads.yaml": workloads,
            "services.yaml": [
                service(fullname, controllerLabels, controllerSelector,
                    [{ name: "tcp-prometheus-servicemonitor", port: 9402, targetPort: "http-metrics" }], {}, truthy("prometheus.enabled")),
                service(withName("-webhook"), labels("webhook", "webhook", { app: "webhook" }), webhookSelector,
                    [{ name: "https", port: 443, targetPort: "https" }]),
                serviceMonitor(fullname, controllerLabels, controllerSelector, "tcp-prometheus-servicemonitor",
                    all(truthy("prometheus.enabled"), truthy("prometheus.servicemonitor.enabled"))),
            ],
        },
    };
}

// --- ingress-nginx ---------------------------------------------------------------------------------

function ingressNginx(): StandIn {
    const name = withName("-controller");
    const objectLabels = labels("ingress-nginx", "controller");
    const selector = selectorOf("ingress-nginx", "controller");
    return {
        description: "ingress-nginx: the controller Deployment and Services, its IngressClass and ConfigMap",
        fullnameLength: 63,
        defaults: {
            controller: {
                admissionWebhooks: { enabled: true },
                metrics: { enabled: false, serviceMonitor: { enabled: false } },
                ingressClassResource: { enabled: true, default: false },
            },
        },
        templates: {
            "controller.yaml": [
                serviceAccount(fullname, labels("ingress-nginx")),
                {
                    body: {
                        apiVersion: "v1",
                        kind: "ConfigMap",
                        metadata: metadata(name, objectLabels),
                        data: value("controller.config", {}),
                    },
                },
                deployment({
                    name,
                    labels: objectLabels,
                    selector,
                    replicas: value("controller.replicaCount", 1),
                    pod: {
                        serviceAccountName: fullname,
                        extra: { topologySpreadConstraints: value("controller.topologySpreadConstraints", []) },
                        containers: [container({
                            name: "controller",
                            image: image("registry.k8s.io/ingress-nginx/controller"),
                            args: [
                                "/nginx-ingress-controller",
                                concat("--publish-service=$(POD_NAMESPACE)/", fullname, "-controller"),
                                concat("--controller-class=", value("controller.ingressClassResource.controllerValue", "k8s.io/ingress-nginx")),
                                concat("--ingress-class=", value("controller.ingressClass", "nginx")),
                                concat("--configmap=$(POD_NAMESPACE)/", fullname, "-controller"),
                            ],
                            env: [
                                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                            ],
                            ports: [
                                { name: "http", containerPort: 80, protocol: "TCP" },
                                { name: "https", containerPort: 443, protocol: "TCP" },
                                { name: "metrics", containerPort: 10254, protocol: "TCP" },
                                { name: "webhook", containerPort: 8443, protocol: "TCP" },
                            ],
                            resources: value("controller.resources", resources("100m", "90Mi", "256Mi")),
                        })],
                    },
                }),
                podDisruptionBudget(name, objectLabels, selector, value("controller.minAvailable", 1), greaterThan("controller.replicaCount", 1)),
            ],
            "services.yaml": [
                service(name, objectLabels, selector, [
                    { name: "http", port: 80, targetPort: "http" },
                    { name: "https", port: 443, targetPort: "https" },
                ], {
                    type: value("controller.service.type", "LoadBalancer"),
                    externalTrafficPolicy: when(truthy("controller.service.externalTrafficPolicy"), value("controller.service.externalTrafficPolicy")),
                }),
                service(withName("-controller-admission"), objectLabels, selector,
                    [{ name: "https-webhook", port: 443, targetPort: "webhook" }], {}, truthy("controller.admissionWebhooks.enabled")),
                service(withName("-controller-metrics"), objectLabels, selector,
                    [{ name: "metrics", port: 10254, targetPort: "metrics" }], {}, truthy("controller.metrics.enabled")),
                serviceMonitor(name, objectLabels, selector, "metrics",
                    all(truthy("controller.metrics.enabled"), truthy("controller.metrics.serviceMonitor.enabled"))),
            ],
            "ingressclass.yaml": [{
                when: truthy("controller.ingressClassResource.enabled"),
                body: {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "IngressClass",
                    metadata: {
                        name: value("controller.ingressClassResource.name", "nginx"),
                        labels: objectLabels,
                        annotations: when(truthy("controller.ingressClassResource.default"), { "ingressclass.kubernetes.io/is-default-class": "true" }),
                    },
                    spec: { controller: value("controller.ingressClassResource.controllerValue", "k8s.io/ingress-nginx") },
                },
            }],
        },
    };
}

// --- prometheus-operator-crds ----------------------------------------------------------------------

function prometheusOperatorCrds(): StandIn {
    return {
        description: "prometheus-operator-crds: the monitoring.coreos.com CRDs",
        fullnameLength: 63,
        defaults: {},
        templates: { "crds.yaml": crdManifests(PROMETHEUS_OPERATOR_CRDS, labels("prometheus-operator-crds")) },
    };
}

// --- kube-prometheus-stack -------------------------------------------------------------------------

function kubePrometheusStack(): StandIn {
    const prom = "prometheus.prometheusSpec";
    const am = "alertmanager.alertmanagerSpec";
    const promName = withName("-prometheus");
    const amName = withName("-alertmanager");
    const stackLabels = (name: Node, component?: string) => labels(name, component, { release: release.name, heritage: "Helm" });
    /** `matchLabels: {release}` unless the program asks to select every object of the kind. */
    const selector = (flag: string) =>
        when(truthy(`${prom}.${flag}SelectorNilUsesHelmValues`), { matchLabels: { release: release.name } }, {});

    const operatorName = withName("-operator");
    const operatorSelector = { app: operatorName, release: release.name };
    const operatorLabels = { ...stackLabels("kube-prometheus-stack-prometheus-operator", "prometheus-operator"), ...operatorSelector };

    // The pods prometheus-operator would create for the Prometheus and Alertmanager resources.
    const promPods = {
        "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/instance": promName,
        "app.kubernetes.io/managed-by": "prometheus-operator",
        "operator.prometheus.io/name": promName,
        "operator.prometheus.io/shard": "0",
        prometheus: promName,
    };
    const promSelector = { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": promName };
    const amPods = {
        "app.kubernetes.io/name": "alertmanager",
        "app.kubernetes.io/instance": amName,
        "app.kubernetes.io/managed-by": "prometheus-operator",
        alertmanager: amName,
    };
    const amSelector = { "app.kubernetes.io/name": "alertmanager", alertmanager: amName };
    const promDb = concat("prometheus-", fullname, "-prometheus-db");
    const amDb = concat("alertmanager-", fullname, "-alertmanager-db");
    const amConfig = concat("alertmanager-", fullname, "-alertmanager");

    const grafanaName = concat(release.name, "-grafana");
    const grafanaSelector = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": release.name };
    const grafanaLabels = labels("grafana");
    const ksmName = concat(release.name, "-kube-state-metrics");
    const ksmSelector = selectorOf("kube-state-metrics");
    const exporterName = concat(release.name, "-prometheus-node-exporter");
    const exporterSelector = selectorOf("prometheus-node-exporter");

    return {
        description: "kube-prometheus-stack (CRDs off): operator, Prometheus and Alertmanager resources with the workloads and Services the operator would create, Grafana with its Ingress, kube-state-metrics, node-exporter",
        fullnameLength: 26,
        defaults: {
            prometheus: {
                prometheusSpec: Object.fromEntries(["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]
                    .map((flag) => [`${flag}SelectorNilUsesHelmValues`, true])),
            },
            grafana: {
                admin: { existingSecret: "" },
                ingress: { enabled: false },
                persistence: { enabled: false },
                sidecar: { dashboards: { enabled: true } },
            },
        },
        templates: {
            "operator.yaml": [
                serviceAccount(operatorName, operatorLabels),
                deployment({
                    name: operatorName,
                    labels: operatorLabels,
                    selector: operatorSelector,
                    podLabels: stackLabels("kube-prometheus-stack-prometheus-operator", "prometheus-operator"),
                    replicas: 1,
                    pod: {
                        serviceAccountName: operatorName,
                        containers: [container({
                            name: "kube-prometheus-stack",
                            image: image("quay.io/prometheus-operator/prometheus-operator"),
                            ports: [{ name: "https", containerPort: 10250 }],
                            resources: value("prometheusOperator.resources", resources("50m", "64Mi", "256Mi")),
                        })],
                    },
                }),
                service(operatorName, operatorLabels, operatorSelector, [{ name: "https", port: 443, targetPort: "https" }]),
            ],
            "prometheus.yaml": [
                serviceAccount(promName, stackLabels("kube-prometheus-stack-prometheus")),
                {
                    body: {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "Prometheus",
                        metadata: metadata(promName, stackLabels("kube-prometheus-stack-prometheus")),
                        spec: {
                            replicas: value(`${prom}.replicas`, 1),
                            retention: value(`${prom}.retention`, "10d"),
                            retentionSize: when(truthy(`${prom}.retentionSize`), value(`${prom}.retentionSize`)),
                            resources: value(`${prom}.resources`, resources("100m", "256Mi", "1Gi")),
                            storage: when(truthy(`${prom}.storageSpec`), value(`${prom}.storageSpec`)),
                            serviceAccountName: promName,
                            serviceMonitorSelector: selector("serviceMonitor"),
                            serviceMonitorNamespaceSelector: {},
                            podMonitorSelector: selector("podMonitor"),
                            podMonitorNamespaceSelector: {},
                            ruleSelector: selector("rule"),
                            ruleNamespaceSelector: {},
                            probeSelector: selector("probe"),
                            probeNamespaceSelector: {},
                            scrapeConfigSelector: selector("scrapeConfig"),
                            scrapeConfigNamespaceSelector: {},
                            alerting: { alertmanagers: [{ namespace: release.namespace, name: amName, port: "http-web", apiVersion: "v2" }] },
                            securityContext: POD_SECURITY,
                        },
                    },
                },
                statefulSet({
                    name: concat("prometheus-", fullname, "-prometheus"),
                    labels: promPods,
                    selector: promSelector,
                    podLabels: promPods,
                    replicas: value(`${prom}.replicas`, 1),
                    serviceName: "prometheus-operated",
                    pod: {
                        serviceAccountName: promName,
                        containers: [container({
                            name: "prometheus",
                            image: "quay.io/prometheus/prometheus:stand-in",
                            args: [concat("--storage.tsdb.retention.time=", value(`${prom}.retention`, "10d")), "--storage.tsdb.path=/prometheus"],
                            ports: [{ name: "web", containerPort: 9090 }],
                            resources: value(`${prom}.resources`, resources("100m", "256Mi", "1Gi")),
                            volumeMounts: [{ name: promDb, mountPath: "/prometheus" }],
                        })],
                        volumes: [when(not(truthy(`${prom}.storageSpec`)), { name: promDb, emptyDir: {} })],
                    },
                    volumeClaimTemplates: when(truthy(`${prom}.storageSpec`),
                        [{ metadata: { name: promDb }, spec: value(`${prom}.storageSpec.volumeClaimTemplate.spec`) }]),
                }),
                service("prometheus-operated", { "operated-prometheus": "true" }, { "app.kubernetes.io/name": "prometheus" },
                    [{ name: "web", port: 9090, targetPort: "web" }], { clusterIP: "None" }),
                service(promName, stackLabels("kube-prometheus-stack-prometheus", "prometheus"), promSelector,
                    [{ name: "http-web", port: 9090, targetPort: 9090 }]),
            ],
            "alertmanager.yaml": [
                serviceAccount(amName, stackLabels("kube-prometheus-stack-alertmanager")),
                {
                    body: {
                        apiVersion: "v1",
                        kind: "Secret",
                        metadata: metadata(amConfig, stackLabels("kube-prometheus-stack-alertmanager")),
                        type: "Opaque",
                        stringData: {
                            "alertmanager.yaml": jsonString("alertmanager.config", {
                                route: { receiver: "null" },
                                receivers: [{ name: "null" }],
                            }),
                        },
                    },
                },
                {
                    body: {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "Alertmanager",
                        metadata: metadata(amName, stackLabels("kube-prometheus-stack-alertmanager")),
                        spec: {
                            replicas: value(`${am}.replicas`, 1),
                            resources: value(`${am}.resources`, SMALL),
                            secrets: value(`${am}.secrets`, []),
                            storage: when(truthy(`${am}.storage`), value(`${am}.storage`)),
                            serviceAccountName: amName,
                            securityContext: POD_SECURITY,
                        },
                    },
                },
                statefulSet({
                    name: concat("alertmanager-", fullname, "-alertmanager"),
                    labels: amPods,
                    selector: amSelector,
                    podLabels: amPods,
                    replicas: value(`${am}.replicas`, 1),
                    serviceName: "alertmanager-operated",
                    pod: {
                        serviceAccountName: amName,
                        containers: [container({
                            name: "alertmanager",
                            image: "quay.io/prometheus/alertmanager:stand-in",
                            args: ["--config.file=/etc/alertmanager/config/alertmanager.yaml", "--storage.path=/alertmanager"],
                            ports: [
                                { name: "http-web", containerPort: 9093, protocol: "TCP" },
                                { name: "mesh-tcp", containerPort: 9094, protocol: "TCP" },
                                { name: "mesh-udp", containerPort: 9094, protocol: "UDP" },
                            ],
                            resources: value(`${am}.resources`, SMALL),
                            volumeMounts: [
                                { name: "config-volume", mountPath: "/etc/alertmanager/config", readOnly: true },
                                { name: amDb, mountPath: "/alertmanager" },
                                // The operator mounts each of spec.secrets where the *_file settings read them.
                                each(`${am}.secrets`, { name: concat("secret-", item), mountPath: concat("/etc/alertmanager/secrets/", item), readOnly: true }),
                            ],
                        })],
                        volumes: [
                            { name: "config-volume", secret: { secretName: amConfig } },
                            when(not(truthy(`${am}.storage`)), { name: amDb, emptyDir: {} }),
                            each(`${am}.secrets`, { name: concat("secret-", item), secret: { secretName: item } }),
                        ],
                    },
                    volumeClaimTemplates: when(truthy(`${am}.storage`),
                        [{ metadata: { name: amDb }, spec: value(`${am}.storage.volumeClaimTemplate.spec`) }]),
                }),
                service("alertmanager-operated", { "operated-alertmanager": "true" }, { "app.kubernetes.io/name": "alertmanager" }, [
                    { name: "http-web", port: 9093, targetPort: "http-web" },
                    { name: "tcp-mesh", port: 9094, targetPort: 9094 },
                    { name: "udp-mesh", port: 9094, targetPort: 9094, protocol: "UDP" },
                ], { clusterIP: "None" }),
                service(amName, stackLabels("kube-prometheus-stack-alertmanager", "alertmanager"), amSelector,
                    [{ name: "http-web", port: 9093, targetPort: 9093 }]),
            ],
            "grafana.yaml": [
                serviceAccount(grafanaName, grafanaLabels),
                {
                    when: truthy("grafana.persistence.enabled"),
                    body: {
                        apiVersion: "v1",
                        kind: "PersistentVolumeClaim",
                        metadata: metadata(grafanaName, grafanaLabels),
                        spec: {
                            accessModes: value("grafana.persistence.accessModes", ["ReadWriteOnce"]),
                            resources: { requests: { storage: value("grafana.persistence.size", "10Gi") } },
                            storageClassName: when(truthy("grafana.persistence.storageClassName"), value("grafana.persistence.storageClassName")),
                        },
                    },
                },
                deployment({
                    name: grafanaName,
                    labels: grafanaLabels,
                    selector: grafanaSelector,
                    replicas: 1,
                    pod: {
                        serviceAccountName: grafanaName,
                        containers: [
                            container({
                                name: "grafana",
                                image: "docker.io/grafana/grafana:stand-in",
                                env: when(truthy("grafana.admin.existingSecret"), [
                                    { name: "GF_SECURITY_ADMIN_USER", valueFrom: { secretKeyRef: { name: value("grafana.admin.existingSecret"), key: value("grafana.admin.userKey", "admin-user") } } },
                                    { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: value("grafana.admin.existingSecret"), key: value("grafana.admin.passwordKey", "admin-password") } } },
                                ]),
                                ports: [{ name: "grafana", containerPort: 3000 }],
                                resources: value("grafana.resources", resources("50m", "128Mi", "256Mi")),
                                volumeMounts: [{ name: "storage", mountPath: "/var/lib/grafana" }],
                            }),
                            when(truthy("grafana.sidecar.dashboards.enabled"), container({
                                name: "grafana-sc-dashboard",
                                image: "quay.io/kiwigrid/k8s-sidecar:stand-in",
                                env: [
                                    { name: "METHOD", value: "WATCH" },
                                    { name: "LABEL", value: value("grafana.sidecar.dashboards.label", "grafana_dashboard") },
                                    { name: "LABEL_VALUE", value: value("grafana.sidecar.dashboards.labelValue", "1") },
                                    { name: "FOLDER", value: "/tmp/dashboards" },
                                    { name: "RESOURCE", value: "both" },
                                    { name: "NAMESPACE", value: value("grafana.sidecar.dashboards.searchNamespace", "ALL") },
                                ],
                                resources: value("grafana.sidecar.resources", SMALL),
                            })),
                        ],
                        volumes: [when(truthy("grafana.persistence.enabled"),
                            { name: "storage", persistentVolumeClaim: { claimName: grafanaName } },
                            { name: "storage", emptyDir: {} })],
                    },
                }),
                service(grafanaName, grafanaLabels, grafanaSelector, [{ name: "http-web", port: 80, targetPort: 3000 }]),
                {
                    when: truthy("grafana.ingress.enabled"),
                    body: {
                        apiVersion: "networking.k8s.io/v1",
                        kind: "Ingress",
                        metadata: metadata(grafanaName, grafanaLabels, { annotations: value("grafana.ingress.annotations", {}) }),
                        spec: {
                            ingressClassName: when(truthy("grafana.ingress.ingressClassName"), value("grafana.ingress.ingressClassName")),
                            rules: [each("grafana.ingress.hosts", {
                                host: item,
                                http: {
                                    paths: [{
                                        path: value("grafana.ingress.path", "/"),
                                        pathType: "Prefix",
                                        backend: { service: { name: grafanaName, port: { number: 80 } } },
                                    }],
                                },
                            }, [])],
                            tls: when(truthy("grafana.ingress.tls"), value("grafana.ingress.tls")),
                        },
                    },
                },
            ],
            "exporters.yaml": [
                serviceAccount(ksmName, labels("kube-state-metrics")),
                deployment({
                    name: ksmName,
                    labels: labels("kube-state-metrics"),
                    selector: ksmSelector,
                    replicas: 1,
                    pod: {
                        serviceAccountName: ksmName,
                        containers: [container({
                            name: "kube-state-metrics",
                            image: "registry.k8s.io/kube-state-metrics/kube-state-metrics:stand-in",
                            ports: [{ name: "http", containerPort: 8080 }],
                            resources: value("kube-state-metrics.resources", SMALL),
                        })],
                    },
                }),
                service(ksmName, labels("kube-state-metrics"), ksmSelector, [{ name: "http", port: 8080, targetPort: "http" }]),
                serviceAccount(exporterName, labels("prometheus-node-exporter")),
                // Without the host namespaces and mounts of the real exporter: the stand-in reads nothing.
                daemonSet({
                    name: exporterName,
                    labels: labels("prometheus-node-exporter"),
                    selector: exporterSelector,
                    pod: {
                        serviceAccountName: exporterName,
                        containers: [container({
                            name: "node-exporter",
                            image: "quay.io/prometheus/node-exporter:stand-in",
                            ports: [{ name: "http-metrics", containerPort: 9100 }],
                            resources: value("prometheus-node-exporter.resources", SMALL),
                        })],
                    },
                }),
                service(exporterName, labels("prometheus-node-exporter"), exporterSelector, [{ name: "http-metrics", port: 9100, targetPort: "http-metrics" }]),
            ],
        },
    };
}

// --- loki ------------------------------------------------------------------------------------------

function loki(): StandIn {
    const persistence = "singleBinary.persistence";
    const singleBinary = selectorOf("loki", "single-binary");
    const singleBinaryLabels = labels("loki", "single-binary");
    const gateway = selectorOf("loki", "gateway");
    return {
        description: "loki: the single-binary StatefulSet with its Services (and the gateway when enabled)",
        fullnameLength: 63,
        defaults: {
            gateway: { enabled: true },
            monitoring: { serviceMonitor: { enabled: false } },
            singleBinary: { persistence: { enabled: true } },
        },
        templates: {
            "single-binary.yaml": [
                serviceAccount(fullname, labels("loki")),
                {
                    body: {
                        apiVersion: "v1",
                        kind: "ConfigMap",
                        metadata: metadata(fullname, labels("loki")),
                        // The stand-in runs no Loki; the settings are kept so a run can see what arrived.
                        data: { "loki-values.json": jsonString("loki", { auth_enabled: true }) },
                    },
                },
                statefulSet({
                    name: fullname,
                    labels: singleBinaryLabels,
                    selector: singleBinary,
                    replicas: value("singleBinary.replicas", 1),
                    serviceName: withName("-headless"),
                    pod: {
                        serviceAccountName: fullname,
                        containers: [container({
                            name: "loki",
                            image: image("docker.io/grafana/loki"),
                            args: ["-target=all"],
                            ports: [{ name: "http-metrics", containerPort: 3100 }, { name: "grpc", containerPort: 9095 }],
                            resources: value("singleBinary.resources", resources("100m", "256Mi", "1Gi")),
                            volumeMounts: [{ name: "config", mountPath: "/etc/loki/config" }, { name: "storage", mountPath: "/var/loki" }],
                        })],
                        volumes: [
                            { name: "config", configMap: { name: fullname } },
                            when(not(truthy(`${persistence}.enabled`)), { name: "storage", emptyDir: {} }),
                        ],
                    },
                    volumeClaimTemplates: when(truthy(`${persistence}.enabled`), [{
                        metadata: { name: "storage" },
                        spec: {
                            accessModes: value(`${persistence}.accessModes`, ["ReadWriteOnce"]),
                            resources: { requests: { storage: value(`${persistence}.size`, "10Gi") } },
                            storageClassName: when(truthy(`${persistence}.storageClass`), value(`${persistence}.storageClass`)),
                        },
                    }]),
                }),
                service(fullname, singleBinaryLabels, singleBinary, [
                    { name: "http-metrics", port: 3100, targetPort: "http-metrics" },
                    { name: "grpc", port: 9095, targetPort: "grpc" },
                ]),
                service(withName("-headless"), singleBinaryLabels, singleBinary, [
                    { name: "http-metrics", port: 3100, targetPort: "http-metrics" },
                    { name: "grpc", port: 9095, targetPort: "grpc" },
                ], { clusterIP: "None" }),
                serviceMonitor(fullname, singleBinaryLabels, singleBinary, "http-metrics", truthy("monitoring.serviceMonitor.enabled")),
            ],
            "gateway.yaml": [
                { ...deployment({
                    name: withName("-gateway"),
                    labels: labels("loki", "gateway"),
                    selector: gateway,
                    replicas: value("gateway.replicas", 1),
                    pod: {
                        serviceAccountName: fullname,
                        containers: [container({
                            name: "nginx",
                            image: "docker.io/nginxinc/nginx-unprivileged:stand-in",
                            ports: [{ name: "http-metrics", containerPort: 8080 }],
                            resources: value("gateway.resources", SMALL),
                        })],
                    },
                }), when: truthy("gateway.enabled") },
                service(withName("-gateway"), labels("loki", "gateway"), gateway,
                    [{ name: "http-metrics", port: 80, targetPort: "http-metrics" }], {}, truthy("gateway.enabled")),
            ],
        },
    };
}

// --- alloy -----------------------------------------------------------------------------------------

function alloy(): StandIn {
    const selector = selectorOf("alloy");
    const objectLabels = labels("alloy");
    const pod: PodSpec = {
        serviceAccountName: fullname,
        containers: [container({
            name: "alloy",
            image: image("docker.io/grafana/alloy"),
            args: ["run", "/etc/alloy/config.alloy", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/tmp/alloy"],
            env: value("alloy.extraEnv", []),
            ports: [{ name: "http-metrics", containerPort: 12345 }],
            resources: value("alloy.resources", resources("50m", "128Mi", "256Mi")),
            volumeMounts: [{ name: "config", mountPath: "/etc/alloy" }],
        })],
        volumes: [{ name: "config", configMap: { name: fullname } }],
    };
    const isDaemonSet = equals("controller.type", "daemonset");
    return {
        description: "alloy: a DaemonSet (or Deployment) with its configuration, Service and read access to pods",
        fullnameLength: 63,
        defaults: {
            controller: { type: "daemonset" },
            alloy: { configMap: { create: true } },
            serviceMonitor: { enabled: false },
        },
        templates: {
            "rbac.yaml": [
                serviceAccount(fullname, objectLabels),
                {
                    body: {
                        apiVersion: "rbac.authorization.k8s.io/v1",
                        kind: "ClusterRole",
                        metadata: { name: fullname, labels: objectLabels },
                        rules: [{ apiGroups: [""], resources: ["pods", "pods/log", "nodes", "namespaces", "services", "endpoints"], verbs: ["get", "list", "watch"] }],
                    },
                },
                {
                    body: {
                        apiVersion: "rbac.authorization.k8s.io/v1",
                        kind: "ClusterRoleBinding",
                        metadata: { name: fullname, labels: objectLabels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: fullname },
                        subjects: [{ kind: "ServiceAccount", name: fullname, namespace: release.namespace }],
                    },
                },
            ],
            "alloy.yaml": [
                {
                    when: truthy("alloy.configMap.create"),
                    body: {
                        apiVersion: "v1",
                        kind: "ConfigMap",
                        metadata: metadata(fullname, objectLabels),
                        data: { "config.alloy": value("alloy.configMap.content", "") },
                    },
                },
                { ...daemonSet({ name: fullname, labels: objectLabels, selector, pod }), when: isDaemonSet },
                { ...deployment({ name: fullname, labels: objectLabels, selector, pod, replicas: value("controller.replicas", 1) }), when: not(isDaemonSet) },
                service(fullname, objectLabels, selector, [{ name: "http-metrics", port: 12345, targetPort: "http-metrics" }]),
                serviceMonitor(fullname, objectLabels, selector, "http-metrics", truthy("serviceMonitor.enabled")),
            ],
        },
    };
}

// --- gitlab-runner ---------------------------------------------------------------------------------

function gitlabRunner(): StandIn {
    // The real chart labels its pods app/release (no app.kubernetes.io/*); policies select on `app`.
    const objectLabels = { app: fullname, chart: concat(chart.name, "-", chart.version), release: release.name, heritage: "Helm" };
    const selector = { app: fullname };
    const clusterWide = truthy("rbac.clusterWideAccess");
    const rbac = (kind: "Role" | "ClusterRole", condition: Condition): Manifest[] => [
        {
            when: condition,
            body: {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind,
                metadata: kind === "Role" ? metadata(fullname, objectLabels) : { name: fullname, labels: objectLabels },
                rules: value("rbac.rules", []),
            },
        },
        {
            when: condition,
            body: {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: `${kind}Binding`,
                metadata: kind === "Role" ? metadata(fullname, objectLabels) : { name: fullname, labels: objectLabels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: fullname },
                subjects: [{ kind: "ServiceAccount", name: fullname, namespace: release.namespace }],
            },
        },
    ];
    return {
        description: "gitlab-runner: the runner manager Deployment with its configuration, RBAC and metrics Service",
        fullnameLength: 63,
        defaults: {
            rbac: { create: false, clusterWideAccess: false },
            serviceAccount: { create: true },
            runners: { secret: "" },
            metrics: { enabled: false, serviceMonitor: { enabled: false } },
            service: { enabled: false },
        },
        templates: {
            "rbac.yaml": [
                serviceAccount(fullname, objectLabels, truthy("serviceAccount.create")),
                ...rbac("Role", all(truthy("rbac.create"), not(clusterWide))),
                ...rbac("ClusterRole", all(truthy("rbac.create"), clusterWide)),
            ],
            "runner.yaml": [
                {
                    body: {
                        apiVersion: "v1",
                        kind: "ConfigMap",
                        metadata: metadata(fullname, objectLabels),
                        data: {
                            "config.template.toml": value("runners.config", ""),
                            "config.toml": concat("concurrent = ", value("concurrent", 10), "\ncheck_interval = ", value("checkInterval", 30), "\n"),
                        },
                    },
                },
                deployment({
                    name: fullname,
                    labels: objectLabels,
                    selector,
                    podLabels: objectLabels,
                    replicas: value("replicas", 1),
                    pod: {
                        serviceAccountName: when(truthy("serviceAccount.create"), fullname, "default"),
                        containers: [container({
                            name: "gitlab-runner",
                            image: concat("registry.gitlab.com/gitlab-org/gitlab-runner:alpine-v", chart.appVersion),
                            env: [
                                { name: "CI_SERVER_URL", value: value("gitlabUrl", "") },
                                { name: "RUNNER_EXECUTOR", value: "kubernetes" },
                                when(truthy("runners.secret"), {
                                    name: "CI_SERVER_TOKEN",
                                    valueFrom: { secretKeyRef: { name: value("runners.secret"), key: "runner-token" } },
                                }),
                            ],
                            ports: when(truthy("metrics.enabled"), [{ name: "metrics", containerPort: 9252 }]),
                            resources: value("resources", resources("50m", "64Mi", "256Mi")),
                            volumeMounts: [{ name: "configmaps", mountPath: "/configmaps" }],
                        })],
                        volumes: [{ name: "configmaps", configMap: { name: fullname } }],
                    },
                }),
                service(fullname, objectLabels, selector, [{ name: "metrics", port: 9252, targetPort: "metrics" }], {},
                    all(truthy("service.enabled"), truthy("metrics.enabled"))),
                serviceMonitor(fullname, objectLabels, selector, "metrics", all(truthy("metrics.enabled"), truthy("metrics.serviceMonitor.enabled"))),
            ],
        },
    };
}

/** Stand-ins by chart name (the `chart` of each pin in components/platform/charts.ts). */
export const STAND_INS: Readonly<Record<string, () => StandIn>> = {
    "cert-manager": certManager,
    "ingress-nginx": ingressNginx,
    "prometheus-operator-crds": prometheusOperatorCrds,
    "kube-prometheus-stack": kubePrometheusStack,
    loki,
    alloy,
    "gitlab-runner": gitlabRunner,
};
