/**
 * Drives the policy pack exactly as the Pulumi engine does, over the Analyzer gRPC interface, without the
 * Pulumi CLI:
 *
 * 1. In the pack directory, resolve `@pulumi/pulumi/cmd/run-policy-pack` (the engine's
 *    `pulumi-analyzer-policy` shim does `node -e require.resolve(...)`) and spawn
 *    `node <run-policy-pack> <engine-address> .` with cwd = the pack directory and the stack variables the
 *    engine sets (PULUMI_STACK, PULUMI_PROJECT, PULUMI_ORGANIZATION, PULUMI_DRY_RUN, PULUMI_CONFIG).
 *    run-policy-pack registers ts-node with `typeCheck: true` and the pack's tsconfig.json (which only
 *    matters when the pack's package.json `main` is TypeScript; this repository's pack runs its compiled
 *    bin/index.js), and drops the engine address; a small fake Engine server is still started so the address is real and any `Log` call
 *    is captured.
 * 2. Read the port the pack prints on its first stdout line; connect an AnalyzerClient.
 * 3. `Handshake` (tolerating UNIMPLEMENTED like the engine), `ConfigureStack`, `GetAnalyzerInfo`.
 * 4. `configure(file)`: reconcile the config file like the CLI (expand `all`, fill schema defaults,
 *    validate) and call `Configure`.
 * 5. `analyze` each resource (inputs marshalled like the engine), `analyzeStack` all of them.
 * 6. `close()`: close the channel, SIGINT the pack (then SIGKILL after a grace period), stop the fake engine.
 *
 * Usage:
 *     const pack = await startPolicyPack("policy", { stack: "prod" });
 *     await pack.configure("policy/config/prod.json");
 *     const diags = [...await pack.analyze(resources), ...await pack.analyzeStack(resources)];
 *     await pack.close();
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import type { RecordedResource } from "../stack/types";
import {
    EnforcementLevel, loadPolicyConfigFile, PolicyConfigEntry, PolicyConfigFile, PolicyConfigSchema, reconcilePolicyConfig,
    ReconciledConfig,
} from "./config";
import { parseUrn, toAnalyzerProperties } from "./wire";

export * from "./config";
export * from "./wire";

/** The part of a RecordedResource the driver needs (so callers can build lighter fixtures). */
export type AnalyzableResource = Pick<RecordedResource, "urn" | "type" | "name" | "parent" | "provider" | "wireInputs" | "protect"> &
    Partial<Pick<RecordedResource, "dependencies" | "ignoreChanges" | "additionalSecretOutputs" | "deleteBeforeReplace" | "custom">>;

export interface PolicyInfo {
    readonly name: string;
    readonly displayName: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly policyType: "resource" | "stack" | "unknown";
    readonly configSchema?: PolicyConfigSchema;
}

export interface AnalyzerInfo {
    readonly name: string;
    readonly version: string;
    readonly displayName: string;
    readonly description: string;
    readonly supportsConfig: boolean;
    readonly policies: readonly PolicyInfo[];
    readonly initialConfig: Record<string, PolicyConfigEntry>;
}

export interface PolicyDiagnostic {
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly description: string;
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
    /** The resource the diagnostic is about ("" for a stack-wide finding). */
    readonly urn: string;
    readonly severity: "" | "low" | "medium" | "high" | "critical";
    /** "analyze" (one resource) or "analyzeStack". */
    readonly phase: "analyze" | "analyzeStack";
}

export interface NotApplicable {
    readonly policyName: string;
    readonly reason: string;
}

export interface AnalyzeResult {
    readonly diagnostics: PolicyDiagnostic[];
    readonly notApplicable: NotApplicable[];
}

