/**
 * A self-signed certificate for a loopback HTTPS server of the e2e tier (the GitLab double), made
 * with the system openssl. Clients trust it through NODE_EXTRA_CA_CERTS, never by turning
 * verification off.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface LoopbackCertificate {
    readonly key: string;
    readonly cert: string;
    /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
    readonly certFile: string;
}

export function loopbackCertificate(dir: string, name: string): LoopbackCertificate {
    fs.mkdirSync(dir, { recursive: true });
    const keyFile = path.join(dir, `${name}.key`);
    const certFile = path.join(dir, `${name}.crt`);
    execFileSync("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=${name}`,
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-addext", "basicConstraints=critical,CA:TRUE",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    return { key: fs.readFileSync(keyFile, "utf8"), cert: fs.readFileSync(certFile, "utf8"), certFile };
}
