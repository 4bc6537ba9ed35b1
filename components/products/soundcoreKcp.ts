/**
 * Soundcore KCP: a Next.js frontend and five FastAPI services behind one host with path
 * routing, on PostgreSQL, a MongoDB replica set, Redis with Sentinel and Neo4j. Staging and prod.
 * "The guide" below is the source document "CI/CD & Deployment Guide: Soundcore KCP - Complete Deployment Documentation";
 * docs/products/soundcore-kcp.md states the requirements taken from it and the choices made where it is silent.
 */
import { APP_USER, BACKUP_SCHEDULES, IMAGES, sizes } from "./common";
import { SoundcoreSettings } from "./settings";
import { ProductDefinition, ProductSpec, ServiceSpec } from "./types";

/** The guide's backend services and their ports. */
const BACKENDS = [
    { name: "knowledge-service", path: "knowledge", port: 8001 },
    { name: "content-service", path: "content", port: 8002 },
    { name: "support-service", path: "support", port: 8003 },
    { name: "analytics-service", path: "analytics", port: 8004 },
    { name: "auth-service", path: "auth", port: 8005 },
] as const;

/** Backends other services call (kcp-config lists knowledge, analytics, content; every service verifies tokens with auth). */
const CALLED_BACKENDS = ["knowledge-service", "content-service", "analytics-service", "auth-service"];
const STORES = ["postgres", "mongodb", "redis", "neo4j"];
const IMAGE_PREFIX = "registry.gitlab.com/soundcore/kcp";

