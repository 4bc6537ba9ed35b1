/**
 * The one place configuration is read. Every key is read once, converted from its wire form,
 * validated, and checked against related keys; all problems (bad values and missing secrets) are
 * reported together in one error before any resource exists, so a stack is never half built.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseBytes } from "../lib/quantity";
import { ChartId, ChartPin, resolveCharts } from "../platform/charts";
import { ProductId, Tier, TIERS } from "../products/catalog";
import {
    Color, isMovingTag, ProductSettingsById, RELEASE_KEYS, RELEASE_STRATEGIES, ReleaseKeys, ReleaseSettings, releaseTags,
} from "../products/settings";
import { CONFIG_KEYS, ConfigKey, ConfigKind, DEPLOY_TOKEN_ROTATION_KEYS, KeySpec, PlainValues, SEMVER_TAG_PATTERN } from "./keys";
import { undeclaredKeyProblems } from "./undeclared";

export { CONFIG_KEYS } from "./keys";

/** Thrown when configuration is invalid; its message lists every problem with the fix. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

export interface ContainerResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
}

export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    /** The environment's name: part of namespace names, labels, dashboards and GitLab scopes. */
    readonly environment: string;
    /** What the tier decides: sizes, release strategies, which GitLab variables, policy levels. */
    readonly tier: Tier;
    readonly products: readonly ProductId[];
    readonly cluster: {
        readonly kubeContext: string;
        /** undefined: the usual kubeconfig resolution. */
        readonly kubeconfig?: string;
        readonly renderYamlToDirectory?: string;
        readonly storageClass: string;
        /** Protect namespaces, StatefulSets and claims, retain claims, back up databases. */
        readonly dataProtection: boolean;
    };
    readonly tls: {
        readonly acmeEmail: string;
        readonly clusterIssuer: "letsencrypt-staging" | "letsencrypt-prod";
    };
    readonly charts: Record<ChartId, ChartPin>;
    readonly certManager: { readonly replicas: number };
    readonly ingress: {
        readonly replicas: number;
        readonly serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
        readonly externalTrafficPolicy: "Local" | "Cluster";
        readonly resources: ContainerResources;
    };
    readonly monitoring: {
        readonly prometheus: {
            readonly replicas: number;
            readonly retention: string;
            /** undefined: no size cap. */
            readonly retentionSize?: string;
            /** undefined: emptyDir. */
            readonly storageSize?: string;
            readonly resources: ContainerResources;
        };
        readonly alertmanager: { readonly replicas: number; readonly storageSize?: string };
        readonly grafana: { readonly host: string; readonly storageSize?: string };
        readonly alerts: {
            readonly slackChannel: string;
            readonly slackWebhookUrl: pulumi.Output<string>;
            readonly discordWebhookUrl: pulumi.Output<string>;
        };
    };
    readonly logging: {
        readonly retention: string;
        readonly storageSize: string;
        readonly resources: ContainerResources;
    };
    readonly network: {
        /** Addresses of the Kubernetes API server, for workloads that call it (egress on 443/6443). */
        readonly kubeApiServerCidrs: readonly string[];
    };
    readonly gitlab: {
        readonly url: string;
        /** GitLab project of each product whose CI/CD variables the stack writes. */
        readonly projects: ReadonlyArray<{ readonly product: ProductId; readonly project: string }>;
    };
    /** What each product's platform-issued deploy identity is built from (components/workloads/deployIdentity.ts). */
    readonly deployIdentity: {
        /** The API server URL written into every product's kubeconfig (kubeApiServerUrl). */
        readonly apiServerUrl: string;
        /** Each product's token rotation (`<product>DeployTokenRotation`): part of its token Secret's name. */
        readonly tokenRotation: Readonly<Record<ProductId, number>>;
    };
    /** Per-environment settings of each deployed product (absent for products the stack does not deploy). */
    readonly productSettings: { readonly [P in ProductId]?: ProductSettingsById[P] };
}

type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

/** Pulumi hands every value over as a string; typed keys arrive as their JSON text. */
function convert(raw: string, kind: ConfigKind): Converted {
    switch (kind) {
        case "string":
            return { ok: true, value: raw };
        case "integer":
            return /^-?\d+$/.test(raw.trim())
                ? { ok: true, value: Number(raw) }
                : { ok: false, reason: "must be an integer" };
        case "boolean":
            return raw === "true" || raw === "false"
                ? { ok: true, value: raw === "true" }
                : { ok: false, reason: "must be true or false" };
        case "array":
            try {
                const value: unknown = JSON.parse(raw);
                return Array.isArray(value) ? { ok: true, value } : { ok: false, reason: "must be a list" };
            } catch {
                return { ok: false, reason: "must be a list" };
            }
    }
}

