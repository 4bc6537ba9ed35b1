/**
 * The checks the e2e tier runs on a deployed stack, in order. Each one throws with what it saw
 * when reality differs from what the program, its stack file and the offline layers promise.
 */
import * as fs from "fs";
import * as path from "path";
import { CONTRACT_VERSION } from "../../components/outputs/contract";
import { evaluateStack } from "../stack/evaluate";
import { loadStackConfig, stackTier } from "../stack/projectConfig";
import { checkDeployIdentities, checkTokenRotation } from "./deployIdentity";
import { KubeClient, KubeObject } from "./kube";
import { StackReport } from "./report";
import { leakForms } from "./secrets";
import type { DeployedStack } from "./stackRun";

export interface StackCheck {
    readonly id: string;
    readonly title: string;
    /** Timing bucket in the report (defaults to the id). */
    readonly timing?: string;
    appliesTo(stack: string): boolean;
    /** Resolves with a short detail for the report; throws on failure. */
    run(d: DeployedStack, report: { -readonly [K in keyof StackReport]: StackReport[K] }): Promise<string>;
}

const always = () => true;
const VARIABLE_TYPE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

function stackNamespaces(objects: readonly KubeObject[]): string[] {
    return objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name).sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `pulumi preview --json`: the steps the engine plans, with their detailed diffs. */
async function previewSteps(d: DeployedStack, savePlan?: string): Promise<any[]> {
    const result = await d.ws.pulumiOk(["preview", "--json", "--diff", "--stack", d.stack, ...d.policyArgs, ...(savePlan ? ["--save-plan", savePlan] : [])]);
    const parsed = JSON.parse(result.stdout);
    return (parsed.steps ?? []).filter((s: any) => s.op !== "same");
}

function describeSteps(steps: any[]): string {
    return steps.map((s) => `${s.op} ${String(s.urn).split("::").pop()} [${Object.keys(s.detailedDiff ?? {}).join(", ") || (s.diffReasons ?? []).join(", ")}]`).join("; ");
}

/** A switch that must be one field on one object: the plan changes exactly that, then `up` applies it. */
async function singleFieldSwitch(d: DeployedStack, key: string, value: string, expect: { type: string; path: RegExp }): Promise<string> {
    await d.setConfig(`ai-platform:${key}`, value);
    // As CI deploys: the update applies the plan the preview saved.
    const plan = path.join(d.ws.dir, `update-plan-${key}.json`);
    const steps = await previewSteps(d, plan);
    const typeOf = (step: any): string | undefined => step.newState?.type ?? step.oldState?.type;
    const unexpected = steps.filter((step) => step.op !== "update" || typeOf(step) !== expect.type ||
        Object.keys(step.detailedDiff ?? {}).some((p) => !expect.path.test(p)));
    if (steps.length !== 1 || unexpected.length > 0) {
        throw new Error(`setting ${key}=${value} plans ${steps.length} change(s), expected one update of ${expect.type} at ${expect.path}: ${describeSteps(steps)}`);
    }
    await d.ws.pulumiOk(["up", "--yes", "--stack", d.stack, "--plan", plan, ...d.policyArgs]);
    const after = await previewSteps(d);
    if (after.length > 0) {
        throw new Error(`after applying ${key}=${value} the next preview still plans: ${describeSteps(after)}`);
    }
    return `${describeSteps(steps)}; applied, then no changes`;
}

/** The GitLab projects a stack writes variables to (its `gitlabProjects`: product=project). */
export function gitlabProjectsOf(stack: string): string[] {
    const mappings = JSON.parse(loadStackConfig(stack).values["ai-platform:gitlabProjects"] ?? "[]") as string[];
    return [...new Set(mappings.map((m) => m.slice(m.indexOf("=") + 1)))];
}

/** Pods of the stack's namespaces, and how many are Ready (or Succeeded, for Job pods). */
export async function podReadiness(kube: KubeClient, namespaces: readonly string[]): Promise<{ ready: number; total: number; notReady: string[] }> {
    let ready = 0;
    let total = 0;
    const notReady: string[] = [];
    for (const ns of namespaces) {
        for (const pod of await kube.list<KubeObject>(`/api/v1/namespaces/${ns}/pods`)) {
            total += 1;
            const phase = pod.status?.phase;
            const readyCondition = (pod.status?.conditions ?? []).find((c: any) => c.type === "Ready")?.status === "True";
            if (phase === "Succeeded" || (phase === "Running" && readyCondition)) {
                ready += 1;
            } else {
                notReady.push(`${ns}/${pod.metadata.name} (${phase ?? "no phase"})`);
            }
        }
    }
    return { ready, total, notReady };
}

