/**
 * One stack of the e2e tier, for real: `pulumi stack init` with the stack's own Pulumi.<stack>.yaml,
 * every secret set with `pulumi config set --secret`, preview and up with the policy pack, and the
 * checks that prove the deployment is what the offline layers say it is.
 */
import * as fs from "fs";
import * as path from "path";
import { GitlabDouble } from "../../test/gitlab/gitlabDouble";
import { CheckResult, StackReport } from "./report";
import { readJsonFile } from "../stack/files";
import { policyConfigPath } from "../stack/projectConfig";
import { secretValuesForRun } from "./secrets";
import { KubeClient, kubeconfigContext, KubeObject } from "./kube";
import { Toolchain } from "./toolchain";
import { createWorkspace, PulumiResult, Workspace } from "./workspace";
import { STACK_CHECKS } from "./checks";

export interface StackTarget {
    /** kubeconfig file and context the stack deploys to. */
    readonly kubeconfig: string;
    readonly kubeContext: string;
    readonly kube: KubeClient;
}

export interface StackRunOptions {
    readonly stack: string;
    readonly toolchain: Toolchain;
    readonly target: StackTarget;
    readonly chartMirror: string;
    readonly gitlab: { readonly double: GitlabDouble; readonly token: string; readonly caFile: string };
    /** The run's directory: the stack's workspace (project copy, state) and its log go here. */
    readonly runDir: string;
    readonly log: (line: string) => void;
}

/** Everything a check may use about the deployed stack. */
export interface DeployedStack {
    readonly stack: string;
    readonly ws: Workspace;
    readonly options: StackRunOptions;
    readonly secrets: ReadonlyArray<{ key: string; value: string }>;
    readonly policyArgs: readonly string[];
    /** Parsed `pulumi stack export` (secrets encrypted). */
    exported(): Promise<any>;
    /** Kubernetes objects of the stack as the state records them. */
    kubernetesObjects(): Promise<KubeObject[]>;
    setConfig(key: string, value: string): Promise<void>;
    removeConfig(key: string): Promise<void>;
}

function count(result: PulumiResult, op: string): number {
    // The summary line ("    + 226 created"), not a resource name that ends in a digit ("role-1 created").
    const match = new RegExp(`^\\s*[+~-]?\\s*(\\d+) (?:to )?${op}\\b`, "m").exec(result.stdout);
    return match ? Number(match[1]) : 0;
}

async function timed<T>(timings: Record<string, number>, phase: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
        return await work();
    } finally {
        timings[phase] = (timings[phase] ?? 0) + (Date.now() - started) / 1000;
    }
}

/**
 * A stack that installs from a mirror must allow it in its policy config, as a real team with an
 * internal mirror would; the run allows only the mirror, so a release that bypassed it would fail.
 */
function allowMirrorInPolicyConfig(ws: Workspace, stack: string, mirror: string): void {
    // A stack without a policy config of its own starts from its tier's; the run's copy is its own.
    const file = path.join(ws.dir, "policy", "config", `${stack}.json`);
    const config = readJsonFile(policyConfigPath(stack, ws.dir)) as Record<string, any>;
    const entry = config["helm-release-pinned"];
    const settings = typeof entry === "object" && entry !== null ? entry : entry === undefined ? {} : { enforcementLevel: entry };
    config["helm-release-pinned"] = { ...settings, allowedRepositories: [mirror] };
    fs.writeFileSync(file, JSON.stringify(config, null, 4));
}

async function initStack(ws: Workspace, o: StackRunOptions, secrets: ReadonlyArray<{ key: string; value: string }>): Promise<void> {
    allowMirrorInPolicyConfig(ws, o.stack, o.chartMirror);
    await ws.pulumiOk(["stack", "init", o.stack]);
    const set = (key: string, value: string, secret = false) =>
        ws.pulumiOk(["config", "set", ...(secret ? ["--secret"] : []), `ai-platform:${key}`, "--stack", o.stack], { input: value });
    // Where this run deploys: the rest of the stack file is used exactly as committed.
    await set("kubeconfig", o.target.kubeconfig);
    await set("kubeContext", o.target.kubeContext);
    // The products' deploy kubeconfigs must reach the cluster this run deploys to.
    await set("kubeApiServerUrl", kubeconfigContext(o.target.kubeconfig, o.target.kubeContext).cluster.server);
    await set("helmRepositoryMirror", o.chartMirror);
    await set("gitlabUrl", o.gitlab.double.url);
    for (const { key, value } of secrets) {
        await set(key, value, true);
    }
}

