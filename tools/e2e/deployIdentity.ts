/**
 * The products' deploy identities against the real API server: each product's kubeconfig, as its
 * CI would receive it, asked with `kubectl auth can-i` what it may do; and a token rotation that
 * replaces the token Secret and the GitLab variable in one `pulumi up`, after which the old token
 * is refused. Kubeconfigs go to files of the run (mode 0600) and are never printed.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEPLOY_TOKEN_ROTATION_KEYS } from "../../components/config/keys";
import { gitlabScope } from "../../components/gitlab/variableTables";
import { ProductId, Tier } from "../../components/products/catalog";
import { DEPLOYER, deployKubeconfig } from "../../components/workloads/deployIdentity";
import { loadStackConfig, stackTier } from "../stack/projectConfig";
import { kubeconfigContext, KubeObject } from "./kube";
import type { DeployedStack } from "./stackRun";

const KUBECONFIG_KEY = /^(KUBECONFIG_CONTENT|K8S_KUBECONFIG_B64|KUBE_CONFIG_(STAGING|PRODUCTION))$/;

interface Identity {
    readonly product: ProductId;
    /** The account's namespace (the product's main one) and every namespace of the product. */
    readonly home: string;
    readonly namespaces: readonly string[];
    /** Where the kubeconfig came from: the GitLab double's variable, or the token Secret in the cluster. */
    readonly source: string;
    readonly file: string;
}

function stackProducts(stack: string): ProductId[] {
    return JSON.parse(loadStackConfig(stack).values["ai-platform:products"] ?? "[]") as ProductId[];
}

function gitlabProjectOf(stack: string, product: ProductId): string | undefined {
    const mappings = JSON.parse(loadStackConfig(stack).values["ai-platform:gitlabProjects"] ?? "[]") as string[];
    return mappings.find((m) => m.startsWith(`${product}=`))?.slice(product.length + 1);
}

/** Namespaces by owning product, from the Namespace objects the stack created. */
function productNamespaces(objects: readonly KubeObject[]): Map<string, string[]> {
    const byProduct = new Map<string, string[]>();
    for (const o of objects.filter((x) => x.kind === "Namespace")) {
        const product = o.metadata.labels?.["ai-platform.io/product"];
        if (product && product !== "platform") {
            byProduct.set(product, [...(byProduct.get(product) ?? []), o.metadata.name].sort());
        }
    }
    return byProduct;
}

function writeSecretFile(file: string, content: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
}

/**
 * Each product's kubeconfig: the value of its kubeconfig variable in the GitLab double (base64, as
 * CI receives it) where the stack maps the product in this tier; otherwise built from the token
 * Secret the cluster holds, with the same function the program uses.
 */
