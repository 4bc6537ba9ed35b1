import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import type { ProductId } from "../products/catalog";
import { objectLabels, selectorLabels, WorkloadIdentity } from "./labels";
import { Allow, PodGroup, tcp } from "./networkPolicies";
import {
    containerSecurityContext, podSecurityContext, probe, resourceRequirements, Resources, writablePaths,
} from "./security";
import { StoreBackup } from "./storeBackup";
import { CREDENTIAL_KEYS, EngineRuntime, ENGINES, StoreEngine } from "./storeEngines";
import { secretData } from "../lib/secretData";

export interface StatefulStoreArgs {
    readonly namespace: k8s.core.v1.Namespace;
    readonly product: ProductId;
    readonly environment: string;
    /** StatefulSet and headless Service name (the source documents' names: postgres, mongodb, …). */
    readonly name: string;
    readonly engine: StoreEngine;
    /** Image with an exact tag, e.g. docker.io/library/postgres:16.4. */
    readonly image: string;
    /** app.kubernetes.io/version. */
    readonly version: string;
    /** @default 1; MongoDB with more than one member runs as a replica set (rs0). */
    readonly replicas?: number;
    readonly storage: { readonly size: string; readonly storageClass: string };
    readonly resources: Resources;
    /** PriorityClasses: `data` for the store's members, `batch` for its init and backup Jobs. */
    readonly priorityClasses: { readonly data: pulumi.Input<string>; readonly batch: pulumi.Input<string> };
    /** Passwords and keys; only those the engine uses are needed. */
    readonly credentials: {
        /** Application user's password (postgres, mongodb app user, redis, neo4j) or API key (qdrant). */
        readonly password: pulumi.Input<string>;
        /** MongoDB root password. */
        readonly rootPassword?: pulumi.Input<string>;
        /** MongoDB replica-set key file content. */
        readonly replicaSetKey?: pulumi.Input<string>;
    };
    /** Application database and user (postgres, mongodb). */
    readonly database?: string;
    readonly username?: string;
    /** Extra PostgreSQL databases created on first start (owned by `username`). */
    readonly extraDatabases?: readonly string[];
    /** Redis only: Sentinel processes watching the master (the Soundcore KCP deployment documentation: "replicas: 1 (with sentinel)"). */
    readonly sentinel?: { readonly replicas: number; readonly resources: Resources };
    /**
     * Production data: `protect: true` on the StatefulSet (its claims are made by the StatefulSet
     * controller, not Pulumi, and the retention policy below keeps them), claims retained on
     * delete and scale-down.
     */
    readonly protectData: boolean;
    /** Daily backup into a claim of its own. */
    readonly backup?: { readonly schedule: string; readonly storageSize: string };
    readonly appLabel?: boolean;
}

/**
 * A database as a StatefulSet with a headless Service and one claim per member from a
 * volumeClaimTemplate, run as the image's non-root user on a read-only root, with probes, requests
 * and limits, a PodDisruptionBudget and, when asked, a daily backup CronJob. Credentials live in a
 * `<name>-credentials` Secret the store owns; clients get their own copy through the product.
 */
export class StatefulStore extends pulumi.ComponentResource {
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly service: k8s.core.v1.Service;
    public readonly credentials: k8s.core.v1.Secret;
    public readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    public readonly backup?: StoreBackup;
    /** The store's pods; clients connect to `clientPorts`. */
    public readonly pods: PodGroup;
    public readonly clientPorts: readonly number[];
    /** Flows the store needs internally (members, sentinels, backups, initialisation). */
    public readonly internalAllows: readonly Allow[];
    /** Client-facing port (the engine's first). */
    public readonly port: number;
    public readonly serviceName: string;
    /** Sentinel pods and Service (Redis with sentinel). */
    public readonly sentinel?: { readonly statefulSet: k8s.apps.v1.StatefulSet; readonly service: k8s.core.v1.Service; readonly pods: PodGroup };

