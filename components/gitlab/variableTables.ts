/**
 * The GitLab CI/CD variable tables of the source documents, as data: which variables each
 * product's GitLab project gets from a stack, with the source documents' protected / masked / file flags.
 * Values are the same Pulumi secrets the workloads use (generated or secret config), so rotating
 * one updates the cluster and CI together.
 *
 * Ownership: each stack registers the variables of its own environment, so two stacks never
 * write the same (key, scope). The tier decides which rows a stack writes (the source documents' tables
 * for staging and production, and the chatbot's for dev). For the environment named after its tier
 * (dev, staging, prod) the rows are the source documents': keys they suffix per environment (`_PROD`,
 * `_STAGING`) keep scope `*`; keys they share between environments get an environment scope;
 * keys with no environment at all (registry credentials, notifications) are owned by the prod
 * stack. Any other environment (qa, eu-prod …) writes the same rows with every row scoped to its
 * own GitLab environment, so it never touches what the tier's own stack writes.
 *
 * GitLab environment names follow one rule (gitlabEnvironmentName): the environment's name, with
 * `prod` written `production` as the source documents and GitLab's deployment tiers name it; QuickSpin AI's
 * pipeline prefixes its environments with `ai-` (ai-staging, ai-production).
 *
 * The source documents of Harvis AI and the LLM service list no GitLab variables: their table is
 * the platform-issued kubeconfig alone (kubeconfigOnly).
 *
 * Every product's kubeconfig variable is its own deploy identity (components/workloads/deployIdentity.ts),
 * never a kubeconfig shared between products.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ProductSettingsById } from "../products/settings";
import type { ProductId, Tier } from "../products/catalog";
import type { VariableSpec } from "./projectVariables";

export interface TableContext<P extends ProductId> {
    /** The environment's name (qa, eu-prod …): its GitLab environment name follows from it. */
    readonly environment: string;
    /** Which rows the stack writes. */
    readonly tier: Tier;
    /** The product's settings for this stack (hosts, URLs, registry user …). */
    readonly settings: ProductSettingsById[P];
    /** The product's secrets by stable name (Product.secrets). */
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
    /** The product's own deploy kubeconfig, issued by the platform (Product.deployIdentity). */
    readonly deployKubeconfig: pulumi.Output<string>;
    /** This stack's kube context name. */
    readonly kubeContext: string;
    /** This environment's Slack and Discord webhooks (the ones Alertmanager uses). */
    readonly slackWebhookUrl: pulumi.Output<string>;
    readonly discordWebhookUrl: pulumi.Output<string>;
}

type TableBuilder<P extends ProductId> = (ctx: TableContext<P>) => VariableSpec[];

/** A product secret by name; a missing one is a programming error worth a clear message. */
function secretOf(ctx: TableContext<ProductId>, product: ProductId, name: string): pulumi.Output<string> {
    const value = ctx.secrets[name];
    if (!value) {
        throw new Error(`GitLab variables of ${product}: the product exposes no secret "${name}" (has: ${Object.keys(ctx.secrets).join(", ")})`);
    }
    return value;
}

/**
 * GitLab masks single-line values only, so a kubeconfig cannot be masked as it is. Storing it
 * base64-encoded on one line keeps all three of the source documents' flags true to their intent (file,
 * masked, protected): the job decodes it with `base64 -d "$VAR" > kubeconfig`.
 */
function maskableKubeconfig(ctx: TableContext<ProductId>): pulumi.Output<string> {
    return pulumi.secret(ctx.deployKubeconfig.apply((kubeconfig) => Buffer.from(kubeconfig, "utf8").toString("base64")));
}

/**
 * The product's kubeconfig variable: its platform-issued deploy identity, base64 on one line, as a
 * file variable that is masked, protected and scoped to the product's GitLab environment, so only
 * protected-branch jobs of that environment receive it.
 */
function kubeconfigRow(ctx: TableContext<ProductId>, key: string, scope: string, origin: string): VariableSpec {
    return {
        key, value: maskableKubeconfig(ctx), variableType: "file", protected: true, masked: true, environmentScope: scope,
        description: `${origin}; the product's own read-only deploy identity: base64 -d "$${key}" > kubeconfig`,
    };
}