export const soundcoreKcp: ProductDefinition<SoundcoreSettings> = ({ tier, settings }): ProductSpec => {
    const prod = tier === "prod";
    // The guide: "Backup: Daily automated backups" for production (taken where dataProtection is on).
    const backup = (schedule: string, storageSize: string) => ({ schedule, storageSize });

    const kcpSecretEnv: ServiceSpec["secretEnv"] = {
        DATABASE_URL: { secret: "kcp-secrets", key: "database-url" },
        MONGODB_URI: { secret: "kcp-secrets", key: "mongodb-uri" },
        REDIS_PASSWORD: { secret: "kcp-secrets", key: "redis-password" },
        NEO4J_PASSWORD: { secret: "kcp-secrets", key: "neo4j-password" },
        OPENAI_API_KEY: { secret: "kcp-secrets", key: "openai-api-key" },
        ANTHROPIC_API_KEY: { secret: "kcp-secrets", key: "anthropic-api-key" },
        PINECONE_API_KEY: { secret: "kcp-secrets", key: "pinecone-api-key" },
        SENTRY_DSN: { secret: "kcp-secrets", key: "sentry-dsn" },
        JWT_SECRET_KEY: { secret: "kcp-secrets", key: "jwt-secret-key" },
    };

    const backend = (b: (typeof BACKENDS)[number]): ServiceSpec => ({
        name: b.name,
        // The guide selects pods with `-l app=knowledge-service`.
        appLabel: true,
        component: "backend",
        image: `${IMAGE_PREFIX}/${b.name}`,
        release: settings.release,
        ports: [{ name: "http", containerPort: b.port }],
        configMaps: ["kcp-config", "kcp-datastores"],
        secretEnv: kcpSecretEnv,
        env: { HOME: "/tmp" },
        // The guide: each backend 2 replicas, 250m/256Mi requests, 500m/512Mi limits.
        resources: sizes("250m", "256Mi", "500m", "512Mi"),
        runAs: APP_USER,
        probes: {
            // The guide's health checks (`/api/v1/knowledge/health`, `/api/v1/analytics/health`), on every service.
            startup: { path: `/api/v1/${b.path}/health`, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
            liveness: { path: `/api/v1/${b.path}/health`, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
            readiness: { path: `/api/v1/${b.path}/health`, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
        },
        scaling: { replicas: 2 },
        metrics: { path: "/metrics" },
    });

    return {
        product: "soundcore-kcp",
        secrets: {
            openaiApiKey: { fromConfig: settings.openaiApiKey },
            anthropicApiKey: { fromConfig: settings.anthropicApiKey },
            pineconeApiKey: { fromConfig: settings.pineconeApiKey },
            sentryDsn: { fromConfig: settings.sentryDsn },
            postgresPassword: { generate: "password", length: 32 },
            mongodbPassword: { generate: "password", length: 32 },
            mongodbRootPassword: { generate: "password", length: 32 },
            // MongoDB key files are 6-1024 base64 characters.
            mongodbReplicaSetKey: { generate: "base64", bytes: 384 },
            redisPassword: { generate: "password", length: 32 },
            neo4jPassword: { generate: "password", length: 32 },
            jwtSecretKey: { generate: "base64", bytes: 32 },
            databaseUrl: { template: "postgresql://kcp:{postgresPassword}@postgres:5432/kcp" },
            mongodbUri: {
                template: "mongodb://kcp:{mongodbPassword}@mongodb-0.mongodb:27017,mongodb-1.mongodb:27017,mongodb-2.mongodb:27017/kcp?replicaSet=rs0&authSource=admin",
            },
        },
        registry: { secretName: "kcp-registry", server: "registry.gitlab.com", credentials: settings.registry },
        configMaps: [
            {
                // The guide's ConfigMap, verbatim.
                name: "kcp-config",
                data: {
                    KNOWLEDGE_SERVICE_URL: "http://knowledge-service:8001",
                    ANALYTICS_SERVICE_URL: "http://analytics-service:8004",
                    CONTENT_SERVICE_URL: "http://content-service:8002",
                    ENABLE_RAG_ENGINE: "true",
                    ENABLE_CONTENT_GENERATION: "true",
                    ENABLE_KNOWLEDGE_GRAPH: "true",
                    RATE_LIMIT_PER_MINUTE: "1000",
                    CACHE_TTL: "300",
                },
            },
            {
                // Where the data stores are; kept apart so kcp-config stays exactly the guide's.
                name: "kcp-datastores",
                data: {
                    AUTH_SERVICE_URL: "http://auth-service:8005",
                    SUPPORT_SERVICE_URL: "http://support-service:8003",
                    POSTGRES_HOST: "postgres",
                    POSTGRES_PORT: "5432",
                    MONGODB_REPLICA_SET: "rs0",
                    REDIS_SENTINEL_HOSTS: "redis-sentinel-0.redis-sentinel:26379,redis-sentinel-1.redis-sentinel:26379,redis-sentinel-2.redis-sentinel:26379",
                    REDIS_MASTER_NAME: "redis",
                    NEO4J_URI: "bolt://neo4j:7687",
                    NEO4J_USER: "neo4j",
                    // The guide's log levels; staging debugs, prod informs.
                    LOG_LEVEL: prod ? "INFO" : "DEBUG",
                },
            },
        ],
        kubernetesSecrets: [{
            // The guide: `kubectl create secret generic kcp-secrets --from-literal=database-password=…
            // --from-literal=openai-api-key=…`, plus the other credentials its CI variables list.
            name: "kcp-secrets",
            entries: {
                "database-password": { secret: "postgresPassword" },
                "database-url": { secret: "databaseUrl" },
                "mongodb-uri": { secret: "mongodbUri" },
                "redis-password": { secret: "redisPassword" },
                "neo4j-password": { secret: "neo4jPassword" },
                "openai-api-key": { secret: "openaiApiKey" },
                "anthropic-api-key": { secret: "anthropicApiKey" },
                "pinecone-api-key": { secret: "pineconeApiKey" },
                "sentry-dsn": { secret: "sentryDsn" },
                "jwt-secret-key": { secret: "jwtSecretKey" },
            },
        }],
        stores: [
            {
                // The guide: "replicas: 1 (with backup replica)", 50Gi. The backup is the daily dump in prod.
                name: "postgres", engine: "postgres", ...IMAGES.postgres, appLabel: true,
                database: "kcp", username: "kcp", passwordSecret: "postgresPassword",
                storageSize: "50Gi",
                resources: sizes("500m", "1Gi", "2", "2Gi"),
                backup: backup(BACKUP_SCHEDULES.postgres, "50Gi"),
            },
            {
                // The guide: 3 replicas (replica set), 100Gi each.
                name: "mongodb", engine: "mongodb", ...IMAGES.mongodb, appLabel: true, replicas: 3,
                database: "kcp", username: "kcp", passwordSecret: "mongodbPassword",
                rootPasswordSecret: "mongodbRootPassword", replicaSetKeySecret: "mongodbReplicaSetKey",
                storageSize: "100Gi",
                resources: sizes("500m", "1Gi", "2", "2Gi"),
                backup: backup(BACKUP_SCHEDULES.mongodb, "100Gi"),
            },
            {
                // The guide: "replicas: 1 (with sentinel)", 10Gi. Three sentinels make a quorum of 2.
                name: "redis", engine: "redis", ...IMAGES.redis, appLabel: true,
                passwordSecret: "redisPassword",
                storageSize: "10Gi",
                resources: sizes("100m", "256Mi", "500m", "512Mi"),
                sentinel: { replicas: 3, resources: sizes("50m", "64Mi", "200m", "128Mi") },
                backup: backup(BACKUP_SCHEDULES.redis, "10Gi"),
            },
            {
                // The guide: 1 replica, 50Gi.
                name: "neo4j", engine: "neo4j", ...IMAGES.neo4j, appLabel: true,
                passwordSecret: "neo4jPassword",
                storageSize: "50Gi",
                resources: sizes("500m", "2Gi", "2", "4Gi"),
                backup: backup(BACKUP_SCHEDULES.neo4j, "50Gi"),
            },
        ],
        services: [
            {
                name: "frontend",
                appLabel: true,
                component: "frontend",
                image: `${IMAGE_PREFIX}/frontend`,
                release: settings.release,
                ports: [{ name: "http", containerPort: 3000 }],
                configMaps: ["kcp-config"],
                env: { HOME: "/tmp", PORT: "3000", HOSTNAME: "0.0.0.0" },
                // The guide: 3 replicas, 500m/512Mi requests, 1/1Gi limits.
                resources: sizes("500m", "512Mi", "1", "1Gi"),
                runAs: APP_USER,
                // Next.js writes its image cache under .next/cache.
                writablePaths: ["/tmp", "/app/.next/cache"],
                probes: {
                    // The guide: `curl https://kcp.soundcore.com/health`.
                    startup: { path: "/health", periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
                    liveness: { path: "/health", periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
                    readiness: { path: "/health", periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
                },
                // The guide: frontend-hpa 3-10 at 70 % CPU; memory 80 % is this platform's default
                // second signal (the guide sets none).
                scaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
                metrics: { path: "/metrics" },
            },
            ...BACKENDS.map(backend),
        ],
        ingresses: [{
            // The guide: `kubectl describe ingress kcp-ingress`.
            name: "kcp-ingress",
            host: settings.host,
            routes: [
                ...BACKENDS.map((b) => ({ path: `/api/v1/${b.path}`, service: b.name })),
                { path: "/", service: "frontend" },
            ],
            // The ingress limit mirrors RATE_LIMIT_PER_MINUTE; generation calls are slow.
            limits: { requestsPerMinute: 1000, readTimeoutSeconds: 120, sendTimeoutSeconds: 120, maxBodySize: "10m" },
        }],
        network: {
            connections: [
                // "Ingress only through load balancer": the frontend renders server-side against the APIs.
                ...BACKENDS.map((b) => ({ from: "frontend", to: b.name })),
                ...BACKENDS.flatMap((b) => CALLED_BACKENDS.filter((c) => c !== b.name).map((c) => ({ from: b.name, to: c }))),
                // "Database access only from backend services."
                ...BACKENDS.flatMap((b) => STORES.map((s) => ({ from: b.name, to: s }))),
            ],
            // OpenAI, Anthropic, Pinecone and Sentry.
            internet: BACKENDS.map((b) => b.name),
        },
    };
};
