import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import type { ProductId } from "../products/catalog";
import { LABEL, Labels } from "./labels";

/** Name of each product's deploy ServiceAccount, Roles and RoleBindings (one per namespace, so one name serves). */
export const DEPLOYER = "ci-deployer";

/** The token Secret's name: the rotation is part of it, so a new rotation is a new Secret. */
export function tokenSecretName(rotation: number): string {
    return `${DEPLOYER}-token-r${rotation}`;
}

/**
 * What a product pipeline still does in the cluster now that this repository owns its workloads:
 * watch rollouts and read what explains them. `kubectl rollout status` gets the workload, then
 * lists and watches it by name (k8s.io/kubectl pkg/cmd/rollout/rollout_status.go); describe and
 * `kubectl events` read Events from both APIs. Nothing else: no Secrets, no RBAC, no writes.
 */
export const DEPLOYER_RULES: ReadonlyArray<{ apiGroups: string[]; resources: string[]; verbs: string[] }> = [
    { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods", "pods/log", "events"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["get", "list", "watch"] },
];

export interface DeployIdentityArgs {
    readonly product: ProductId;
    /** The environment's name: the kubeconfig's cluster and context are named after it. */
    readonly environment: string;
    /**
     * The product's namespaces, main one first. The account lives in the main namespace and is
     * bound in each, so one kubeconfig serves every namespace its pipeline deploys to.
     */
    readonly namespaces: readonly k8s.core.v1.Namespace[];
    /** The API server URL the kubeconfig names (kubeApiServerUrl). */
    readonly apiServerUrl: string;
    /** The product's `<product>DeployTokenRotation`: a new value replaces the token Secret. */
    readonly rotation: number;
    readonly labels: Labels;
}

/**
 * A product's deploy identity, issued by the platform: a ServiceAccount, a read-only Role and its
 * RoleBinding in each of the product's namespaces, a long-lived token Secret, and the kubeconfig
 * built from that token, the API server URL and the cluster CA. The CA is the `ca.crt` the token
 * controller writes into the Secret next to the token (the kubernetes provider waits for both
 * before the Secret counts as created), so it comes from the cluster and is never typed in.
 */
export class DeployIdentity extends pulumi.ComponentResource {
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly roles: readonly k8s.rbac.v1.Role[];
    public readonly roleBindings: readonly k8s.rbac.v1.RoleBinding[];
    public readonly tokenSecret: k8s.core.v1.Secret;
    /** The kubeconfig of the product's CI jobs: secret, built inside apply() from the Secret's data. */
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: DeployIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:DeployIdentity", name, {}, opts);
        if (args.namespaces.length === 0) {
            throw new Error(`DeployIdentity ${name}: ${args.product} has no namespace to issue an account in`);
        }
        const labels: Labels = { ...args.labels, [LABEL.name]: DEPLOYER, [LABEL.component]: "deploy-identity" };
        const home = args.namespaces[0].metadata.name;

        this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: DEPLOYER, namespace: home, labels },
            // No pod runs as this account; its only credential is the token Secret below.
            automountServiceAccountToken: false,
        }, childOptions(this, opts));
        const grants = this.grantInEachNamespace(name, args, labels, opts);
        this.roles = grants.map((g) => g.role);
        this.roleBindings = grants.map((g) => g.binding);
        this.tokenSecret = this.issueToken(name, args, labels, opts);
        this.kubeconfig = this.buildKubeconfig(args, home);

        this.registerOutputs({
            serviceAccount: this.serviceAccount.metadata.name,
            tokenSecret: this.tokenSecret.metadata.name,
            namespaces: args.namespaces.map((n) => n.metadata.name),
        });
    }

    private grantInEachNamespace(name: string, args: DeployIdentityArgs, labels: Labels, opts?: pulumi.ComponentResourceOptions) {
        return args.namespaces.map((namespace, i) => {
            const ns = namespace.metadata.name;
            const suffix = i === 0 ? "" : `-${i}`;
            const role = new k8s.rbac.v1.Role(`${name}-role${suffix}`, {
                metadata: { name: DEPLOYER, namespace: ns, labels },
                rules: DEPLOYER_RULES.map((r) => ({ ...r })),
            }, childOptions(this, opts));
            const binding = new k8s.rbac.v1.RoleBinding(`${name}-rolebinding${suffix}`, {
                metadata: { name: DEPLOYER, namespace: ns, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: this.serviceAccount.metadata.namespace }],
            }, childOptions(this, opts));
            return { role, binding };
        });
    }

    /**
     * The long-lived token. It depends on the ServiceAccount explicitly: the token controller
     * fills a token only for an account that exists, and pulumi-kubernetes 4.31.1 panicked when
     * such a Secret was created before its account (pulumi-kubernetes issue #4396).
     */
    private issueToken(name: string, args: DeployIdentityArgs, labels: Labels, opts?: pulumi.ComponentResourceOptions): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(`${name}-token`, {
            metadata: {
                name: tokenSecretName(args.rotation),
                namespace: this.serviceAccount.metadata.namespace,
                labels,
                annotations: { "kubernetes.io/service-account.name": this.serviceAccount.metadata.name },
            },
            type: "kubernetes.io/service-account-token",
        }, childOptions(this, opts, this.serviceAccount));
    }

    private buildKubeconfig(args: DeployIdentityArgs, home: pulumi.Output<string>): pulumi.Output<string> {
        return pulumi.secret(pulumi.all([this.tokenSecret.data, home]).apply(([data, namespace]) => {
            const token = data?.token;
            const ca = data?.["ca.crt"];
            if (!token || !ca) {
                throw new Error(`DeployIdentity of ${args.product}: the token Secret has no ${!token ? "token" : "ca.crt"} yet; is the token controller running (kube-controller-manager --service-account-private-key-file)?`);
            }
            return deployKubeconfig({
                cluster: args.environment,
                server: args.apiServerUrl,
                caData: ca,
                user: `${args.product}-${DEPLOYER}`,
                token: Buffer.from(token, "base64").toString("utf8"),
                namespace,
            });
        }));
    }
}

/** A kubeconfig with one cluster, one token user and one context that defaults to the product's namespace. */
export function deployKubeconfig(k: { cluster: string; server: string; caData: string; user: string; token: string; namespace: string }): string {
    const context = `${k.user}@${k.cluster}`;
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `  - name: ${k.cluster}`,
        "    cluster:",
        `      server: ${k.server}`,
        `      certificate-authority-data: ${k.caData}`,
        "users:",
        `  - name: ${k.user}`,
        "    user:",
        `      token: ${k.token}`,
        "contexts:",
        `  - name: ${context}`,
        "    context:",
        `      cluster: ${k.cluster}`,
        `      user: ${k.user}`,
        `      namespace: ${k.namespace}`,
        `current-context: ${context}`,
        "",
    ].join("\n");
}