/** The GitLab environment an environment deploys to: its name, `prod` written `production`. */
export function gitlabEnvironmentName(environment: string): string {
    return environment === "prod" ? "production" : environment;
}

/**
 * The tiers each product's pipeline deploys to, and the prefix it gives its GitLab environments
 * (QuickSpin AI: ai-staging / ai-production; the chatbot: dev / staging / production; Soundcore KCP:
 * staging / production).
 */
const GITLAB_ENVIRONMENTS: { readonly [P in ProductId]?: { readonly tiers: readonly Tier[]; readonly prefix: string } } = {
    "quickspin-ai": { tiers: ["staging", "prod"], prefix: "ai-" },
    chatbot: { tiers: ["dev", "staging", "prod"], prefix: "" },
    "soundcore-kcp": { tiers: ["staging", "prod"], prefix: "" },
    "harvis-ai": { tiers: ["staging", "prod"], prefix: "" },
    "llm-secret-detection": { tiers: ["staging", "prod"], prefix: "" },
};

/** The product's GitLab environment scope in this environment, or undefined where its pipeline has none. */
export function gitlabScope(product: ProductId, environment: string, tier: Tier): string | undefined {
    const spec = GITLAB_ENVIRONMENTS[product];
    return spec && spec.tiers.includes(tier) ? `${spec.prefix}${gitlabEnvironmentName(environment)}` : undefined;
}

/**
 * An environment not named after its tier scopes every row to its own GitLab environment: the source documents'
 * unscoped rows belong to the tier's own environment.
 */
function owned(ctx: TableContext<ProductId>, scope: string, rows: VariableSpec[]): VariableSpec[] {
    return ctx.environment === ctx.tier ? rows : rows.map((row) => ({ ...row, environmentScope: scope }));
}

/** The QuickSpin AI setup guide: the twelve variables of QuickSpin AI's table; `_PROD` keys come from the prod stack. */
const quickspin: TableBuilder<"quickspin-ai"> = (ctx) => {
    const scope = gitlabScope("quickspin-ai", ctx.environment, ctx.tier);
    if (!scope) {
        return [];
    }
    const prod = ctx.tier === "prod";
    const suffix = prod ? "_PROD" : "";
    const secret = (name: string) => secretOf(ctx, "quickspin-ai", name);
    const rows: VariableSpec[] = [
        { key: `QUICKSPIN_API_URL${suffix}`, value: ctx.settings.apiUrl, protected: prod, masked: false },
        { key: `QUICKSPIN_AUTH_URL${suffix}`, value: ctx.settings.authUrl, protected: prod, masked: false },
        { key: `GROQ_API_KEY${suffix}`, value: secret("groqApiKey"), protected: true, masked: true },
        // Connection strings carry ?, & and %: raw keeps them literal and maskable.
        { key: `MONGODB_URI${suffix}`, value: secret("mongodbUri"), protected: true, masked: true, raw: true },
        { key: `JWT_SECRET_KEY${suffix}`, value: secret("jwtSecretKey"), protected: true, masked: true },
        kubeconfigRow(ctx, "KUBECONFIG_CONTENT", scope, "the QuickSpin AI setup guide KUBECONFIG_CONTENT"),
    ];
    if (prod) {
        rows.push({ key: "DISCORD_WEBHOOK_URL", value: ctx.discordWebhookUrl, protected: false, masked: false });
    }
    return owned(ctx, scope, rows);
};

