/**
 * LLM secret-detection service: a FastAPI service with a Redis cache, an API key, and a
 * public API host; blue-green in production.
 * "The guide" below is the source document "CI/CD & DevOps Setup - LLM Service";
 * docs/products/llm-secret-detection.md states the requirements taken from it and the choices made where it is silent.
 */
import { APP_USER, IMAGES, sizes } from "./common";
import { LlmServiceSettings } from "./settings";
import { ProductDefinition } from "./types";

export const llmSecretDetection: ProductDefinition<LlmServiceSettings> = ({ environment, tier, settings }) => {
    const dev = tier === "dev";
    return {
        product: "llm-secret-detection",
        secrets: {
            // The guide: the X-API-KEY clients send; generated per environment (dev's was dev-key-12345).
            apiKey: { generate: "password", length: 40 },
            redisPassword: { generate: "password", length: 32 },
            redisUrl: { template: "redis://:{redisPassword}@redis:6379/0" },
        },
        registry: { secretName: "llm-service-registry", server: "ghcr.io", credentials: settings.registry },
        configMaps: [{
            name: "llm-service-config",
            data: {
                ENVIRONMENT: environment,
                LOG_LEVEL: dev ? "DEBUG" : "INFO",
                PORT: "8000",
                REDIS_HOST: "redis",
                REDIS_PORT: "6379",
            },
        }],
        kubernetesSecrets: [{
            name: "llm-service-secrets",
            entries: {
                "api-key": { secret: "apiKey" },
                "redis-password": { secret: "redisPassword" },
                "redis-url": { secret: "redisUrl" },
            },
        }],
        stores: [{
            name: "redis",
            engine: "redis",
            ...IMAGES.redis,
            passwordSecret: "redisPassword",
            // A cache (the guide: "Redis: Application-level caching"): small, and no backup.
            storageSize: dev ? "1Gi" : "5Gi",
            resources: dev ? sizes("50m", "64Mi", "200m", "256Mi") : sizes("100m", "256Mi", "500m", "512Mi"),
        }],
        services: [{
            name: "llm-service",
            // The guide: `kubectl get pods -l app=llm-service`.
            appLabel: true,
            component: "api",
            image: "ghcr.io/llm-secret-detection/llm-service",
            release: settings.release,
            // The guide: the app listens on 8000; the Service answers on 80 (`port-forward svc/llm-service 8080:80`).
            ports: [{ name: "http", containerPort: 8000, servicePort: 80 }],
            configMaps: ["llm-service-config"],
            secretEnv: {
                API_KEY: { secret: "llm-service-secrets", key: "api-key" },
                REDIS_URL: { secret: "llm-service-secrets", key: "redis-url" },
            },
            env: { HOME: "/tmp" },
            // The guide: 250m/512Mi requests, 500m/1Gi limits, in every environment.
            resources: sizes("250m", "512Mi", "500m", "1Gi"),
            runAs: APP_USER,
            probes: {
                // The guide: /liveness and /readiness; the model loads before either answers.
                startup: { path: "/liveness", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 36 },
                liveness: { path: "/liveness", periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
                readiness: { path: "/readiness", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
            },
            scaling: { replicas: settings.replicas },
            metrics: { path: "/metrics" },
            ingress: {
                host: settings.host,
                // The guide asks for rate limiting against abuse without numbers; 600/minute per client
                // IP leaves room for CI scanners that batch requests.
                limits: { requestsPerMinute: 600, readTimeoutSeconds: 60, sendTimeoutSeconds: 60, maxBodySize: "1m" },
            },
        }],
        network: {
            connections: [{ from: "llm-service", to: "redis" }],
        },
    };
};
