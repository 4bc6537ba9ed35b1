/**
 * Evaluates the real program (index.ts) for one stack with no Pulumi CLI, no cluster and no
 * credentials: the SDK's mock monitor stands in for the engine, and every RegisterResource request
 * the engine would receive is recorded as it is sent (inputs on the wire, options, dependencies).
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, REPO_ROOT, StackConfigOptions } from "./projectConfig";
import { RecordedResource, StackEvaluation } from "./types";

/** Wire signatures of the Pulumi RPC property format. */
export const SIG = {
    key: "4dabf18193072939515e22adb298388d",
    secret: "1b47061264138c4ac30d75fd1eb44270",
    resourceReference: "5cf8f73096256a8f31e491e813e4eb8e",
    unknown: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
} as const;

/** Deterministic stand-ins for generated secrets: stable across runs, distinct per resource. */
function fakeSecret(seed: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++) {
        out += crypto.createHash("sha256").update(`${seed}:${i}`).digest("base64").replace(/[^A-Za-z0-9]/g, "");
    }
    return out.slice(0, length);
}

/**
 * What the token controller writes into a service-account-token Secret, and the provider waits for:
 * a token (JWT-shaped, its subject the account named by the annotation), the cluster CA and the
 * namespace, base64 as in any Secret's data. Deterministic per Secret, so a rotated Secret gets
 * another token.
 */
function serviceAccountTokenData(args: pulumi.runtime.MockResourceArgs): Record<string, string> {
    const namespace = String(args.inputs.metadata?.namespace ?? "default");
    const account = String(args.inputs.metadata?.annotations?.["kubernetes.io/service-account.name"] ?? "default");
    const seed = `${args.name}/${args.inputs.metadata?.name ?? ""}`;
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = [
        part({ alg: "RS256", kid: fakeSecret(`${seed}:kid`, 16) }),
        part({ iss: "kubernetes/serviceaccount", sub: `system:serviceaccount:${namespace}:${account}` }),
        fakeSecret(`${seed}:signature`, 86),
    ].join(".");
    const ca = `-----BEGIN CERTIFICATE-----\n${fakeSecret("offline-cluster-ca", 64)}\n-----END CERTIFICATE-----\n`;
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    return { token: b64(token), "ca.crt": b64(ca), namespace: b64(namespace) };
}

/** What the providers would return: inputs echoed, plus the computed outputs we read. */
function mockOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
    const state: Record<string, any> = { ...args.inputs };
    const length = Number(args.inputs.length ?? 32);
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            state.result = fakeSecret(args.name, length);
            break;
        case "random:index/randomBytes:RandomBytes": {
            const bytes = Buffer.from(fakeSecret(args.name, length * 2)).subarray(0, length);
            state.base64 = bytes.toString("base64");
            state.hex = bytes.toString("hex");
            break;
        }
        case "random:index/randomId:RandomId": {
            const bytes = Buffer.from(fakeSecret(args.name, Number(args.inputs.byteLength ?? 8) * 2));
            state.hex = bytes.toString("hex");
            state.b64Std = bytes.toString("base64");
            state.b64Url = bytes.toString("base64url");
            state.dec = BigInt(`0x${state.hex}`).toString();
            break;
        }
        case "kubernetes:core/v1:Secret":
            if (args.inputs.type === "kubernetes.io/service-account-token") {
                state.data = serviceAccountTokenData(args);
            }
            break;
        case "random:index/randomUuid:RandomUuid":
            state.result = crypto.randomUUID({ disableEntropyCache: true }).replace(/^.{8}/, fakeSecret(args.name, 8).toLowerCase());
            break;
    }
    return state;
}

function unwrap(value: any, at: string, secretPaths: string[]): any {
    if (Array.isArray(value)) {
        return value.map((item, i) => unwrap(item, `${at}[${i}]`, secretPaths));
    }
    if (value !== null && typeof value === "object") {
        if (value[SIG.key] === SIG.secret) {
            secretPaths.push(at);
            return unwrap(value.value, at, []);
        }
        if (value[SIG.key] === SIG.resourceReference) {
            return { urn: value.urn, id: value.id };
        }
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = unwrap(v, at ? `${at}.${k}` : k, secretPaths);
        }
        return out;
    }
    return value;
}

/** The request as recorded; the URN is the one the monitor answers with. */
function record(req: any, urn: string): RecordedResource {
    const wireInputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, any>;
    const secretPaths: string[] = [];
    const inputs = unwrap(wireInputs, "", secretPaths) as Record<string, any>;
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    return {
        urn,
        type,
        name,
        custom: req.getCustom(),
        parent,
        provider: req.getProvider(),
        inputs,
        wireInputs,
        secretPaths,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
        dependencies: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
    };
}

