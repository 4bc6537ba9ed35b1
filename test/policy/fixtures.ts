/**
 * Realistic fixtures as RecordedResource objects (what the offline stack evaluation produces): a compliant
 * product namespace (Namespace, NetworkPolicies, ServiceAccount, ConfigMap, Secrets, Deployment, Service,
 * Ingress, HPA, PDB, StatefulSet + headless Service, CronJob, StorageClass, ClusterIssuers, Helm release,
 * provider, RBAC, GitLab variables), and helpers to derive deliberately broken copies.
 */
import type { RecordedResource } from "../../tools/stack/types";
import { SECRET_SIG, SIG_KEY, UNKNOWN_STRING } from "../../tools/policy/wire";

export const STACK = "test";
export const PROJECT = "ai-platform";
export const NS = "shop";
export const UNKNOWN = UNKNOWN_STRING;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type Rec = Mutable<RecordedResource>;

const PROVIDER_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:kubernetes::k8s`;
export const PROVIDER_REF = `${PROVIDER_URN}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v));
}

function wrapSecrets(inputs: Record<string, any>, paths: readonly string[]): Record<string, any> {
    const wire = clone(inputs);
    for (const p of paths) {
        const parts = p.split(".");
        let o: any = wire;
        for (const k of parts.slice(0, -1)) o = o?.[k];
        const last = parts[parts.length - 1];
        if (o && last in o) o[last] = { [SIG_KEY]: SECRET_SIG, value: o[last] };
    }
    return wire;
}

