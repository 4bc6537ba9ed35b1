/**
 * The cluster's certificates, made with the openssl CLI (Node can sign nothing X.509 itself):
 * one CA, the apiserver's serving certificate, client certificates for the admin, the
 * controller-manager and the scheduler, and the service-account signing key pair.
 * ECDSA P-256 keeps generation to a few tens of milliseconds per certificate.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

export interface Pki {
    readonly dir: string;
    readonly caCert: string;
    readonly caKey: string;
    readonly apiserverCert: string;
    readonly apiserverKey: string;
    /** CN=e2e-admin, O=system:masters: the kubeconfig's user, KWOK and the provisioner. */
    readonly admin: ClientCert;
    /** The controller-manager and scheduler run as their bootstrap RBAC identities, as in kubeadm. */
    readonly controllerManager: ClientCert;
    readonly scheduler: ClientCert;
    /** Signs ServiceAccount tokens (apiserver) and legacy token Secrets (controller-manager). */
    readonly serviceAccountKey: string;
    readonly serviceAccountPub: string;
}

export interface ClientCert {
    readonly cert: string;
    readonly key: string;
}

export interface PkiOptions {
    readonly dir: string;
    /** Subject alternative names of the apiserver certificate besides localhost and 127.0.0.1. */
    readonly apiserverIps: readonly string[];
    readonly openssl?: string;
}

// `prompt=no` with an empty DN section keeps openssl from reading the system openssl.cnf, whose
// contents differ between distributions.
const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export async function generatePki(o: PkiOptions): Promise<Pki> {
    const openssl = o.openssl ?? "openssl";
    const dir = o.dir;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = (name: string) => path.join(dir, name);
    const configFile = file("openssl.cnf");
    fs.writeFileSync(configFile, OPENSSL_CONFIG);

    const exec = async (args: string[]) => {
        try {
            await run(openssl, args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: configFile } });
        } catch (err) {
            const e = err as { stderr?: string; message: string };
            throw new Error(`openssl ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
        }
    };

    const caCert = file("ca.crt");
    const caKey = file("ca.key");
    await exec(["req", "-config", configFile, "-x509", ...EC_KEY, "-keyout", caKey, "-out", caCert,
        "-days", "3650", "-subj", "/CN=e2e-kubernetes-ca", "-extensions", "v3_ca"]);

    const leaf = async (name: string, subject: string, extensions: string[]): Promise<ClientCert> => {
        const key = file(`${name}.key`);
        const csr = file(`${name}.csr`);
        const cert = file(`${name}.crt`);
        const ext = file(`${name}.ext`);
        fs.writeFileSync(ext, [
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "authorityKeyIdentifier = keyid",
            ...extensions,
        ].join("\n") + "\n");
        await exec(["req", "-config", configFile, "-new", ...EC_KEY, "-keyout", key, "-out", csr, "-subj", subject]);
        await exec(["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey,
            "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`, "-days", "365", "-extfile", ext, "-out", cert]);
        fs.rmSync(csr);
        fs.rmSync(ext);
        return { cert, key };
    };

    const sans = [
        "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local", "IP:127.0.0.1", ...o.apiserverIps.map((ip) => `IP:${ip}`),
    ];
    const serviceAccountKey = file("sa.key");
    const serviceAccountPub = file("sa.pub");
    const [apiserver, admin, controllerManager, scheduler] = await Promise.all([
        leaf("apiserver", "/CN=kube-apiserver", ["extendedKeyUsage = serverAuth", `subjectAltName = ${[...new Set(sans)].join(",")}`]),
        leaf("admin", "/O=system:masters/CN=e2e-admin", ["extendedKeyUsage = clientAuth"]),
        leaf("kube-controller-manager", "/CN=system:kube-controller-manager", ["extendedKeyUsage = clientAuth"]),
        leaf("kube-scheduler", "/CN=system:kube-scheduler", ["extendedKeyUsage = clientAuth"]),
        // RSA: the key type every ServiceAccount token consumer (JWT libraries, OIDC discovery) accepts.
        exec(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", serviceAccountKey])
            .then(() => exec(["pkey", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPub])),
    ]);
    for (const name of fs.readdirSync(dir)) {
        if (name.endsWith(".key")) {
            fs.chmodSync(file(name), 0o600);
        }
    }
    return {
        dir, caCert, caKey,
        apiserverCert: apiserver.cert, apiserverKey: apiserver.key,
        admin, controllerManager, scheduler,
        serviceAccountKey, serviceAccountPub,
    };
}