async function identities(d: DeployedStack, dir: string): Promise<Identity[]> {
    const objects = await d.kubernetesObjects();
    const owned = productNamespaces(objects);
    const kube = d.options.target.kube;
    const out: Identity[] = [];
    for (const product of stackProducts(d.stack)) {
        const namespaces = owned.get(product) ?? [];
        const account = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name === DEPLOYER && namespaces.includes(o.metadata.namespace ?? ""));
        if (!account) {
            throw new Error(`${product}: no ServiceAccount ${DEPLOYER} in its namespaces (${namespaces.join(", ") || "none"})`);
        }
        const home = account.metadata.namespace!;
        const file = path.join(dir, `${product}.kubeconfig`);
        const project = gitlabProjectOf(d.stack, product);
        const scope = gitlabScope(product, loadStackConfig(d.stack).values["ai-platform:environment"], stackTier(d.stack) as Tier);
        const variable = project && scope
            ? d.options.gitlab.double.variables(project).find((v) => KUBECONFIG_KEY.test(v.key) && v.environment_scope === scope)
            : undefined;
        if (project && scope && !variable) {
            throw new Error(`${product} is mapped to ${project} but the GitLab double holds no kubeconfig variable scoped ${scope}`);
        }
        if (variable) {
            if (variable.variable_type !== "file" || !variable.masked || !variable.protected) {
                throw new Error(`${product}: ${variable.key} is not a masked, protected file variable`);
            }
            writeSecretFile(file, Buffer.from(variable.value, "base64").toString("utf8"));
            out.push({ product, home, namespaces, source: `${project} ${variable.key} [${scope}]`, file });
            continue;
        }
        const token = objects.find((o) => o.kind === "Secret" && o.metadata.namespace === home && o.metadata.name.startsWith(`${DEPLOYER}-token-`));
        const live = token && await kube.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${home}/secrets/${token.metadata.name}`);
        if (!live?.data?.token || !live.data["ca.crt"]) {
            throw new Error(`${product}: the token Secret ${home}/${token?.metadata.name ?? "(none in state)"} has no token and ca.crt`);
        }
        writeSecretFile(file, deployKubeconfig({
            cluster: d.stack,
            server: kubeconfigContext(d.options.target.kubeconfig, d.options.target.kubeContext).cluster.server,
            caData: live.data["ca.crt"],
            user: `${product}-${DEPLOYER}`,
            token: Buffer.from(live.data.token, "base64").toString("utf8"),
            namespace: home,
        }));
        out.push({ product, home, namespaces, source: `token Secret ${home}/${token!.metadata.name} (not mapped to GitLab here)`, file });
    }
    return out;
}

interface KubectlRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function kubectl(d: DeployedStack, kubeconfig: string, args: readonly string[]): Promise<KubectlRun> {
    const local = path.join(d.options.toolchain.binDir, "kubectl");
    const binary = fs.existsSync(local) ? local : "kubectl";
    // Only this kubeconfig: no user's KUBECONFIG, and a cache of the run's own.
    const env = { PATH: process.env.PATH ?? "", HOME: path.dirname(kubeconfig) };
    return new Promise((resolve, reject) => {
        const child = spawn(binary, ["--kubeconfig", kubeconfig, "--cache-dir", path.join(path.dirname(kubeconfig), "cache"), ...args], { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        child.on("error", (err) => reject(new Error(`cannot run ${binary} (build the toolchain, which includes kubectl): ${err.message}`)));
        child.on("close", (code) => resolve({ code: code ?? 1, stdout: stdout.trim(), stderr: stderr.trim() }));
    });
}

/** `kubectl auth can-i`: "yes" or "no", and anything else (an authentication error) is a failure. */
async function canI(d: DeployedStack, id: Identity, args: readonly string[]): Promise<boolean> {
    const run = await kubectl(d, id.file, ["auth", "can-i", ...args]);
    if (run.stdout === "yes" && run.code === 0) return true;
    if (run.stdout === "no" && run.code === 1) return false;
    throw new Error(`${id.product}: kubectl auth can-i ${args.join(" ")} answered neither yes nor no (exit ${run.code}): ${run.stderr.slice(0, 300)}`);
}

/** The user the API server authenticates the kubeconfig as (`kubectl auth whoami`), or the refusal. */
async function whoami(d: DeployedStack, file: string): Promise<{ user?: string; refused?: string }> {
    const run = await kubectl(d, file, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    return run.code === 0 ? { user: run.stdout } : { refused: run.stderr.split("\n")[0] };
}

export async function checkDeployIdentities(d: DeployedStack): Promise<string> {
    const dir = path.join(d.ws.dir, "..", `deploy-identity-${d.stack}`);
    const ids = await identities(d, dir);
    const rootCa = async (ns: string) =>
        (await d.options.target.kube.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`))?.data?.["ca.crt"];
    const problems: string[] = [];
    let asked = 0;
    for (const id of ids) {
        const config = parse(fs.readFileSync(id.file, "utf8"));
        const contextNs = config.contexts?.[0]?.context?.namespace;
        if (contextNs !== id.home) {
            problems.push(`${id.product}: the kubeconfig's namespace is ${contextNs}, not ${id.home}`);
        }
        const ca = Buffer.from(String(config.clusters?.[0]?.cluster?.["certificate-authority-data"] ?? ""), "base64").toString("utf8");
        if (ca.trim() !== (await rootCa(id.home))?.trim()) {
            problems.push(`${id.product}: the kubeconfig's CA is not the cluster's (kube-root-ca.crt in ${id.home})`);
        }
        const me = await whoami(d, id.file);
        if (me.user !== `system:serviceaccount:${id.home}:${DEPLOYER}`) {
            problems.push(`${id.product}: authenticated as ${me.user ?? `nobody (${me.refused})`}`);
            continue;
        }
        const other = ids.find((x) => x.product !== id.product);
        const expectations: Array<[boolean, string[]]> = [
            ...id.namespaces.flatMap((ns): Array<[boolean, string[]]> => [
                [true, ["get", "pods", "-n", ns]],
                [true, ["watch", "deployments", "-n", ns]],
                [true, ["get", "pods", "--subresource=log", "-n", ns]],
                [true, ["list", "events", "-n", ns]],
                [false, ["list", "secrets", "-n", ns]],
                [false, ["patch", "deployments", "-n", ns]],
                [false, ["create", "rolebindings", "-n", ns]],
            ]),
            [false, ["list", "nodes"]],
            [false, ["create", "clusterrolebindings"]],
            ...(other ? [[false, ["get", "pods", "-n", other.home]] as [boolean, string[]]] : []),
        ];
        for (const [expected, args] of expectations) {
            asked += 1;
            const answer = await canI(d, id, args);
            if (answer !== expected) {
                problems.push(`${id.product}: can-i ${args.join(" ")} is ${answer ? "yes" : "no"}, expected ${expected ? "yes" : "no"}`);
            }
        }
    }
    // The tokens are secrets like any other: neither the export nor a state file may show one.
    const exported = (await d.ws.pulumiOk(["stack", "export", "--stack", d.stack])).stdout;
    const stateFiles = (fs.readdirSync(d.ws.stateDir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), "utf8"));
    for (const id of ids) {
        const token = String(parse(fs.readFileSync(id.file, "utf8")).users?.[0]?.user?.token ?? "");
        const forms = [token, Buffer.from(token).toString("base64")];
        if (token === "" || forms.some((f) => exported.includes(f) || stateFiles.some((t) => t.includes(f)))) {
            problems.push(`${id.product}: its deploy token is ${token === "" ? "missing from its kubeconfig" : "in plain text in the state"}`);
        }
    }
    if (problems.length > 0) {
        throw new Error(problems.join("\n"));
    }
    return `${ids.length} products, ${asked} can-i answers as expected; from ${ids.map((i) => `${i.product}: ${i.source}`).join("; ")}`;
}

