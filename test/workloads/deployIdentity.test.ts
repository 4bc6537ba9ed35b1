/**
 * Each product's deploy identity under the offline evaluation: its own account, Role and binding
 * in each of its namespaces, a token Secret, and a kubeconfig variable that names only its own
 * namespace. Expectations come from the issue (read-only: what `kubectl rollout status`, logs and
 * events need), the stack files and the Namespace objects' product labels, not from the component.
 */
import { strict as assert } from "assert";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { configured, evaluateWith, ofType, rejection, stackEvaluation, StackName, STACKS, visibleInputs } from "../helpers/stacks";

const SA = "kubernetes:core/v1:ServiceAccount";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const VARIABLE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

/** The products' kubeconfig variables, as their source documents name them (QuickSpin AI, chatbot, Soundcore KCP) or as the platform does. */
const KUBECONFIG_KEYS = /^(KUBECONFIG_CONTENT|K8S_KUBECONFIG_B64|KUBE_CONFIG_(STAGING|PRODUCTION))$/;
/** Rotation keys, as Pulumi.yaml declares them. */
const ROTATION: Record<string, string> = {
    "quickspin-ai": "quickspinDeployTokenRotation",
    chatbot: "chatbotDeployTokenRotation",
    "soundcore-kcp": "soundcoreDeployTokenRotation",
    "harvis-ai": "harvisDeployTokenRotation",
    "llm-secret-detection": "llmServiceDeployTokenRotation",
};

const isDeployIdentity = (r: RecordedResource, product: string) =>
    r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "deploy-identity" && r.inputs.metadata?.labels?.["app.kubernetes.io/part-of"] === product;

/** A product's namespaces, from the Namespace objects' product label; the main one is the first the catalogue lists. */
function namespacesOf(ev: StackEvaluation, product: string): string[] {
    return ofType(ev, NAMESPACE).filter((n) => n.inputs.metadata.labels["ai-platform.io/product"] === product).map((n) => n.inputs.metadata.name).sort();
}

function decodeKubeconfig(variable: RecordedResource): string {
    return Buffer.from(String(variable.inputs.value), "base64").toString("utf8");
}

function field(kubeconfig: string, name: string): string[] {
    return [...kubeconfig.matchAll(new RegExp(`^\\s*${name}: (.*)$`, "gm"))].map((m) => m[1]);
}

function tokenSubject(kubeconfig: string): string {
    const [token] = field(kubeconfig, "token");
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).sub;
}

function mappedProducts(stack: StackName): Array<{ product: string; project: string }> {
    return (configured(stack, "gitlabProjects") as string[]).map((m) => ({ product: m.split("=")[0], project: m.split("=")[1] }));
}

