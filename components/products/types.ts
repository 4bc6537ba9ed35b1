/**
 * The shape of a product as data: what components/products/<product>.ts returns for one
 * environment and components/workloads/product.ts turns into Kubernetes objects. Objects refer to
 * each other by the names the source documents give them (Secret, ConfigMap, claim, service); the Product
 * component resolves those names to the objects it created, so a typo fails the program, not the
 * rollout.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { IngressLimits } from "../workloads/publicIngress";
import type { ProbeSpec, Resources, RunAs } from "../workloads/security";
import type { StoreEngine } from "../workloads/storeEngines";
import type { ContainerPort, Scaling } from "../workloads/webService";
import type { ProductId, Tier } from "./catalog";
import type { RegistryCredentials, ReleaseSettings } from "./settings";

/** Where a secret value comes from. Every product secret is exposed under its (stable) name. */
export type SecretSource =
    /** Generated alphanumeric password (@pulumi/random), stable until its resource is replaced. */
    | { readonly generate: "password"; readonly length?: number }
    /** Generated random bytes, base64-encoded (JWT signing keys, key files): `openssl rand -base64 <bytes>`. */
    | { readonly generate: "base64"; readonly bytes: number }
    /** A secret configuration value (external credentials). */
    | { readonly fromConfig: pulumi.Output<string> }
    /** Built from other secrets: `{name}` is replaced by the secret `name` (connection strings). */
    | { readonly template: string };

/** A key of a Kubernetes Secret: a product secret by name, or a plain value the app reads from the Secret. */
export type SecretEntry = { readonly secret: string } | { readonly value: string };

export interface ServiceSpec {
    /** Service name (the document's). */
    readonly name: string;
    readonly appLabel?: boolean;
    readonly component?: string;
    /** Image repository without tag. */
    readonly image: string;
    readonly release: ReleaseSettings;
    readonly ports: readonly ContainerPort[];
    readonly command?: readonly string[];
    readonly args?: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    /** ConfigMaps of the product (by name) loaded as environment. */
    readonly configMaps?: readonly string[];
    /** Environment from Secrets of the product (by Secret name and key). */
    readonly secretEnv?: Readonly<Record<string, { readonly secret: string; readonly key: string }>>;
    readonly resources: Resources;
    readonly runAs: RunAs;
    readonly probes: { readonly liveness: ProbeSpec; readonly readiness: ProbeSpec; readonly startup?: ProbeSpec };
    readonly writablePaths?: readonly string[];
    /** Claims of the product (by name) and where they are mounted. */
    readonly volumes?: ReadonlyArray<{ readonly claim: string; readonly mountPath: string }>;
    readonly scaling: Scaling;
    readonly serviceAccount?: { readonly name?: string; readonly rules?: k8s.types.input.rbac.v1.PolicyRule[] };
    readonly clientIpAffinitySeconds?: number;
    readonly metrics?: { readonly path: string; readonly port?: string } | false;
    /** The service gets its own Ingress at `host` for path /. */
    readonly ingress?: { readonly host: string; readonly limits?: IngressLimits };
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: k8s.types.input.core.v1.Toleration[];
    readonly rollout?: { readonly maxSurge: number; readonly maxUnavailable: number } | "Recreate";
    readonly exemptions?: Readonly<Record<string, string>>;
    readonly terminationGracePeriodSeconds?: number;
}

export interface StoreSpec {
    readonly name: string;
    readonly engine: StoreEngine;
    /** Image with an exact tag. */
    readonly image: string;
    readonly version: string;
    readonly replicas?: number;
    readonly storageSize: string;
    readonly resources: Resources;
    /** Product secret holding the application password (or Qdrant API key). */
    readonly passwordSecret: string;
    readonly rootPasswordSecret?: string;
    readonly replicaSetKeySecret?: string;
    readonly database?: string;
    readonly username?: string;
    readonly extraDatabases?: readonly string[];
    readonly sentinel?: { readonly replicas: number; readonly resources: Resources };
    /** Daily dump into a claim of its own; taken where the stack protects its data (dataProtection). */
    readonly backup?: { readonly schedule: string; readonly storageSize: string };
    readonly appLabel?: boolean;
}

/** One public host routed to several services by path. */
export interface IngressSpec {
    /** Ingress object name. */
    readonly name: string;
    readonly host: string;
    readonly routes: ReadonlyArray<{ readonly path: string; readonly service: string }>;
    readonly limits?: IngressLimits;
}

/**
 * Flows beyond the ones the Product derives itself (ingress controller → routed services,
 * Prometheus → metrics ports, stores' internal traffic, DNS).
 */
export interface NetworkSpec {
    /** `from` (a service) may open connections to `to` (a service or store) on its ports. */
    readonly connections: ReadonlyArray<{ readonly from: string; readonly to: string }>;
    /** Services that call external APIs over HTTPS (egress 443 to public addresses only). */
    readonly internet?: readonly string[];
    /** Services that call the Kubernetes API. */
    readonly kubeApi?: readonly string[];
    /** Other egress to public addresses, with the reason it is needed. */
    readonly extraEgress?: ReadonlyArray<{ readonly from: string; readonly ports: readonly number[]; readonly reason: string }>;
}

export interface ProductSpec {
    readonly product: ProductId;
    /** The product's secrets by stable name (exposed as Product.secrets). */
    readonly secrets: Readonly<Record<string, SecretSource>>;
    /** Image pull secret for the product's private registry. */
    readonly registry: { readonly secretName: string; readonly server: string; readonly credentials: RegistryCredentials };
    readonly configMaps?: ReadonlyArray<{ readonly name: string; readonly data: Readonly<Record<string, string>> }>;
    readonly kubernetesSecrets?: ReadonlyArray<{ readonly name: string; readonly entries: Readonly<Record<string, SecretEntry>> }>;
    /** Standalone claims (protected in prod). */
    readonly volumes?: ReadonlyArray<{ readonly name: string; readonly size: string }>;
    readonly stores?: readonly StoreSpec[];
    readonly services: readonly ServiceSpec[];
    readonly ingresses?: readonly IngressSpec[];
    readonly network: NetworkSpec;
    /** Why a moving image tag (staging-latest, main-latest) is acceptable where this product uses one. */
    readonly movingTagReason?: string;
    /** A GitLab runner (Kubernetes executor) in the product's CI namespace. */
    readonly runner?: { readonly gitlabUrl: string; readonly token: pulumi.Output<string>; readonly namespace: string };
}

export interface ProductContext<S> {
    /** The environment's name (part of names and labels, never a switch). */
    readonly environment: string;
    /** What sizes and behaviour follow. */
    readonly tier: Tier;
    readonly settings: S;
}

export type ProductDefinition<S> = (context: ProductContext<S>) => ProductSpec;
