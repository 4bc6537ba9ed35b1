/**
 * The products of the platform and where each one lives. Names follow the source documents
 * (docs/products/): the QuickSpin AI setup guide deploys QuickSpin AI to `quickspin-ai`, the
 * chatbot's deployment guide the chatbot to `chatbot-<env>`, the Soundcore KCP deployment
 * documentation Soundcore KCP to `soundcore-kcp-<env>`, the Harvis AI implementation summary Harvis AI
 * to `ai-agents-staging` / `ai-agents`; the LLM service's DevOps setup names no namespace for the
 * LLM secret-detection service, so it gets `llm-service` after its app label.
 */
/**
 * What an environment's tier decides: policy enforcement levels (policy/config/<tier>.json when the
 * stack has no config of its own), sizes and release strategies where a product says so, and which
 * products get GitLab variables. Environments themselves are data: any name, one of these tiers.
 */
export const TIERS = ["dev", "staging", "prod"] as const;
export type Tier = (typeof TIERS)[number];

/** A stack's environment: its free name (part of names, labels, scopes) and its tier. */
export interface EnvironmentRef {
    readonly name: string;
    readonly tier: Tier;
}

export const PRODUCT_IDS = ["quickspin-ai", "chatbot", "soundcore-kcp", "harvis-ai", "llm-secret-detection"] as const;
export type ProductId = (typeof PRODUCT_IDS)[number];

/** Pod Security Standards level of a namespace. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface ProductPlacement {
    /** Human name used in descriptions and dashboards. */
    readonly displayName: string;
    /** Team label put on the product's namespaces. */
    readonly team: string;
    /**
     * Namespaces the product owns in an environment (the first is its main namespace). Names that
     * carry the environment carry its name; names the source documents fix stay the same in every
     * environment (environments are separated by cluster; see docs/environments.md).
     */
    readonly namespaces: (environment: EnvironmentRef) => readonly string[];
    /**
     * Namespaces that cannot enforce the restricted Pod Security profile, with the level they
     * enforce and why. Every namespace not listed here enforces restricted.
     */
    readonly podSecurityExceptions?: Readonly<Record<string, { readonly level: PodSecurityLevel; readonly reason: string }>>;
}

/**
 * Harvis AI's CI runners (the Harvis AI implementation summary ran them on the host Docker socket with full cluster RBAC) run
 * as the gitlab-runner chart with the Kubernetes executor in their own namespace, in the
 * environments that build images (staging and prod; dev is docker-compose in the document).
 */
export const GITLAB_RUNNER_NAMESPACE = "gitlab-runner";

export const PRODUCTS: Record<ProductId, ProductPlacement> = {
    "quickspin-ai": {
        displayName: "QuickSpin AI",
        team: "quickspin",
        namespaces: () => ["quickspin-ai"],
    },
    chatbot: {
        displayName: "ShopyVerse chatbot",
        team: "shopyverse",
        namespaces: (env) => [`chatbot-${env.name}`],
    },
    "soundcore-kcp": {
        displayName: "Soundcore KCP",
        team: "soundcore",
        namespaces: (env) => [`soundcore-kcp-${env.name}`],
    },
    "harvis-ai": {
        displayName: "Harvis AI",
        team: "harvis",
        // The Harvis AI implementation summary's production namespace is plain ai-agents; every other environment's carries its name.
        // Runners only where images are built (not in the dev tier).
        namespaces: (env) => {
            const main = env.name === "prod" ? "ai-agents" : `ai-agents-${env.name}`;
            return env.tier === "dev" ? [main] : [main, GITLAB_RUNNER_NAMESPACE];
        },
        podSecurityExceptions: {
            // Baseline still refuses privileged pods, host namespaces and hostPath (the Docker socket
            // of the document's runners); what it allows beyond restricted is a root user inside the job
            // container, which image builds with kaniko need to unpack base-image filesystems.
            [GITLAB_RUNNER_NAMESPACE]: {
                level: "baseline",
                reason: "CI job pods build images with kaniko, which runs as root inside its container (no privileges, no host access); the runner manager itself is restricted-compliant.",
            },
        },
    },
    "llm-secret-detection": {
        displayName: "LLM secret-detection service",
        team: "secops",
        namespaces: () => ["llm-service"],
    },
};
