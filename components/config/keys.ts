/**
 * The validation rule of every configuration key. Pulumi.yaml declares the same keys with their
 * type, description and default (test/foundation/config.test.ts keeps both in step); this table
 * says what a valid value is. Secrets carry the placeholder the offline evaluation uses.
 */
import { z } from "zod";
import { CHART_IDS } from "../platform/charts";
import { PRODUCT_IDS, ProductId, Tier, TIERS } from "../products/catalog";
import { COLORS } from "../products/settings";
import * as rules from "./rules";

/** How Pulumi hands a value to the program (all config arrives as strings on the wire). */
export type ConfigKind = "string" | "integer" | "boolean" | "array";

export interface KeySpec<T = unknown> {
    readonly kind: ConfigKind;
    readonly schema: z.ZodType<T, any>;
    /** Secret keys are read with requireSecret and must be set with `--secret`. */
    readonly secret?: boolean;
    /**
     * For secrets: a value that passes validation, clearly marked as not real, used when a stack is
     * evaluated offline (tests, `npm run plan`).
     */
    readonly offlinePlaceholder?: string;
    /**
     * For secrets only needed by one product (and possibly only in some tiers): a stack that does
     * not deploy the product there is not asked for it.
     */
    readonly neededBy?: { readonly product: ProductId; readonly tiers?: readonly Tier[] };
    /**
     * What a "not set" message offers: the allowed values of a fixed set, else an example value
     * (test/foundation/config.test.ts checks that each example passes the key's own rule).
     */
    readonly example?: string;
}

function key<T>(kind: ConfigKind, schema: z.ZodType<T, any>, example?: string): KeySpec<T> {
    return { kind, schema, example };
}

function secret(schema: z.ZodType<string, any>, offlinePlaceholder: string): KeySpec<string> {
    return { kind: "string", schema, secret: true, offlinePlaceholder };
}

function productSecret(
    product: ProductId,
    schema: z.ZodType<string, any>,
    offlinePlaceholder: string,
    tiers?: readonly Tier[],
): KeySpec<string> {
    return { kind: "string", schema, secret: true, offlinePlaceholder, neededBy: { product, tiers } };
}

// --- Rules of the product keys ------------------------------------------------------------------
// Kept next to the keys that use them; the messages name what is allowed and, for secrets, never
// echo the value.

const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Semantic version, as prod images must be pinned (the chatbot, Soundcore KCP and Harvis AI documents release with v1.0.0 tags). */
export const SEMVER_TAG_PATTERN = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * An image tag other than `latest` (which names nothing: every push moves it), or "" where the
 * stack's release strategy does not use the key.
 */
const optionalImageTag = z.string().refine((v) => v === "" || (IMAGE_TAG_PATTERN.test(v) && v !== "latest"), {
    error: "must be an image tag (letters, digits, '_', '.', '-'; at most 128) other than latest, or empty when unused",
});
const optionalHostname = z.string().refine((v) => v === "" || rules.HOSTNAME_PATTERN.test(v), {
    error: "must be a lower-case DNS host name with at least one dot, such as app.example.com, or empty when the product is not deployed",
});
const optionalHttpsUrl = z.string().refine((v) => v === "" || isHttpsUrl(v), {
    error: "must be an https URL such as https://api.example.com, or empty when the product is not deployed",
});
/** Kubernetes node name (kubernetes.io/hostname), or "" for no placement. */
const optionalNodeName = z.string().regex(/^$|^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, {
    error: "must be a node name as in kubernetes.io/hostname (lower-case letters, digits, '-', '.'), or empty for no placement",
});
/** Registry host with an optional repository prefix, e.g. registry.gitlab.com/harvis/harvis-ai. */
const optionalImageRegistry = z.string().regex(/^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/, {
    error: "must be a registry host with an optional repository path, such as registry.gitlab.com/harvis/harvis-ai, or empty",
});
const optionalUsername = z.string().regex(/^$|^\S{1,255}$/, {
    error: "must be a registry user name without whitespace, or empty when the product is not deployed",
});
const cidr = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const cidrList = z.array(z.string()).min(1, { error: "must list at least one CIDR such as 10.0.0.0/8" }).superRefine((entries, ctx) => {
    for (const entry of entries) {
        if (!cidr.test(entry)) {
            ctx.addIssue({ code: "custom", message: `"${entry}" must be an IPv4 CIDR such as 10.0.0.0/8` });
        }
    }
});

