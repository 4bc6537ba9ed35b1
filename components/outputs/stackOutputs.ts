import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { GRAFANA_DASHBOARD_LABEL } from "../platform/monitoring";
import { Platform } from "../platform/platform";
import type { ProductId } from "../products/catalog";
import { CONTRACT_VERSION, ProductContract, StackOutputs } from "./contract";

export interface StackOutputsArgs {
    readonly config: PlatformConfig;
    readonly platform: Platform;
    /** Each deployed product's part of the contract. */
    readonly products: Partial<Record<ProductId, pulumi.Input<ProductContract>>>;
}

/** Each top-level output as an Output, typed by the contract; index.ts exports them one by one. */
export type StackOutputValues = { readonly [K in keyof StackOutputs]: pulumi.Output<StackOutputs[K]> };

/**
 * Builds the published outputs from the objects themselves (names read off the Namespaces,
 * issuer and Services), so the contract cannot drift from what is deployed. Any secret reaching
 * an output is an error rather than a silently encrypted output, because consumers must never
 * depend on secret values.
 */
export function stackOutputs(args: StackOutputsArgs): StackOutputValues {
    const { config, platform } = args;
    const [dashboardKey, dashboardValue] = Object.entries(GRAFANA_DASHBOARD_LABEL)[0];
    const endpoints = platform.monitoring.endpoints;
    const products = pulumi.output(args.products as Record<string, pulumi.Input<ProductContract>>);
    const refuseSecrets = <T>(name: string, value: pulumi.Output<T>): pulumi.Output<T> =>
        pulumi.all([value, pulumi.isSecret(value)]).apply(([resolved, secret]) => {
            if (secret) {
                throw new Error(`stack output "${name}" would carry a secret; the outputs contract publishes Secret names only`);
            }
            return resolved;
        }) as pulumi.Output<T>;

    return {
        contractVersion: pulumi.output(CONTRACT_VERSION),
        environment: pulumi.output(config.environment),
        namespaces: pulumi.all(Object.values(platform.namespaces.byName).map((ns) => ns.metadata.name)),
        ingress: pulumi.output({
            className: platform.ingressClassName,
            clusterIssuer: platform.clusterIssuer.metadata.name,
        }) as pulumi.Output<StackOutputs["ingress"]>,
        observability: pulumi.output({
            prometheusUrl: endpoints.prometheus,
            alertmanagerUrl: endpoints.alertmanager,
            grafanaUrl: endpoints.grafana,
            grafanaPublicUrl: endpoints.grafanaUrl,
            lokiUrl: platform.logging.lokiUrl,
            lokiPushUrl: platform.logging.lokiPushUrl,
            dashboardLabel: { key: dashboardKey, value: dashboardValue },
        }),
        products: refuseSecrets("products", products) as pulumi.Output<StackOutputs["products"]>,
    };
}
