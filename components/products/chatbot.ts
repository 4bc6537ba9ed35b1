/**
 * ShopyVerse chatbot: a Node.js service answering on port 3001 (API and /metrics),
 * with PostgreSQL and Qdrant (the services its CI tests run against) and Hugging Face inference.
 * "The guide" below is the source document "CI/CD & Kubernetes Deployment Guide" (ShopyVerse Chatbot Service);
 * docs/products/chatbot.md states the requirements taken from it and the choices made where it is silent.
 */
import { APP_USER, BACKUP_SCHEDULES, IMAGES, sizes } from "./common";
import { ChatbotSettings } from "./settings";
import { ProductDefinition, ServiceSpec } from "./types";

export const chatbot: ProductDefinition<ChatbotSettings> = ({ environment, tier, settings }) => {
    const dev = tier === "dev";
    const prod = tier === "prod";
    // The guide names the database Service `postgres-prod` (`nc -zv postgres-prod 5432`).
    const postgres = `postgres-${environment}`;

    // The guide's CD table: dev 1 replica, staging 2 (canary), prod 3+ with HPA (blue-green). The
    // HPA targets come from the guide's SLO table (CPU < 70 %, memory < 80 %).
    const scaling: ServiceSpec["scaling"] = prod
        ? { minReplicas: 3, maxReplicas: settings.maxReplicas, cpuUtilization: 70, memoryUtilization: 80 }
        : { replicas: dev ? 1 : 2 };

    return {
        product: "chatbot",
        // The guide's dev tag is main-latest (`helm upgrade … --set image.tag=main-latest`).
        movingTagReason: "the chatbot's CI/CD & Kubernetes Deployment Guide deploys dev from the main-latest tag on every push to main; staging and prod run immutable tags",
        secrets: {
            hfAccessToken: { fromConfig: settings.hfAccessToken },
            // The service's own API key (the guide's PROD_API_KEY), generated per environment.
            apiKey: { generate: "password", length: 40 },
            postgresPassword: { generate: "password", length: 32 },
            qdrantApiKey: { generate: "password", length: 40 },
            databaseUrl: { template: `postgresql://chatbot:{postgresPassword}@${postgres}:5432/chatbot` },
        },
        registry: { secretName: "chatbot-registry", server: "ghcr.io", credentials: settings.registry },
        configMaps: [{
            name: "chatbot-service-config",
            data: {
                NODE_ENV: dev ? "development" : "production",
                PORT: "3001",
                LOG_LEVEL: dev ? "debug" : "info",
                // The guide's logs are JSON (Loki queries `| json`).
                LOG_FORMAT: "json",
                METRICS_PATH: "/metrics",
                CHATBOT_DB_HOST: postgres,
                CHATBOT_DB_PORT: "5432",
                CHATBOT_DB_NAME: "chatbot",
                CHATBOT_DB_USER: "chatbot",
                QDRANT_URL: "http://qdrant:6333",
            },
        }],
        kubernetesSecrets: [{
            // The guide: `kubectl create secret generic chatbot-service-secrets --from-literal=hf-access-token=…
            // --from-literal=api-key=… --from-literal=db-password=…`.
            name: "chatbot-service-secrets",
            entries: {
                "hf-access-token": { secret: "hfAccessToken" },
                "api-key": { secret: "apiKey" },
                "db-password": { secret: "postgresPassword" },
                "database-url": { secret: "databaseUrl" },
                "qdrant-api-key": { secret: "qdrantApiKey" },
            },
        }],
        stores: [
            {
                name: postgres,
                engine: "postgres",
                ...IMAGES.postgres,
                database: "chatbot",
                username: "chatbot",
                passwordSecret: "postgresPassword",
                // The guide gives no sizes; a conversation store grows slowly.
                storageSize: dev ? "5Gi" : prod ? "20Gi" : "10Gi",
                resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "512Mi", "1", "1Gi"),
                // Not asked by the guide; every production database here gets the same daily dump.
                backup: { schedule: BACKUP_SCHEDULES.postgres, storageSize: "20Gi" },
            },
            {
                name: "qdrant",
                engine: "qdrant",
                ...IMAGES.qdrant,
                passwordSecret: "qdrantApiKey",
                storageSize: dev ? "5Gi" : prod ? "20Gi" : "10Gi",
                resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "1Gi", "1", "2Gi"),
                // No backup: the vectors are embeddings of the knowledge base, rebuilt by re-indexing;
                // Qdrant's snapshot API is the follow-up if re-indexing becomes too slow.
            },
        ],
        services: [{
            name: "chatbot-service",
            // The guide selects pods with `-l app=chatbot-service` and Loki queries {app="chatbot-service"}.
            appLabel: true,
            component: "api",
            image: "ghcr.io/shopyverse/chatbot-service",
            release: settings.release,
            // The guide: metrics at /metrics on 3001, reached through Service port 80
            // (`kubectl port-forward svc/chatbot-service 3001:80`).
            ports: [{ name: "http", containerPort: 3001, servicePort: 80 }],
            configMaps: ["chatbot-service-config"],
            secretEnv: {
                HF_ACCESS_TOKEN: { secret: "chatbot-service-secrets", key: "hf-access-token" },
                API_KEY: { secret: "chatbot-service-secrets", key: "api-key" },
                CHATBOT_DB_PASSWORD: { secret: "chatbot-service-secrets", key: "db-password" },
                QDRANT_API_KEY: { secret: "chatbot-service-secrets", key: "qdrant-api-key" },
            },
            // The guide gives no sizes: a Node.js API that calls Hugging Face for inference.
            resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "512Mi", "1", "1Gi"),
            runAs: APP_USER,
            probes: {
                // The guide names no health endpoint; /health is assumed (docs/products/chatbot.md).
                startup: { path: "/health", periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
                liveness: { path: "/health", periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
                readiness: { path: "/health", periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
            },
            scaling,
            metrics: { path: "/metrics" },
            ingress: {
                host: settings.host,
                // Model calls can take tens of seconds (the guide's P99 target is 5 s, its alert fires at more).
                limits: { requestsPerSecond: 20, readTimeoutSeconds: 60, sendTimeoutSeconds: 60, maxBodySize: "1m" },
            },
        }],
        network: {
            connections: [
                { from: "chatbot-service", to: postgres },
                { from: "chatbot-service", to: "qdrant" },
            ],
            // Hugging Face inference API.
            internet: ["chatbot-service"],
        },
    };
};
