import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { Labels } from "./labels";
import { secretData } from "../lib/secretData";

export interface ImagePullSecretArgs {
    readonly namespace: k8s.core.v1.Namespace;
    /** Secret name pods reference in imagePullSecrets (the QuickSpin AI setup guide names it gitlab-registry). */
    readonly secretName: string;
    /** Registry host, e.g. registry.gitlab.com or ghcr.io. */
    readonly server: string;
    readonly username: pulumi.Input<string>;
    /** Deploy token or password; kept secret end to end. */
    readonly password: pulumi.Input<string>;
    readonly labels?: Labels;
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret, what `kubectl create secret docker-registry` makes,
 * built from secret configuration so the token never appears in the program or in plain state.
 */
export class ImagePullSecret extends pulumi.ComponentResource {
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: ImagePullSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:ImagePullSecret", name, {}, opts);
        const dockerConfig = pulumi.secret(pulumi.all([args.username, args.password]).apply(([username, password]) =>
            JSON.stringify({
                auths: {
                    [args.server]: {
                        username,
                        password,
                        auth: Buffer.from(`${username}:${password}`).toString("base64"),
                    },
                },
            })));
        this.secret = new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: { name: args.secretName, namespace: args.namespace.metadata.name, labels: args.labels },
            type: "kubernetes.io/dockerconfigjson",
            data: secretData({ ".dockerconfigjson": dockerConfig }),
        }, childOptions(this, opts));
        this.registerOutputs({ secretName: args.secretName });
    }
}
