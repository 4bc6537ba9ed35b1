import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformConfig } from "../config";
import { childOptions } from "../lib/options";
import { ProductObservability } from "../observability/productObservability";
import type { ProductContract } from "../outputs/contract";
import type { PriorityClasses } from "../platform/priorityClasses";
import { PRODUCTS, ProductId } from "../products/catalog";
import { PRODUCT_DEFINITIONS } from "../products";
import { isMovingTag, releaseTags } from "../products/settings";
import { ProductSpec, SecretSource } from "../products/types";
import { DeployIdentity } from "./deployIdentity";
import { GitLabRunner } from "./gitlabRunner";
import { ImagePullSecret } from "./imagePullSecret";
import { LABEL, Labels } from "./labels";
import { ACME_HTTP01_SOLVER, Allow, HTTPS, INGRESS_CONTROLLER, INTERNET, NetworkPolicies, PodGroup, PROMETHEUS, tcp } from "./networkPolicies";
import { PublicIngress } from "./publicIngress";
import { StatefulStore } from "./statefulStore";
import { WebService } from "./webService";
import { secretData } from "../lib/secretData";

export interface ProductArgs {
    readonly product: ProductId;
    /** The stack's validated configuration (environment, the product's settings, storage class, charts). */
    readonly config: PlatformConfig;
    /** The stack's Namespace objects by name; the product takes its own (components/products/catalog.ts). */
    readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
    /** The ClusterIssuer every Ingress of the product names. */
    readonly clusterIssuer: k8s.apiextensions.CustomResource;
    readonly ingressClassName: string;
    /** The platform's PriorityClasses: stores run as `data`, services as `serving`, jobs as `batch`. */
    readonly priorityClasses: PriorityClasses;
}

/** In-cluster endpoint of a Service. */
export interface ServiceEndpoint {
    readonly host: pulumi.Output<string>;
    readonly port: number;
}


/**
 * One product in one environment, built from its data (components/products/<product>.ts): secrets
 * (generated or from secret config), image pull secret, ConfigMaps and Secrets, claims, stores,
 * web services, Ingresses, the namespace's NetworkPolicies, its alerts and dashboards, its
 * pipeline's deploy identity, and a CI runner where the product has one.
 *
 * Secrets are exposed as Outputs under stable names so the GitLab CI/CD variables are built from
 * the same values: rotating one updates the cluster and CI together.
 */
export class Product extends pulumi.ComponentResource {
    public readonly product: ProductId;
    public readonly displayName: string;
    /** The product's main namespace, and every namespace it owns. */
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly namespaces: readonly k8s.core.v1.Namespace[];
    /** Every secret of the product by stable name (groqApiKey, jwtSecretKey, postgresPassword, registryPassword, …). */
    public readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
    public readonly webServices: Readonly<Record<string, WebService>>;
    public readonly stores: Readonly<Record<string, StatefulStore>>;
    /** In-cluster endpoints of the product's Services (web services and stores) by Service name. */
    public readonly services: Readonly<Record<string, ServiceEndpoint>>;
    /** Public HTTPS URLs. */
    public readonly urls: readonly string[];
    /** Kubernetes Secrets the product's pods use, by name (application secrets, store credentials, pull secret). */
    public readonly kubernetesSecrets: Readonly<Record<string, k8s.core.v1.Secret>>;
    public readonly configMaps: Readonly<Record<string, k8s.core.v1.ConfigMap>>;
    public readonly claims: Readonly<Record<string, k8s.core.v1.PersistentVolumeClaim>>;
    public readonly ingresses: readonly PublicIngress[];
    public readonly networkPolicies: NetworkPolicies;
    public readonly observability: ProductObservability;
    public readonly runner?: GitLabRunner;
    /** The product pipeline's own read-only account and kubeconfig, issued by the platform. */
    public readonly deployIdentity: DeployIdentity;
    /** This product's part of the stack-outputs contract (names only, no secret). */
    public readonly contract: pulumi.Output<ProductContract>;