export interface EvaluateOptions extends StackConfigOptions {
    /** Program entry point. @default index.ts at the repository root */
    readonly program?: string;
    /** Receives each resource as it registers, also when the program fails part-way. */
    readonly onResource?: (resource: RecordedResource) => void;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Each evaluation requires a fresh copy of the program and its components (see evaluateNow), and
 * ts-node transpiled every file again each time: most of a repeated evaluation's time, for sources
 * that had not changed. Transpiling is a pure function of the file's name and text, so the output
 * is kept per file and reused while the text is the same.
 */
function reuseTranspiledSources(): void {
    const service = (process as any)[Symbol.for("ts-node.register.instance")];
    if (!service || service.transpiledSources) {
        return;
    }
    const compile = service.compile.bind(service) as (code: string, fileName: string, lineOffset?: number) => string;
    const transpiled = new Map<string, { code: string; output: string }>();
    service.transpiledSources = transpiled;
    service.compile = (code: string, fileName: string, lineOffset?: number) => {
        const hit = transpiled.get(fileName);
        if (hit && hit.code === code && lineOffset === undefined) {
            return hit.output;
        }
        const output = compile(code, fileName, lineOffset);
        if (lineOffset === undefined) {
            transpiled.set(fileName, { code, output });
        }
        return output;
    };
}

/**
 * Runs `fn` with V8's own stack trace formatting. The SDK reads a stack trace for every promise it
 * creates (debuggablePromise) and every resource (its source position), and ts-node's source-map
 * support mapped each of them back to TypeScript: a third of an evaluation's time. The recorded
 * requests carry no positions, so nothing here needs them mapped; V8 formats a stack when it is
 * first read, so an error that leaves the evaluation is still shown with TypeScript positions.
 */
async function withPlainStackTraces<T>(fn: () => Promise<T>): Promise<T> {
    const prepare = Error.prepareStackTrace;
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    try {
        return await fn();
    } finally {
        Error.prepareStackTrace = prepare;
    }
}

/**
 * Runs the program for a stack and returns what it registered. Evaluations share the SDK's global
 * state, so they run one at a time. Rejects with the program's own error (e.g. ConfigError).
 */
export function evaluateStack(stack: string, options: EvaluateOptions = {}): Promise<StackEvaluation> {
    const run = queue.then(() => evaluateNow(stack, options));
    queue = run.catch(() => undefined);
    return run;
}

async function evaluateNow(stack: string, options: EvaluateOptions): Promise<StackEvaluation> {
    reuseTranspiledSources();
    const config = loadStackConfig(stack, options);
    const projectDir = options.projectDir ?? REPO_ROOT;
    const program = options.program ?? path.join(projectDir, "index.ts");

    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    await pulumi.runtime.setMocks({
        newResource: (args) => ({ id: `${args.name}-id`, state: mockOutputs(args) }),
        call: (args) => args.inputs,
    }, config.project, stack, false);

    const resources: RecordedResource[] = [];
    const monitor = (pulumi.runtime as any).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) =>
        register(req, (error: unknown, response: any) => {
            if (!error) {
                const recorded = record(req, response.getUrn());
                resources.push(recorded);
                options.onResource?.(recorded);
            }
            callback(error, response);
        });

    const componentOutputs: Record<string, Record<string, unknown>> = {};
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: any) => {
        componentOutputs[req.getUrn()] = req.getOutputs()?.toJavaScript() ?? {};
        return registerOutputs(req, callback);
    };

    // A fresh copy of the program and components for every evaluation; libraries stay loaded. The
    // program may live outside projectDir (tests evaluate the real program with other stack files).
    const roots = [projectDir, path.dirname(program)];
    for (const id of Object.keys(require.cache)) {
        if (roots.some((root) => id.startsWith(root)) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.includes(`${path.sep}tools${path.sep}`)) {
            delete require.cache[id];
        }
    }

    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
        let exported: Record<string, unknown> = {};
        await withPlainStackTraces(async () => {
            await pulumi.runtime.runInPulumiStack(async () => {
                exported = { ...require(program) };
                return exported;
            });
            await (pulumi.runtime as any).waitForRPCs();
        });
        if (failures.length > 0) {
            throw failures[0];
        }
        const outputs: Record<string, any> = {};
        const secretOutputs: string[] = [];
        for (const [key, value] of Object.entries(exported)) {
            if (pulumi.Output.isInstance(value)) {
                if (await pulumi.isSecret(value)) {
                    secretOutputs.push(key);
                }
                outputs[key] = await new Promise((resolve) => value.apply(resolve));
            } else {
                outputs[key] = await resolveDeep(value);
            }
        }
        return { project: config.project, stack, resources, outputs, secretOutputs, componentOutputs };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/** Plain objects holding Outputs (e.g. an exported record of endpoints) resolved to values. */
async function resolveDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return resolveDeep(await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve)));
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveDeep));
    }
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = await resolveDeep(v);
        }
        return out;
    }
    return value;
}
