/**
 * Harvis AI: a GPU backend, a Next.js frontend, Ollama, n8n and PostgreSQL, in
 * ai-agents-staging and ai-agents (dev: a CPU-only ai-agents-dev), plus its CI runners. The
 * summary's nginx reverse proxy is the platform's ingress controller; its insecure localhost:5000 registry
 * is replaced by the registry in `harvisImageRegistry`.
 * "The summary" below is the source document "CI/CD Implementation Summary" (Harvis AI);
 * docs/products/harvis-ai.md states the requirements taken from it and the choices made where it is silent.
 */
import { GITLAB_RUNNER_NAMESPACE } from "./catalog";
import { APP_USER, BACKUP_SCHEDULES, IMAGES, sizes } from "./common";
import { HarvisSettings, ReleaseSettings } from "./settings";
import { ProductDefinition, ServiceSpec } from "./types";

const GPU_TOLERATIONS = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];

/** Third-party images are pinned here, independent of the product's release tag. */
const fixed = (tag: string): ReleaseSettings => ({ strategy: "rolling", imageTag: tag });

export const harvisAi: ProductDefinition<HarvisSettings> = ({ environment, tier, settings }) => {
    const dev = tier === "dev";
    const placement = (node: string | undefined) => (node ? { "kubernetes.io/hostname": node } : undefined);
    const registryHost = settings.imageRegistry.split("/")[0];
    const gpuBackend = settings.backendGpus > 0;
    const gpuOllama = settings.ollamaGpus > 0;

    const backend: ServiceSpec = {
        name: "harvis-ai-backend",
        component: "backend",
        image: `${settings.imageRegistry}/backend`,
        release: settings.release,
        ports: [{ name: "http", containerPort: 8000 }],
        configMaps: ["harvis-ai-config"],
        secretEnv: { DATABASE_URL: { secret: "harvis-ai-secrets", key: "database-url" } },
        env: { HOME: "/tmp" },
        // The summary: memory 8Gi (staging) / 12Gi (prod), from config; request = limit so the node
        // never overcommits the memory a model is loaded into. Dev runs it on CPU with 1Gi.
        resources: sizes(dev ? "250m" : "1", settings.backendMemory, dev ? "1" : "4", settings.backendMemory, settings.backendGpus),
        runAs: APP_USER,
        probes: {
            // Models load at start: up to 10 minutes before liveness applies.
            startup: { path: "/health", periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
            liveness: { path: "/health", periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
            readiness: { path: "/health", periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 2 },
        },
        // The summary: "Replicas: 1" in both overlays.
        scaling: { replicas: 1 },
        metrics: { path: "/metrics" },
        nodeSelector: placement(settings.nodes.backend),
        tolerations: gpuBackend ? GPU_TOLERATIONS : undefined,
        // No second GPU exists to surge onto: replace the pod in place.
        rollout: gpuBackend ? { maxSurge: 0, maxUnavailable: 1 } : undefined,
        exemptions: gpuBackend ? {
            "min-replicas": "one backend on node1's single RTX 4090 (nvidia.com/gpu), where Harvis AI's CI/CD Implementation Summary places it; a second replica cannot get a GPU",
            "exposed-needs-pdb": "one replica by design (single GPU on node1); the PDB exists but cannot keep a second pod up",
        } : undefined,
    };

    const frontend: ServiceSpec = {
        name: "harvis-ai-frontend",
        component: "frontend",
        image: `${settings.imageRegistry}/frontend`,
        release: settings.release,
        ports: [{ name: "http", containerPort: 3000 }],
        configMaps: ["harvis-ai-config"],
        env: { HOME: "/tmp", PORT: "3000", HOSTNAME: "0.0.0.0" },
        resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "512Mi", "1", "1Gi"),
        runAs: APP_USER,
        writablePaths: ["/tmp", "/app/.next/cache"],
        probes: {
            liveness: { path: "/", periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
            readiness: { path: "/", periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
        },
        // The summary says 1 replica; the frontend needs no GPU, so staging and prod run 2 to stay
        // up through node drains (the policy pack requires it for exposed workloads).
        scaling: { replicas: dev ? 1 : 2 },
        metrics: { path: "/metrics" },
        nodeSelector: placement(settings.nodes.frontend),
    };

    const ollama: ServiceSpec = {
        name: "ollama",
        component: "llm",
        image: IMAGES.ollama.image,
        release: fixed(IMAGES.ollama.tag),
        ports: [{ name: "http", containerPort: 11434 }],
        env: { OLLAMA_HOST: "0.0.0.0:11434", OLLAMA_MODELS: "/models", HOME: "/home/ollama", OLLAMA_KEEP_ALIVE: "24h" },
        resources: dev ? sizes("500m", "1536Mi", "2", "4Gi") : sizes("1", "8Gi", "8", "16Gi", settings.ollamaGpus),
        // The image runs as root by default but needs only its HOME and the models directory.
        runAs: { user: 1000, group: 1000 },
        writablePaths: ["/tmp", "/home/ollama"],
        volumes: [{ claim: "ollama-models", mountPath: "/models" }],
        probes: {
            liveness: { path: "/", periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            readiness: { path: "/api/version", periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 2 },
        },
        scaling: { replicas: 1 },
        // Ollama has no Prometheus endpoint.
        metrics: false,
        nodeSelector: placement(settings.nodes.ollama),
        tolerations: gpuOllama ? GPU_TOLERATIONS : undefined,
        // The model volume is ReadWriteOnce: the old pod must let go before the new one mounts it.
        rollout: "Recreate",
        exemptions: gpuOllama ? {
            "min-replicas": "one Ollama on node2's single RTX 3090 Ti with a ReadWriteOnce model volume; a second replica can get neither",
        } : undefined,
    };

    const n8n: ServiceSpec = {
        name: "n8n",
        component: "workflows",
        image: IMAGES.n8n.image,
        release: fixed(IMAGES.n8n.tag),
        ports: [{ name: "http", containerPort: 5678 }],
        env: {
            DB_TYPE: "postgresdb",
            DB_POSTGRESDB_HOST: "postgres",
            DB_POSTGRESDB_PORT: "5432",
            DB_POSTGRESDB_DATABASE: "n8n",
            DB_POSTGRESDB_USER: "harvis",
            N8N_PORT: "5678",
            N8N_PROTOCOL: "http",
            N8N_METRICS: "true",
            N8N_DIAGNOSTICS_ENABLED: "false",
            N8N_PERSONALIZATION_ENABLED: "false",
            N8N_USER_FOLDER: "/home/node",
            GENERIC_TIMEZONE: "UTC",
        },
        secretEnv: {
            DB_POSTGRESDB_PASSWORD: { secret: "harvis-ai-secrets", key: "postgres-password" },
            N8N_ENCRYPTION_KEY: { secret: "harvis-ai-secrets", key: "n8n-encryption-key" },
        },
        resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "512Mi", "1", "1Gi"),
        // The image's node user.
        runAs: { user: 1000, group: 1000 },
        // Workflows and credentials live in PostgreSQL; the user folder only holds caches.
        writablePaths: ["/tmp", "/home/node/.n8n"],
        probes: {
            liveness: { path: "/healthz", periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
            readiness: { path: "/healthz/readiness", periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 2 },
        },
        scaling: { replicas: 1 },
        metrics: { path: "/metrics" },
        exemptions: dev ? undefined : {
            "min-replicas": "n8n in regular mode runs exactly one main process; more replicas need queue mode with Redis and workers, which Harvis AI's CI/CD Implementation Summary does not use",
        },
    };

    return {
        product: "harvis-ai",
        movingTagReason: "Harvis AI's CI/CD Implementation Summary: staging tracks the staging-latest build that Flux's ImagePolicy selects (pulled again on each rollout, imagePullPolicy Always); prod is pinned to semantic versions",
        secrets: {
            postgresPassword: { generate: "password", length: 32 },
            n8nEncryptionKey: { generate: "password", length: 48 },
            databaseUrl: { template: "postgresql://harvis:{postgresPassword}@postgres:5432/harvis" },
            ...(settings.runnerToken && !dev ? { runnerToken: { fromConfig: settings.runnerToken } } : {}),
        },
        registry: { secretName: "harvis-registry", server: registryHost, credentials: settings.registry },
        configMaps: [{
            name: "harvis-ai-config",
            data: {
                // The summary: DEBUG in staging, INFO in production (dev: debug logging).
                LOG_LEVEL: settings.logLevel,
                ENVIRONMENT: environment,
                OLLAMA_BASE_URL: "http://ollama:11434",
                N8N_URL: "http://n8n:5678",
                BACKEND_URL: "http://harvis-ai-backend:8000",
                POSTGRES_HOST: "postgres",
                POSTGRES_PORT: "5432",
                POSTGRES_DB: "harvis",
            },
        }],
        kubernetesSecrets: [{
            name: "harvis-ai-secrets",
            entries: {
                "database-url": { secret: "databaseUrl" },
                "postgres-password": { secret: "postgresPassword" },
                "n8n-encryption-key": { secret: "n8nEncryptionKey" },
            },
        }],
        volumes: [{ name: "ollama-models", size: dev ? "20Gi" : "100Gi" }],
        stores: [{
            name: "postgres",
            engine: "postgres",
            ...IMAGES.postgres,
            database: "harvis",
            username: "harvis",
            extraDatabases: ["n8n"],
            passwordSecret: "postgresPassword",
            storageSize: dev ? "5Gi" : "20Gi",
            resources: dev ? sizes("100m", "256Mi", "500m", "512Mi") : sizes("250m", "512Mi", "1", "1Gi"),
            backup: { schedule: BACKUP_SCHEDULES.postgres, storageSize: "20Gi" },
        }],
        services: [backend, frontend, ollama, n8n],
        ingresses: [{
            name: "harvis-ai",
            host: settings.host,
            routes: [
                { path: "/api", service: "harvis-ai-backend" },
                { path: "/", service: "harvis-ai-frontend" },
            ],
            // Agent runs stream for minutes; uploads carry documents.
            limits: { requestsPerSecond: 10, readTimeoutSeconds: 300, sendTimeoutSeconds: 300, maxBodySize: "50m" },
        }],
        network: {
            connections: [
                { from: "harvis-ai-frontend", to: "harvis-ai-backend" },
                { from: "harvis-ai-backend", to: "postgres" },
                { from: "harvis-ai-backend", to: "ollama" },
                { from: "harvis-ai-backend", to: "n8n" },
                { from: "n8n", to: "postgres" },
                { from: "n8n", to: "harvis-ai-backend" },
            ],
            extraEgress: [{ from: "ollama", ports: [443], reason: "model pulls from registry.ollama.ai and Hugging Face" }],
        },
        runner: !dev && settings.runnerToken
            ? { gitlabUrl: settings.gitlabUrl, token: settings.runnerToken, namespace: GITLAB_RUNNER_NAMESPACE }
            : undefined,
    };
};