function describeValue(raw: string, spec: KeySpec): string {
    // A password in a URL is not echoed even for a plain key (a mirror URL refused for carrying one).
    return spec.secret ? "[secret]" : JSON.stringify(raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, "$1:[redacted]@"));
}

/** Prometheus byte sizes are base 2 whether written GB or GiB. */
function prometheusBytes(size: string): number | undefined {
    const match = /^(\d+(?:\.\d+)?)([KMGTPE])i?B$/.exec(size);
    return match ? parseBytes(`${match[1]}${match[2]}i`) : undefined;
}

function crossKeyProblems(v: PlainValues, fullKey: (k: ConfigKey) => string): string[] {
    const problems: string[] = [];
    for (const { product } of v.gitlabProjects) {
        if (!v.products.includes(product)) {
            problems.push(`${fullKey("gitlabProjects")} maps ${product}, which this stack does not deploy (products: ${v.products.join(", ")})`);
        }
    }
    if ((TIERS as readonly string[]).includes(v.environment) && v.environment !== v.tier) {
        problems.push(`${fullKey("environment")} = ${JSON.stringify(v.environment)} with ${fullKey("tier")} = ${JSON.stringify(v.tier)}: ` +
            `an environment named after a tier must have that tier (name it otherwise, such as qa or eu-${v.tier})`);
    }
    if (v.tier === "prod" && v.clusterIssuer !== "letsencrypt-prod") {
        problems.push(`${fullKey("clusterIssuer")} = ${JSON.stringify(v.clusterIssuer)}: prod must use letsencrypt-prod (staging certificates are not trusted by browsers)`);
    }
    const retentionBytes = v.prometheusRetentionSize ? prometheusBytes(v.prometheusRetentionSize) : undefined;
    const storageBytes = v.prometheusStorageSize ? parseBytes(v.prometheusStorageSize) : undefined;
    if (retentionBytes !== undefined && storageBytes !== undefined && retentionBytes >= storageBytes) {
        problems.push(`${fullKey("prometheusRetentionSize")} = ${JSON.stringify(v.prometheusRetentionSize)}: must be below ${fullKey("prometheusStorageSize")} (${v.prometheusStorageSize}), or Prometheus fills its volume before it deletes old blocks`);
    }
    for (const [request, limit] of [
        ["ingressMemoryRequest", "ingressMemoryLimit"],
        ["prometheusMemoryRequest", "prometheusMemoryLimit"],
        ["lokiMemoryRequest", "lokiMemoryLimit"],
    ] as const) {
        if ((parseBytes(v[request]) ?? 0) > (parseBytes(v[limit]) ?? 0)) {
            problems.push(`${fullKey(request)} = ${JSON.stringify(v[request])}: must not exceed ${fullKey(limit)} (${v[limit]})`);
        }
    }
    return problems;
}

/** The keys a product's release uses in a tier (the others may stay empty). */
function usedReleaseKeys(product: ProductId, tier: Tier): string[] {
    const keys: ReleaseKeys = RELEASE_KEYS[product];
    switch (RELEASE_STRATEGIES[product][tier]) {
        case "rolling":
            return [keys.imageTag];
        case "canary":
            return [keys.imageTag, keys.canaryImageTag!];
        case "blue-green":
            return [keys.blueImageTag!, keys.greenImageTag!];
    }
}

/** Plain keys a deployed product cannot do without, beyond its release tags. */
const PRODUCT_REQUIRED_KEYS: Record<ProductId, (tier: Tier) => ConfigKey[]> = {
    "quickspin-ai": () => ["quickspinHost", "quickspinApiUrl", "quickspinAuthUrl", "quickspinRegistryUsername"],
    chatbot: () => ["chatbotHost", "chatbotRegistryUsername"],
    "soundcore-kcp": () => ["soundcoreHost", "soundcoreRegistryUsername"],
    "harvis-ai": () => ["harvisHost", "harvisImageRegistry", "harvisRegistryUsername"],
    "llm-secret-detection": () => ["llmServiceHost", "llmServiceRegistryUsername"],
};

