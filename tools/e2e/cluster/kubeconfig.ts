/** Kubeconfig files with embedded certificates, so they stay valid when copied off the state dir. */
import * as fs from "fs";
import { stringify } from "yaml";
import { ClientCert } from "./pki";

export interface KubeconfigOptions {
    readonly file: string;
    readonly server: string;
    readonly caCert: string;
    readonly user: ClientCert;
    /** One context per name, all pointing at the same cluster; the first is current. */
    readonly contexts: readonly string[];
}

const base64File = (file: string) => fs.readFileSync(file).toString("base64");

export function writeKubeconfig(o: KubeconfigOptions): void {
    if (o.contexts.length === 0) {
        throw new Error("a kubeconfig needs at least one context name");
    }
    const ca = base64File(o.caCert);
    const cert = base64File(o.user.cert);
    const key = base64File(o.user.key);
    // Cluster and user entries carry the context's name, as kind does, so merging this file into
    // another kubeconfig cannot clash with or silently reuse an unrelated entry.
    const config = {
        apiVersion: "v1",
        kind: "Config",
        preferences: {},
        "current-context": o.contexts[0],
        clusters: o.contexts.map((name) => ({
            name,
            cluster: { server: o.server, "certificate-authority-data": ca },
        })),
        users: o.contexts.map((name) => ({
            name,
            user: { "client-certificate-data": cert, "client-key-data": key },
        })),
        contexts: o.contexts.map((name) => ({ name, context: { cluster: name, user: name } })),
    };
    fs.writeFileSync(o.file, stringify(config), { mode: 0o600 });
}