    constructor(name: string, args: StatefulStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:StatefulStore", name, {}, opts);
        const namespace = args.namespace.metadata.name;
        const replicas = args.replicas ?? 1;
        const identity: WorkloadIdentity = {
            name: args.name, product: args.product, environment: args.environment, appLabel: args.appLabel, component: "database",
        };
        const selector = selectorLabels(identity);
        const labels = objectLabels(identity, args.version);
        const child = () => childOptions(this, opts);
        this.serviceName = args.name;

        const credentialData: Record<string, pulumi.Input<string>> = { [CREDENTIAL_KEYS.password]: args.credentials.password };
        if (args.engine === "mongodb") {
            if (!args.credentials.rootPassword || (replicas > 1 && !args.credentials.replicaSetKey)) {
                throw new Error(`StatefulStore ${name}: mongodb needs rootPassword (and replicaSetKey for a replica set)`);
            }
            credentialData[CREDENTIAL_KEYS.rootPassword] = args.credentials.rootPassword;
            if (args.credentials.replicaSetKey) {
                credentialData[CREDENTIAL_KEYS.replicaSetKey] = args.credentials.replicaSetKey;
            }
        }
        if (args.engine === "neo4j") {
            credentialData[CREDENTIAL_KEYS.neo4jAuth] = pulumi.interpolate`neo4j/${args.credentials.password}`;
        }
        if (args.engine === "qdrant") {
            credentialData[CREDENTIAL_KEYS.apiKey] = args.credentials.password;
        }
        this.credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: `${args.name}-credentials`, namespace, labels },
            type: "Opaque",
            data: secretData(credentialData),
        }, child());

        const engine: EngineRuntime = ENGINES[args.engine]({
            name: args.name, namespace, replicas, credentials: this.credentials,
            database: args.database, username: args.username, memoryLimit: args.resources.limits.memory,
        });
        if (args.sentinel && args.engine !== "redis") {
            throw new Error(`StatefulStore ${name}: only redis runs with sentinel`);
        }
        this.port = engine.ports[0].port;
        this.clientPorts = engine.ports.map((p) => p.port);
        this.pods = { name: args.name, selector, ports: Object.fromEntries(engine.ports.map((p) => [p.name, p.port])) };

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.name, namespace, labels },
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: engine.publishNotReadyAddresses,
                selector,
                ports: engine.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
            },
        }, child());

        const scratch = writablePaths(engine.writablePaths);
        const extraVolumes: k8s.types.input.core.v1.Volume[] = [];
        if (args.engine === "postgres" && (args.extraDatabases ?? []).length > 0) {
            const owner = args.username ?? "app";
            const init = new k8s.core.v1.ConfigMap(`${name}-initdb`, {
                metadata: { name: `${args.name}-initdb`, namespace, labels },
                data: {
                    "10-databases.sql": (args.extraDatabases ?? []).map((db) => `CREATE DATABASE "${db}" OWNER "${owner}";`).join("\n") + "\n",
                },
            }, child());
            extraVolumes.push({ name: "initdb", configMap: { name: init.metadata.name } });
        }
        const extraMounts = extraVolumes.map((v) => ({ name: v.name as string, mountPath: "/docker-entrypoint-initdb.d", readOnly: true }));

        const initContainers: pulumi.Input<k8s.types.input.core.v1.Container>[] = [];
        if (engine.init) {
            const mounts = Object.entries(engine.init.sharedPaths).map(([mainPath, initPath]) => {
                const index = engine.writablePaths.indexOf(mainPath);
                if (index < 0) {
                    throw new Error(`StatefulStore ${name}: init path ${mainPath} is not a writable path`);
                }
                return { name: (scratch.mounts[index] as { name: string }).name, mountPath: initPath };
            });
            if (engine.init.secretMount) {
                extraVolumes.push({
                    name: "init-secret",
                    secret: {
                        secretName: this.credentials.metadata.name,
                        items: [{ key: engine.init.secretMount.key, path: "keyfile" }],
                        defaultMode: 0o400,
                    },
                });
                mounts.push({ name: "init-secret", mountPath: engine.init.secretMount.path });
            }
            initContainers.push({
                name: "prepare",
                image: args.image,
                imagePullPolicy: "IfNotPresent",
                command: engine.init.command,
                env: engine.init.env,
                resources: resourceRequirements({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                    { volumes: scratch.volumes.filter((v) => mounts.some((m) => m.name === v.name)) }),
                securityContext: containerSecurityContext(engine.runAs),
                volumeMounts: mounts,
            });
        }

        const mainPort = engine.ports[0].name;
        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}-statefulset`, {
            metadata: { name: args.name, namespace, labels },
            spec: {
                serviceName: this.service.metadata.name,
                replicas,
                selector: { matchLabels: selector },
                podManagementPolicy: "OrderedReady",
                updateStrategy: { type: "RollingUpdate" },
                persistentVolumeClaimRetentionPolicy: args.protectData
                    ? { whenDeleted: "Retain", whenScaled: "Retain" }
                    // Outside prod a deleted store takes its disposable data with it; a scale-down
                    // keeps the claim so scaling back up finds the member's data.
                    : { whenDeleted: "Delete", whenScaled: "Retain" },
                template: {
                    metadata: { labels: { ...selector, "app.kubernetes.io/version": labels["app.kubernetes.io/version"] } },
                    spec: {
                        automountServiceAccountToken: false,
                        priorityClassName: args.priorityClasses.data,
                        securityContext: podSecurityContext(engine.runAs),
                        terminationGracePeriodSeconds: 60,
                        topologySpreadConstraints: [{
                            maxSkew: 1,
                            topologyKey: "kubernetes.io/hostname",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: selector },
                        }],
                        initContainers,
                        containers: [{
                            name: args.engine,
                            image: args.image,
                            imagePullPolicy: "IfNotPresent",
                            command: engine.command,
                            args: engine.args,
                            env: engine.env,
                            ports: engine.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                            resources: resourceRequirements(args.resources, scratch),
                            securityContext: containerSecurityContext(engine.runAs),
                            readinessProbe: probe(engine.probes.readiness, mainPort),
                            livenessProbe: probe(engine.probes.liveness, mainPort),
                            startupProbe: engine.probes.startup ? probe(engine.probes.startup, mainPort) : undefined,
                            volumeMounts: [{ name: "data", mountPath: engine.dataPath }, ...scratch.mounts, ...extraMounts],
                        }],
                        volumes: [...scratch.volumes, ...extraVolumes],
                    },
                },
                volumeClaimTemplates: [{
                    // Claim templates are immutable: only the selector labels, never a version.
                    metadata: { name: "data", labels: selector },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.storage.storageClass,
                        resources: { requests: { storage: args.storage.size } },
                    },
                }],
            },
        }, { ...child(), protect: args.protectData });

        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: args.name, namespace, labels },
            // One member at a time: a 3-member replica set keeps its majority.
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, child());

        const internal: Allow[] = [];
        const host = (member: number) => pulumi.interpolate`${args.name}-${member}.${args.name}.${namespace}.svc.cluster.local`;
        const clientHost = pulumi.interpolate`${args.name}.${namespace}.svc.cluster.local`;

        if (args.engine === "mongodb" && replicas > 1) {
            // Members replicate to each other.
            internal.push({
                group: this.pods,
                ingress: [{ from: [{ pods: this.pods }], ports: tcp(this.port) }],
                egress: [{ to: [{ pods: this.pods }], ports: tcp(this.port) }],
            });
            const initJob = this.replicaSetInit(name, args, engine, host, replicas, child);
            internal.push(
                { group: initJob, egress: [{ to: [{ pods: this.pods }], ports: tcp(this.port) }] },
                { group: this.pods, ingress: [{ from: [{ pods: initJob }], ports: tcp(this.port) }] },
            );
        }

        if (args.sentinel) {
            this.sentinel = this.sentinels(name, args, engine, host(0), child);
            const sentinelPods = this.sentinel.pods;
            internal.push(
                { group: this.pods, ingress: [{ from: [{ pods: sentinelPods }], ports: tcp(this.port) }] },
                {
                    group: sentinelPods,
                    ingress: [{ from: [{ pods: sentinelPods }], ports: tcp(26379) }],
                    egress: [{ to: [{ pods: this.pods }], ports: tcp(this.port) }, { to: [{ pods: sentinelPods }], ports: tcp(26379) }],
                },
            );
        }

        if (args.backup) {
            if (!engine.backup) {
                throw new Error(`StatefulStore ${name}: no online backup is defined for ${args.engine}`);
            }
            const backupHost = args.engine === "mongodb" && replicas > 1
                ? pulumi.all(Array.from({ length: replicas }, (_, i) => host(i))).apply((hosts) => hosts.map((h) => `${h}:${this.port}`).join(","))
                : clientHost;
            const backupSpec = backupHost.apply((h) => engine.backup!(h));
            this.backup = new StoreBackup(`${name}-backup`, {
                namespace: args.namespace,
                product: args.product,
                environment: args.environment,
                storeName: args.name,
                image: args.image,
                version: args.version,
                command: backupSpec.apply((b) => b.command),
                env: backupSpec.apply((b) => b.env) as pulumi.Output<k8s.types.input.core.v1.EnvVar[]>,
                runAs: engine.runAs,
                schedule: args.backup.schedule,
                storageSize: args.backup.storageSize,
                storageClass: args.storage.storageClass,
                protect: args.protectData,
                priorityClassName: args.priorityClasses.batch,
            }, child());
            internal.push(
                { group: this.backup.pods, egress: [{ to: [{ pods: this.pods }], ports: tcp(this.port) }] },
                { group: this.pods, ingress: [{ from: [{ pods: this.backup.pods }], ports: tcp(this.port) }] },
            );
        }
        this.internalAllows = internal;

        this.registerOutputs({ serviceName: this.serviceName, port: this.port, replicas });
    }

    /**
     * A Job that initiates the replica set once every member answers, and creates the application
     * user; both steps are idempotent, so a re-run on an initialised set changes nothing.
     */
    private replicaSetInit(
        name: string,
        args: StatefulStoreArgs,
        engine: EngineRuntime,
        host: (member: number) => pulumi.Output<string>,
        replicas: number,
        child: () => pulumi.CustomResourceOptions,
    ): PodGroup {
        const identity = { name: `${args.name}-rs-init`, product: args.product, environment: args.environment, component: "database-init" };
        const selector = selectorLabels(identity);
        const hosts = pulumi.all(Array.from({ length: replicas }, (_, i) => host(i)));
        const script = hosts.apply((hs) => {
            const members = hs.map((h, i) => `{ _id: ${i}, host: "${h}:27017" }`).join(", ");
            const seeds = hs.map((h) => `${h}:27017`).join(",");
            return [
                "set -eu",
                `for h in ${hs.join(" ")}; do`,
                `  until mongosh --quiet --norc "mongodb://root:$MONGO_ROOT_PASSWORD@$h:27017/?authSource=admin&directConnection=true" --eval "db.adminCommand('ping').ok" >/dev/null 2>&1; do echo "waiting for $h"; sleep 5; done`,
                "done",
                `mongosh --quiet --norc "mongodb://root:$MONGO_ROOT_PASSWORD@${hs[0]}:27017/?authSource=admin&directConnection=true" --eval '` +
                `try { rs.status(); print("replica set already initiated") } catch (e) { rs.initiate({ _id: "rs0", members: [${members}] }) }'`,
                `until mongosh --quiet --norc "mongodb://root:$MONGO_ROOT_PASSWORD@${seeds}/?authSource=admin&replicaSet=rs0" --eval "db.hello().isWritablePrimary || db.hello().primary !== undefined" | grep -q true; do sleep 5; done`,
                `mongosh --quiet --norc "mongodb://root:$MONGO_ROOT_PASSWORD@${seeds}/?authSource=admin&replicaSet=rs0" --eval '` +
                "const admin = db.getSiblingDB(\"admin\"); " +
                "if (admin.getUser(process.env.APP_USER) === null) { admin.createUser({ user: process.env.APP_USER, pwd: process.env.APP_PASSWORD, roles: [{ role: \"readWrite\", db: process.env.APP_DATABASE }] }) } " +
                "else { admin.updateUser(process.env.APP_USER, { pwd: process.env.APP_PASSWORD }) }'",
            ].join("\n");
        });
        const scratch = writablePaths(["/tmp"]);
        new k8s.batch.v1.Job(`${name}-rs-init`, {
            metadata: { name: identity.name, namespace: args.namespace.metadata.name, labels: objectLabels(identity, args.version) },
            spec: {
                backoffLimit: 10,
                activeDeadlineSeconds: 1800,
                template: {
                    metadata: { labels: selector },
                    spec: {
                        restartPolicy: "OnFailure",
                        automountServiceAccountToken: false,
                        priorityClassName: args.priorityClasses.batch,
                        securityContext: podSecurityContext(engine.runAs),
                        volumes: scratch.volumes,
                        containers: [{
                            name: "rs-init",
                            image: args.image,
                            imagePullPolicy: "IfNotPresent",
                            command: ["sh", "-c", script],
                            env: [
                                { name: "HOME", value: "/tmp" },
                                { name: "MONGO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: this.credentials.metadata.name, key: CREDENTIAL_KEYS.rootPassword } } },
                                { name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: this.credentials.metadata.name, key: CREDENTIAL_KEYS.password } } },
                                { name: "APP_USER", value: args.username ?? "app" },
                                { name: "APP_DATABASE", value: args.database ?? args.username ?? "app" },
                            ],
                            resources: resourceRequirements({ requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }, scratch),
                            securityContext: containerSecurityContext(engine.runAs),
                            volumeMounts: scratch.mounts,
                        }],
                    },
                },
            },
        }, { ...child(), dependsOn: [...asArray(child().dependsOn), this.statefulSet] });
        return { name: identity.name, selector, ports: {} };
    }

    /** Redis Sentinel processes (quorum of a majority) watching the master by its stable DNS name. */
    private sentinels(
        name: string,
        args: StatefulStoreArgs,
        engine: EngineRuntime,
        masterHost: pulumi.Output<string>,
        child: () => pulumi.CustomResourceOptions,
    ): { statefulSet: k8s.apps.v1.StatefulSet; service: k8s.core.v1.Service; pods: PodGroup } {
        const sentinel = args.sentinel!;
        const identity = { name: `${args.name}-sentinel`, product: args.product, environment: args.environment, component: "sentinel" };
        const selector = selectorLabels(identity);
        const labels = objectLabels(identity, args.version);
        const namespace = args.namespace.metadata.name;
        const service = new k8s.core.v1.Service(`${name}-sentinel-service`, {
            metadata: { name: identity.name, namespace, labels },
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector,
                ports: [{ name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" }],
            },
        }, child());
        const quorum = Math.floor(sentinel.replicas / 2) + 1;
        // Sentinel rewrites its configuration file at runtime, so it is generated into an emptyDir;
        // the password comes from the environment and never appears in the pod spec.
        const config = pulumi.interpolate`set -eu
cat > /etc/redis-sentinel/sentinel.conf <<EOF
port 26379
dir /tmp
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $POD_NAME.${identity.name}.${namespace}.svc.cluster.local
sentinel monitor ${args.name} ${masterHost} 6379 ${quorum}
sentinel auth-pass ${args.name} $REDIS_PASSWORD
sentinel down-after-milliseconds ${args.name} 5000
sentinel failover-timeout ${args.name} 60000
sentinel parallel-syncs ${args.name} 1
EOF`;
        const scratch = writablePaths(["/tmp", "/etc/redis-sentinel"]);
        const secretKey = { secretKeyRef: { name: this.credentials.metadata.name, key: CREDENTIAL_KEYS.password } };
        const statefulSet = new k8s.apps.v1.StatefulSet(`${name}-sentinel-statefulset`, {
            metadata: { name: identity.name, namespace, labels },
            spec: {
                serviceName: service.metadata.name,
                replicas: sentinel.replicas,
                selector: { matchLabels: selector },
                podManagementPolicy: "Parallel",
                template: {
                    metadata: { labels: { ...selector, "app.kubernetes.io/version": labels["app.kubernetes.io/version"] } },
                    spec: {
                        automountServiceAccountToken: false,
                        priorityClassName: args.priorityClasses.data,
                        securityContext: podSecurityContext(engine.runAs),
                        topologySpreadConstraints: [{
                            maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: selector },
                        }],
                        initContainers: [{
                            name: "config",
                            image: args.image,
                            imagePullPolicy: "IfNotPresent",
                            command: ["sh", "-c", config],
                            env: [
                                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                { name: "REDIS_PASSWORD", valueFrom: secretKey },
                            ],
                            resources: resourceRequirements({ requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } }, scratch),
                            securityContext: containerSecurityContext(engine.runAs),
                            volumeMounts: scratch.mounts,
                        }],
                        containers: [{
                            name: "sentinel",
                            image: args.image,
                            imagePullPolicy: "IfNotPresent",
                            command: ["redis-sentinel", "/etc/redis-sentinel/sentinel.conf"],
                            ports: [{ name: "sentinel", containerPort: 26379, protocol: "TCP" }],
                            resources: resourceRequirements(sentinel.resources, scratch),
                            securityContext: containerSecurityContext(engine.runAs),
                            readinessProbe: probe({ exec: ["redis-cli", "-p", "26379", "ping"], periodSeconds: 10, timeoutSeconds: 3 }, "sentinel"),
                            livenessProbe: probe({ tcp: true, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }, "sentinel"),
                            volumeMounts: scratch.mounts,
                        }],
                        volumes: scratch.volumes,
                    },
                },
            },
        }, child());
        const pods: PodGroup = { name: identity.name, selector, ports: { sentinel: 26379 } };
        new k8s.policy.v1.PodDisruptionBudget(`${name}-sentinel-pdb`, {
            metadata: { name: identity.name, namespace, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, child());
        return { statefulSet, service, pods };
    }
}

function asArray(value: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined): pulumi.Input<pulumi.Resource>[] {
    if (value === undefined) {
        return [];
    }
    return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}
