import * as k8s from "@pulumi/kubernetes";
import * as kx from "@pulumi/kubernetesx";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import type { ProductId } from "../products/catalog";
import { ReleaseSettings } from "../products/settings";
import { LABEL, Labels, labelValue, objectLabels, selectorLabels, WorkloadIdentity } from "./labels";
import { PodGroup } from "./networkPolicies";
import { IngressLimits, PublicIngress, ServiceBackend } from "./publicIngress";
import {
    containerSecurityContext, exemptionAnnotations, podSecurityContext, probe, ProbeSpec, resourceRequirements,
    Resources, RunAs, secretEnv, writablePaths,
} from "./security";

/** A fixed number of pods, or an HorizontalPodAutoscaler's bounds and targets. */
export type Scaling =
    | { readonly replicas: number }
    | {
        readonly minReplicas: number;
        readonly maxReplicas: number;
        /** Target average CPU utilization, percent of the request. */
        readonly cpuUtilization: number;
        /** Target average memory utilization, percent of the request. */
        readonly memoryUtilization: number;
    };

export interface ContainerPort {
    /** Port name; Services, probes, Ingresses and ServiceMonitors refer to ports by name. */
    readonly name: string;
    readonly containerPort: number;
    /** Port the Service exposes. @default containerPort */
    readonly servicePort?: number;
}

export interface WebServiceArgs {
    readonly namespace: k8s.core.v1.Namespace;
    readonly product: ProductId;
    readonly environment: string;
    /** Service name and Deployment name prefix: the name the source documents, dashboards and alerts use. */
    readonly serviceName: string;
    /** Adds the document's `app: <serviceName>` label. @default false */
    readonly appLabel?: boolean;
    /** app.kubernetes.io/component. */
    readonly component?: string;
    /** Image repository without tag; tags come from `release`. */
    readonly image: string;
    readonly release: ReleaseSettings;
    readonly imagePullSecrets?: readonly k8s.core.v1.Secret[];
    /** Container ports; the first serves HTTP (probes, metrics and Ingress default to it). */
    readonly ports: readonly ContainerPort[];
    readonly command?: readonly string[];
    readonly args?: readonly string[];
    /** Plain settings; anything sensitive goes in `secretEnv`. */
    readonly env?: Readonly<Record<string, string>>;
    /** ConfigMaps loaded whole as environment. */
    readonly envFrom?: readonly k8s.core.v1.ConfigMap[];
    /** Environment read from Secret keys. */
    readonly secretEnv?: Readonly<Record<string, { readonly secret: k8s.core.v1.Secret; readonly key: string }>>;
    readonly resources: Resources;
    /** PriorityClass of the pods (the platform's `serving` class for user-facing services). */
    readonly priorityClassName: pulumi.Input<string>;
    readonly runAs: RunAs;
    readonly probes: { readonly liveness: ProbeSpec; readonly readiness: ProbeSpec; readonly startup?: ProbeSpec };
    /** Writable directories (emptyDir) on the read-only root. @default ["/tmp"] */
    readonly writablePaths?: readonly string[];
    /** PersistentVolumeClaims mounted into the container. */
    readonly volumes?: ReadonlyArray<{ readonly claim: k8s.core.v1.PersistentVolumeClaim; readonly mountPath: string }>;
    readonly scaling: Scaling;
    /**
     * The pods' ServiceAccount. Its token is mounted only when `rules` grant API access (a Role
     * bound to it in the namespace). @default a ServiceAccount named after the service, no token
     */
    readonly serviceAccount?: {
        readonly name?: string;
        readonly rules?: k8s.types.input.rbac.v1.PolicyRule[];
    };
    /** kube-proxy stickiness on the Service (the QuickSpin AI setup guide: ClientIP for 3 hours). */
    readonly clientIpAffinitySeconds?: number;
    /** Prometheus scrape of `path` on the named port. @default { path: "/metrics" } on the first port; false for none */
    readonly metrics?: { readonly path: string; readonly port?: string } | false;
    /** A public HTTPS entry for this service alone (multi-service hosts use PublicIngress directly). */
    readonly ingress?: {
        readonly host: string;
        readonly clusterIssuer: k8s.apiextensions.CustomResource;
        readonly ingressClassName: string;
        readonly limits?: IngressLimits;
    };
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: k8s.types.input.core.v1.Toleration[];
    /**
     * RollingUpdate surge and unavailability. @default { maxSurge: 1, maxUnavailable: 0 } (no capacity
     * loss during a rollout); GPU pods use { maxSurge: 0, maxUnavailable: 1 } since no spare GPU exists.
     * "Recreate" only for pods whose ReadWriteOnce volume cannot be shared.
     */
    readonly rollout?: { readonly maxSurge: number; readonly maxUnavailable: number } | "Recreate";
    /** Policy exemptions (policy name → reason) on the Deployments. Use sparingly. */
    readonly exemptions?: Readonly<Record<string, string>>;
    /** @default 30 */
    readonly terminationGracePeriodSeconds?: number;
}