/** The chatbot's deployment guide: the chatbot's per-environment GitHub secrets, mapped to GitLab environment scopes. */
const chatbot: TableBuilder<"chatbot"> = (ctx) => {
    const scope = gitlabScope("chatbot", ctx.environment, ctx.tier);
    if (!scope) {
        return [];
    }
    const prod = ctx.tier === "prod";
    const rows: VariableSpec[] = [
        kubeconfigRow(ctx, "K8S_KUBECONFIG_B64", scope, "the chatbot's deployment guide K8S_<ENV>_KUBECONFIG_B64, one per environment scope"),
        { key: "K8S_CONTEXT", value: ctx.kubeContext, environmentScope: scope, description: "the chatbot's deployment guide K8S_<ENV>_CONTEXT" },
        { key: "SLACK_WEBHOOK", value: ctx.slackWebhookUrl, protected: true, masked: true, environmentScope: scope, description: "the chatbot's deployment guide SLACK_WEBHOOK_<ENV>" },
        { key: "HF_ACCESS_TOKEN", value: secretOf(ctx, "chatbot", "hfAccessToken"), protected: true, masked: true, environmentScope: scope },
    ];
    if (prod) {
        rows.push({ key: "PROD_API_KEY", value: secretOf(ctx, "chatbot", "apiKey"), protected: true, masked: true, environmentScope: scope });
    }
    return owned(ctx, scope, rows);
};

/** The Soundcore KCP deployment documentation: Soundcore KCP's required variables; per-environment values get environment scopes. */
const soundcore: TableBuilder<"soundcore-kcp"> = (ctx) => {
    const scope = gitlabScope("soundcore-kcp", ctx.environment, ctx.tier);
    if (!scope) {
        return [];
    }
    const prod = ctx.tier === "prod";
    const secret = (name: string) => secretOf(ctx, "soundcore-kcp", name);
    const scoped = (key: string, value: pulumi.Output<string>, raw = false): VariableSpec =>
        ({ key, value, protected: true, masked: true, raw, environmentScope: scope });
    const rows: VariableSpec[] = [
        kubeconfigRow(ctx, prod ? "KUBE_CONFIG_PRODUCTION" : "KUBE_CONFIG_STAGING", scope, "the Soundcore KCP deployment documentation KUBE_CONFIG_<ENV>"),
        scoped("DATABASE_URL", secret("databaseUrl"), true),
        scoped("MONGODB_URI", secret("mongodbUri"), true),
        scoped("OPENAI_API_KEY", secret("openaiApiKey")),
        scoped("ANTHROPIC_API_KEY", secret("anthropicApiKey")),
        scoped("PINECONE_API_KEY", secret("pineconeApiKey")),
        scoped("SLACK_WEBHOOK_URL", ctx.slackWebhookUrl),
        scoped("SENTRY_DSN", secret("sentryDsn"), true),
    ];
    if (prod) {
        // The document overrides GitLab's predefined registry variables with a deploy token of its own.
        rows.push(
            { key: "CI_REGISTRY_USER", value: ctx.settings.registry.username, protected: false, masked: false },
            { key: "CI_REGISTRY_PASSWORD", value: secret("registryPassword"), protected: true, masked: true },
        );
    }
    return owned(ctx, scope, rows);
};

/**
 * Harvis AI and the LLM service: their source documents list no variables, so their table is the
 * one row the platform now issues to every product, its kubeconfig (KUBECONFIG_CONTENT, the name
 * QuickSpin AI's guide gives it), for the environments their documents deploy to.
 */
function kubeconfigOnly(product: "harvis-ai" | "llm-secret-detection"): TableBuilder<typeof product> {
    return (ctx) => {
        const scope = gitlabScope(product, ctx.environment, ctx.tier);
        return scope ? [kubeconfigRow(ctx, "KUBECONFIG_CONTENT", scope, "issued by the platform (the source document lists no variables)")] : [];
    };
}

/** A product's table builder (every product has one: at least its kubeconfig). */
export function variableTable(product: ProductId): (ctx: TableContext<ProductId>) => VariableSpec[] {
    return VARIABLE_TABLES[product] as (ctx: TableContext<ProductId>) => VariableSpec[];
}

/** The tables by product. */
export const VARIABLE_TABLES: { readonly [P in ProductId]: TableBuilder<P> } = {
    "quickspin-ai": quickspin,
    chatbot,
    "soundcore-kcp": soundcore,
    "harvis-ai": kubeconfigOnly("harvis-ai"),
    "llm-secret-detection": kubeconfigOnly("llm-secret-detection"),
};