/**
 * Raising one product's rotation plans exactly a replacement of its token Secret and an update of
 * its kubeconfig variable; after `up`, the new kubeconfig authenticates and the old token does not.
 */
export async function checkTokenRotation(d: DeployedStack, previewSteps: (d: DeployedStack, savePlan?: string) => Promise<any[]>): Promise<string> {
    const dir = path.join(d.ws.dir, "..", `deploy-rotation-${d.stack}`);
    const before = await identities(d, dir);
    const target = before.find((i) => i.source.includes("[")) ?? before[0];
    const key = DEPLOY_TOKEN_ROTATION_KEYS[target.product];
    const current = Number(loadStackConfig(d.stack).values[`ai-platform:${key}`] ?? 1);
    const oldFile = writeSecretFile(path.join(dir, "old.kubeconfig"), fs.readFileSync(target.file, "utf8"));
    await d.setConfig(`ai-platform:${key}`, String(current + 1));
    // As CI deploys: the update applies the plan the preview saved.
    const plan = path.join(dir, "update-plan.json");
    const steps = await previewSteps(d, plan);
    const typeOf = (s: any): string => s.newState?.type ?? s.oldState?.type ?? "";
    const described = steps.map((s) => `${s.op} ${typeOf(s)} ${String(s.urn).split("::").pop()}`);
    const secretSteps = steps.filter((s) => typeOf(s) === "kubernetes:core/v1:Secret");
    const variableSteps = steps.filter((s) => typeOf(s) === "pulumi-nodejs:dynamic/gitlab:ProjectVariable");
    const others = steps.filter((s) => !secretSteps.includes(s) && !variableSteps.includes(s));
    const urns = new Set(secretSteps.map((s) => s.urn));
    if (urns.size !== 1 || !secretSteps.some((s) => /replace/.test(s.op)) || !String([...urns][0]).endsWith(`${target.product}-deploy-identity-token`)
        || (target.source.includes("[") && (variableSteps.length !== 1 || variableSteps[0].op !== "update")) || others.length > 0) {
        throw new Error(`raising ${key} to ${current + 1} plans: ${described.join("; ")}; expected a replacement of ${target.product}'s token Secret and an update of its kubeconfig variable only`);
    }
    await d.ws.pulumiOk(["up", "--yes", "--stack", d.stack, "--plan", plan, ...d.policyArgs]);
    const after = (await identities(d, path.join(dir, "after"))).find((i) => i.product === target.product)!;
    const fresh = await whoami(d, after.file);
    if (fresh.user !== `system:serviceaccount:${target.home}:${DEPLOYER}`) {
        throw new Error(`after the rotation the new kubeconfig of ${target.product} authenticates as ${fresh.user ?? `nobody (${fresh.refused})`}`);
    }
    // The API server checks a legacy token against its Secret through an informer: give the
    // deletion a moment to reach it.
    let stale = await whoami(d, oldFile);
    for (let i = 0; i < 10 && stale.user !== undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        stale = await whoami(d, oldFile);
    }
    if (stale.user !== undefined) {
        throw new Error(`after the rotation the old token of ${target.product} still authenticates (as ${stale.user})`);
    }
    const tokenOf = (file: string) => parse(fs.readFileSync(file, "utf8")).users?.[0]?.user?.token;
    if (tokenOf(after.file) === tokenOf(oldFile)) {
        throw new Error(`${target.product}: the kubeconfig after the rotation carries the old token`);
    }
    return `${key} ${current} → ${current + 1}: ${described.join("; ")}; new token accepted, old one refused (${stale.refused})`;
}