export interface StartOptions {
    /** Stack, project and organization names passed like the engine (env + ConfigureStack). */
    readonly stack?: string;
    readonly project?: string;
    readonly organization?: string;
    /** PULUMI_DRY_RUN (true for a preview). Default true. */
    readonly dryRun?: boolean;
    /** Stack tags (ConfigureStack). */
    readonly tags?: Record<string, string>;
    /** Stack config exposed to the pack as PULUMI_CONFIG (JSON object). */
    readonly stackConfig?: Record<string, string>;
    /** Extra environment for the pack process. */
    readonly env?: Record<string, string>;
    /** How long to wait for the port (a pack run from TypeScript is type-checked first). Default 90 s. */
    readonly startTimeoutMs?: number;
    /** Parallel Analyze calls in `analyze()`. Default 4. */
    readonly concurrency?: number;
    /** Per-RPC deadline. Default 120 s. */
    readonly rpcTimeoutMs?: number;
}

export interface PolicyPackHandle {
    readonly info: AnalyzerInfo;
    readonly pid: number;
    /** 127.0.0.1:<port> of the pack's Analyzer server. */
    readonly address: string;
    /** Time from spawn to the port being printed. */
    readonly startupMs: number;
    /** Reconciles a config file (path or parsed) like the CLI and calls Configure. */
    configure(config: PolicyConfigFile | string): Promise<ReconciledConfig>;
    /** Analyze for each resource (in parallel, results in resource order). */
    analyze(resources: readonly AnalyzableResource[], all?: readonly AnalyzableResource[]): Promise<PolicyDiagnostic[]>;
    /** Analyze for one resource; `all` is used to find its provider resource. */
    analyzeResource(resource: AnalyzableResource, all?: readonly AnalyzableResource[]): Promise<AnalyzeResult>;
    /** AnalyzeStack for the whole set. */
    analyzeStack(resources: readonly AnalyzableResource[]): Promise<PolicyDiagnostic[]>;
    analyzeStackDetailed(resources: readonly AnalyzableResource[]): Promise<AnalyzeResult>;
    /** The pack's stderr, extra stdout lines and Engine Log calls so far. */
    logs(): string[];
    /** Shuts the pack process and the fake engine down. Idempotent. */
    close(): Promise<void>;
}

const MAX_MESSAGE = 400 * 1024 * 1024;
const LEVELS: Record<number, EnforcementLevel> = {
    [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_TO_PB: Record<EnforcementLevel, analyzerPb.EnforcementLevel> = {
    advisory: analyzerPb.EnforcementLevel.ADVISORY,
    mandatory: analyzerPb.EnforcementLevel.MANDATORY,
    disabled: analyzerPb.EnforcementLevel.DISABLED,
    remediate: analyzerPb.EnforcementLevel.REMEDIATE,
};
const SEVERITIES: Record<number, PolicyDiagnostic["severity"]> = { 0: "", 1: "low", 2: "medium", 3: "high", 4: "critical" };

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const c of children) {
            try { c.kill("SIGKILL"); } catch { /* already gone */ }
        }
    });
}

/** A minimal Engine service: records Log calls; everything else answers UNIMPLEMENTED. */
async function startFakeEngine(logs: string[]): Promise<{ address: string; stop(): Promise<void> }> {
    const server = new grpc.Server();
    const severities = ["debug", "info", "warning", "error"];
    server.addService(engineGrpc.EngineService, {
        log: (call: grpc.ServerUnaryCall<engineProto.LogRequest, emptyPb.Empty>, cb: grpc.sendUnaryData<emptyPb.Empty>) => {
            const r = call.request;
            logs.push(`[engine ${severities[r.getSeverity()] ?? r.getSeverity()}] ${r.getUrn() ? `${r.getUrn()}: ` : ""}${r.getMessage()}`);
            cb(null, new emptyPb.Empty());
        },
    } as any);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}

function unary<Req, Res>(client: grpc.Client, method: string, req: Req, timeoutMs: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
        const deadline = new Date(Date.now() + timeoutMs);
        (client as any)[method](req, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, res: Res) =>
            (err ? reject(err) : resolve(res)));
    });
}

function toStruct(v: Record<string, unknown>): structPb.Struct {
    return structPb.Struct.fromJavaScript(v as Record<string, structPb.JavaScriptValue>);
}

