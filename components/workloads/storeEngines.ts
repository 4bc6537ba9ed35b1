/**
 * How each database engine runs under the platform's hardening: the user its image is built for,
 * the writable directories it needs on a read-only root, its probes and its backup command. The
 * StatefulStore component is engine-agnostic; everything image-specific lives here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseBytes } from "../lib/quantity";
import { ProbeSpec, RunAs } from "./security";

export type StoreEngine = "postgres" | "mongodb" | "redis" | "neo4j" | "qdrant";

/** Keys of a store's credentials Secret. */
export const CREDENTIAL_KEYS = {
    password: "password",
    rootPassword: "root-password",
    replicaSetKey: "replica-set-key",
    neo4jAuth: "auth",
    apiKey: "api-key",
} as const;

export interface EngineContext {
    /** StatefulSet and headless Service name. */
    readonly name: string;
    readonly namespace: pulumi.Output<string>;
    readonly replicas: number;
    readonly credentials: k8s.core.v1.Secret;
    /** Application database and user (postgres, mongodb). */
    readonly database?: string;
    readonly username?: string;
    /** Memory limit of the container (Neo4j sizes its heap and page cache from it). */
    readonly memoryLimit: string;
}

export interface EnginePort {
    readonly name: string;
    readonly port: number;
}

export interface EngineRuntime {
    readonly runAs: RunAs;
    /** The first port is what clients use. */
    readonly ports: readonly EnginePort[];
    readonly dataPath: string;
    readonly env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[];
    readonly command?: string[];
    readonly args?: string[];
    readonly probes: { readonly liveness: ProbeSpec; readonly readiness: ProbeSpec; readonly startup?: ProbeSpec };
    /** Writable directories besides the data volume. */
    readonly writablePaths: readonly string[];
    /** Init containers (image, command, env) and the writable paths they share with the main container. */
    readonly init?: {
        readonly command: string[];
        readonly env?: pulumi.Input<k8s.types.input.core.v1.EnvVar>[];
        /** Mounts of the init container: name of a writable path of the main container → mount path in init. */
        readonly sharedPaths: Readonly<Record<string, string>>;
        /** Secret volume (from the credentials) mounted read-only into the init container. */
        readonly secretMount?: { readonly key: string; readonly path: string };
    };
    /** Peers must resolve each other before they are ready (replica sets, sentinels). */
    readonly publishNotReadyAddresses: boolean;
    /** How a daily backup is taken; undefined when the engine has no online backup here. */
    readonly backup?: (host: string) => { readonly command: string[]; readonly env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[]; readonly image?: string };
}

const secretRef = (ctx: EngineContext, key: string) => ({
    secretKeyRef: { name: ctx.credentials.metadata.name, key },
});

/** Shell prelude of every backup: a timestamped file written atomically, old ones pruned. */
function backupScript(body: string, retentionDays: number): string[] {
    return ["sh", "-c", [
        "set -eu",
        "ts=$(date -u +%Y%m%dT%H%M%SZ)",
        body,
        `find /backups -type f -mtime +${retentionDays - 1} -delete`,
        "ls -l /backups",
    ].join("\n")];
}

export const BACKUP_RETENTION_DAYS = 7;

