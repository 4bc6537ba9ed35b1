/**
 * The e2e tier's Kubernetes REST client over https: readiness checks, the cluster's own objects,
 * the volume provisioner and the checks' reads, without pulling a client library into the project.
 * It authenticates with a client certificate or a bearer token, as a kubeconfig context says.
 */
import * as fs from "fs";
import * as https from "https";
import { parse } from "yaml";

/** The parts of an object the checks read. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
    spec?: any;
    status?: any;
}

export interface KubeClientOptions {
    readonly server: string;
    /** PEM of the cluster's CA; undefined trusts the system's CAs. */
    readonly ca?: string | Buffer;
    /** Client certificate and key (PEM). */
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    /** Bearer token, for contexts that authenticate with one. */
    readonly token?: string;
    readonly insecureSkipTlsVerify?: boolean;
}

/** The cluster's files: CA, client certificate and key paths. */
export interface KubeClientFiles {
    readonly server: string;
    readonly caCert: string;
    readonly clientCert: string;
    readonly clientKey: string;
}

export class KubeApiError extends Error {
    constructor(readonly method: string, readonly path: string, readonly status: number, readonly body: string) {
        super(`${method} ${path}: HTTP ${status}${describeBody(body)}`);
        this.name = "KubeApiError";
    }
}

function describeBody(body: string): string {
    try {
        const status = JSON.parse(body) as { message?: string };
        return status.message ? `: ${status.message}` : "";
    } catch {
        return body ? `: ${body.slice(0, 300)}` : "";
    }
}

export interface WatchEvent<T> {
    readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
    readonly object: T;
}

/** The cluster and user entries a kubeconfig context names. */
export function kubeconfigContext(kubeconfigPath: string, contextName: string): { cluster: any; user: any } {
    const config = parse(fs.readFileSync(kubeconfigPath, "utf8"));
    const context = config.contexts?.find((c: any) => c.name === contextName)?.context;
    if (!context) {
        const names = (config.contexts ?? []).map((c: any) => c.name).join(", ");
        throw new Error(`kubeconfig ${kubeconfigPath} has no context "${contextName}" (it has: ${names || "none"})`);
    }
    const cluster = config.clusters?.find((c: any) => c.name === context.cluster)?.cluster;
    const user = config.users?.find((u: any) => u.name === context.user)?.user ?? {};
    if (!cluster?.server) {
        throw new Error(`kubeconfig ${kubeconfigPath}: context "${contextName}" names cluster "${context.cluster}", which has no server`);
    }
    return { cluster, user };
}

export class KubeClient {
    private readonly agent: https.Agent;
    private readonly url: URL;
    private readonly auth: Record<string, string>;
    private readonly discovery = new Map<string, Promise<Array<{ kind: string; name: string; namespaced: boolean }>>>();

    constructor(o: KubeClientOptions) {
        this.url = new URL(o.server);
        this.agent = new https.Agent({ ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.insecureSkipTlsVerify !== true, keepAlive: true });
        this.auth = o.token ? { authorization: `Bearer ${o.token}` } : {};
    }

    static fromFiles(o: KubeClientFiles): KubeClient {
        return new KubeClient({ server: o.server, ca: fs.readFileSync(o.caCert), cert: fs.readFileSync(o.clientCert), key: fs.readFileSync(o.clientKey) });
    }

    /** The API server of a kubeconfig context, with that context's credentials. */
    static fromKubeconfig(kubeconfigPath: string, contextName: string): KubeClient {
        const { cluster, user } = kubeconfigContext(kubeconfigPath, contextName);
        const material = (data: string | undefined, file: string | undefined) =>
            data ? Buffer.from(data, "base64") : file ? fs.readFileSync(file) : undefined;
        return new KubeClient({
            server: cluster.server,
            ca: material(cluster["certificate-authority-data"], cluster["certificate-authority"]),
            cert: material(user["client-certificate-data"], user["client-certificate"]),
            key: material(user["client-key-data"], user["client-key"]),
            token: user.token,
            insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
        });
    }

    /** Items of a list path, e.g. /api/v1/pods; none when the API is not served. */
    async list<T = any>(path: string): Promise<T[]> {
        return ((await this.find<{ items?: T[] }>(path))?.items ?? []);
    }

