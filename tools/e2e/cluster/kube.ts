/**
 * A minimal Kubernetes REST client over https with a client certificate: enough for readiness
 * checks, creating the cluster's own objects and the volume provisioner, without pulling a client
 * library into the project.
 */
import * as fs from "fs";
import * as https from "https";

export interface KubeClientOptions {
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

export class KubeClient {
    private readonly agent: https.Agent;
    private readonly url: URL;

    constructor(o: KubeClientOptions) {
        this.url = new URL(o.server);
        this.agent = new https.Agent({
            ca: fs.readFileSync(o.caCert),
            cert: fs.readFileSync(o.clientCert),
            key: fs.readFileSync(o.clientKey),
            keepAlive: true,
        });
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
                headers: { accept: "application/json" },
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
