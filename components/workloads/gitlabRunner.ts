import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { ChartPin } from "../platform/charts";
import { HelmAddon } from "../platform/helmAddon";
import { Labels } from "./labels";
import { HTTPS, INTERNET, NetworkPolicies, PROMETHEUS, tcp } from "./networkPolicies";
import { secretData } from "../lib/secretData";

export interface GitLabRunnerArgs {
    /** The runner's own namespace; job pods run there too. */
    readonly namespace: k8s.core.v1.Namespace;
    readonly pin: ChartPin;
    /** GitLab instance, e.g. https://gitlab.com/. */
    readonly gitlabUrl: string;
    /** Runner authentication token (glrt-…), stored in a Secret the chart reads. */
    readonly token: pulumi.Input<string>;
    /** API server addresses the runner manager creates job pods through. */
    readonly kubeApiServerCidrs: readonly string[];
    readonly labels: Labels;
    /** Jobs running at once. @default 4 */
    readonly concurrent?: number;
}

const TOKEN_SECRET = "gitlab-runner-token";
const JOB_POD_LABEL = { "ai-platform.io/ci-job": "true" };
const MANAGER_LABELS = { app: "gitlab-runner" };
const RELEASE_PODS_REASON = "selects pods created by the gitlab-runner Helm release and by the runner itself (CI jobs); neither is a pod template the policy pack can see";

/**
 * The gitlab-runner chart with the Kubernetes executor, replacing the Harvis AI implementation summary's runners on the host
 * Docker socket (privileged, hostPath, cluster-wide RBAC). Each CI job is a pod in this namespace:
 * unprivileged, no host access, resource-limited; jobs that build images use kaniko. The runner's
 * Role is namespaced; it holds pods/exec and pods/attach because that is how the executor runs
 * job scripts, and nothing outside this namespace. The token reaches the chart through a Secret
 * (`runners.secret`), never through values, which Helm stores in plain text.
 */
export class GitLabRunner extends pulumi.ComponentResource {
    public readonly addon: HelmAddon;
    public readonly tokenSecret: k8s.core.v1.Secret;
    public readonly networkPolicies: NetworkPolicies;

    constructor(name: string, args: GitLabRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:GitLabRunner", name, {}, opts);
        const namespace = args.namespace.metadata.name;

        this.tokenSecret = new k8s.core.v1.Secret(`${name}-token`, {
            metadata: { name: TOKEN_SECRET, namespace, labels: args.labels },
            type: "Opaque",
            // The chart expects both keys; an authentication token leaves the registration token empty.
            data: secretData({ "runner-registration-token": "", "runner-token": args.token }),
        }, childOptions(this, opts));

        const config = namespace.apply((ns) => `[[runners]]
  [runners.kubernetes]
    namespace = "${ns}"
    image = "alpine:3.20"
    privileged = false
    allow_privilege_escalation = false
    cpu_request = "500m"
    cpu_limit = "2"
    memory_request = "1Gi"
    memory_limit = "4Gi"
    helper_cpu_request = "50m"
    helper_cpu_limit = "500m"
    helper_memory_request = "64Mi"
    helper_memory_limit = "256Mi"
    service_cpu_request = "100m"
    service_cpu_limit = "1"
    service_memory_request = "128Mi"
    service_memory_limit = "1Gi"
    poll_timeout = 600
    # The Harvis AI implementation summary built the backend on node1 (GPU) and the frontend on node2 with one runner per node;
    # jobs now pick the node with KUBERNETES_NODE_SELECTOR_* variables.
    node_selector_overwrite_allowed = "kubernetes.io/hostname=.*"
    [runners.kubernetes.pod_labels]
      "ai-platform.io/ci-job" = "true"
    [runners.kubernetes.build_container_security_context]
      [runners.kubernetes.build_container_security_context.capabilities]
        drop = ["NET_RAW"]
`);

        this.addon = new HelmAddon(name, {
            pin: args.pin,
            namespace: args.namespace,
            values: {
                gitlabUrl: args.gitlabUrl,
                concurrent: args.concurrent ?? 4,
                checkInterval: 10,
                unregisterRunners: true,
                // Long jobs finish before the manager stops.
                terminationGracePeriodSeconds: 3600,
                rbac: {
                    create: true,
                    clusterWideAccess: false,
                    rules: [
                        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
                        { apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["get", "create"] },
                        { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list"] },
                        { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get", "create", "update", "delete"] },
                        { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get"] },
                        { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
                    ],
                },
                serviceAccount: { create: true },
                runners: { secret: TOKEN_SECRET, config },
                podSecurityContext: { runAsUser: 100, runAsGroup: 65533, fsGroup: 65533, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                securityContext: {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    runAsNonRoot: true,
                    readOnlyRootFilesystem: false,
                    capabilities: { drop: ["ALL"] },
                },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                metrics: { enabled: true, serviceMonitor: { enabled: true } },
                service: { enabled: true },
            },
        }, { ...childOptions(this, opts, this.tokenSecret) });

        const manager = { name: "gitlab-runner", selector: MANAGER_LABELS };
        const jobs = { name: "ci-jobs", selector: JOB_POD_LABEL };
        this.networkPolicies = new NetworkPolicies(`${name}-network`, {
            namespace: args.namespace,
            labels: args.labels,
            allows: [
                {
                    group: manager,
                    ingress: [{ from: [PROMETHEUS], ports: tcp(9252) }],
                    egress: [
                        // Polls GitLab for jobs.
                        { to: [INTERNET], ports: [HTTPS] },
                        // Creates and execs into job pods.
                        { to: args.kubeApiServerCidrs.map((cidr) => ({ cidr })), ports: tcp(443, 6443) },
                    ],
                    exemptions: { "netpol-coverage": RELEASE_PODS_REASON },
                },
                {
                    group: jobs,
                    // Clone, registries and package mirrors (Debian and Alpine mirrors still default to http).
                    egress: [{ to: [INTERNET], ports: tcp(80, 443) }],
                    exemptions: { "netpol-coverage": RELEASE_PODS_REASON },
                },
            ],
        }, childOptions(this, opts));

        this.registerOutputs({ release: this.addon.releaseName });
    }
}