    constructor(name: string, args: ProductArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:Product", name, {}, opts);
        const { config, product } = args;
        const environment = config.environment;
        const tier = config.tier;
        const settings = config.productSettings[product];
        if (!settings) {
            throw new Error(`Product ${name}: the stack has no settings for ${product} (is it in products?)`);
        }
        const spec: ProductSpec = (PRODUCT_DEFINITIONS[product] as (ctx: { environment: string; tier: typeof tier; settings: typeof settings }) => ProductSpec)({
            environment, tier, settings,
        });
        const protectData = config.cluster.dataProtection;
        const child = () => childOptions(this, opts);
        this.product = product;
        this.displayName = PRODUCTS[product].displayName;

        const namespaceNames = PRODUCTS[product].namespaces({ name: environment, tier });
        this.namespaces = namespaceNames.map((ns) => {
            const found = args.namespaces[ns];
            if (!found) {
                throw new Error(`Product ${name}: namespace ${ns} is not part of the platform`);
            }
            return found;
        });
        this.namespace = this.namespaces[0];
        const namespace = this.namespace;
        const nsName = namespace.metadata.name;
        const productLabels: Labels = { [LABEL.partOf]: product, [LABEL.managedBy]: "pulumi" };

        // --- Secrets ---------------------------------------------------------------------------
        const secrets: Record<string, pulumi.Output<string>> = {};
        const templates: Array<[string, string]> = [];
        for (const [secretName, source] of Object.entries(spec.secrets) as Array<[string, SecretSource]>) {
            if ("generate" in source) {
                secrets[secretName] = source.generate === "password"
                    ? pulumi.secret(new random.RandomPassword(`${name}-${secretName}`, {
                        length: source.length ?? 32, special: false,
                    }, child()).result)
                    : pulumi.secret(new random.RandomBytes(`${name}-${secretName}`, { length: source.bytes }, child()).base64);
            } else if ("fromConfig" in source) {
                secrets[secretName] = pulumi.secret(source.fromConfig);
            } else {
                templates.push([secretName, source.template]);
            }
        }
        secrets.registryPassword = pulumi.secret(spec.registry.credentials.password);
        for (const [secretName, template] of templates) {
            const refs = [...template.matchAll(/\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]);
            for (const ref of refs) {
                if (!secrets[ref]) {
                    throw new Error(`Product ${name}: secret ${secretName} refers to unknown secret {${ref}}`);
                }
            }
            secrets[secretName] = pulumi.secret(pulumi.all(refs.map((r) => secrets[r])).apply((values) =>
                refs.reduce((text, ref, i) => text.split(`{${ref}}`).join(values[i]), template)));
        }
        this.secrets = secrets;
        const secretValue = (secretName: string): pulumi.Output<string> => {
            const value = secrets[secretName];
            if (!value) {
                throw new Error(`Product ${name}: unknown secret ${secretName}`);
            }
            return value;
        };

        const pullSecret = new ImagePullSecret(`${name}-registry`, {
            namespace,
            secretName: spec.registry.secretName,
            server: spec.registry.server,
            username: spec.registry.credentials.username,
            password: secrets.registryPassword,
            labels: productLabels,
        }, child());

        const kubernetesSecrets: Record<string, k8s.core.v1.Secret> = { [spec.registry.secretName]: pullSecret.secret };
        for (const s of spec.kubernetesSecrets ?? []) {
            const data: Record<string, pulumi.Input<string>> = {};
            for (const [key, entry] of Object.entries(s.entries)) {
                data[key] = "secret" in entry ? secretValue(entry.secret) : entry.value;
            }
            kubernetesSecrets[s.name] = new k8s.core.v1.Secret(`${name}-secret-${s.name}`, {
                metadata: { name: s.name, namespace: nsName, labels: productLabels },
                type: "Opaque",
                data: secretData(data),
            }, child());
        }

        const configMaps: Record<string, k8s.core.v1.ConfigMap> = {};
        for (const cm of spec.configMaps ?? []) {
            configMaps[cm.name] = new k8s.core.v1.ConfigMap(`${name}-configmap-${cm.name}`, {
                metadata: { name: cm.name, namespace: nsName, labels: productLabels },
                data: { ...cm.data },
            }, child());
        }
        this.configMaps = configMaps;

        const claims: Record<string, k8s.core.v1.PersistentVolumeClaim> = {};
        for (const volume of spec.volumes ?? []) {
            claims[volume.name] = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim-${volume.name}`, {
                metadata: { name: volume.name, namespace: nsName, labels: productLabels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: config.cluster.storageClass,
                    resources: { requests: { storage: volume.size } },
                },
            }, { ...child(), protect: protectData });
        }
        this.claims = claims;

        // --- Stores ----------------------------------------------------------------------------
        const stores: Record<string, StatefulStore> = {};
        for (const store of spec.stores ?? []) {
            stores[store.name] = new StatefulStore(`${name}-${store.name}`, {
                namespace,
                product,
                environment,
                name: store.name,
                engine: store.engine,
                image: store.image,
                version: store.version,
                replicas: store.replicas,
                storage: { size: store.storageSize, storageClass: config.cluster.storageClass },
                priorityClasses: {
                    data: args.priorityClasses.data.metadata.name,
                    batch: args.priorityClasses.batch.metadata.name,
                },
                resources: store.resources,
                credentials: {
                    password: secretValue(store.passwordSecret),
                    rootPassword: store.rootPasswordSecret ? secretValue(store.rootPasswordSecret) : undefined,
                    replicaSetKey: store.replicaSetKeySecret ? secretValue(store.replicaSetKeySecret) : undefined,
                },
                database: store.database,
                username: store.username,
                extraDatabases: store.extraDatabases,
                sentinel: store.sentinel,
                protectData,
                // Backups run where the stack protects its data (dataProtection, on in prod).
                backup: protectData ? store.backup : undefined,
                appLabel: store.appLabel,
            }, child());
            kubernetesSecrets[`${store.name}-credentials`] = stores[store.name].credentials;
        }
        this.stores = stores;
        this.kubernetesSecrets = kubernetesSecrets;

        // --- Web services ----------------------------------------------------------------------
        const lookup = <T>(kind: string, table: Record<string, T>, key: string): T => {
            const found = table[key];
            if (!found) {
                throw new Error(`Product ${name}: unknown ${kind} ${key}`);
            }
            return found;
        };
        const webServices: Record<string, WebService> = {};
        for (const svc of spec.services) {
            const moving = releaseTags(svc.release).some(isMovingTag);
            if (moving && !spec.movingTagReason) {
                throw new Error(`Product ${name}: ${svc.name} deploys a moving tag but the product gives no reason`);
            }
            webServices[svc.name] = new WebService(`${name}-${svc.name}`, {
                namespace,
                priorityClassName: args.priorityClasses.serving.metadata.name,
                product,
                environment,
                serviceName: svc.name,
                appLabel: svc.appLabel,
                component: svc.component,
                image: svc.image,
                release: svc.release,
                imagePullSecrets: [pullSecret.secret],
                ports: svc.ports,
                command: svc.command,
                args: svc.args,
                env: svc.env,
                envFrom: (svc.configMaps ?? []).map((cm) => lookup("ConfigMap", configMaps, cm)),
                secretEnv: Object.fromEntries(Object.entries(svc.secretEnv ?? {}).map(([envName, ref]) =>
                    [envName, { secret: lookup("Secret", kubernetesSecrets, ref.secret), key: ref.key }])),
                resources: svc.resources,
                runAs: svc.runAs,
                probes: svc.probes,
                writablePaths: svc.writablePaths,
                volumes: (svc.volumes ?? []).map((v) => ({ claim: lookup("claim", claims, v.claim), mountPath: v.mountPath })),
                scaling: svc.scaling,
                serviceAccount: svc.serviceAccount,
                clientIpAffinitySeconds: svc.clientIpAffinitySeconds,
                metrics: svc.metrics,
                ingress: svc.ingress ? {
                    host: svc.ingress.host,
                    clusterIssuer: args.clusterIssuer,
                    ingressClassName: args.ingressClassName,
                    limits: svc.ingress.limits,
                } : undefined,
                nodeSelector: svc.nodeSelector,
                tolerations: svc.tolerations,
                rollout: svc.rollout,
                exemptions: {
                    ...(svc.exemptions ?? {}),
                    ...(moving ? { "image-tag-pinned": spec.movingTagReason! } : {}),
                },
                terminationGracePeriodSeconds: svc.terminationGracePeriodSeconds,
            }, child());
        }
        this.webServices = webServices;

        const ingresses: PublicIngress[] = Object.values(webServices).flatMap((w) => (w.ingress ? [w.ingress] : []));
        const routed = new Set(Object.values(webServices).filter((w) => w.ingress).map((w) => w.serviceName));
        for (const ing of spec.ingresses ?? []) {
            ingresses.push(new PublicIngress(`${name}-${ing.name}`, {
                namespace,
                ingressName: ing.name,
                host: ing.host,
                routes: ing.routes.map((r) => ({ path: r.path, backend: lookup("service", webServices, r.service).backend })),
                clusterIssuer: args.clusterIssuer,
                ingressClassName: args.ingressClassName,
                limits: ing.limits,
                labels: productLabels,
            }, child()));
            ing.routes.forEach((r) => routed.add(r.service));
        }
        this.ingresses = ingresses;
        this.urls = ingresses.map((i) => i.url);

        // --- NetworkPolicies -------------------------------------------------------------------
        const allows: Allow[] = [];
        const groupOf = (serviceOrStore: string): { pods: PodGroup; ports: number[] } => {
            if (webServices[serviceOrStore]) {
                const w = webServices[serviceOrStore];
                return { pods: w.pods, ports: [w.containerPort] };
            }
            const s = lookup("service or store", stores, serviceOrStore);
            return { pods: s.pods, ports: [...s.clientPorts] };
        };
        for (const w of Object.values(webServices)) {
            const ingress: NonNullable<Allow["ingress"]>[number][] = [];
            if (routed.has(w.serviceName)) {
                ingress.push({ from: [INGRESS_CONTROLLER], ports: tcp(w.containerPort) });
            }
            if (w.metricsPort !== undefined) {
                ingress.push({ from: [PROMETHEUS], ports: tcp(w.metricsPort) });
            }
            const egress: NonNullable<Allow["egress"]>[number][] = [];
            if (spec.network.internet?.includes(w.serviceName)) {
                egress.push({ to: [INTERNET], ports: [HTTPS] });
            }
            if (spec.network.kubeApi?.includes(w.serviceName)) {
                egress.push({ to: config.network.kubeApiServerCidrs.map((cidr) => ({ cidr })), ports: tcp(443, 6443) });
            }
            for (const extra of spec.network.extraEgress ?? []) {
                if (extra.from === w.serviceName) {
                    egress.push({ to: [INTERNET], ports: tcp(...extra.ports) });
                }
            }
            allows.push({ group: w.pods, ingress, egress });
        }
        for (const { from, to } of spec.network.connections) {
            const source = groupOf(from);
            const target = groupOf(to);
            allows.push(
                { group: source.pods, egress: [{ to: [{ pods: target.pods }], ports: tcp(...target.ports) }] },
                { group: target.pods, ingress: [{ from: [{ pods: source.pods }], ports: tcp(...target.ports) }] },
            );
            const sentinel = stores[to]?.sentinel;
            if (sentinel) {
                allows.push(
                    { group: source.pods, egress: [{ to: [{ pods: sentinel.pods }], ports: tcp(26379) }] },
                    { group: sentinel.pods, ingress: [{ from: [{ pods: source.pods }], ports: tcp(26379) }] },
                );
            }
        }
        for (const store of Object.values(stores)) {
            allows.push(...store.internalAllows);
        }
        if (ingresses.length > 0) {
            allows.push(ACME_HTTP01_SOLVER);
        }
        this.networkPolicies = new NetworkPolicies(`${name}-network`, { namespace, labels: productLabels, allows }, child());

        this.observability = new ProductObservability(`${name}-observability`, { product, environment, namespace }, child());

        this.deployIdentity = new DeployIdentity(`${name}-deploy-identity`, {
            product,
            environment,
            namespaces: this.namespaces,
            apiServerUrl: config.deployIdentity.apiServerUrl,
            rotation: config.deployIdentity.tokenRotation[product],
            labels: productLabels,
        }, child());

        if (spec.runner) {
            const runnerNamespace = lookup("namespace", args.namespaces, spec.runner.namespace);
            this.runner = new GitLabRunner(`${name}-gitlab-runner`, {
                namespace: runnerNamespace,
                pin: config.charts["gitlab-runner"],
                gitlabUrl: spec.runner.gitlabUrl,
                token: spec.runner.token,
                kubeApiServerCidrs: config.network.kubeApiServerCidrs,
                labels: { ...productLabels, [LABEL.name]: "gitlab-runner" },
            }, child());
        }

        // --- Endpoints and contract -------------------------------------------------------------
        const services: Record<string, ServiceEndpoint> = {};
        const endpoint = (service: k8s.core.v1.Service, port: number): ServiceEndpoint => ({
            host: pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
            port,
        });
        for (const w of Object.values(webServices)) {
            services[w.serviceName] = endpoint(w.service, w.port);
        }
        for (const s of Object.values(stores)) {
            services[s.serviceName] = endpoint(s.service, s.port);
        }
        this.services = services;

        const secretNames = pulumi.all(Object.values(kubernetesSecrets).map((s) => s.metadata.name));
        this.contract = pulumi.all([
            nsName,
            pulumi.all(this.namespaces.map((n) => n.metadata.name)),
            pulumi.all(Object.fromEntries(Object.entries(services).map(([k, v]) => [k, pulumi.all([v.host, v.port])]))),
            secretNames,
        ]).apply(([main, all, endpoints, names]) => ({
            displayName: this.displayName,
            namespace: main,
            namespaces: all,
            services: Object.fromEntries(Object.entries(endpoints).map(([k, [host, port]]) => [k, { host, port }])),
            urls: [...this.urls],
            secretNames: [...names].sort(),
        }));

        this.registerOutputs({
            namespace: nsName,
            services: Object.keys(services),
            urls: this.urls,
            secretNames,
        });
    }
}
