/**
 * Typed access to this project's stack outputs for other teams' Pulumi programs:
 *
 *   const platform = new PlatformStackReference("platform", { organization: "acme", stack: "prod" });
 *   const chatbot = platform.product("chatbot");
 *   const issuer = platform.output("ingress").apply((i) => i.clusterIssuer);
 *
 * The contract version is checked on first use, so an incompatible upgrade of the platform fails
 * the consumer's preview with a clear message instead of a confusing undefined.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTRACT_VERSION, ProductContract, StackOutputs } from "./contract";
import type { ProductId } from "../products/catalog";

export interface PlatformStackReferenceArgs {
    /** Pulumi organization (Pulumi Cloud) or omit for the self-managed backends' `organization`. */
    readonly organization?: string;
    /** Project name. @default "ai-platform" */
    readonly project?: string;
    /** Stack: dev, staging or prod. */
    readonly stack: string;
    /** Contract version the consumer was written against. @default CONTRACT_VERSION */
    readonly expectedContractVersion?: number;
}

export class PlatformStackReference {
    public readonly reference: pulumi.StackReference;
    private readonly expected: number;

    constructor(name: string, args: PlatformStackReferenceArgs, opts?: pulumi.CustomResourceOptions) {
        const project = args.project ?? "ai-platform";
        const fullName = args.organization ? `${args.organization}/${project}/${args.stack}` : `organization/${project}/${args.stack}`;
        this.reference = new pulumi.StackReference(name, { name: fullName }, opts);
        this.expected = args.expectedContractVersion ?? CONTRACT_VERSION;
    }

    /** One top-level output, typed, after checking the contract version. */
    public output<K extends keyof StackOutputs>(key: K): pulumi.Output<StackOutputs[K]> {
        const version = this.reference.requireOutput("contractVersion") as pulumi.Output<number>;
        return pulumi.all([version, this.reference.requireOutput(key)]).apply(([actual, value]) => {
            if (actual !== this.expected) {
                throw new Error(`ai-platform stack outputs are contract version ${actual}, this program expects ${this.expected}: see docs/outputs.md for the changes`);
            }
            return value as StackOutputs[K];
        });
    }

    /** A product's namespace, Services, URLs and Secret names; fails if the stack does not deploy it. */
    public product(id: ProductId): pulumi.Output<ProductContract> {
        return this.output("products").apply((products) => {
            const product = products[id];
            if (!product) {
                throw new Error(`the ai-platform stack does not deploy ${id} (it deploys: ${Object.keys(products).join(", ")})`);
            }
            return product;
        });
    }
}
