import * as pulumi from "@pulumi/pulumi";

/**
 * The `data` of a Kubernetes Secret: every value base64-encoded, the whole map a secret.
 *
 * Our Secrets never use `stringData`. The kubernetes provider moves `stringData` into `data` once
 * the values are known, so a Secret whose values are still unknown at preview (a password
 * @pulumi/random has not generated yet) is planned with `stringData` and applied with `data`:
 * `pulumi up --plan`, which CI's deploy jobs run, then refuses it ("violates plan: properties
 * changed"). Encoding the values ourselves keeps the planned and the applied property the same.
 */
export function secretData(entries: pulumi.Input<Record<string, pulumi.Input<string>>>): pulumi.Output<Record<string, string>> {
    return pulumi.secret(pulumi.output(entries).apply((values) => Object.fromEntries(
        Object.entries(values).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]),
    )));
}