const deployTokenRotation = rules.integer(1, 999_999);

function isHttpsUrl(v: string): boolean {
    try {
        return new URL(v).protocol === "https:";
    } catch {
        return false;
    }
}

/**
 * A credential GitLab can mask, so the same value can later become a masked CI/CD variable: at
 * least 8 characters from A-Za-z0-9 and _+=/@:.~- (the message never echoes the value).
 */
function maskable(what: string, prefix = "") {
    const allowed = /^[A-Za-z0-9_+=/@:.~-]{8,}$/;
    const start = prefix ? ` starting with ${prefix}` : "";
    return z.string().refine((v) => allowed.test(v) && v.startsWith(prefix), {
        error: `must be ${what}${start}: at least 8 characters from A-Z a-z 0-9 _ + = / @ : . ~ - (GitLab can only mask such values)`,
    });
}
const mongodbUri = z.string().refine((v) => /^mongodb(\+srv)?:\/\/[A-Za-z0-9_+=/@:.~-]+$/.test(v), {
    error: "must be a mongodb:// or mongodb+srv:// connection string without ?, & or % (GitLab can only mask A-Z a-z 0-9 _ + = / @ : . ~ -)",
});
const sentryDsn = z.string().refine((v) => isHttpsUrl(v) && /^[A-Za-z0-9_+=/@:.~-]{8,}$/.test(v), {
    error: "must be a Sentry DSN (https://<key>@<host>/<project>) of characters GitLab can mask",
});

