/**
 * The validation rule of every configuration key. Pulumi.yaml declares the same keys with their
 * type, description and default (test/foundation/config.test.ts keeps both in step); this table
 * says what a valid value is. Secrets carry the placeholder the offline evaluation uses.
 */
import { z } from "zod";
import { CHART_IDS } from "../platform/charts";
import { ENVIRONMENTS, PRODUCT_IDS } from "../products/catalog";
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
}

function key<T>(kind: ConfigKind, schema: z.ZodType<T, any>): KeySpec<T> {
    return { kind, schema };
}

function secret(schema: z.ZodType<string, any>, offlinePlaceholder: string): KeySpec<string> {
    return { kind: "string", schema, secret: true, offlinePlaceholder };
}

export const CONFIG_KEYS = {
    // Cluster and environment
    environment: key("string", rules.oneOf(ENVIRONMENTS)),
    kubeContext: key("string", rules.nonEmpty),
    kubeconfig: key("string", z.string()),
    renderYamlToDirectory: key("string", z.string()),
    products: key("array", rules.distinctSubsetOf(PRODUCT_IDS)),
    storageClass: key("string", rules.dnsSubdomain),
    // TLS
    acmeEmail: key("string", rules.email),
    clusterIssuer: key("string", rules.oneOf(["letsencrypt-staging", "letsencrypt-prod"] as const)),
    chartVersionOverrides: key("array", rules.chartVersionOverrides(CHART_IDS)),
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
    alertSlackChannel: key("string", rules.slackChannel),
    grafanaHost: key("string", rules.hostname),
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
} satisfies Record<string, KeySpec<any>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

type PlainKeys = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { secret: true } ? never : K }[ConfigKey];
type SecretKeys = Exclude<ConfigKey, PlainKeys>;

/** Validated plain values, by key. */
export type PlainValues = { [K in PlainKeys]: z.output<(typeof CONFIG_KEYS)[K]["schema"]> };
/** Secret values as Pulumi secret outputs, by key. */
export type SecretValues<Output> = { [K in SecretKeys]: Output };