function convertInfo(info: analyzerPb.AnalyzerInfo): AnalyzerInfo {
    const policies: PolicyInfo[] = info.getPoliciesList().map((p) => {
        const schema = p.getConfigschema();
        const level = LEVELS[p.getEnforcementlevel()];
        return {
            name: p.getName(),
            displayName: p.getDisplayname(),
            description: p.getDescription(),
            enforcementLevel: level,
            policyType: p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_RESOURCE ? "resource"
                : p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_STACK ? "stack" : "unknown",
            configSchema: schema ? {
                properties: (schema.getProperties()?.toJavaScript() ?? {}) as PolicyConfigSchema["properties"],
                required: schema.getRequiredList(),
            } : undefined,
        };
    });
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    info.getInitialconfigMap().forEach((v, k) => {
        initialConfig[k] = { enforcementLevel: LEVELS[v.getEnforcementlevel()], properties: (v.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown> };
    });
    return {
        name: info.getName(),
        version: info.getVersion(),
        displayName: info.getDisplayname(),
        description: info.getDescription(),
        supportsConfig: info.getSupportsconfig(),
        policies,
        initialConfig,
    };
}

function convertDiagnostics(resp: analyzerPb.AnalyzeResponse, defaultUrn: string, phase: PolicyDiagnostic["phase"]): AnalyzeResult {
    return {
        diagnostics: resp.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            urn: d.getUrn() || defaultUrn,
            severity: SEVERITIES[d.getSeverity()] ?? "",
            phase,
        })),
        notApplicable: resp.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

function resourceOptions(r: AnalyzableResource): analyzerPb.AnalyzerResourceOptions {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(r.protect === true);
    o.setIgnorechangesList([...(r.ignoreChanges ?? [])]);
    o.setDeletebeforereplace(r.deleteBeforeReplace === true);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplace === true);
    o.setAdditionalsecretoutputsList([...(r.additionalSecretOutputs ?? [])]);
    o.setAliasesList([]);
    const t = new analyzerPb.AnalyzerResourceOptions.CustomTimeouts();
    t.setCreate(0);
    t.setUpdate(0);
    t.setDelete(0);
    o.setCustomtimeouts(t);
    if (r.parent) o.setParent(r.parent);
    return o;
}

/**
 * The resources of a set by URN, built once per set: finding each resource's provider by a search of
 * the whole set made a stack's analysis grow with the square of its size. The sets are read-only; a
 * URN missing from the index (an array that grew after it was built) is still searched for.
 */
const byUrnCache = new WeakMap<readonly AnalyzableResource[], ReadonlyMap<string, AnalyzableResource>>();
function indexByUrn(all: readonly AnalyzableResource[]): ReadonlyMap<string, AnalyzableResource> {
    let index = byUrnCache.get(all);
    if (index === undefined) {
        index = new Map(all.map((x) => [x.urn, x]));
        byUrnCache.set(all, index);
    }
    return index;
}

function providerOf(r: AnalyzableResource, all: readonly AnalyzableResource[] | undefined): analyzerPb.AnalyzerProviderResource | undefined {
    if (!r.provider) return undefined;
    const urn = r.provider.includes("::") ? r.provider.slice(0, r.provider.lastIndexOf("::")) : r.provider;
    const p = new analyzerPb.AnalyzerProviderResource();
    const rec = all === undefined ? undefined : indexByUrn(all).get(urn) ?? all.find((x) => x.urn === urn);
    const parsed = parseUrn(urn);
    p.setUrn(urn);
    p.setType(rec?.type ?? parsed.type);
    p.setName(rec?.name ?? parsed.name);
    p.setProperties(toStruct(toAnalyzerProperties(rec?.wireInputs)));
    return p;
}