export const CONFIG_KEYS = {
    // Cluster and environment
    environment: key("string", rules.environmentName, "qa"),
    tier: key("string", rules.oneOf(TIERS)),
    kubeContext: key("string", rules.nonEmpty, "ai-platform-qa"),
    kubeconfig: key("string", z.string()),
    renderYamlToDirectory: key("string", z.string()),
    products: key("array", rules.distinctSubsetOf(PRODUCT_IDS), `[${PRODUCT_IDS.join(", ")}]`),
    storageClass: key("string", rules.dnsSubdomain, "gp3"),
    dataProtection: key("boolean", z.boolean()),
    // TLS
    acmeEmail: key("string", rules.email, "platform-team@example.com"),
    clusterIssuer: key("string", rules.oneOf(["letsencrypt-staging", "letsencrypt-prod"] as const)),
    chartVersionOverrides: key("array", rules.chartVersionOverrides(CHART_IDS)),
    helmRepositoryMirror: key("string", rules.optionalHelmRepositoryUrl),
    // cert-manager
    certManagerReplicas: key("integer", rules.integer(1, 5)),
    // ingress-nginx
    ingressReplicas: key("integer", rules.integer(1, 10)),
    ingressServiceType: key("string", rules.oneOf(["LoadBalancer", "NodePort", "ClusterIP"] as const)),
    ingressExternalTrafficPolicy: key("string", rules.oneOf(["Local", "Cluster"] as const)),
    ingressCpuRequest: key("string", rules.cpu),
    ingressMemoryRequest: key("string", rules.bytes),
    ingressMemoryLimit: key("string", rules.bytes),
    // Monitoring
    prometheusReplicas: key("integer", rules.integer(1, 5)),
    prometheusRetention: key("string", rules.prometheusDuration),
    prometheusRetentionSize: key("string", rules.prometheusByteSize),
    prometheusStorageSize: key("string", rules.optionalBytes),
    prometheusCpuRequest: key("string", rules.cpu),
    prometheusMemoryRequest: key("string", rules.bytes),
    prometheusMemoryLimit: key("string", rules.bytes),
    alertmanagerReplicas: key("integer", rules.integer(1, 5)),
    alertmanagerStorageSize: key("string", rules.optionalBytes),
    alertSlackChannel: key("string", rules.slackChannel, "#alerts-qa"),
    grafanaHost: key("string", rules.hostname, "grafana.qa.example.com"),
    grafanaStorageSize: key("string", rules.optionalBytes),
    // Logging
    lokiRetention: key("string", rules.lokiRetention),
    lokiStorageSize: key("string", rules.bytes),
    lokiCpuRequest: key("string", rules.cpu),
    lokiMemoryRequest: key("string", rules.bytes),
    lokiMemoryLimit: key("string", rules.bytes),
    // Secrets
    alertSlackWebhookUrl: secret(
        rules.httpsUrlOn(["hooks.slack.com"]),
        "https://hooks.slack.com/services/OFFLINE/PLACEHOLDER/not-a-real-webhook",
    ),
    alertDiscordWebhookUrl: secret(
        rules.httpsUrlOn(["discord.com", "discordapp.com"]),
        "https://discord.com/api/webhooks/0/offline-placeholder-not-a-real-webhook",
    ),
    // GitLab CI/CD variables (components/gitlab)
    gitlabUrl: key("string", z.string().refine(isHttpsUrl, {
        error: "must be the https URL of the GitLab instance, such as https://gitlab.com",
    })),
    gitlabProjects: key("array", rules.gitlabProjectMappings(PRODUCT_IDS)),
    // Deploy identities (components/workloads/deployIdentity.ts): the URL product CI jobs reach the
    // API server at, written into each product's kubeconfig next to the CA read from the cluster.
    kubeApiServerUrl: key("string", rules.apiServerUrl, "https://api.qa.example.com:6443"),

    // === Product workloads ========================================================================
    // Per-environment deltas of the five products (components/products/*.ts hold the source documents' fixed
    // numbers). Keys a stack's release strategy does not use stay empty; a deployed product's
    // host, tags and registry user are required (checked across keys in index.ts).
    kubeApiServerCidrs: key("array", cidrList, "[10.0.0.0/8]"),
    // Rotation of each product's deploy token: part of the token Secret's name, so a new value
    // replaces the Secret (a new token, the old one invalidated) and the GitLab variable together.
    quickspinDeployTokenRotation: key("integer", deployTokenRotation),
    chatbotDeployTokenRotation: key("integer", deployTokenRotation),
    soundcoreDeployTokenRotation: key("integer", deployTokenRotation),
    harvisDeployTokenRotation: key("integer", deployTokenRotation),
    llmServiceDeployTokenRotation: key("integer", deployTokenRotation),
    // QuickSpin AI (docs/products/quickspin-ai.md)
    quickspinImageTag: key("string", optionalImageTag, "v1.2.3"),
    quickspinHost: key("string", optionalHostname, "app.qa.example.com"),
    quickspinReplicas: key("integer", rules.integer(1, 6)),
    quickspinApiUrl: key("string", optionalHttpsUrl, "https://api.qa.example.com"),
    quickspinAuthUrl: key("string", optionalHttpsUrl, "https://api.qa.example.com"),
    quickspinRegistryUsername: key("string", optionalUsername, "gitlab+deploy-token-app"),
    // ShopyVerse chatbot (docs/products/chatbot.md)
    chatbotImageTag: key("string", optionalImageTag, "v1.2.3"),
    chatbotCanaryImageTag: key("string", optionalImageTag, "v1.2.3"),
    chatbotCanaryWeight: key("integer", rules.integer(0, 100)),
    chatbotBlueImageTag: key("string", optionalImageTag, "v1.2.3"),
    chatbotGreenImageTag: key("string", optionalImageTag, "v1.2.3"),
    chatbotActiveColor: key("string", rules.oneOf(COLORS)),
    chatbotMaxReplicas: key("integer", rules.integer(4, 30)),
    chatbotHost: key("string", optionalHostname, "app.qa.example.com"),
    chatbotRegistryUsername: key("string", optionalUsername, "gitlab+deploy-token-app"),
    // Soundcore KCP (docs/products/soundcore-kcp.md)
    soundcoreImageTag: key("string", optionalImageTag, "v1.2.3"),
    soundcoreBlueImageTag: key("string", optionalImageTag, "v1.2.3"),
    soundcoreGreenImageTag: key("string", optionalImageTag, "v1.2.3"),
    soundcoreActiveColor: key("string", rules.oneOf(COLORS)),
    soundcoreHost: key("string", optionalHostname, "app.qa.example.com"),
    soundcoreRegistryUsername: key("string", optionalUsername, "gitlab+deploy-token-app"),
    // Harvis AI (docs/products/harvis-ai.md)
    harvisImageRegistry: key("string", optionalImageRegistry, "registry.gitlab.com/group/project"),
    harvisImageTag: key("string", optionalImageTag, "v1.2.3"),
    harvisHost: key("string", optionalHostname, "app.qa.example.com"),
    harvisLogLevel: key("string", rules.oneOf(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const)),
    harvisBackendMemory: key("string", rules.bytes),
    harvisBackendGpus: key("integer", rules.integer(0, 8)),
    harvisOllamaGpus: key("integer", rules.integer(0, 8)),
    harvisBackendNode: key("string", optionalNodeName),
    harvisFrontendNode: key("string", optionalNodeName),
    harvisOllamaNode: key("string", optionalNodeName),
    harvisRegistryUsername: key("string", optionalUsername, "gitlab+deploy-token-app"),
    // LLM secret-detection service (docs/products/llm-secret-detection.md)
    llmServiceImageTag: key("string", optionalImageTag, "v1.2.3"),
    llmServiceBlueImageTag: key("string", optionalImageTag, "v1.2.3"),
    llmServiceGreenImageTag: key("string", optionalImageTag, "v1.2.3"),
    llmServiceActiveColor: key("string", rules.oneOf(COLORS)),
    llmServiceReplicas: key("integer", rules.integer(1, 10)),
    llmServiceHost: key("string", optionalHostname, "app.qa.example.com"),
    llmServiceRegistryUsername: key("string", optionalUsername, "gitlab+deploy-token-app"),
    // Product secrets: asked for only where the product is deployed.
    quickspinRegistryPassword: productSecret("quickspin-ai", maskable("a registry deploy token"), "offline-placeholder-registry-password"),
    quickspinGroqApiKey: productSecret("quickspin-ai", maskable("a Groq API key", "gsk_"), "gsk_offline_placeholder_not_a_real_key"),
    quickspinMongodbUri: productSecret("quickspin-ai", mongodbUri, "mongodb://offline:placeholder@mongodb.invalid:27017/quickspin_ai"),
    chatbotRegistryPassword: productSecret("chatbot", maskable("a registry token"), "offline-placeholder-registry-password"),
    chatbotHfAccessToken: productSecret("chatbot", maskable("a Hugging Face access token", "hf_"), "hf_offline_placeholder_not_a_real_token"),
    soundcoreRegistryPassword: productSecret("soundcore-kcp", maskable("a registry deploy token"), "offline-placeholder-registry-password"),
    soundcoreOpenaiApiKey: productSecret("soundcore-kcp", maskable("an OpenAI API key", "sk-"), "sk-offline-placeholder-not-a-real-key"),
    soundcoreAnthropicApiKey: productSecret("soundcore-kcp", maskable("an Anthropic API key", "sk-ant-"), "sk-ant-offline-placeholder-not-a-real-key"),
    soundcorePineconeApiKey: productSecret("soundcore-kcp", maskable("a Pinecone API key"), "pcsk_offline_placeholder_not_a_real_key"),
    soundcoreSentryDsn: productSecret("soundcore-kcp", sentryDsn, "https://offlineplaceholder@o0.ingest.sentry.io/0"),
    harvisRegistryPassword: productSecret("harvis-ai", maskable("a registry deploy token"), "offline-placeholder-registry-password"),
    harvisRunnerToken: productSecret("harvis-ai", maskable("a GitLab runner authentication token", "glrt-"),
        "glrt-offline_placeholder_not_a_real_token", ["staging", "prod"]),
    llmServiceRegistryPassword: productSecret("llm-secret-detection", maskable("a registry token"), "offline-placeholder-registry-password"),
} satisfies Record<string, KeySpec<any>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** The key that rotates each product's deploy token (`<product>DeployTokenRotation`). */
export const DEPLOY_TOKEN_ROTATION_KEYS = {
    "quickspin-ai": "quickspinDeployTokenRotation",
    chatbot: "chatbotDeployTokenRotation",
    "soundcore-kcp": "soundcoreDeployTokenRotation",
    "harvis-ai": "harvisDeployTokenRotation",
    "llm-secret-detection": "llmServiceDeployTokenRotation",
} as const satisfies Record<ProductId, ConfigKey>;

type PlainKeys = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { secret: true } ? never : K }[ConfigKey];
type SecretKeys = Exclude<ConfigKey, PlainKeys>;

/** Validated plain values, by key. */
export type PlainValues = { [K in PlainKeys]: z.output<(typeof CONFIG_KEYS)[K]["schema"]> };
/** Secret values as Pulumi secret outputs, by key. */
export type SecretValues<Output> = { [K in SecretKeys]: Output };