interface Track {
    /** Key in `deployments`: main, canary, blue or green. */
    readonly key: string;
    readonly deploymentName: string;
    readonly tag: string;
    /** Labels beyond the selector labels that pick this track's pods. */
    readonly trackLabels: Labels;
}

function tracks(serviceName: string, release: ReleaseSettings): Track[] {
    switch (release.strategy) {
        case "rolling":
            return [{ key: "main", deploymentName: serviceName, tag: release.imageTag, trackLabels: {} }];
        case "canary":
            return [
                { key: "main", deploymentName: serviceName, tag: release.imageTag, trackLabels: { [LABEL.track]: "stable" } },
                { key: "canary", deploymentName: `${serviceName}-canary`, tag: release.canary!.imageTag, trackLabels: { [LABEL.track]: "canary" } },
            ];
        case "blue-green":
            return [
                { key: "blue", deploymentName: `${serviceName}-blue`, tag: release.blueGreen!.blueImageTag, trackLabels: { [LABEL.color]: "blue" } },
                { key: "green", deploymentName: `${serviceName}-green`, tag: release.blueGreen!.greenImageTag, trackLabels: { [LABEL.color]: "green" } },
            ];
    }
}

/** scaleUp at once when load rises, scaleDown one pod a minute after 5 quiet minutes. */
const HPA_BEHAVIOR: k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior = {
    scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }, { type: "Pods", value: 4, periodSeconds: 15 }],
    },
    scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Min",
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }, { type: "Percent", value: 10, periodSeconds: 60 }],
    },
};

/**
 * An HTTP service: its Deployment(s), Service, optional Ingress, HPA, PodDisruptionBudget,
 * ServiceAccount and ServiceMonitor, all driven by one label set.
 *
 * Release strategies (from the stack's ReleaseSettings):
 * - rolling: one Deployment named after the service.
 * - canary: a stable Deployment (track=stable) behind the Service and a canary Deployment
 *   (track=canary) behind `<service>-canary`, which an ingress-nginx canary Ingress weights.
 * - blue-green: Deployments `<service>-blue` and `<service>-green` (label version=<color>), each at
 *   full size so a switch back is instant; the Service selects the active color. Switching only
 *   edits the Service selector.
 * With an HPA, Deployments leave `replicas` unset so Pulumi and the HPA never fight over it.
 */
export class WebService extends pulumi.ComponentResource {
    public readonly serviceName: string;
    /** Selector labels of all the service's pods (every track and color). */
    public readonly selector: Labels;
    /** The pods as NetworkPolicies see them. */
    public readonly pods: PodGroup;
    public readonly service: k8s.core.v1.Service;
    public readonly canaryService?: k8s.core.v1.Service;
    /** Deployments by track: main (rolling and canary's stable), canary, blue, green. */
    public readonly deployments: Readonly<Record<string, k8s.apps.v1.Deployment>>;
    public readonly autoscalers: Readonly<Record<string, k8s.autoscaling.v2.HorizontalPodAutoscaler>>;
    public readonly disruptionBudgets: Readonly<Record<string, k8s.policy.v1.PodDisruptionBudget>>;
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly serviceMonitor?: k8s.apiextensions.CustomResource;
    public readonly ingress?: PublicIngress;
    /** What an Ingress route to this service points at. */
    public readonly backend: ServiceBackend;
    /** Service port of the HTTP port. */
    public readonly port: number;
    /** Container port of the HTTP port (NetworkPolicies match pod ports). */
    public readonly containerPort: number;
    /** Metrics container port, if scraped. */
    public readonly metricsPort?: number;

    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:WebService", name, {}, opts);
        const namespace = args.namespace.metadata.name;
        const identity: WorkloadIdentity = {
            name: args.serviceName, product: args.product, environment: args.environment,
            appLabel: args.appLabel, component: args.component,
        };
        const mainPort = args.ports[0];
        if (!mainPort) {
            throw new Error(`WebService ${name}: at least one port is required`);
        }
        this.serviceName = args.serviceName;
        this.selector = selectorLabels(identity);
        this.port = mainPort.servicePort ?? mainPort.containerPort;
        this.containerPort = mainPort.containerPort;
        this.pods = {
            name: args.serviceName,
            selector: this.selector,
            ports: Object.fromEntries(args.ports.map((p) => [p.name, p.containerPort])),
        };
        const child = () => childOptions(this, opts);
        const labels = objectLabels(identity);
        const autoscaled = "minReplicas" in args.scaling;