/**
 * Why `tag` cannot be a release's image tag in `tier` beyond its key's own rule, or undefined.
 * Exported because `npm run release` refuses a tag by the same rule before it edits a stack file.
 */
export function tierTagProblem(tier: Tier, tag: string): string | undefined {
    if (tier !== "prod" || SEMVER_TAG_PATTERN.test(tag)) {
        return undefined;
    }
    return "prod images must be pinned to a semantic version such as v1.2.3 or 1.2.3" +
        (isMovingTag(tag) ? " (this is a moving tag: what runs would change with every build, without a commit)" : "");
}

function productProblems(v: PlainValues, fullKey: (k: string) => string, stack: string): string[] {
    const problems: string[] = [];
    const values = v as unknown as Record<string, unknown>;
    for (const product of v.products) {
        const required = [...usedReleaseKeys(product, v.tier), ...PRODUCT_REQUIRED_KEYS[product](v.tier)];
        for (const k of required) {
            if (values[k] === "") {
                problems.push(`${fullKey(k)} is empty: products includes ${product}, which needs it in the ${v.tier} tier` +
                    `${exampleOf(CONFIG_KEYS[k as ConfigKey])} (pulumi config set ${k} <value> -s ${stack})`);
            }
        }
        for (const k of usedReleaseKeys(product, v.tier)) {
            const tag = values[k] as string;
            const problem = tag === "" ? undefined : tierTagProblem(v.tier, tag);
            if (problem !== undefined) {
                problems.push(`${fullKey(k)} = ${JSON.stringify(tag)}: ${problem}`);
            }
        }
    }
    return problems;
}

function release(v: PlainValues, product: ProductId): ReleaseSettings {
    const keys = RELEASE_KEYS[product];
    const values = v as unknown as Record<string, unknown>;
    const read = (k: string | undefined) => (k === undefined ? undefined : values[k]);
    const strategy = RELEASE_STRATEGIES[product][v.tier];
    return {
        strategy,
        imageTag: read(keys.imageTag) as string,
        ...(strategy === "canary" ? {
            canary: { imageTag: read(keys.canaryImageTag) as string, weight: read(keys.canaryWeight) as number },
        } : {}),
        ...(strategy === "blue-green" ? {
            blueGreen: {
                blueImageTag: read(keys.blueImageTag) as string,
                greenImageTag: read(keys.greenImageTag) as string,
                activeColor: read(keys.activeColor) as Color,
            },
        } : {}),
    };
}

function productSettings(
    v: PlainValues,
    secrets: Record<string, pulumi.Output<string>>,
): { [P in ProductId]?: ProductSettingsById[P] } {
    const deployed = new Set<ProductId>(v.products);
    const settings: { -readonly [P in ProductId]?: ProductSettingsById[P] } = {};
    if (deployed.has("quickspin-ai")) {
        settings["quickspin-ai"] = {
            release: release(v, "quickspin-ai"),
            host: v.quickspinHost,
            replicas: v.quickspinReplicas,
            apiUrl: v.quickspinApiUrl,
            authUrl: v.quickspinAuthUrl,
            registry: { username: v.quickspinRegistryUsername, password: secrets.quickspinRegistryPassword },
            groqApiKey: secrets.quickspinGroqApiKey,
            mongodbUri: secrets.quickspinMongodbUri,
        };
    }
    if (deployed.has("chatbot")) {
        settings.chatbot = {
            release: release(v, "chatbot"),
            host: v.chatbotHost,
            maxReplicas: v.chatbotMaxReplicas,
            registry: { username: v.chatbotRegistryUsername, password: secrets.chatbotRegistryPassword },
            hfAccessToken: secrets.chatbotHfAccessToken,
        };
    }
    if (deployed.has("soundcore-kcp")) {
        settings["soundcore-kcp"] = {
            release: release(v, "soundcore-kcp"),
            host: v.soundcoreHost,
            registry: { username: v.soundcoreRegistryUsername, password: secrets.soundcoreRegistryPassword },
            openaiApiKey: secrets.soundcoreOpenaiApiKey,
            anthropicApiKey: secrets.soundcoreAnthropicApiKey,
            pineconeApiKey: secrets.soundcorePineconeApiKey,
            sentryDsn: secrets.soundcoreSentryDsn,
        };
    }
    if (deployed.has("harvis-ai")) {
        settings["harvis-ai"] = {
            release: release(v, "harvis-ai"),
            host: v.harvisHost,
            imageRegistry: v.harvisImageRegistry,
            logLevel: v.harvisLogLevel,
            backendMemory: v.harvisBackendMemory,
            backendGpus: v.harvisBackendGpus,
            ollamaGpus: v.harvisOllamaGpus,
            nodes: {
                backend: emptyToUndefined(v.harvisBackendNode),
                frontend: emptyToUndefined(v.harvisFrontendNode),
                ollama: emptyToUndefined(v.harvisOllamaNode),
            },
            registry: { username: v.harvisRegistryUsername, password: secrets.harvisRegistryPassword },
            gitlabUrl: v.gitlabUrl,
            runnerToken: secrets.harvisRunnerToken,
        };
    }
    if (deployed.has("llm-secret-detection")) {
        settings["llm-secret-detection"] = {
            release: release(v, "llm-secret-detection"),
            host: v.llmServiceHost,
            replicas: v.llmServiceReplicas,
            registry: { username: v.llmServiceRegistryUsername, password: secrets.llmServiceRegistryPassword },
        };
    }
    for (const product of Object.keys(settings) as ProductId[]) {
        const tags = releaseTags(settings[product]!.release);
        if (tags.some((t) => t === "")) {
            throw new ConfigError(`internal: ${product} has an empty image tag after validation`);
        }
    }
    return settings;
}