function postgres(ctx: EngineContext): EngineRuntime {
    const user = ctx.username ?? "app";
    const database = ctx.database ?? user;
    return {
        // The official image's postgres user.
        runAs: { user: 999, group: 999 },
        ports: [{ name: "postgres", port: 5432 }],
        dataPath: "/var/lib/postgresql/data",
        env: [
            { name: "POSTGRES_USER", value: user },
            { name: "POSTGRES_DB", value: database },
            { name: "POSTGRES_PASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) },
            // A subdirectory: the volume root holds lost+found on many filesystems and initdb refuses it.
            { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        probes: {
            readiness: { exec: ["pg_isready", "-h", "127.0.0.1", "-U", user, "-d", database], periodSeconds: 10, timeoutSeconds: 5 },
            liveness: { exec: ["pg_isready", "-h", "127.0.0.1"], periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            startup: { exec: ["pg_isready", "-h", "127.0.0.1"], periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
        },
        writablePaths: ["/tmp", "/var/run/postgresql"],
        publishNotReadyAddresses: false,
        backup: (host) => ({
            env: [{ name: "PGPASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) }],
            // pg_dumpall: every database and the roles, restorable with psql into an empty server.
            command: backupScript(
                `pg_dumpall -h ${host} -U ${user} --clean --if-exists | gzip > /backups/.${ctx.name}-$ts.sql.gz\n` +
                `mv /backups/.${ctx.name}-$ts.sql.gz /backups/${ctx.name}-$ts.sql.gz`, BACKUP_RETENTION_DAYS),
        }),
    };
}

function mongodb(ctx: EngineContext): EngineRuntime {
    const replicaSet = ctx.replicas > 1;
    return {
        // The official image's mongodb user.
        runAs: { user: 999, group: 999 },
        ports: [{ name: "mongodb", port: 27017 }],
        dataPath: "/data/db",
        env: [
            { name: "MONGO_INITDB_ROOT_USERNAME", value: "root" },
            { name: "MONGO_INITDB_ROOT_PASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.rootPassword) },
        ],
        args: replicaSet
            ? ["--replSet", "rs0", "--bind_ip_all", "--keyFile", "/etc/mongodb-keyfile/keyfile"]
            : ["--bind_ip_all"],
        probes: {
            readiness: { exec: ["mongosh", "--quiet", "--norc", "--eval", "db.adminCommand('ping').ok"], periodSeconds: 10, timeoutSeconds: 5 },
            liveness: { tcp: true, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            startup: { tcp: true, periodSeconds: 5, failureThreshold: 60 },
        },
        writablePaths: ["/tmp", "/data/configdb", ...(replicaSet ? ["/etc/mongodb-keyfile"] : [])],
        // mongod refuses a key file readable by group or others, and Secret volumes are group-readable
        // under fsGroup: copy it into an emptyDir with mode 0400.
        init: replicaSet ? {
            command: ["sh", "-c", "cp /keyfile-source/keyfile /etc/mongodb-keyfile/keyfile && chmod 0400 /etc/mongodb-keyfile/keyfile"],
            sharedPaths: { "/etc/mongodb-keyfile": "/etc/mongodb-keyfile" },
            secretMount: { key: CREDENTIAL_KEYS.replicaSetKey, path: "/keyfile-source" },
        } : undefined,
        publishNotReadyAddresses: replicaSet,
        backup: (host) => ({
            env: [{ name: "MONGO_ROOT_PASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.rootPassword) }],
            command: backupScript(
                `mongodump --uri "mongodb://root:$MONGO_ROOT_PASSWORD@${host}/?authSource=admin${replicaSet ? "&replicaSet=rs0&readPreference=secondaryPreferred" : ""}" ` +
                `--gzip --archive=/backups/.${ctx.name}-$ts.archive.gz\n` +
                `mv /backups/.${ctx.name}-$ts.archive.gz /backups/${ctx.name}-$ts.archive.gz`, BACKUP_RETENTION_DAYS),
        }),
    };
}

function redis(ctx: EngineContext): EngineRuntime {
    return {
        // The official image's redis user.
        runAs: { user: 999, group: 999 },
        ports: [{ name: "redis", port: 6379 }],
        dataPath: "/data",
        env: [
            { name: "REDIS_PASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) },
            // redis-cli reads it, so probes never put the password on a command line.
            { name: "REDISCLI_AUTH", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) },
        ],
        command: ["sh", "-c", 'exec redis-server --dir /data --appendonly yes --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"'],
        probes: {
            readiness: { exec: ["redis-cli", "ping"], periodSeconds: 10, timeoutSeconds: 3 },
            liveness: { tcp: true, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        },
        writablePaths: ["/tmp"],
        publishNotReadyAddresses: false,
        backup: (host) => ({
            env: [{ name: "REDISCLI_AUTH", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) }],
            command: backupScript(
                `redis-cli -h ${host} --rdb /backups/.${ctx.name}-$ts.rdb\n` +
                `gzip /backups/.${ctx.name}-$ts.rdb\nmv /backups/.${ctx.name}-$ts.rdb.gz /backups/${ctx.name}-$ts.rdb.gz`, BACKUP_RETENTION_DAYS),
        }),
    };
}

function neo4j(ctx: EngineContext): EngineRuntime {
    const limitMiB = Math.floor((parseBytes(ctx.memoryLimit) ?? 2 ** 31) / 2 ** 20);
    return {
        // The official image's neo4j user.
        runAs: { user: 7474, group: 7474 },
        ports: [{ name: "bolt", port: 7687 }, { name: "http", port: 7474 }],
        dataPath: "/data",
        env: [
            { name: "NEO4J_AUTH", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.neo4jAuth) },
            // Half the limit for the heap and a quarter for the page cache leaves room for native memory.
            { name: "NEO4J_server_memory_heap_initial__size", value: `${Math.floor(limitMiB / 2)}m` },
            { name: "NEO4J_server_memory_heap_max__size", value: `${Math.floor(limitMiB / 2)}m` },
            { name: "NEO4J_server_memory_pagecache_size", value: `${Math.floor(limitMiB / 4)}m` },
            { name: "HOME", value: "/tmp" },
        ],
        probes: {
            readiness: { path: "/", port: "http", periodSeconds: 10, timeoutSeconds: 5 },
            liveness: { tcp: true, port: "bolt", periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            startup: { tcp: true, port: "bolt", periodSeconds: 5, failureThreshold: 60 },
        },
        writablePaths: ["/tmp", "/logs", "/var/lib/neo4j/run", "/var/lib/neo4j/conf"],
        // The entrypoint writes settings into conf/neo4j.conf: start from the image's own conf directory.
        init: {
            command: ["sh", "-c", "cp -a /var/lib/neo4j/conf/. /conf-rw/"],
            sharedPaths: { "/var/lib/neo4j/conf": "/conf-rw" },
        },
        publishNotReadyAddresses: false,
        // Community edition has no online dump (neo4j-admin needs the database stopped): export the
        // graph through Cypher instead, which a restore script replays.
        backup: (host) => ({
            env: [
                { name: "NEO4J_PASSWORD", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.password) },
                { name: "HOME", value: "/tmp" },
            ],
            command: backupScript([
                `cypher-shell -a bolt://${host}:7687 -u neo4j -p "$NEO4J_PASSWORD" --format plain ` +
                `"MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS properties" | gzip > /backups/.${ctx.name}-nodes-$ts.txt.gz`,
                `cypher-shell -a bolt://${host}:7687 -u neo4j -p "$NEO4J_PASSWORD" --format plain ` +
                `"MATCH (a)-[r]->(b) RETURN elementId(a) AS from, type(r) AS type, properties(r) AS properties, elementId(b) AS to" | gzip > /backups/.${ctx.name}-relationships-$ts.txt.gz`,
                `for f in nodes relationships; do mv /backups/.${ctx.name}-$f-$ts.txt.gz /backups/${ctx.name}-$f-$ts.txt.gz; done`,
            ].join("\n"), BACKUP_RETENTION_DAYS),
        }),
    };
}

function qdrant(ctx: EngineContext): EngineRuntime {
    return {
        // The -unprivileged image runs as uid 1000.
        runAs: { user: 1000, group: 1000 },
        ports: [{ name: "http", port: 6333 }, { name: "grpc", port: 6334 }],
        dataPath: "/qdrant/storage",
        env: [{ name: "QDRANT__SERVICE__API_KEY", valueFrom: secretRef(ctx, CREDENTIAL_KEYS.apiKey) }],
        probes: {
            // Both endpoints are served without the API key.
            readiness: { path: "/readyz", port: "http", periodSeconds: 10, timeoutSeconds: 3 },
            liveness: { path: "/livez", port: "http", periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        },
        // Qdrant only warns that it cannot write its init marker into the read-only working directory.
        writablePaths: ["/tmp", "/qdrant/snapshots"],
        publishNotReadyAddresses: false,
    };
}

export const ENGINES: Record<StoreEngine, (ctx: EngineContext) => EngineRuntime> = { postgres, mongodb, redis, neo4j, qdrant };