function unwrapSecrets(v: any): any {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        if (v[SIG_KEY] === SECRET_SIG) return unwrapSecrets(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

export interface RecOptions {
    readonly protect?: boolean;
    readonly secretPaths?: readonly string[];
    readonly custom?: boolean;
    readonly parent?: string;
    readonly provider?: string;
}

/** Builds a RecordedResource; Kubernetes resources use the explicit `k8s` provider. */
export function rec(type: string, name: string, inputs: Record<string, any>, o: RecOptions = {}): Rec {
    const isK8s = type.startsWith("kubernetes:");
    return {
        urn: urnOf(type, name),
        type,
        name,
        custom: o.custom ?? true,
        parent: o.parent ?? `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`,
        provider: o.provider ?? (isK8s ? PROVIDER_REF : ""),
        inputs: clone(inputs),
        wireInputs: wrapSecrets(inputs, o.secretPaths ?? []),
        secretPaths: [...(o.secretPaths ?? [])],
        protect: o.protect ?? false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        dependencies: [],
        additionalSecretOutputs: [],
        ignoreChanges: [],
    };
}

export function find(resources: readonly Rec[], name: string): Rec {
    const r = resources.find((x) => x.name === name);
    if (!r) throw new Error(`fixture ${name} not found`);
    return r;
}

/** Mutates a resource's wire inputs (secret wrappers included) and keeps `inputs` in sync. */
export function edit(resources: Rec[], name: string, fn: (wire: any, r: Rec) => void): Rec[] {
    const r = find(resources, name);
    fn(r.wireInputs, r);
    r.inputs = unwrapSecrets(r.wireInputs);
    return resources;
}

export function without(resources: Rec[], ...names: string[]): Rec[] {
    return resources.filter((r) => !names.includes(r.name));
}

/** The pod spec of a workload fixture (Deployment/StatefulSet/Job: spec.template.spec; CronJob: jobTemplate). */
export function podSpec(wire: any): any {
    if (wire.kind === "CronJob") return wire.spec.jobTemplate.spec.template.spec;
    if (wire.kind === "Pod") return wire.spec;
    return wire.spec.template.spec;
}

export const LABELS = (name: string, version = "1.4.2") => ({
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": `${name}-${STACK}`,
    "app.kubernetes.io/version": version,
    "app.kubernetes.io/part-of": "shop",
});
const SELECTOR = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": `${name}-${STACK}` });

export function secureContainerContext(): Record<string, any> {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
    };
}

export function podSecurityContext(uid = 10001): Record<string, any> {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

export function webContainer(): Record<string, any> {
    return {
        name: "web",
        image: "registry.gitlab.com/acme/shop-web:1.4.2",
        imagePullPolicy: "Always",
        ports: [{ name: "http", containerPort: 8000 }],
        env: [
            { name: "LOG_LEVEL", valueFrom: { configMapKeyRef: { name: "web-config", key: "LOG_LEVEL" } } },
            { name: "API_KEY", valueFrom: { secretKeyRef: { name: "web-secrets", key: "API_KEY" } } },
            { name: "MAX_TOKENS", value: "4096" },
        ],
        envFrom: [{ configMapRef: { name: "web-config" } }],
        resources: {
            requests: { cpu: "250m", memory: "512Mi", "ephemeral-storage": "1Gi" },
            limits: { memory: "512Mi", "ephemeral-storage": "2Gi" },
        },
        readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 20, failureThreshold: 5 },
        securityContext: secureContainerContext(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

function podTemplate(name: string, container: Record<string, any>, extra: Record<string, any> = {}): Record<string, any> {
    return {
        metadata: { labels: LABELS(name) },
        spec: {
            serviceAccountName: "web",
            automountServiceAccountToken: false,
            priorityClassName: "shop-standard",
            securityContext: podSecurityContext(),
            imagePullSecrets: [{ name: "gitlab-registry" }],
            containers: [container],
            volumes: [{ name: "tmp", emptyDir: {} }],
            ...extra,
        },
    };
}

const meta = (name: string, labels?: Record<string, string>, annotations?: Record<string, string>) => ({
    name, namespace: NS, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}),
});

/** A compliant stack: passes every policy with the prod config (and therefore staging and dev). */
export function compliantStack(): Rec[] {
    const dbContainer = {
        name: "postgres",
        image: "postgres:16.4",
        imagePullPolicy: "Always",
        ports: [{ name: "pg", containerPort: 5432 }],
        env: [{ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "db-secrets", key: "password" } } }],
        resources: { requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1Gi" }, limits: { memory: "1Gi", "ephemeral-storage": "2Gi" } },
        readinessProbe: { exec: { command: ["pg_isready", "-U", "postgres"] }, periodSeconds: 5 },
        livenessProbe: { tcpSocket: { port: "pg" }, periodSeconds: 20 },
        securityContext: secureContainerContext(),
        volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }, { name: "tmp", mountPath: "/tmp" }, { name: "run", mountPath: "/var/run/postgresql" }],
    };
    const backupContainer = {
        name: "backup",
        image: "registry.gitlab.com/acme/pg-backup:2.1.0",
        imagePullPolicy: "Always",
        env: [{ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "db-secrets", key: "password" } } }],
        resources: { requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "1Gi" }, limits: { memory: "128Mi", "ephemeral-storage": "2Gi" } },
        securityContext: secureContainerContext(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
    return [
        rec("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`, {}, { custom: false, parent: "" }),
        rec("pulumi:providers:kubernetes", "k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n", context: "prod-cluster" }, { secretPaths: ["kubeconfig"] }),
        rec("kubernetes:core/v1:Namespace", "shop-ns", {
            apiVersion: "v1", kind: "Namespace",
            metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted" } },
        }, { protect: true }),
        rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny", {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("default-deny"),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }),
        rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-dns", {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-dns"),
            spec: {
                podSelector: {}, policyTypes: ["Egress"],
                egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
            },
        }),
        rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-np", {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("web"),
            spec: {
                podSelector: { matchLabels: SELECTOR("web") }, policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ port: 8000 }] }],
                egress: [{ to: [{ podSelector: { matchLabels: SELECTOR("db") } }], ports: [{ port: 5432 }] }],
            },
        }),
        rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "db-np", {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("db"),
            spec: {
                podSelector: { matchLabels: SELECTOR("db") }, policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: SELECTOR("web") } }, { podSelector: { matchLabels: SELECTOR("backup") } }], ports: [{ port: 5432 }] }],
            },
        }),
        rec("kubernetes:core/v1:ServiceAccount", "web-sa", {
            apiVersion: "v1", kind: "ServiceAccount", metadata: meta("web", LABELS("web")), automountServiceAccountToken: false,
        }),
        rec("kubernetes:rbac.authorization.k8s.io/v1:Role", "web-role", {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("web-reader"),
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        }),
        rec("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "web-rb", {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("web-reader"),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "web-reader" },
            subjects: [{ kind: "ServiceAccount", name: "web", namespace: NS }],
        }),
        rec("kubernetes:core/v1:ConfigMap", "web-config", {
            apiVersion: "v1", kind: "ConfigMap", metadata: meta("web-config", LABELS("web")),
            data: { LOG_LEVEL: "info", API_URL: "https://api.example.com", TOKEN_LIMIT: "4096", JWT_SECRET_FILE: "/var/run/secrets/jwt" },
        }),
        rec("kubernetes:core/v1:Secret", "web-secrets", {
            apiVersion: "v1", kind: "Secret", metadata: meta("web-secrets", LABELS("web")), type: "Opaque",
            stringData: { API_KEY: "s3cr3t-value-from-random" },
        }, { secretPaths: ["stringData.API_KEY"] }),
        rec("kubernetes:core/v1:Secret", "db-secrets", {
            apiVersion: "v1", kind: "Secret", metadata: meta("db-secrets", LABELS("db")), type: "Opaque",
            stringData: { password: "generated-password-123" },
        }, { secretPaths: ["stringData.password"] }),
        rec("kubernetes:core/v1:Secret", "gitlab-registry", {
            apiVersion: "v1", kind: "Secret", metadata: meta("gitlab-registry"), type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": "{\"auths\":{}}" },
        }),
        rec("kubernetes:apps/v1:Deployment", "web", {
            apiVersion: "apps/v1", kind: "Deployment", metadata: meta("web", LABELS("web")),
            spec: {
                selector: { matchLabels: SELECTOR("web") },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: podTemplate("web", webContainer(), {
                    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: SELECTOR("web") } }],
                }),
            },
        }),
        rec("kubernetes:core/v1:Service", "web-svc", {
            apiVersion: "v1", kind: "Service", metadata: meta("web", LABELS("web")),
            spec: { type: "ClusterIP", selector: SELECTOR("web"), ports: [{ name: "http", port: 80, targetPort: "http" }] },
        }),
        rec("kubernetes:networking.k8s.io/v1:Ingress", "web-ing", {
            apiVersion: "networking.k8s.io/v1", kind: "Ingress",
            metadata: meta("web", LABELS("web"), { "cert-manager.io/cluster-issuer": "letsencrypt-prod", "nginx.ingress.kubernetes.io/limit-rpm": "100" }),
            spec: {
                ingressClassName: "nginx",
                tls: [{ hosts: ["shop.example.com"], secretName: "web-tls" }],
                rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }],
            },
        }),
        rec("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa", {
            apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: meta("web", LABELS("web")),
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 6,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
        }),
        rec("kubernetes:policy/v1:PodDisruptionBudget", "web-pdb", {
            apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("web", LABELS("web")),
            spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR("web") } },
        }),
        rec("kubernetes:storage.k8s.io/v1:StorageClass", "retain-sc", {
            apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "standard-retain" },
            provisioner: "pd.csi.storage.gke.io", reclaimPolicy: "Retain", allowVolumeExpansion: true,
        }),
        rec("kubernetes:core/v1:Service", "db-headless", {
            apiVersion: "v1", kind: "Service", metadata: meta("db-headless", LABELS("db", "16.4")),
            spec: { clusterIP: "None", selector: SELECTOR("db"), ports: [{ name: "pg", port: 5432, targetPort: "pg" }] },
        }),
        rec("kubernetes:apps/v1:StatefulSet", "db", {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta("db", LABELS("db", "16.4")),
            spec: {
                replicas: 1,
                serviceName: "db-headless",
                selector: { matchLabels: SELECTOR("db") },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels: LABELS("db", "16.4") },
                    spec: {
                        automountServiceAccountToken: false,
                        priorityClassName: "shop-critical",
                        securityContext: podSecurityContext(999),
                        containers: [dbContainer],
                        volumes: [{ name: "tmp", emptyDir: {} }, { name: "run", emptyDir: {} }],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data" },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: "standard-retain", resources: { requests: { storage: "50Gi" } } },
                }],
            },
        }, { protect: true }),
        rec("kubernetes:batch/v1:CronJob", "db-backup", {
            apiVersion: "batch/v1", kind: "CronJob", metadata: meta("db-backup", LABELS("backup", "2.1.0")),
            spec: {
                schedule: "0 3 * * *",
                startingDeadlineSeconds: 300,
                concurrencyPolicy: "Forbid",
                jobTemplate: {
                    spec: {
                        backoffLimit: 2,
                        template: {
                            metadata: { labels: LABELS("backup", "2.1.0") },
                            spec: {
                                restartPolicy: "OnFailure",
                                automountServiceAccountToken: false,
                                priorityClassName: "shop-batch",
                                securityContext: podSecurityContext(),
                                imagePullSecrets: [{ name: "gitlab-registry" }],
                                containers: [backupContainer],
                                volumes: [{ name: "tmp", emptyDir: {} }],
                            },
                        },
                    },
                },
            },
        }),
        rec("kubernetes:cert-manager.io/v1:ClusterIssuer", "le-prod", {
            apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "letsencrypt-prod" },
            spec: { acme: { server: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.com", privateKeySecretRef: { name: "le-prod" }, solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }] } },
        }),
        rec("kubernetes:cert-manager.io/v1:ClusterIssuer", "le-staging", {
            apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "letsencrypt-staging" },
            spec: { acme: { server: "https://acme-staging-v02.api.letsencrypt.org/directory", email: "ops@example.com", privateKeySecretRef: { name: "le-staging" }, solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }] } },
        }),
        rec("kubernetes:helm.sh/v3:Release", "cert-manager", {
            name: "cert-manager", chart: "cert-manager", version: "v1.16.2", namespace: "cert-manager",
            repositoryOpts: { repo: "https://charts.jetstack.io" }, timeout: 600, values: { crds: { enabled: true, keep: true } },
        }),
        rec("pulumi-nodejs:dynamic/gitlab:ProjectVariable", "var-kube-token", {
            __provider: "exports.handler = __f0; function __f0() { /* serialized */ }",
            project: "acme/shop", key: "KUBE_TOKEN", value: "abcdEFGH1234+/==", masked: true, protected: true, raw: false,
            environmentScope: "production", variableType: "env_var",
        }, { secretPaths: ["value"] }),
        rec("pulumi-nodejs:dynamic/gitlab:ProjectVariable", "var-app-url", {
            __provider: "exports.handler = __f0; function __f0() { /* serialized */ }",
            project: "acme/shop", key: "APP_URL", value: "https://shop.example.com", masked: false, protected: false, raw: false,
            environmentScope: "*", variableType: "env_var",
        }),
    ];
}

/** A deep copy of the compliant stack with one edit applied. */
export function broken(name: string, fn: (wire: any, r: Rec) => void): Rec[] {
    return edit(compliantStack(), name, fn);
}

/** The first container of a workload fixture. */
export function container(wire: any, index = 0): any {
    return podSpec(wire).containers[index];
}