function kubernetesObjectsOf(exported: any): KubeObject[] {
    return (exported.deployment?.resources ?? [])
        .filter((r: any) => typeof r.type === "string" && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh")
            && r.type !== "pulumi:providers:kubernetes" && r.outputs?.metadata?.name)
        .map((r: any) => ({ apiVersion: r.outputs.apiVersion, kind: r.outputs.kind, metadata: r.outputs.metadata } as KubeObject));
}

export async function runStack(o: StackRunOptions): Promise<StackReport> {
    const timings: Record<string, number> = {};
    const checks: CheckResult[] = [];
    const logFile = path.join(o.runDir, "logs", `${o.stack}.log`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const ws = createWorkspace({
        stack: o.stack,
        parent: o.runDir,
        toolchain: o.toolchain,
        logFile,
        env: { GITLAB_TOKEN: o.gitlab.token, NODE_EXTRA_CA_CERTS: o.gitlab.caFile },
    });
    const secrets = secretValuesForRun();
    const policyArgs = ["--policy-pack", "policy", "--policy-pack-config", `policy/config/${o.stack}.json`];
    const report = { stack: o.stack, resources: { created: 0, inState: 0 }, pods: { ready: 0, total: 0 }, checks, timings, logFile };

    const record = async (id: string, title: string, work: () => Promise<string>): Promise<boolean> => {
        const started = Date.now();
        o.log(`${o.stack}: ${title} …`);
        try {
            const detail = await work();
            checks.push({ id, title, outcome: "pass", detail, seconds: (Date.now() - started) / 1000 });
            return true;
        } catch (err) {
            const detail = (err instanceof Error ? err.message : String(err)).trim();
            checks.push({ id, title, outcome: "fail", detail, seconds: (Date.now() - started) / 1000 });
            o.log(`${o.stack}: FAILED ${id}: ${detail.split("\n").slice(0, 12).join("\n    ")}`);
            return false;
        }
    };
    const skipRest = (from: number, reason: string) => {
        for (const check of STACK_CHECKS.slice(from)) {
            if (check.appliesTo(o.stack)) {
                checks.push({ id: check.id, title: check.title, outcome: "skip", detail: reason, seconds: 0 });
            }
        }
    };

    const deployed: DeployedStack = {
        stack: o.stack,
        ws,
        options: o,
        secrets,
        policyArgs,
        async exported() {
            return JSON.parse((await ws.pulumiOk(["stack", "export", "--stack", o.stack])).stdout);
        },
        async kubernetesObjects() {
            return kubernetesObjectsOf(await this.exported());
        },
        async setConfig(key, value) {
            await ws.pulumiOk(["config", "set", key, "--stack", o.stack], { input: value });
        },
        async removeConfig(key) {
            await ws.pulumiOk(["config", "rm", key, "--stack", o.stack]);
        },
    };

    const initialized = await record("stack-init", "stack init, stack file, every secret set with --secret", async () => {
        await timed(timings, "init", () => initStack(ws, o, secrets));
        return `${secrets.length} secrets`;
    });
    if (!initialized) {
        skipRest(0, "stack init failed");
        return report;
    }

    // What CI's preview and deploy jobs run: the deploy applies the plan the preview saved.
    const updatePlan = path.join(ws.dir, "update-plan.json");
    const previewed = await record("preview", "pulumi preview --save-plan with the policy pack", async () => {
        // The same preview without the pack first: the difference is what the policy pack costs.
        const bare = await ws.pulumiOk(["preview", "--stack", o.stack]);
        const result = await timed(timings, "preview", () => ws.pulumiOk(["preview", "--stack", o.stack, ...policyArgs, "--save-plan", updatePlan]));
        timings.policyInPreview = Math.max(0, result.seconds - bare.seconds);
        return `${count(result, "create")} to create`;
    });
    const upDone = previewed && await record("up", "pulumi up --plan (the saved plan) with the policy pack", async () => {
        const result = await timed(timings, "up", () => ws.pulumiOk(["up", "--yes", "--stack", o.stack, "--plan", updatePlan, ...policyArgs]));
        report.resources.created = count(result, "created");
        const exported = await deployed.exported();
        report.resources.inState = (exported.deployment?.resources ?? []).length;
        return `${report.resources.created} created`;
    });
    if (!upDone) {
        skipRest(0, "preview or up failed");
        return report;
    }

    for (const check of STACK_CHECKS) {
        if (!check.appliesTo(o.stack)) {
            continue;
        }
        await record(check.id, check.title, () => timed(timings, check.timing ?? check.id, () => check.run(deployed, report)));
    }
    return report;
}
