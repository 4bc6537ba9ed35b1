/**
 * QuickSpin AI: one FastAPI service with an embedded ChromaDB on a claim, Groq for
 * inference, an external MongoDB, and read access to the Kubernetes API.
 * "The guide" below is the source document "QuickSpin AI Service - CI/CD Setup Guide";
 * docs/products/quickspin-ai.md states the requirements taken from it and the choices made where it is silent.
 */
import { APP_USER, sizes } from "./common";
import { QuickSpinSettings } from "./settings";
import { ProductDefinition } from "./types";

export const quickspinAi: ProductDefinition<QuickSpinSettings> = ({ tier, settings }) => ({
    product: "quickspin-ai",
    secrets: {
        groqApiKey: { fromConfig: settings.groqApiKey },
        mongodbUri: { fromConfig: settings.mongodbUri },
        // The guide: `openssl rand -base64 32`.
        jwtSecretKey: { generate: "base64", bytes: 32 },
    },
    // The guide: `kubectl create secret docker-registry gitlab-registry --docker-server=registry.gitlab.com`.
    registry: { secretName: "gitlab-registry", server: "registry.gitlab.com", credentials: settings.registry },
    configMaps: [{
        name: "quickspin-ai-config",
        // The guide's "Application Config (Hardcoded)" block, verbatim in every environment.
        data: {
            APP_ENV: "production",
            LOG_LEVEL: "INFO",
            API_PREFIX: "/api/v1",
            HOST: "0.0.0.0",
            PORT: "8000",
            WORKERS: "2",
            GROQ_MODEL: "mixtral-8x7b-32768",
            CHROMA_PERSIST_DIR: "/data/chroma",
            CHROMA_COLLECTION_NAME: "quickspin_knowledge",
            MONGODB_DATABASE: "quickspin_ai",
            JWT_ALGORITHM: "HS256",
        },
    }],
    kubernetesSecrets: [{
        // The guide's "Secrets (From GitLab CI/CD)" block; the URLs and K8S_IN_CLUSTER are not
        // sensitive but the service reads them from this Secret, so they stay here.
        name: "quickspin-ai-secrets",
        entries: {
            QUICKSPIN_API_URL: { value: settings.apiUrl },
            QUICKSPIN_AUTH_URL: { value: settings.authUrl },
            GROQ_API_KEY: { secret: "groqApiKey" },
            MONGODB_URI: { secret: "mongodbUri" },
            JWT_SECRET_KEY: { secret: "jwtSecretKey" },
            K8S_IN_CLUSTER: { value: "true" },
        },
    }],
    // The guide: 10Gi, ReadWriteOnce on the stack's storage class (local-path on K3s). Every pod
    // mounts it, so with a node-local class all replicas land on the node holding the volume.
    volumes: [{ name: "quickspin-ai-chroma-pvc", size: "10Gi" }],
    services: [{
        name: "quickspin-ai",
        component: "api",
        image: "registry.gitlab.com/quick-spin/quick-spin-ai",
        release: settings.release,
        ports: [{ name: "http", containerPort: 8000 }],
        configMaps: ["quickspin-ai-config"],
        secretEnv: Object.fromEntries(
            ["QUICKSPIN_API_URL", "QUICKSPIN_AUTH_URL", "GROQ_API_KEY", "MONGODB_URI", "JWT_SECRET_KEY", "K8S_IN_CLUSTER"]
                .map((key) => [key, { secret: "quickspin-ai-secrets", key }])),
        // Python libraries cache under $HOME (Chroma's embedding model among them).
        env: { HOME: "/tmp" },
        // The guide: 500m/1Gi requests, 2/2Gi limits. Dev (no dev in the guide) requests less so the
        // whole dev stack fits one 4-CPU/8-GiB machine; the limits stay the guide's.
        resources: tier === "dev" ? sizes("200m", "512Mi", "2", "2Gi") : sizes("500m", "1Gi", "2", "2Gi"),
        runAs: APP_USER,
        probes: {
            // The guide, exactly.
            liveness: { path: "/api/v1/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            readiness: { path: "/api/v1/health", initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        },
        volumes: [{ claim: "quickspin-ai-chroma-pvc", mountPath: "/data/chroma" }],
        // The guide: HPA 2-6 on CPU 70 % and memory 80 %, fast scale-up, gradual scale-down.
        scaling: settings.replicas >= 2
            ? { minReplicas: settings.replicas, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80 }
            : { replicas: settings.replicas },
        serviceAccount: {
            // The guide: "quickspin-operator (from backend, for K8s API access)". The AI service only
            // reports on what the backend provisions, so it reads (get/list/watch) workloads, their
            // pods and events in its namespace; creating and deleting stays with the backend's operator.
            name: "quickspin-operator",
            rules: [
                { apiGroups: [""], resources: ["pods", "services", "persistentvolumeclaims", "events"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list", "watch"] },
            ],
        },
        // The guide: ClientIP affinity, 3 hours.
        clientIpAffinitySeconds: 10800,
        metrics: { path: "/metrics" },
        ingress: {
            host: settings.host,
            // The guide: 100 requests/minute, 300 s for long AI operations.
            limits: { requestsPerMinute: 100, readTimeoutSeconds: 300, sendTimeoutSeconds: 300, maxBodySize: "10m" },
        },
    }],
    network: {
        connections: [],
        // Groq, QUICKSPIN_API_URL and QUICKSPIN_AUTH_URL are public HTTPS endpoints.
        internet: ["quickspin-ai"],
        kubeApi: ["quickspin-ai"],
        extraEgress: [{ from: "quickspin-ai", ports: [27017], reason: "MONGODB_URI points at a MongoDB outside this platform" }],
    },
});
