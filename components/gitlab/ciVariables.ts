import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import type { ProductId } from "../products/catalog";
import type { Product } from "../workloads/product";
import { ProjectVariables, RegisteredVariable } from "./projectVariables";
import { variableTable } from "./variableTables";

export interface CiVariablesArgs {
    readonly config: PlatformConfig;
    /** The products the stack deployed, by id; their secrets become the variables' values. */
    readonly products: Readonly<Partial<Record<ProductId, Product>>>;
}

/**
 * The GitLab CI/CD variables this stack writes: for each product mapped to a GitLab project in
 * `gitlabProjects`, its source document's table for this environment. The GitLab token is read
 * from GITLAB_TOKEN when the provider runs, so it is never stored.
 */
export class CiVariables extends pulumi.ComponentResource {
    public readonly projects: Readonly<Partial<Record<ProductId, ProjectVariables>>>;
    /** What is registered per product (keys, scopes, flags; never values). */
    public readonly registered: pulumi.Output<Partial<Record<ProductId, RegisteredVariable[]>>>;

    constructor(name: string, args: CiVariablesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:gitlab:CiVariables", name, {}, opts);
        const { config } = args;
        const projects: Partial<Record<ProductId, ProjectVariables>> = {};
        for (const { product, project } of config.gitlab.projects) {
            const deployed = args.products[product];
            const table = variableTable(product);
            const settings = config.productSettings[product];
            if (!deployed || !settings) {
                // The config module refuses such a mapping; reaching this is a wiring bug.
                throw new Error(`CiVariables: ${product} is mapped to ${project} but is not deployed`);
            }
            projects[product] = new ProjectVariables(`${product}-ci`, {
                project,
                baseUrl: config.gitlab.url,
                variables: table({
                    environment: config.environment,
                    tier: config.tier,
                    settings,
                    secrets: deployed.secrets,
                    deployKubeconfig: deployed.deployIdentity.kubeconfig,
                    kubeContext: config.cluster.kubeContext,
                    slackWebhookUrl: config.monitoring.alerts.slackWebhookUrl,
                    discordWebhookUrl: config.monitoring.alerts.discordWebhookUrl,
                }),
            }, { parent: this });
        }
        this.projects = projects;
        this.registered = pulumi.output(Object.fromEntries(
            Object.entries(projects).map(([product, table]) => [product, table!.variables]),
        )) as pulumi.Output<Partial<Record<ProductId, RegisteredVariable[]>>>;
        this.registerOutputs({ registered: this.registered });
    }
}