        const rules = args.serviceAccount?.rules ?? [];
        const apiAccess = rules.length > 0;
        this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: args.serviceAccount?.name ?? args.serviceName, namespace, labels },
            automountServiceAccountToken: apiAccess,
        }, child());
        if (apiAccess) {
            const role = new k8s.rbac.v1.Role(`${name}-role`, {
                metadata: { name: args.serviceAccount?.name ?? args.serviceName, namespace, labels },
                rules,
            }, child());
            new k8s.rbac.v1.RoleBinding(`${name}-rolebinding`, {
                metadata: { name: args.serviceAccount?.name ?? args.serviceName, namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace }],
            }, child());
        }

        const writable = writablePaths(args.writablePaths ?? ["/tmp"]);
        const claimVolumes = (args.volumes ?? []).map((v, i) => ({
            volume: { name: `data-${i}`, persistentVolumeClaim: { claimName: v.claim.metadata.name } },
            mount: { name: `data-${i}`, mountPath: v.mountPath },
        }));
        const env: kx.types.EnvMap = { ...(args.env ?? {}) };
        for (const [envName, ref] of Object.entries(args.secretEnv ?? {})) {
            if (envName in env) {
                throw new Error(`WebService ${name}: ${envName} is both a plain and a secret variable`);
            }
            env[envName] = secretEnv(ref.secret, ref.key);
        }
        const exemptions = exemptionAnnotations({
            ...(apiAccess ? { "no-sa-token-automount": apiAccessReason(args.serviceAccount?.name ?? args.serviceName, rules) } : {}),
            ...args.exemptions,
        });

        const deployments: Record<string, k8s.apps.v1.Deployment> = {};
        const autoscalers: Record<string, k8s.autoscaling.v2.HorizontalPodAutoscaler> = {};
        const budgets: Record<string, k8s.policy.v1.PodDisruptionBudget> = {};
        const trackList = tracks(args.serviceName, args.release);
        for (const track of trackList) {
            const podSelector = { ...this.selector, ...track.trackLabels };
            const version = labelValue(track.tag);
            const podLabels = { ...podSelector, [LABEL.version]: version };
            // kx builds the container from maps (env, ports) and keeps the rest of the spec as given.
            const pod = new kx.PodBuilder({
                serviceAccountName: this.serviceAccount.metadata.name,
                automountServiceAccountToken: apiAccess,
                priorityClassName: args.priorityClassName,
                securityContext: podSecurityContext(args.runAs),
                imagePullSecrets: args.imagePullSecrets?.map((s) => ({ name: s.metadata.name })),
                nodeSelector: args.nodeSelector,
                tolerations: args.tolerations,
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
                topologySpreadConstraints: [{
                    maxSkew: 1,
                    topologyKey: "kubernetes.io/hostname",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: podSelector },
                }],
                volumes: [...writable.volumes, ...claimVolumes.map((c) => c.volume)],
                containers: [{
                    name: args.serviceName,
                    image: `${args.image}:${track.tag}`,
                    // Tags are re-pushed in dev/staging; Always also re-checks the pull credentials.
                    imagePullPolicy: "Always",
                    command: args.command ? [...args.command] : undefined,
                    args: args.args ? [...args.args] : undefined,
                    ports: Object.fromEntries(args.ports.map((p) => [p.name, p.containerPort])),
                    env,
                    envFrom: args.envFrom?.map((cm) => ({ configMapRef: { name: cm.metadata.name } })),
                    resources: resourceRequirements(args.resources, writable),
                    securityContext: containerSecurityContext(args.runAs),
                    livenessProbe: probe(args.probes.liveness, mainPort.name),
                    readinessProbe: probe(args.probes.readiness, mainPort.name),
                    startupProbe: args.probes.startup ? probe(args.probes.startup, mainPort.name) : undefined,
                    volumeMounts: [...writable.mounts, ...claimVolumes.map((c) => c.mount)],
                }],
            });
            const deployment = new k8s.apps.v1.Deployment(`${name}-${track.key}`, {
                metadata: {
                    name: track.deploymentName,
                    namespace,
                    labels: { ...labels, ...track.trackLabels, [LABEL.version]: version },
                    ...(Object.keys(exemptions).length > 0 ? { annotations: exemptions } : {}),
                },
                spec: {
                    ...(autoscaled ? {} : { replicas: (args.scaling as { replicas: number }).replicas }),
                    selector: { matchLabels: podSelector },
                    revisionHistoryLimit: 5,
                    progressDeadlineSeconds: 600,
                    strategy: args.rollout === "Recreate"
                        ? { type: "Recreate" }
                        : { type: "RollingUpdate", rollingUpdate: args.rollout ?? { maxSurge: 1, maxUnavailable: 0 } },
                    template: { metadata: { labels: podLabels }, spec: pod.podSpec },
                },
            }, child());
            deployments[track.key] = deployment;

            if (autoscaled) {
                const s = args.scaling as Extract<Scaling, { minReplicas: number }>;
                autoscalers[track.key] = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-${track.key}-hpa`, {
                    metadata: { name: track.deploymentName, namespace, labels: { ...labels, ...track.trackLabels } },
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                        minReplicas: s.minReplicas,
                        maxReplicas: s.maxReplicas,
                        metrics: [
                            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.cpuUtilization } } },
                            { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: s.memoryUtilization } } },
                        ],
                        behavior: HPA_BEHAVIOR,
                    },
                }, child());
            }
            budgets[track.key] = new k8s.policy.v1.PodDisruptionBudget(`${name}-${track.key}-pdb`, {
                metadata: { name: track.deploymentName, namespace, labels: { ...labels, ...track.trackLabels } },
                // maxUnavailable (not minAvailable) keeps one eviction possible at any replica count.
                spec: { maxUnavailable: 1, selector: { matchLabels: podSelector } },
            }, child());
        }
        this.deployments = deployments;
        this.autoscalers = autoscalers;
        this.disruptionBudgets = budgets;

        const servicePorts = args.ports.map((p) => ({
            name: p.name, port: p.servicePort ?? p.containerPort, targetPort: p.name, protocol: "TCP",
        }));
        const serviceSpec = (selector: Labels): k8s.types.input.core.v1.ServiceSpec => ({
            type: "ClusterIP",
            selector,
            ports: servicePorts,
            ...(args.clientIpAffinitySeconds !== undefined ? {
                sessionAffinity: "ClientIP",
                sessionAffinityConfig: { clientIP: { timeoutSeconds: args.clientIpAffinitySeconds } },
            } : {}),
        });
        const primaryLabels: Labels = args.release.strategy === "rolling"
            ? {}
            : args.release.strategy === "canary"
                ? { [LABEL.track]: "stable" }
                : { [LABEL.color]: args.release.blueGreen!.activeColor };
        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.serviceName, namespace, labels },
            spec: serviceSpec({ ...this.selector, ...primaryLabels }),
        }, child());
        if (args.release.strategy === "canary") {
            this.canaryService = new k8s.core.v1.Service(`${name}-canary-service`, {
                metadata: { name: `${args.serviceName}-canary`, namespace, labels: { ...labels, [LABEL.track]: "canary" } },
                spec: serviceSpec({ ...this.selector, [LABEL.track]: "canary" }),
            }, child());
        }
        this.backend = {
            service: this.service,
            port: mainPort.name,
            canary: this.canaryService ? { service: this.canaryService, weight: args.release.canary!.weight } : undefined,
        };

        if (args.metrics !== false) {
            const metrics = args.metrics ?? { path: "/metrics" };
            const portName = metrics.port ?? mainPort.name;
            const port = args.ports.find((p) => p.name === portName);
            if (!port) {
                throw new Error(`WebService ${name}: metrics port ${portName} is not one of its ports`);
            }
            this.metricsPort = port.containerPort;
            this.serviceMonitor = new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: args.serviceName, namespace, labels },
                spec: {
                    // Every Service of the workload (stable and canary) carries app.kubernetes.io/name,
                    // so the job label is the service name for all of them, as the alert rules expect.
                    jobLabel: LABEL.name,
                    selector: { matchLabels: this.selector },
                    namespaceSelector: { matchNames: [namespace] },
                    endpoints: [{ port: portName, path: metrics.path, interval: "30s", scrapeTimeout: "10s" }],
                },
            }, child());
        }

        if (args.ingress) {
            this.ingress = new PublicIngress(`${name}-public`, {
                namespace: args.namespace,
                ingressName: args.serviceName,
                host: args.ingress.host,
                routes: [{ path: "/", backend: this.backend }],
                clusterIssuer: args.ingress.clusterIssuer,
                ingressClassName: args.ingress.ingressClassName,
                limits: args.ingress.limits,
                labels,
            }, child());
        }

        this.registerOutputs({
            serviceName: this.serviceName,
            deployments: Object.keys(deployments),
            port: this.port,
        });
    }
}

/**
 * A pod that calls the Kubernetes API needs its token; the exemption names the Role it is bound to
 * and what that Role allows, so a reviewer judges the access rather than the flag.
 */
function apiAccessReason(account: string, rules: readonly k8s.types.input.rbac.v1.PolicyRule[]): string {
    const grants = rules.map((r) => {
        const verbs = (r.verbs as string[] | undefined ?? []).join("/");
        const resources = (r.resources as string[] | undefined ?? []).join(", ");
        return `${verbs} on ${resources}`;
    });
    return `reads the Kubernetes API as ServiceAccount ${account}, bound to Role ${account} in its own namespace only (${grants.join("; ")})`;
}