/**
 * Whether a secret must be set for this stack: secrets of a product are only needed where the
 * product is deployed (read from the raw values, so this works before validation; when the product
 * list cannot be read, every secret is asked for).
 */
function secretNeeded(spec: KeySpec, fullKey: (k: string) => string): boolean {
    if (!spec.neededBy) {
        return true;
    }
    let products: unknown;
    try {
        products = JSON.parse(pulumi.runtime.getConfig(fullKey("products")) ?? "null");
    } catch {
        return true;
    }
    if (!Array.isArray(products)) {
        return true;
    }
    const tier = pulumi.runtime.getConfig(fullKey("tier"));
    const { product, tiers } = spec.neededBy;
    return products.includes(product) &&
        (tiers === undefined || tier === undefined || tiers.includes(tier as Tier));
}

/**
 * What a message about a missing or empty value offers: the allowed values of a fixed set (a
 * z.enum's options), else the key's example.
 */
export function allowedOrExample(spec: KeySpec): string | undefined {
    const options = (spec.schema as { options?: unknown }).options;
    if (Array.isArray(options) && options.every((o) => typeof o === "string")) {
        return `one of ${options.join(", ")}`;
    }
    return spec.example === undefined ? undefined : `for example ${spec.example}`;
}

/** What a secret must look like: its rule's own message (which never echoes a value). */
function secretRule(spec: KeySpec): string {
    const parsed = spec.schema.safeParse("");
    return parsed.success ? "any value" : parsed.error.issues[0].message;
}

function exampleOf(spec: KeySpec | undefined): string {
    const hint = spec ? allowedOrExample(spec) : undefined;
    return hint ? `; ${hint}` : "";
}