describe("deploy identity per product (offline evaluation)", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            let ev: StackEvaluation;
            before(async () => {
                ev = await stackEvaluation(stack);
            });
            const products = configured(stack, "products") as string[];

            for (const product of products) {
                it(`${product}: one account, and a Role bound to it in each of its namespaces and nowhere else`, () => {
                    const namespaces = namespacesOf(ev, product);
                    assert.ok(namespaces.length > 0, `no namespace labelled for ${product}`);
                    const accounts = ofType(ev, SA).filter((r) => isDeployIdentity(r, product));
                    assert.equal(accounts.length, 1, `${product} accounts: ${accounts.map((a) => a.name).join(", ")}`);
                    const [account] = accounts;
                    assert.ok(namespaces.includes(account.inputs.metadata.namespace));
                    assert.equal(account.inputs.automountServiceAccountToken, false, "no pod runs as the deploy account");

                    const roles = ofType(ev, ROLE).filter((r) => isDeployIdentity(r, product));
                    const bindings = ofType(ev, BINDING).filter((r) => isDeployIdentity(r, product));
                    assert.deepEqual(roles.map((r) => r.inputs.metadata.namespace).sort(), namespaces);
                    assert.deepEqual(bindings.map((r) => r.inputs.metadata.namespace).sort(), namespaces);
                    for (const b of bindings) {
                        assert.deepEqual(b.inputs.subjects, [{ kind: "ServiceAccount", name: account.inputs.metadata.name, namespace: account.inputs.metadata.namespace }]);
                        assert.equal(b.inputs.roleRef.kind, "Role");
                        assert.ok(roles.some((r) => r.inputs.metadata.namespace === b.inputs.metadata.namespace && r.inputs.metadata.name === b.inputs.roleRef.name),
                            `${b.inputs.metadata.namespace}: the binding names a Role of its own namespace`);
                    }
                    // Any binding anywhere naming this account stays inside the product's namespaces.
                    const boundIn = ofType(ev, BINDING).filter((b) => (b.inputs.subjects ?? []).some((s: any) =>
                        s.kind === "ServiceAccount" && s.name === account.inputs.metadata.name && s.namespace === account.inputs.metadata.namespace));
                    assert.ok(boundIn.every((b) => namespaces.includes(b.inputs.metadata.namespace)));
                    assert.equal(ofType(ev, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter((b) =>
                        (b.inputs.subjects ?? []).some((s: any) => s.namespace === account.inputs.metadata.namespace && s.name === account.inputs.metadata.name)).length, 0);
                });

                it(`${product}: its Roles read and watch workloads, pods, logs and events, and nothing more`, () => {
                    for (const role of ofType(ev, ROLE).filter((r) => isDeployIdentity(r, product))) {
                        const grants = new Set<string>();
                        for (const rule of role.inputs.rules) {
                            assert.deepEqual([...rule.verbs].sort(), ["get", "list", "watch"], `${role.name}: read verbs only`);
                            assert.equal(rule.resourceNames, undefined);
                            for (const group of rule.apiGroups) {
                                for (const resource of rule.resources) {
                                    grants.add(`${group}/${resource}`);
                                }
                            }
                        }
                        // What `kubectl rollout status`, `kubectl logs` and `kubectl get events` read.
                        for (const needed of ["apps/deployments", "apps/replicasets", "apps/statefulsets", "/pods", "/pods/log", "/events"]) {
                            assert.ok(grants.has(needed), `${role.name} lacks ${needed}`);
                        }
                        for (const g of grants) {
                            assert.ok(!/secrets|roles|rolebindings|\*|nodes|namespaces|serviceaccounts|exec|attach|portforward/.test(g), `${role.name} grants ${g}`);
                            assert.ok(!g.startsWith("rbac.authorization.k8s.io/"), `${role.name} grants ${g}`);
                        }
                    }
                });

                it(`${product}: a token Secret for the account, named after its rotation, created after the account`, () => {
                    const [account] = ofType(ev, SA).filter((r) => isDeployIdentity(r, product));
                    const tokens = ofType(ev, SECRET).filter((r) => isDeployIdentity(r, product));
                    assert.equal(tokens.length, 1);
                    const [token] = tokens;
                    assert.equal(token.inputs.type, "kubernetes.io/service-account-token");
                    assert.equal(token.inputs.metadata.annotations["kubernetes.io/service-account.name"], account.inputs.metadata.name);
                    assert.equal(token.inputs.metadata.namespace, account.inputs.metadata.namespace);
                    assert.ok(token.dependencies.includes(account.urn), "the token Secret depends on its ServiceAccount");
                    assert.ok(token.inputs.metadata.name.endsWith(`-r${configured(stack, ROTATION[product])}`), token.inputs.metadata.name);
                    assert.equal(token.inputs.data, undefined, "the token controller fills the data, never the program");
                });
            }

            it("every mapped product gets its own kubeconfig variable: file, masked, protected, scoped, naming only its namespace", () => {
                const variables = ofType(ev, VARIABLE).filter((v) => KUBECONFIG_KEYS.test(v.inputs.key));
                const mapped = mappedProducts(stack);
                assert.ok(mapped.length > 0);
                const tokens = new Set<string>();
                for (const { product, project } of mapped) {
                    const own = variables.filter((v) => v.inputs.project === project);
                    if (own.length === 0) {
                        // Only a pipeline with no environment in this tier gets none (QuickSpin AI and Soundcore KCP have no dev).
                        assert.equal(stack, "dev", `${product} has no kubeconfig variable in ${stack}`);
                        continue;
                    }
                    assert.equal(own.length, 1, `${product}: ${own.map((v) => v.inputs.key).join(", ")}`);
                    const [variable] = own;
                    assert.equal(variable.inputs.variableType, "file");
                    assert.equal(variable.inputs.masked, true);
                    assert.equal(variable.inputs.protected, true);
                    assert.notEqual(variable.inputs.environmentScope ?? "*", "*", `${product}: scoped to its GitLab environment`);
                    const kubeconfig = decodeKubeconfig(variable);
                    const [main] = ofType(ev, SA).filter((r) => isDeployIdentity(r, product)).map((a) => a.inputs.metadata.namespace);
                    assert.deepEqual(field(kubeconfig, "namespace"), [main]);
                    assert.deepEqual(field(kubeconfig, "server"), [configured(stack, "kubeApiServerUrl")]);
                    assert.equal(tokenSubject(kubeconfig), `system:serviceaccount:${main}:ci-deployer`);
                    const [ca] = field(kubeconfig, "certificate-authority-data");
                    assert.match(Buffer.from(ca, "base64").toString("utf8"), /^-----BEGIN CERTIFICATE-----\n/);
                    const [token] = field(kubeconfig, "token");
                    assert.ok(!tokens.has(token), `${product} shares a token`);
                    tokens.add(token);
                    for (const r of ev.resources) {
                        assert.ok(!visibleInputs(r).includes(token), `${r.name} shows ${product}'s token in plain text`);
                    }
                }
            });
        });
    }

    it("staging maps Harvis AI with just its platform-issued kubeconfig; one account serves its two namespaces", async () => {
        const ev = await stackEvaluation("staging");
        assert.deepEqual(namespacesOf(ev, "harvis-ai").length, 2);
        const harvis = ofType(ev, VARIABLE).filter((v) => v.inputs.project === "harvis-ai/harvis-ai");
        assert.deepEqual(harvis.map((v) => [v.inputs.key, v.inputs.environmentScope]), [["KUBECONFIG_CONTENT", "staging"]]);
    });

    it("a rotation bump replaces the token Secret's name and the product's variable value, and nothing else", async () => {
        const base = await stackEvaluation("prod");
        const before = Number(configured("prod", "chatbotDeployTokenRotation"));
        const rotated = await evaluateWith("prod", { chatbotDeployTokenRotation: before + 1 });
        const byUrn = new Map(base.resources.map((r) => [r.urn, r]));
        const changed = rotated.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(byUrn.get(r.urn)?.inputs));
        assert.deepEqual(changed.map((r) => r.name).sort(), ["chatbot-ci-K8S_KUBECONFIG_B64-production", "chatbot-deploy-identity-token"]);
        assert.equal(rotated.resources.length, base.resources.length);
        const secret = changed.find((r) => r.type === SECRET)!;
        assert.equal(secret.inputs.metadata.name, `ci-deployer-token-r${before + 1}`);
        assert.equal(byUrn.get(secret.urn)!.inputs.metadata.name, `ci-deployer-token-r${before}`);
        const variable = changed.find((r) => r.type === VARIABLE)!;
        const [oldToken] = field(decodeKubeconfig(byUrn.get(variable.urn)!), "token");
        const [newToken] = field(decodeKubeconfig(variable), "token");
        assert.notEqual(newToken, oldToken, "the variable carries the new token");
    });

    it("refuses an API server URL that is not https, or carries a path, naming the key, the value and what is allowed", async () => {
        for (const bad of ["http://api.example.com:6443", "https://api.example.com:6443/k8s", "api.example.com"]) {
            const message = await rejection(evaluateWith("staging", { kubeApiServerUrl: bad }));
            assert.match(message, new RegExp(`ai-platform:kubeApiServerUrl = "${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}": must be the https URL of the cluster's API server`));
        }
    });

    it("refuses a rotation that is not a positive whole number, naming the key", async () => {
        const message = await rejection(evaluateWith("prod", { soundcoreDeployTokenRotation: 0 }));
        assert.match(message, /ai-platform:soundcoreDeployTokenRotation = "0": must be an integer from 1 to 999999/);
    });
});