export const STACK_CHECKS: readonly StackCheck[] = [
    {
        id: "pods-ready",
        title: "every pod of the stack Ready (Job pods Completed) under Pod Security",
        appliesTo: always,
        async run(d, report) {
            const namespaces = stackNamespaces(await d.kubernetesObjects());
            const deadline = Date.now() + 120_000;
            let state = await podReadiness(d.options.target.kube, namespaces);
            while (state.notReady.length > 0 && Date.now() < deadline) {
                await sleep(3000);
                state = await podReadiness(d.options.target.kube, namespaces);
            }
            report.pods = { ready: state.ready, total: state.total };
            if (state.total === 0) {
                throw new Error(`no pods at all in the stack's namespaces (${namespaces.join(", ")})`);
            }
            if (state.notReady.length > 0) {
                throw new Error(`${state.notReady.length} of ${state.total} pods not ready after 2 minutes: ${state.notReady.slice(0, 10).join(", ")}`);
            }
            return `${state.ready}/${state.total} in ${namespaces.length} namespaces`;
        },
    },
    {
        id: "no-op-preview",
        title: "pulumi preview --expect-no-changes right after up",
        timing: "noopPreview",
        appliesTo: always,
        async run(d) {
            const result = await d.ws.pulumi(["preview", "--expect-no-changes", "--diff", "--stack", d.stack, ...d.policyArgs]);
            if (result.code !== 0) {
                const changed = result.stdout.split("\n").filter((l) => /^\s*[~+\-]|^\s*[+-]?\s*(update|replace|create|delete)/.test(l)).slice(0, 30);
                throw new Error(`the preview after up plans changes (exit ${result.code}):\n${changed.join("\n") || result.stderr.slice(-2000)}`);
            }
            return "no changes";
        },
    },
    {
        id: "blue-green-switch",
        title: "chatbotActiveColor flip changes only the Service selector",
        timing: "switch",
        appliesTo: (stack) => stackTier(stack) === "prod",
        async run(d) {
            const current = loadStackConfig(d.stack).values["ai-platform:chatbotActiveColor"];
            const next = current === "blue" ? "green" : "blue";
            return singleFieldSwitch(d, "chatbotActiveColor", next, { type: "kubernetes:core/v1:Service", path: /^spec\.selector/ });
        },
    },
    {
        id: "canary-weight",
        title: "canary weight change touches only the Ingress annotation",
        timing: "switch",
        appliesTo: (stack) => stackTier(stack) === "staging",
        async run(d) {
            const current = Number(loadStackConfig(d.stack).values["ai-platform:chatbotCanaryWeight"]);
            const next = current === 50 ? 40 : 50;
            return singleFieldSwitch(d, "chatbotCanaryWeight", String(next), {
                type: "kubernetes:networking.k8s.io/v1:Ingress",
                path: /^metadata\.annotations(\.|\[")nginx\.ingress\.kubernetes\.io\/canary-weight/,
            });
        },
    },
    {
        id: "no-secret-in-state",
        title: "no secret value in plaintext in the exported state or the state files",
        appliesTo: always,
        async run(d) {
            const shown = JSON.parse((await d.ws.pulumiOk(["stack", "export", "--show-secrets", "--stack", d.stack])).stdout);
            const generated: Array<{ key: string; value: string }> = [];
            for (const r of shown.deployment?.resources ?? []) {
                for (const field of ["result", "base64", "hex", "bcryptHash"]) {
                    const v = revealed(r.outputs?.[field]);
                    if (typeof r.type === "string" && r.type.startsWith("random:") && typeof v === "string") {
                        generated.push({ key: `${String(r.urn).split("::").pop()}.${field}`, value: v });
                    }
                }
            }
            if (generated.length === 0) {
                throw new Error("found no generated secret in the state to look for (RandomPassword/RandomBytes outputs)");
            }
            const exported = (await d.ws.pulumiOk(["stack", "export", "--stack", d.stack])).stdout;
            const stateFiles = listFiles(d.ws.stateDir).map((f) => ({ file: f, text: fs.readFileSync(f, "utf8") }));
            const leaks: string[] = [];
            for (const { key, value } of [...d.secrets, ...generated]) {
                for (const form of leakForms(value)) {
                    if (exported.includes(form)) {
                        leaks.push(`${key} in pulumi stack export`);
                    }
                    for (const { file, text } of stateFiles) {
                        if (text.includes(form)) {
                            leaks.push(`${key} in ${path.relative(d.ws.stateDir, file)}`);
                        }
                    }
                }
            }
            if (leaks.length > 0) {
                throw new Error(`secret values in plaintext: ${[...new Set(leaks)].join(", ")}`);
            }
            return `${d.secrets.length} configured + ${generated.length} generated values, ${stateFiles.length} state files`;
        },
    },
    {
        id: "gitlab-variables",
        title: "the GitLab double holds exactly the stack's variables, flags and scopes",
        appliesTo: always,
        async run(d) {
            const expected = (await evaluateStack(d.stack)).resources
                .filter((r) => r.type === VARIABLE_TYPE)
                .map((r) => describeVariable(r.inputs.project, r.inputs.key, r.inputs.environmentScope ?? "*", {
                    protected: r.inputs.protected === true, masked: r.inputs.masked === true,
                    file: r.inputs.variableType === "file", raw: r.inputs.raw === true,
                }))
                .sort();
            const projects = gitlabProjectsOf(d.stack);
            const actual = projects.flatMap((project) => d.options.gitlab.double.variables(project).map((v) =>
                describeVariable(project, v.key, v.environment_scope, { protected: v.protected, masked: v.masked, file: v.variable_type === "file", raw: v.raw })))
                .sort();
            const missing = expected.filter((e) => !actual.includes(e));
            const extra = actual.filter((a) => !expected.includes(a));
            if (expected.length === 0) {
                throw new Error("the offline evaluation registers no GitLab variables for this stack; nothing to compare");
            }
            if (missing.length > 0 || extra.length > 0) {
                throw new Error(`GitLab differs from the program: missing ${missing.join("; ") || "none"}; unexpected ${extra.join("; ") || "none"}`);
            }
            return `${actual.length} variables in ${projects.length} projects`;
        },
    },
    {
        id: "deploy-identity",
        title: "each product's kubeconfig (from its GitLab variable) may read its own namespaces only: kubectl auth can-i",
        appliesTo: always,
        async run(d) {
            return checkDeployIdentities(d);
        },
    },
    {
        id: "deploy-token-rotation",
        title: "a <product>DeployTokenRotation bump replaces the token Secret and the variable; the old token is refused",
        timing: "rotation",
        appliesTo: always,
        async run(d) {
            return checkTokenRotation(d, previewSteps);
        },
    },
    {
        id: "policy-broken-copy",
        title: "broken copies: a :latest image fails preview in the staging/prod tiers and warns in dev; a privileged container fails everywhere",
        timing: "brokenPreview",
        appliesTo: always,
        async run(d) {
            // dev's policy config keeps the never-acceptable policies (privileged, host namespaces …)
            // mandatory and makes the rest advisory; staging and prod make everything mandatory.
            const latest = await brokenPreview(d, "e2e-latest", { image: "nginx:latest" });
            const privileged = await brokenPreview(d, "e2e-privileged", { image: "nginx:1.27.3", securityContext: { privileged: true } });
            const findings = (run: BrokenRun, policy: string) => run.lines.filter((l) => l.includes(policy));
            const latestFindings = findings(latest, "image-tag-pinned");
            const privilegedFindings = findings(privileged, "no-privileged");
            if (latestFindings.length === 0 || privilegedFindings.length === 0) {
                throw new Error(`the policy pack did not name the broken objects (image-tag-pinned: ${latestFindings.length}, no-privileged: ${privilegedFindings.length}):\n${tail(latest.output)}\n${tail(privileged.output)}`);
            }
            if (privileged.code === 0 || !privilegedFindings.some((l) => /mandatory/.test(l))) {
                throw new Error(`a privileged container passed preview (exit ${privileged.code}): ${privilegedFindings.join(" | ")}`);
            }
            const latestMandatory = latestFindings.some((l) => /mandatory/.test(l));
            if (stackTier(d.stack) === "dev") {
                if (latest.code !== 0 || latestMandatory) {
                    throw new Error(`dev must only warn about a :latest image (exit ${latest.code}): ${latestFindings.join(" | ")}`);
                }
                return "dev: :latest advisory (preview succeeds), privileged mandatory (preview fails)";
            }
            if (latest.code === 0 || !latestMandatory) {
                throw new Error(`${d.stack} let a :latest image through (exit ${latest.code}): ${latestFindings.join(" | ")}`);
            }
            return "both fail preview on mandatory policies";
        },
    },
    {
        id: "undeclared-config-key",
        title: "an undeclared config key is refused by the real run and the offline evaluation alike",
        timing: "undeclaredKey",
        appliesTo: always,
        async run(d) {
            await d.setConfig("ai-platform:ingresReplicas", "3");
            let real: string;
            try {
                const result = await d.ws.pulumi(["preview", "--stack", d.stack]);
                real = `${result.stdout}\n${result.stderr}`;
                if (result.code === 0) {
                    throw new Error("pulumi preview accepted the stack with the undeclared key ai-platform:ingresReplicas");
                }
            } finally {
                await d.removeConfig("ai-platform:ingresReplicas");
            }
            const offline = await evaluateStack(d.stack, { overrides: { ingresReplicas: 3 } }).then(
                () => { throw new Error("the offline evaluation accepted the undeclared key ai-platform:ingresReplicas"); },
                (err: Error) => err.message);
            const line = offline.split("\n").map((l) => l.replace(/^\s*-\s*/, "").trim()).find((l) => l.includes("ingresReplicas"));
            if (!line || !line.includes("ai-platform:ingressReplicas")) {
                throw new Error(`the offline evaluation's message does not name the key and the declared one:\n${offline}`);
            }
            if (!real.includes(line)) {
                throw new Error(`the real run refused the stack, but not with the offline message "${line}":\n${tail(real)}`);
            }
            return line;
        },
    },
    {
        id: "stack-reference",
        title: "a consumer program reads every contract key through PlatformStackReference",
        timing: "consumer",
        appliesTo: always,
        async run(d) {
            return runConsumer(d);
        },
    },
    {
        id: "destroy",
        title: "prod tier: destroy refused while data is protected; dev tier: destroy leaves nothing",
        appliesTo: (stack) => stackTier(stack) === "prod" || stackTier(stack) === "dev",
        async run(d) {
            const objects = await d.kubernetesObjects();
            const result = await d.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", d.stack]);
            const output = `${result.stdout}\n${result.stderr}`;
            if (stackTier(d.stack) === "prod") {
                if (result.code === 0) {
                    throw new Error("pulumi destroy succeeded on prod although dataProtection protects its data");
                }
                if (!/protect/i.test(output)) {
                    throw new Error(`destroy failed, but not because of protection:\n${tail(output)}`);
                }
                const namespaces = stackNamespaces(objects);
                const present: string[] = [];
                for (const ns of namespaces) {
                    if (await d.options.target.kube.find(`/api/v1/namespaces/${ns}`)) {
                        present.push(ns);
                    }
                }
                if (present.length !== namespaces.length) {
                    throw new Error(`destroy was refused but namespaces disappeared: ${namespaces.filter((n) => !present.includes(n)).join(", ")}`);
                }
                return `refused (protected), ${present.length} namespaces intact`;
            }
            if (result.code !== 0) {
                throw new Error(`pulumi destroy failed (exit ${result.code}):\n${tail(output)}`);
            }
            const remaining = await remainingObjects(d, objects);
            if (remaining.length > 0) {
                throw new Error(`${remaining.length} objects of the stack remain: ${remaining.slice(0, 15).join(", ")}`);
            }
            return `${objects.length} objects gone`;
        },
    },
];

/** `stack export --show-secrets` keeps secrets wrapped, with their JSON text as `plaintext`. */
function revealed(value: unknown): unknown {
    if (value !== null && typeof value === "object" && typeof (value as { plaintext?: unknown }).plaintext === "string") {
        return JSON.parse((value as { plaintext: string }).plaintext);
    }
    return value;
}

function describeVariable(project: string, key: string, scope: string, flags: { protected: boolean; masked: boolean; file: boolean; raw: boolean }): string {
    const on = Object.entries(flags).filter(([, v]) => v).map(([k]) => k).join(",");
    return `${project} ${key} [${scope}] {${on}}`;
}

function tail(text: string, lines = 40): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

function listFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

interface BrokenRun {
    readonly code: number;
    readonly output: string;
    /** Output lines that name the broken object. */
    readonly lines: string[];
}

/**
 * Previews a copy of the program with one more Deployment, in the first platform namespace,
 * whose container has `container` (its image, a security context …); the program is restored after.
 */
async function brokenPreview(d: DeployedStack, name: string, container: Record<string, unknown>): Promise<BrokenRun> {
    const index = path.join(d.ws.dir, "index.ts");
    const original = fs.readFileSync(index, "utf8");
    fs.writeFileSync(index, `${original}
// e2e: a deliberately broken workload, appended by the e2e tier to a copy of the program.
new k8s.apps.v1.Deployment(${JSON.stringify(name)}, {
    metadata: { namespace: Object.values(platform.namespaces.byName)[0].metadata.name, name: ${JSON.stringify(name)} },
    spec: {
        selector: { matchLabels: { app: ${JSON.stringify(name)} } },
        template: {
            metadata: { labels: { app: ${JSON.stringify(name)} } },
            spec: { containers: [{ name: "broken", ...${JSON.stringify(container)} }] },
        },
    },
}, { provider: kubernetes });
`);
    try {
        const result = await d.ws.pulumi(["preview", "--stack", d.stack, ...d.policyArgs]);
        const output = `${result.stdout}\n${result.stderr}`;
        const lines = output.split("\n").filter((l) => l.includes(name));
        return { code: result.code, output, lines };
    } finally {
        fs.writeFileSync(index, original);
    }
}

async function remainingObjects(d: DeployedStack, objects: readonly KubeObject[]): Promise<string[]> {
    const kube = d.options.target.kube;
    const remaining: string[] = [];
    const deadline = Date.now() + 90_000;
    let pending = [...objects];
    while (pending.length > 0 && Date.now() < deadline) {
        const still: KubeObject[] = [];
        for (const o of pending) {
            const p = await kube.pathOf(o);
            if (p && await kube.find(p)) {
                still.push(o);
            }
        }
        pending = still;
        if (pending.length > 0) {
            await sleep(3000);
        }
    }
    for (const o of pending) {
        remaining.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
    }
    return remaining;
}

/** Another team's program: a few lines on the typed helper, against the same backend. */
async function runConsumer(d: DeployedStack): Promise<string> {
    const dir = path.join(path.dirname(d.ws.dir), "consumer");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: e2e-consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "e2e-consumer", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), fs.readFileSync(path.join(d.ws.dir, "tsconfig.json")));
    const helper = path.relative(dir, path.join(d.ws.dir, "components", "outputs", "consumer")).split(path.sep).join("/");
    fs.writeFileSync(path.join(dir, "index.ts"), [
        `import { PlatformStackReference } from "${helper}";`,
        `const platform = new PlatformStackReference("platform", { stack: "${d.stack}" });`,
        `export const contractVersion = platform.reference.requireOutput("contractVersion");`,
        ...["environment", "namespaces", "ingress", "observability", "products"].map((k) => `export const ${k} = platform.output("${k}");`),
        "",
    ].join("\n"));
    if (!fs.existsSync(path.join(dir, "node_modules"))) {
        fs.symlinkSync(fs.realpathSync(path.join(d.ws.dir, "node_modules")), path.join(dir, "node_modules"), "dir");
    }
    const run = (args: string[]) => d.ws.pulumiOk([...args, "--cwd", dir]);
    await run(["stack", "init", "consumer"]);
    await run(["up", "--yes", "--skip-preview", "--stack", "consumer"]);
    const plain = JSON.parse((await run(["stack", "output", "--json", "--stack", "consumer"])).stdout);
    const shown = JSON.parse((await run(["stack", "output", "--json", "--show-secrets", "--stack", "consumer"])).stdout);
    const keys = Object.keys(plain).sort();
    const expectedKeys = ["contractVersion", "environment", "ingress", "namespaces", "observability", "products"];
    if (JSON.stringify(keys) !== JSON.stringify(expectedKeys)) {
        throw new Error(`the consumer got outputs ${keys.join(", ")}, expected ${expectedKeys.join(", ")}`);
    }
    if (JSON.stringify(plain) !== JSON.stringify(shown)) {
        throw new Error("some output the consumer reads is secret (its value differs with --show-secrets)");
    }
    if (plain.contractVersion !== CONTRACT_VERSION) {
        throw new Error(`contractVersion ${plain.contractVersion}, the helper expects ${CONTRACT_VERSION}`);
    }
    const missing = expectedKeys.filter((k) => plain[k] === undefined || plain[k] === null);
    if (missing.length > 0) {
        throw new Error(`empty outputs: ${missing.join(", ")}`);
    }
    await run(["destroy", "--yes", "--skip-preview", "--stack", "consumer"]);
    return `${keys.length} keys, ${Object.keys(plain.products).length} products, none secret`;
}