function resources(cpu: string, memory: string, memoryLimit: string): ContainerResources {
    return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

const emptyToUndefined = (value: string): string | undefined => (value === "" ? undefined : value);

/**
 * Reads and validates the whole configuration of the current stack.
 * @throws ConfigError listing every invalid key (name, value, what is allowed) and every missing secret
 *   with the `pulumi config set --secret` command that fixes it.
 */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const fullKey = (name: string) => `${project}:${name}`;
    const problems: string[] = [];
    const missingSecrets: string[] = [];
    const plain: Record<string, unknown> = {};
    const secrets: Record<string, pulumi.Output<string>> = {};

    problems.push(...undeclaredKeyProblems(project, pulumi.runtime.allConfig(), Object.keys(CONFIG_KEYS)));
    for (const [name, spec] of Object.entries(CONFIG_KEYS) as Array<[ConfigKey, KeySpec]>) {
        // The CLI asks every stack for every declared secret (declarations are project-wide); a
        // product's secrets on a stack that does not deploy it are never read, so any value will do.
        if (spec.secret && !secretNeeded(spec, fullKey)) {
            continue;
        }
        const raw = pulumi.runtime.getConfig(fullKey(name));
        if (raw === undefined) {
            if (spec.secret) {
                missingSecrets.push(name);
            } else {
                const hint = allowedOrExample(spec);
                problems.push(`${fullKey(name)} is not set${hint ? ` (${hint})` : ""}: set it in Pulumi.${stack}.yaml (pulumi config set ${name} <value> -s ${stack})`);
            }
            continue;
        }
        const converted = convert(raw, spec.kind);
        if (!converted.ok) {
            problems.push(`${fullKey(name)} = ${describeValue(raw, spec)}: ${converted.reason}`);
            continue;
        }
        const parsed = spec.schema.safeParse(converted.value);
        if (!parsed.success) {
            const reasons = parsed.error.issues.map((issue) =>
                issue.path.length > 0 ? `[${issue.path.join(".")}] ${issue.message}` : issue.message);
            problems.push(`${fullKey(name)} = ${describeValue(raw, spec)}: ${reasons.join("; ")}`);
            continue;
        }
        if (spec.secret) {
            secrets[name] = pulumi.secret(parsed.data as string);
        } else {
            plain[name] = parsed.data;
        }
    }

    if (problems.length === 0 && missingSecrets.length === 0) {
        problems.push(...crossKeyProblems(plain as PlainValues, fullKey));
        problems.push(...productProblems(plain as PlainValues, fullKey, stack));
    }
    if (problems.length > 0 || missingSecrets.length > 0) {
        const sections: string[] = [];
        if (problems.length > 0) {
            sections.push(`Invalid configuration for stack "${stack}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        if (missingSecrets.length > 0) {
            sections.push(`Missing secret configuration for stack "${stack}" (${missingSecrets.length}); set each one with:\n` +
                missingSecrets.map((k) => `  pulumi config set --secret ${fullKey(k)} <value> -s ${stack}    # ${secretRule(CONFIG_KEYS[k as ConfigKey])}`).join("\n"));
        }
        throw new ConfigError(sections.join("\n\n"));
    }

    const v = plain as PlainValues;
    return {
        project,
        stack,
        environment: v.environment,
        tier: v.tier,
        products: v.products,
        cluster: {
            kubeContext: v.kubeContext,
            kubeconfig: emptyToUndefined(v.kubeconfig),
            renderYamlToDirectory: emptyToUndefined(v.renderYamlToDirectory),
            storageClass: v.storageClass,
            dataProtection: v.dataProtection,
        },
        tls: { acmeEmail: v.acmeEmail, clusterIssuer: v.clusterIssuer },
        charts: resolveCharts(v.chartVersionOverrides, emptyToUndefined(v.helmRepositoryMirror)),
        certManager: { replicas: v.certManagerReplicas },
        ingress: {
            replicas: v.ingressReplicas,
            serviceType: v.ingressServiceType,
            externalTrafficPolicy: v.ingressExternalTrafficPolicy,
            resources: resources(v.ingressCpuRequest, v.ingressMemoryRequest, v.ingressMemoryLimit),
        },
        monitoring: {
            prometheus: {
                replicas: v.prometheusReplicas,
                retention: v.prometheusRetention,
                retentionSize: emptyToUndefined(v.prometheusRetentionSize),
                storageSize: emptyToUndefined(v.prometheusStorageSize),
                resources: resources(v.prometheusCpuRequest, v.prometheusMemoryRequest, v.prometheusMemoryLimit),
            },
            alertmanager: { replicas: v.alertmanagerReplicas, storageSize: emptyToUndefined(v.alertmanagerStorageSize) },
            grafana: { host: v.grafanaHost, storageSize: emptyToUndefined(v.grafanaStorageSize) },
            alerts: {
                slackChannel: v.alertSlackChannel,
                slackWebhookUrl: secrets.alertSlackWebhookUrl,
                discordWebhookUrl: secrets.alertDiscordWebhookUrl,
            },
        },
        logging: {
            retention: v.lokiRetention,
            storageSize: v.lokiStorageSize,
            resources: resources(v.lokiCpuRequest, v.lokiMemoryRequest, v.lokiMemoryLimit),
        },
        network: { kubeApiServerCidrs: v.kubeApiServerCidrs },
        gitlab: { url: v.gitlabUrl, projects: v.gitlabProjects },
        deployIdentity: {
            apiServerUrl: v.kubeApiServerUrl,
            tokenRotation: Object.fromEntries((Object.entries(DEPLOY_TOKEN_ROTATION_KEYS) as Array<[ProductId, keyof PlainValues]>)
                .map(([product, k]) => [product, v[k] as number])) as Record<ProductId, number>,
        },
        productSettings: productSettings(v, secrets),
    };
}