    /** API path of an object (plural and scope from discovery); undefined when its API is not served. */
    async pathOf(object: { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string } }): Promise<string | undefined> {
        const { apiVersion, kind } = object;
        if (!apiVersion || !kind) {
            return undefined;
        }
        if (!this.discovery.has(apiVersion)) {
            const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            this.discovery.set(apiVersion, this.find<{ resources?: any[] }>(base).then((list) =>
                (list?.resources ?? []).filter((r: any) => !r.name.includes("/"))));
        }
        const resource = (await this.discovery.get(apiVersion)!).find((r) => r.kind === kind);
        if (!resource) {
            return undefined;
        }
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const ns = resource.namespaced && object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : "";
        return `${base}${ns}/${resource.name}/${object.metadata.name}`;
    }

    /** Closes idle keep-alive connections, so a finished caller can exit. */
    close(): void {
        this.agent.destroy();
    }

    /** The response body as text, whatever the status. */
    raw(method: string, path: string, body?: unknown, contentType = "application/json", timeoutMs = 10_000): Promise<{ status: number; body: string }> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request({
                agent: this.agent,
                host: this.url.hostname,
                port: this.url.port,
                method,
                path,
                timeout: timeoutMs,
                headers: {
                    accept: "application/json",
                    ...this.auth,
                    ...(payload === undefined ? {} : { "content-type": contentType, "content-length": Buffer.byteLength(payload) }),
                },
            }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
                res.on("error", reject);
            });
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000}s`)));
            req.on("error", reject);
            req.end(payload);
        });
    }

    async request<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
        const res = await this.raw(method, path, body, contentType);
        if (res.status < 200 || res.status >= 300) {
            throw new KubeApiError(method, path, res.status, res.body);
        }
        return (res.body === "" ? undefined : JSON.parse(res.body)) as T;
    }

    get<T = any>(path: string): Promise<T> {
        return this.request<T>("GET", path);
    }

    /** undefined when the object does not exist. */
    async find<T = any>(path: string): Promise<T | undefined> {
        try {
            return await this.get<T>(path);
        } catch (err) {
            if (err instanceof KubeApiError && err.status === 404) {
                return undefined;
            }
            throw err;
        }
    }

    /** Creates the object; one that already exists (a restarted start, a race) is left as it is. */
    async create(path: string, body: unknown): Promise<void> {
        try {
            await this.request("POST", path, body);
        } catch (err) {
            if (!(err instanceof KubeApiError && err.status === 409)) {
                throw err;
            }
        }
    }

    /** Deletes the object; one that is already gone is fine. */
    async delete(path: string): Promise<void> {
        try {
            await this.request("DELETE", path);
        } catch (err) {
            if (!(err instanceof KubeApiError && err.status === 404)) {
                throw err;
            }
        }
    }

    /**
     * Streams watch events of `path` (a collection URL) from `resourceVersion` until the server
     * closes the stream, `signal` aborts or an error occurs; resolves when the stream ends.
     */
    watch<T>(path: string, resourceVersion: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
        const sep = path.includes("?") ? "&" : "?";
        const full = `${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=300`;
        return new Promise((resolve, reject) => {
            const req = https.request({
                agent: this.agent,
                host: this.url.hostname,
                port: this.url.port,
                method: "GET",
                path: full,
                signal,
                headers: { accept: "application/json", ...this.auth },
            }, (res) => {
                if (res.statusCode !== 200) {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => reject(new KubeApiError("WATCH", path, res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
                    return;
                }
                let buffer = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => {
                    buffer += chunk;
                    let nl: number;
                    while ((nl = buffer.indexOf("\n")) >= 0) {
                        const line = buffer.slice(0, nl).trim();
                        buffer = buffer.slice(nl + 1);
                        if (line !== "") {
                            onEvent(JSON.parse(line) as WatchEvent<T>);
                        }
                    }
                });
                res.on("end", () => resolve());
                res.on("error", reject);
            });
            req.on("error", (err) => (signal.aborted ? resolve() : reject(err)));
            req.end();
        });
    }
}