export async function startPolicyPack(dir: string, opts: StartOptions = {}): Promise<PolicyPackHandle> {
    installExitHook();
    const packDir = path.resolve(dir);
    // Like the engine (workspace.LoadPolicyPack), refuse a directory without PulumiPolicy.yaml.
    if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
        throw new Error(`failed to load Pulumi policy project located at "${packDir}": no PulumiPolicy.yaml`);
    }
    let script: string;
    try {
        script = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    } catch {
        throw new Error(`it looks like the policy pack's dependencies are not installed; try running npm install in "${packDir}"`);
    }
    const logs: string[] = [];
    const engine = await startFakeEngine(logs);
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    const setEnv = (k: string, v: string | undefined) => { if (v !== undefined && v !== "") env[k] = v; };
    setEnv("PULUMI_CONFIG", opts.stackConfig ? JSON.stringify(opts.stackConfig) : undefined);
    setEnv("PULUMI_NODEJS_ORGANIZATION", opts.organization);
    setEnv("PULUMI_NODEJS_PROJECT", opts.project);
    setEnv("PULUMI_NODEJS_STACK", opts.stack);
    setEnv("PULUMI_NODEJS_DRY_RUN", String(opts.dryRun ?? true));
    setEnv("PULUMI_ORGANIZATION", opts.organization);
    setEnv("PULUMI_PROJECT", opts.project);
    setEnv("PULUMI_STACK", opts.stack);
    setEnv("PULUMI_DRY_RUN", String(opts.dryRun ?? true));
    Object.assign(env, opts.env ?? {});

    const started = Date.now();
    const child = spawn(process.execPath, [script, engine.address, "."], { cwd: packDir, env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let exited = false;
    let spawnError: Error | undefined;
    const exitPromise = new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
            exited = true;
            children.delete(child);
            logs.push(`[pack] exited with ${signal ?? code}`);
            resolve();
        });
        child.once("error", (err) => {
            // The process could not be spawned (no "exit" follows) or could not be signalled.
            spawnError = err;
            logs.push(`[pack] ${err.message}`);
            if (child.pid === undefined) {
                exited = true;
                children.delete(child);
                resolve();
            }
        });
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => logs.push(...d.split("\n").filter((l) => l.trim() !== "").map((l) => `[pack stderr] ${l}`)));

    const stopAll = async () => {
        if (!exited) {
            child.kill("SIGINT");
            const timer = setTimeout(() => { if (!exited) child.kill("SIGKILL"); }, 5000);
            await exitPromise;
            clearTimeout(timer);
        }
        await engine.stop();
    };

    let port: number;
    try {
        port = await new Promise<number>((resolve, reject) => {
            let buffer = "";
            let found = false;
            const timer = setTimeout(() => reject(new Error(`policy pack did not print its port within ${opts.startTimeoutMs ?? 90000} ms`)), opts.startTimeoutMs ?? 90000);
            child.stdout!.setEncoding("utf8");
            child.stdout!.on("data", (d: string) => {
                if (found) {
                    logs.push(...d.split("\n").filter((l) => l.trim() !== "").map((l) => `[pack stdout] ${l}`));
                    return;
                }
                buffer += d;
                const nl = buffer.indexOf("\n");
                if (nl >= 0) {
                    found = true;
                    clearTimeout(timer);
                    const line = buffer.slice(0, nl).trim();
                    const rest = buffer.slice(nl + 1);
                    if (rest.trim()) logs.push(`[pack stdout] ${rest.trim()}`);
                    if (/^\d+$/.test(line)) resolve(Number(line));
                    else reject(new Error(`policy pack printed ${JSON.stringify(line)} instead of its port`));
                }
            });
            child.once("exit", (code, signal) => {
                clearTimeout(timer);
                reject(new Error(`policy pack exited (${signal ?? code}) before printing its port:\n${logs.join("\n")}`));
            });
            child.once("error", (err) => {
                clearTimeout(timer);
                reject(new Error(`policy pack could not be started: ${spawnError?.message ?? err.message}`));
            });
        });
    } catch (e) {
        await stopAll();
        throw e;
    }
    const startupMs = Date.now() - started;
    const address = `127.0.0.1:${port}`;
    const client = new analyzerGrpc.AnalyzerClient(address, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": MAX_MESSAGE,
        "grpc.max_send_message_length": MAX_MESSAGE,
    });
    const timeout = opts.rpcTimeoutMs ?? 120000;
    let closed = false;
    const close = async () => {
        if (closed) return;
        closed = true;
        client.close();
        await stopAll();
    };

    let info: AnalyzerInfo;
    try {
        const hs = new analyzerPb.AnalyzerHandshakeRequest();
        hs.setEngineAddress(engine.address);
        hs.setRootDirectory(packDir);
        hs.setProgramDirectory(packDir);
        try {
            await unary(client, "handshake", hs, timeout);
        } catch (e) {
            if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw e;
        }
        const cs = new analyzerPb.AnalyzerStackConfigureRequest();
        cs.setStack(opts.stack ?? "");
        cs.setProject(opts.project ?? "");
        cs.setOrganization(opts.organization ?? "");
        cs.setDryRun(opts.dryRun ?? true);
        for (const [k, v] of Object.entries(opts.tags ?? {})) cs.getTagsMap().set(k, v);
        try {
            await unary(client, "configureStack", cs, timeout);
        } catch (e) {
            if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw e;
        }
        info = convertInfo(await unary<emptyPb.Empty, analyzerPb.AnalyzerInfo>(client, "getAnalyzerInfo", new emptyPb.Empty(), timeout));
    } catch (e) {
        await close();
        throw e;
    }

    const analyzeResource = async (r: AnalyzableResource, all?: readonly AnalyzableResource[]): Promise<AnalyzeResult> => {
        const req = new analyzerPb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(toStruct(toAnalyzerProperties(r.wireInputs)));
        req.setOptions(resourceOptions(r));
        const p = providerOf(r, all);
        if (p) req.setProvider(p);
        const resp = await unary<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(client, "analyze", req, timeout);
        return convertDiagnostics(resp, r.urn, "analyze");
    };

    const analyzeStackDetailed = async (resources: readonly AnalyzableResource[]): Promise<AnalyzeResult> => {
        const req = new analyzerPb.AnalyzeStackRequest();
        req.setResourcesList(resources.map((r) => {
            const a = new analyzerPb.AnalyzerResource();
            a.setUrn(r.urn);
            a.setType(r.type);
            a.setName(r.name);
            a.setProperties(toStruct(toAnalyzerProperties(r.wireInputs)));
            a.setOptions(resourceOptions(r));
            const p = providerOf(r, resources);
            if (p) a.setProvider(p);
            a.setParent(r.parent ?? "");
            a.setDependenciesList([...(r.dependencies ?? [])]);
            return a;
        }));
        const resp = await unary<analyzerPb.AnalyzeStackRequest, analyzerPb.AnalyzeResponse>(client, "analyzeStack", req, timeout);
        return convertDiagnostics(resp, "", "analyzeStack");
    };

    return {
        info,
        pid: child.pid!,
        address,
        startupMs,
        logs: () => [...logs],
        close,
        configure: async (config) => {
            const file = typeof config === "string" ? loadPolicyConfigFile(config) : config;
            const reconciled = reconcilePolicyConfig(
                info.policies.map((p) => ({ name: p.name, enforcementLevel: p.enforcementLevel, configSchema: p.configSchema })),
                file, info.initialConfig);
            const req = new analyzerPb.ConfigureAnalyzerRequest();
            const map = req.getPolicyconfigMap();
            for (const [k, v] of Object.entries(reconciled.config)) {
                const pc = new analyzerPb.PolicyConfig();
                pc.setEnforcementlevel(LEVEL_TO_PB[v.enforcementLevel]);
                pc.setProperties(toStruct(v.properties));
                map.set(k, pc);
            }
            await unary(client, "configure", req, timeout);
            return reconciled;
        },
        analyzeResource,
        analyze: async (resources, all) => {
            const results: AnalyzeResult[] = new Array(resources.length);
            let next = 0;
            const worker = async () => {
                while (next < resources.length) {
                    const i = next++;
                    results[i] = await analyzeResource(resources[i], all ?? resources);
                }
            };
            await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
            return results.flatMap((r) => r.diagnostics);
        },
        analyzeStackDetailed,
        analyzeStack: async (resources) => (await analyzeStackDetailed(resources)).diagnostics,
    };
}
