/**
 * What each product takes from a stack's configuration (validated in components/config), and the
 * release strategy each product uses per environment. Strategies follow the source documents, so they are
 * data here rather than configuration: changing one is a design change, not an operator's switch.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProductId, Tier } from "./catalog";

export type ReleaseStrategy = "rolling" | "canary" | "blue-green";
export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

/**
 * Release strategy per product and tier.
 * - chatbot: the chatbot's deployment guide's CD table (dev rolling, staging canary in 2 steps, prod blue-green).
 * - soundcore-kcp: the Soundcore KCP deployment documentation deploys prod blue-green ("New (green) deployment created … Traffic
 *   switches to green"); staging is updated in place on every merge to main.
 * - llm-secret-detection: the LLM service's DevOps setup lists "Blue-Green: Zero-downtime deployment strategy" for its
 *   production deployment; staging deploys automatically from develop.
 * - quickspin-ai: the QuickSpin AI setup guide's production stage is a "Zero-downtime rolling update".
 * - harvis-ai: the Harvis AI implementation summary rolls out whatever tag Flux's ImagePolicy selects (rolling everywhere).
 */
export const RELEASE_STRATEGIES: Readonly<Record<ProductId, Readonly<Record<Tier, ReleaseStrategy>>>> = {
    "quickspin-ai": { dev: "rolling", staging: "rolling", prod: "rolling" },
    chatbot: { dev: "rolling", staging: "canary", prod: "blue-green" },
    "soundcore-kcp": { dev: "rolling", staging: "rolling", prod: "blue-green" },
    "harvis-ai": { dev: "rolling", staging: "rolling", prod: "rolling" },
    "llm-secret-detection": { dev: "rolling", staging: "rolling", prod: "blue-green" },
};

/** The image tags and switches of one product's release, as configured for the stack. */
export interface ReleaseSettings {
    readonly strategy: ReleaseStrategy;
    /** rolling: the tag of every pod; canary: the stable track's tag; blue-green: unused. */
    readonly imageTag: string;
    /** canary only: the canary track's tag and the share of requests it receives (0-100). */
    readonly canary?: { readonly imageTag: string; readonly weight: number };
    /** blue-green only: each color's tag and the color the Service sends traffic to. */
    readonly blueGreen?: { readonly blueImageTag: string; readonly greenImageTag: string; readonly activeColor: Color };
}

/** Pull credentials of a private registry (become a kubernetes.io/dockerconfigjson Secret). */
export interface RegistryCredentials {
    readonly username: string;
    readonly password: pulumi.Output<string>;
}

export interface QuickSpinSettings {
    readonly release: ReleaseSettings;
    readonly host: string;
    /** 1: a single pod without HPA (dev); 2 or more: the HPA's minimum (maximum 6, the QuickSpin AI setup guide). */
    readonly replicas: number;
    readonly apiUrl: string;
    readonly authUrl: string;
    readonly registry: RegistryCredentials;
    readonly groqApiKey: pulumi.Output<string>;
    readonly mongodbUri: pulumi.Output<string>;
}

export interface ChatbotSettings {
    readonly release: ReleaseSettings;
    readonly host: string;
    /** HPA maximum in prod (the chatbot's deployment guide: "3+" replicas; the minimum 3 is the document's). */
    readonly maxReplicas: number;
    readonly registry: RegistryCredentials;
    readonly hfAccessToken: pulumi.Output<string>;
}

export interface SoundcoreSettings {
    readonly release: ReleaseSettings;
    readonly host: string;
    readonly registry: RegistryCredentials;
    readonly openaiApiKey: pulumi.Output<string>;
    readonly anthropicApiKey: pulumi.Output<string>;
    readonly pineconeApiKey: pulumi.Output<string>;
    readonly sentryDsn: pulumi.Output<string>;
}

export interface HarvisSettings {
    readonly release: ReleaseSettings;
    readonly host: string;
    /** Registry and repository prefix of the backend and frontend images (replaces localhost:5000). */
    readonly imageRegistry: string;
    readonly logLevel: "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
    /** Memory request and limit of the backend (the Harvis AI implementation summary: 8Gi staging, 12Gi prod). */
    readonly backendMemory: string;
    readonly backendGpus: number;
    readonly ollamaGpus: number;
    /** kubernetes.io/hostname to pin each component to; undefined: no placement. */
    readonly nodes: { readonly backend?: string; readonly frontend?: string; readonly ollama?: string };
    readonly registry: RegistryCredentials;
    readonly gitlabUrl: string;
    /** GitLab runner authentication token (glrt-…); only set where the runner is deployed. */
    readonly runnerToken?: pulumi.Output<string>;
}

export interface LlmServiceSettings {
    readonly release: ReleaseSettings;
    readonly host: string;
    readonly replicas: number;
    readonly registry: RegistryCredentials;
}

export interface ProductSettingsById {
    readonly "quickspin-ai": QuickSpinSettings;
    readonly chatbot: ChatbotSettings;
    readonly "soundcore-kcp": SoundcoreSettings;
    readonly "harvis-ai": HarvisSettings;
    readonly "llm-secret-detection": LlmServiceSettings;
}

/** Configuration keys holding a product's release (tags, canary weight, active color). */
export interface ReleaseKeys {
    readonly imageTag: string;
    readonly canaryImageTag?: string;
    readonly canaryWeight?: string;
    readonly blueImageTag?: string;
    readonly greenImageTag?: string;
    readonly activeColor?: string;
}

/** Which configuration keys carry each product's release; the config module reads them generically. */
export const RELEASE_KEYS: Readonly<Record<ProductId, ReleaseKeys>> = {
    "quickspin-ai": { imageTag: "quickspinImageTag" },
    chatbot: {
        imageTag: "chatbotImageTag",
        canaryImageTag: "chatbotCanaryImageTag",
        canaryWeight: "chatbotCanaryWeight",
        blueImageTag: "chatbotBlueImageTag",
        greenImageTag: "chatbotGreenImageTag",
        activeColor: "chatbotActiveColor",
    },
    "soundcore-kcp": {
        imageTag: "soundcoreImageTag",
        blueImageTag: "soundcoreBlueImageTag",
        greenImageTag: "soundcoreGreenImageTag",
        activeColor: "soundcoreActiveColor",
    },
    "harvis-ai": { imageTag: "harvisImageTag" },
    "llm-secret-detection": {
        imageTag: "llmServiceImageTag",
        blueImageTag: "llmServiceBlueImageTag",
        greenImageTag: "llmServiceGreenImageTag",
        activeColor: "llmServiceActiveColor",
    },
};

/** A tag that moves to newer builds (`latest`, `main-latest`, `staging-latest`). */
export function isMovingTag(tag: string): boolean {
    return /(^|[-_.])latest$/.test(tag) || /^latest[-_.]/.test(tag);
}

/** Tags a release actually deploys. */
export function releaseTags(release: ReleaseSettings): string[] {
    switch (release.strategy) {
        case "rolling":
            return [release.imageTag];
        case "canary":
            return [release.imageTag, release.canary?.imageTag ?? ""];
        case "blue-green":
            return [release.blueGreen?.blueImageTag ?? "", release.blueGreen?.greenImageTag ?? ""];
    }
}
