/**
 * The few Kubernetes API reads the e2e checks make, straight over HTTPS with the credentials of a
 * kubeconfig context (client certificate or bearer token), so the tier needs no kubectl.
 */
import * as fs from "fs";
import * as https from "https";
import { parse } from "yaml";

export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }>; deletionTimestamp?: string };
    spec?: any;
    status?: any;
    [key: string]: unknown;
}

export interface KubeClient {
    readonly server: string;
    /** GET a path; undefined on 404. */
    get(path: string): Promise<KubeObject | undefined>;
    /** Items of a list path, e.g. /api/v1/pods. */
    list(path: string): Promise<KubeObject[]>;
    /** API path of an object (plural and scope from discovery); undefined when its API is not served. */
    pathOf(object: KubeObject): Promise<string | undefined>;
}

function fromData(data: string | undefined, file: string | undefined): Buffer | undefined {
    if (data) {
        return Buffer.from(data, "base64");
    }
    return file ? fs.readFileSync(file) : undefined;
}

export function kubeClient(kubeconfigPath: string, contextName: string): KubeClient {
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
    const agent = new https.Agent({
        ca: fromData(cluster["certificate-authority-data"], cluster["certificate-authority"]),
        cert: fromData(user["client-certificate-data"], user["client-certificate"]),
        key: fromData(user["client-key-data"], user["client-key"]),
        rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
        keepAlive: true,
    });
    const headers: Record<string, string> = { accept: "application/json" };
    if (user.token) {
        headers.authorization = `Bearer ${user.token}`;
    }
    const server: string = cluster.server.replace(/\/$/, "");

    const request = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get(`${server}${path}`, { agent, headers }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => { body += chunk; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });

    const discovery = new Map<string, Promise<Array<{ kind: string; name: string; namespaced: boolean }>>>();
    const resourcesOf = (apiVersion: string) => {
        if (!discovery.has(apiVersion)) {
            discovery.set(apiVersion, request(apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`).then(({ status, body }) =>
                status === 200 ? (JSON.parse(body).resources ?? []).filter((r: any) => !r.name.includes("/")) : []));
        }
        return discovery.get(apiVersion)!;
    };

    return {
        server,
        async pathOf(object) {
            if (!object.apiVersion || !object.kind) {
                return undefined;
            }
            const resource = (await resourcesOf(object.apiVersion)).find((r) => r.kind === object.kind);
            if (!resource) {
                return undefined;
            }
            return objectPath(object.apiVersion, resource.name, object.metadata.name, resource.namespaced ? object.metadata.namespace : undefined);
        },
        async get(path) {
            const { status, body } = await request(path);
            if (status === 404) {
                return undefined;
            }
            if (status !== 200) {
                throw new Error(`GET ${path}: ${status} ${body.slice(0, 300)}`);
            }
            return JSON.parse(body) as KubeObject;
        },
        async list(path) {
            const { status, body } = await request(path);
            if (status === 404) {
                return [];
            }
            if (status !== 200) {
                throw new Error(`GET ${path}: ${status} ${body.slice(0, 300)}`);
            }
            return (JSON.parse(body).items ?? []) as KubeObject[];
        },
    };
}

/** The API path of an object, from its apiVersion, kind (plural given), namespace and name. */
export function objectPath(apiVersion: string, plural: string, name: string, namespace?: string): string {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${base}${namespace ? `/namespaces/${namespace}` : ""}/${plural}/${name}`;
}
