/** Secrets and access: no credentials in literals or ConfigMaps; least-privilege RBAC. */
import { explain, Findings, PackPolicy, Res, resourcePolicy, stackPolicy } from "./lib/core";
import { A_M, M_M } from "./lib/levels";
import { hasKind } from "./lib/k8s";
import { at, forEachContainer } from "./lib/podcheck";
import { isPodBearing } from "./lib/pods";
import { scanValues, SecretKind } from "./lib/secretScan";
import { K8sObj, StackIndex } from "./lib/stack";
import { arr, keys, obj, str } from "./lib/values";

const GENERIC_SENSITIVE_NAME =
    "(^|[_.-])(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|BEARER|API_?KEY|APIKEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?|WEBHOOK_?URL|DSN|CONNECTION_?STRING)([_.-]|$)";
/**
 * Cloud providers call their keys <PROVIDER>_<anything>_KEY (AZURE_STORAGE_ACCOUNT_KEY, AZURE_BATCH_KEY,
 * OCI_CLI_KEY_CONTENT, GOOGLE_MAPS_KEY); a key-management key name (…_KMS_KEY) only names a key.
 */
const PROVIDER_KEY_NAME =
    "^(?!(.*[_.-])?KMS([_.-]|$))(AWS|AZURE|ARM|GCP|GOOGLE|GCLOUD|GCS|OCI|ORACLE|ALIBABA|ALICLOUD|ALIYUN|IBM|IBMCLOUD|DO|DIGITALOCEAN|LINODE|HCLOUD|HETZNER|SCW|SCALEWAY|OVH|CLOUDFLARE|CF|EXOSCALE|VULTR)[_.-](.+[_.-])?KEY([_.-](CONTENT|DATA|JSON|PEM|B64|BASE64|VALUE))?$";
export const DEFAULT_SENSITIVE_NAME = `${GENERIC_SENSITIVE_NAME}|${PROVIDER_KEY_NAME}`;
export const DEFAULT_NON_SECRET_NAME =
    "(_FILE|_PATH|_DIR|_NAME|_REF|_KEY_ID|_ID|_ARN|_ENABLED|_TTL|_EXPIRY|_EXPIRES_IN|_EXPIRATION|_LENGTH|_LIMIT|_HEADER|_ALGORITHM|_ISSUER|_AUDIENCE|_TYPE|_ENDPOINT|_HOST|_PORT|_USER|_USERNAME|_MOUNT)$";

const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^/\s@]+)@/i;

interface SecretLiteralConfig {
    sensitiveNamePattern: string;
    nonSecretNamePattern: string;
    allowedNames: string[];
    allowedValuePatterns: string[];
}

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
    let re = compiled.get(pattern);
    if (!re) {
        re = new RegExp(pattern, "i");
        compiled.set(pattern, re);
    }
    return re;
}

/** Why a name/value pair looks like a literal credential by its name alone, or undefined. */
export function nameReason(name: string, value: string, cfg: Omit<SecretLiteralConfig, "allowedValuePatterns">): string | undefined {
    if (value.trim() === "" || cfg.allowedNames.includes(name)) return undefined;
    if (!regex(cfg.sensitiveNamePattern).test(name) || regex(cfg.nonSecretNamePattern).test(name)) return undefined;
    // Numbers, booleans and variable references are settings, not secrets (e.g. TOKEN_LIMIT=4096).
    if (/^[0-9.]+$/.test(value) || /^(true|false|yes|no|on|off)$/i.test(value) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(value)) {
        return undefined;
    }
    return "is named like a credential and holds a literal value";
}

/**
 * A password in a URL (`scheme://user:password@host`, user optional), unless it is a reference resolved
 * at run time: `$(VAR)` (Kubernetes), `${VAR}` or `$VAR` (a shell script in command/args).
 */
function urlPassword(value: string): SecretKind[] {
    const url = URL_CREDENTIALS.exec(value);
    return url && !/^\$[A-Za-z_({]/.test(url[1]) ? [{ kind: "a URL with an embedded password", by: "ai-platform pattern" }] : [];
}

/** One string literal of the resource's inputs. */
interface Literal {
    /** How the message names it: `Deployment shop/web, container "web" (spec…env[3].value): DB_PASSWORD`. */
    readonly where: string;
    /** Variable or key name, when the literal has one (the name rule needs it). */
    readonly name?: string;
    readonly value: string;
    readonly why: string;
    readonly fix: string;
    /** binaryData that does not decode to text: only its key can be judged. */
    readonly binary?: boolean;
}

const WHY_ENV = "the value is stored in the Pulumi program and state, in the Kubernetes object readable by anyone who can `get` it, and in every diff and log of the pipeline";
const WHY_ARGS = "command-line arguments are stored in the Pulumi program and state and in the Kubernetes object, and every process on the node can read them (ps, /proc/<pid>/cmdline)";
const WHY_CONFIGMAP = "ConfigMaps are not encrypted at rest, are readable by every workload with ConfigMap access, and show up in plain text in diffs and logs";
const FIX_CONFIGMAP = "move the value to a Secret and reference it from the pod (secretKeyRef or a secret volume)";

function podLiterals(res: Res, out: Findings): Literal[] {
    const found: Literal[] = [];
    forEachContainer(res, out, (c) => {
        arr(c.c.env).forEach((e: any, i: number) => {
            const name = str(obj(e).name) ?? "";
            const value = obj(e).value;
            if (typeof value !== "string") return;
            found.push({
                where: `${at(res, c, `env[${i}].value`)}: ${name}`, name, value, why: WHY_ENV,
                fix: `keep it in a Kubernetes Secret and use env[${i}].valueFrom.secretKeyRef (generate it with @pulumi/random or read it with config.requireSecret)`,
            });
        });
        for (const field of ["command", "args"]) {
            arr(c.c[field]).forEach((a: unknown, j: number) => {
                if (typeof a !== "string") return;
                found.push({
                    where: at(res, c, `${field}[${j}]`), value: a, why: WHY_ARGS,
                    fix: "put the value in a Secret, pass it as an environment variable (env[].valueFrom.secretKeyRef) and write $(VAR) in the argument, or mount the Secret as a file",
                });
            });
        }
    });
    return found;
}

function configMapLiterals(res: Res, out: Findings): Literal[] {
    const found: Literal[] = [];
    for (const field of ["data", "binaryData"]) {
        const data = obj(res.props[field]);
        for (const k of keys(data)) {
            out.guard(`${res.label} ${field}.${k}`, () => {
                const v = data[k];
                if (typeof v !== "string") return;
                const where = `${res.label} (${field}.${k})`;
                if (field === "data") {
                    found.push({ where, name: k, value: v, why: WHY_CONFIGMAP, fix: FIX_CONFIGMAP });
                    return;
                }
                const text = Buffer.from(v, "base64").toString("utf8");
                const binary = /[\u0000\ufffd]/.test(text);
                found.push({ where, name: k, value: binary ? "x" : text, why: WHY_CONFIGMAP, fix: FIX_CONFIGMAP, binary });
            });
        }
    }
    return found;
}

function reportLiteral(l: Literal, kinds: readonly SecretKind[], cfg: SecretLiteralConfig, out: Findings): void {
    let reason: string | undefined;
    if (kinds.length > 0) {
        const what = [...new Set(kinds.map((k) => k.kind))].join(" and ");
        reason = `contains ${what} (found by ${[...new Set(kinds.map((k) => k.by))].join(", ")})`;
    } else if (l.name !== undefined) {
        reason = l.binary ? nameReason(l.name, "x", cfg) && "is named like a credential" : nameReason(l.name, l.value, cfg);
    }
    if (reason) {
        out.violation(explain(`${l.where} ${reason}`, l.why, l.fix));
    }
}

export function noSecretLiterals(): PackPolicy {
    return resourcePolicy<SecretLiteralConfig>({
        name: "no-secret-literals",
        description: "No credentials in plain text: no literal env[].value named like a password/token/secret/API key, no value (env, args, ConfigMap data) that a secret scanner recognises as a credential (cloud keys, tokens, private keys, passwords in URLs).",
        anchors: "no-secret-literals: Polaris sensitiveContainerEnvVar, sensitiveConfigmapContent; secretlint recommended rules",
        levels: M_M,
        exemption: "not-in-prod",
        config: {
            sensitiveNamePattern: { type: "string", default: DEFAULT_SENSITIVE_NAME, description: "Case-insensitive regular expression for credential-like names." },
            nonSecretNamePattern: { type: "string", default: DEFAULT_NON_SECRET_NAME, description: "Case-insensitive regular expression for names that only describe a secret (paths, ids, lengths)." },
            allowedNames: { type: "array", items: { type: "string" }, default: [], description: "Exact names never treated as credentials." },
            allowedValuePatterns: {
                type: "array", items: { type: "string" }, default: [],
                description: "Regular expressions for values that look like credentials but are not (e.g. a documented test key); they skip the value scan, not the name rule.",
            },
        },
        appliesTo: (type) => isPodBearing(type) || hasKind(type, "ConfigMap"),
        check: (res, cfg, out) => {
            const literals = res.kind === "ConfigMap" ? configMapLiterals(res, out) : podLiterals(res, out);
            if (literals.length === 0) return undefined;
            const allowed = cfg.allowedValuePatterns.map((p) => new RegExp(p));
            const skipped = literals.map((l) => l.binary === true || allowed.some((re) => re.test(l.value)));
            // Only the literals are scanned, never the serialized object: the scan stays proportional to what the program wrote.
            return scanValues(literals.map((l, i) => (skipped[i] ? "" : l.value))).then((found) => {
                literals.forEach((l, i) => reportLiteral(l, skipped[i] ? [] : [...urlPassword(l.value), ...found[i]], cfg, out));
            });
        },
    });
}

/** The verbs of the resource API; granting all of them by name on everything is granting "*". */
const ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
/** exec and attach are a POST (create) or, over a WebSocket, a GET (get). */
const EXEC_VERBS = ["create", "get", "*"];

/** The ClusterRoles every cluster creates at bootstrap (kube-apiserver's default RBAC policy). */
const BUILTIN_CLUSTER_ROLES: ReadonlySet<string> = new Set([
    "admin", "cluster-admin", "edit", "view",
    "system:aggregate-to-admin", "system:aggregate-to-edit", "system:aggregate-to-view", "system:auth-delegator",
    "system:basic-user", "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    "system:certificates.k8s.io:kube-apiserver-client-approver", "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
    "system:certificates.k8s.io:kubelet-serving-approver", "system:certificates.k8s.io:legacy-unknown-approver",
    "system:discovery", "system:heapster", "system:kube-aggregator", "system:kube-controller-manager", "system:kube-dns",
    "system:kube-scheduler", "system:kubelet-api-admin", "system:monitoring", "system:node", "system:node-bootstrapper",
    "system:node-problem-detector", "system:node-proxier", "system:persistent-volume-provisioner", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler",
]);
/** The namespaced Roles of the bootstrap policy, as <namespace>/<name>. */
const BUILTIN_ROLES: ReadonlySet<string> = new Set([
    "kube-system/extension-apiserver-authentication-reader", "kube-system/system::leader-locking-kube-controller-manager",
    "kube-system/system::leader-locking-kube-scheduler", "kube-system/system:controller:bootstrap-signer",
    "kube-system/system:controller:cloud-provider", "kube-system/system:controller:token-cleaner",
    "kube-public/system:controller:bootstrap-signer",
]);

interface RbacConfig {
    forbiddenRoles: string[];
    externalRoles: string[];
}

function checkRules(role: K8sObj, out: Findings): void {
    const scope = role.kind === "ClusterRole" ? "the whole cluster" : `namespace ${role.namespace}`;
    arr(role.props.rules).forEach((rule: any, i: number) => out.guard(`${role.label} rules[${i}]`, () => {
        const r = obj(rule);
        const verbs = arr(r.verbs).map(String);
        const resources = arr(r.resources).map(String);
        // Resource rules must name their groups; an absent list is read as the core group, where pods live.
        const groups = r.apiGroups === undefined ? [""] : arr(r.apiGroups).map(String);
        if (verbs.includes("*")) {
            out.violation(explain(`${role.label} (rules[${i}].verbs) contains "*"`,
                "a wildcard verb also grants escalate, bind, impersonate and delete, and every verb added to Kubernetes later",
                "list the verbs needed (get, list, watch, …)"), role.urn);
        }
        for (const sub of ["pods/exec", "pods/attach"]) {
            if (resources.includes(sub)) {
                out.violation(explain(`${role.label} (rules[${i}].resources) grants ${sub}`,
                    `${sub} lets the subject run commands in any pod of its scope, reading its secrets and acting as its service account`,
                    `remove ${sub}; debug through audited break-glass access instead`), role.urn);
            }
        }
        const coreGroup = groups.some((g) => g === "" || g === "*");
        const execVerbs = verbs.filter((v) => EXEC_VERBS.includes(v));
        const wildcardsFor = (sub: string) => resources.filter((x) => x === "*" || x === "pods/*" || x === `*/${sub}`);
        const subs = ["exec", "attach"].filter((sub) => !resources.includes(`pods/${sub}`) && wildcardsFor(sub).length > 0);
        if (coreGroup && execVerbs.length > 0 && subs.length > 0) {
            const via = [...new Set(subs.flatMap(wildcardsFor))];
            out.violation(explain(`${role.label} (rules[${i}].resources) grants ${subs.map((sub) => `pods/${sub}`).join(" and ")} through ${via.map((x) => JSON.stringify(x)).join(", ")} with ${execVerbs.map((v) => JSON.stringify(v)).join(", ")}`,
                `a wildcard resource includes the exec and attach subresources, and ${execVerbs.join("/")} is what they check (create for the SPDY POST, get for a WebSocket upgrade), so the subject can run commands in every pod of ${scope}, read its secrets and act as its service account`,
                "list the resources the subject needs by name (no \"*\", \"pods/*\" or \"*/exec\")"), role.urn);
        }
        if (!verbs.includes("*") && ALL_VERBS.every((v) => verbs.includes(v)) && groups.includes("*") && resources.includes("*")) {
            out.violation(explain(`${role.label} (rules[${i}]) grants every verb by name (${ALL_VERBS.join(", ")}) on every resource of every API group`,
                `that is ${role.kind === "ClusterRole" ? "cluster-admin" : "namespace admin"} in all but name over ${scope}: it reads every Secret, runs pods as any ServiceAccount and rewrites Roles, while a check for the name cluster-admin or for a "*" verb does not see it`,
                "grant only the API groups, resources and verbs the subject uses"), role.urn);
        }
    }, role.urn));
}

function knownExternally(cfg: RbacConfig, kind: string, ns: string, name: string): boolean {
    if (kind === "ClusterRole") {
        return BUILTIN_CLUSTER_ROLES.has(name) || cfg.externalRoles.includes(`ClusterRole/${name}`);
    }
    return BUILTIN_ROLES.has(`${ns}/${name}`) || cfg.externalRoles.includes(`Role/${ns}/${name}`) || cfg.externalRoles.includes(`Role/*/${name}`);
}

function checkBinding(index: StackIndex, b: K8sObj, cfg: RbacConfig, out: Findings): void {
    const ref = obj(b.props.roleRef);
    const kind = str(ref.kind) ?? "";
    const name = str(ref.name) ?? "";
    if (kind === "ClusterRole" && cfg.forbiddenRoles.includes(name)) {
        out.violation(explain(`${b.label} (roleRef) binds the ClusterRole ${name}`,
            `${name} can do anything in ${b.kind === "ClusterRoleBinding" ? "the whole cluster" : "the namespace, including reading every Secret"}; a leaked token of a bound subject is a full compromise`,
            "bind a Role with only the verbs and resources the subject needs"), b.urn);
        return;
    }
    if (kind === "Role" && b.kind === "ClusterRoleBinding") {
        out.violation(explain(`${b.label} (roleRef.kind) is Role`,
            "a ClusterRoleBinding can only name a ClusterRole: the API server rejects it and the deployment fails",
            "bind the Role with a RoleBinding in its namespace, or reference a ClusterRole"), b.urn);
        return;
    }
    if (kind !== "Role" && kind !== "ClusterRole") return;
    const ns = kind === "Role" ? b.namespace : "";
    if (kind === "Role" && !b.namespaceKnown) {
        out.note(`Could not check that the Role ${name} named by ${b.label} exists: the binding's namespace is unknown during preview.`, b.urn);
        return;
    }
    const target = kind === "Role" ? `Role ${ns}/${name}` : `ClusterRole ${name}`;
    if (knownExternally(cfg, kind, ns, name)) return;
    const found = index.resolve(kind, ns, name);
    if (found && "uncertain" in found) {
        out.note(`Could not check that the ${target} named by ${b.label} exists: a ${kind} name${kind === "Role" ? " in the namespace" : ""} is unknown during preview.`, b.urn);
    } else if (!found) {
        out.violation(explain(`${b.label} (roleRef) names ${target}, which is neither in this stack nor a built-in role`,
            "Kubernetes accepts a binding to a role that does not exist: it grants nothing, the subject fails with Forbidden at run time, and whoever later creates a role of that name grants it to the subject silently",
            `pass the role object's metadata.name instead of a string (a typo then fails to compile), or list ${kind === "Role" ? `Role/${ns}/${name}` : `ClusterRole/${name}`} in rbac-least-privilege.externalRoles if it is created outside the stack`), b.urn);
    }
}

export function rbacLeastPrivilege(): PackPolicy {
    return stackPolicy<RbacConfig>({
        name: "rbac-least-privilege",
        description: "No bindings to cluster-admin or to roles that do not exist; no `*` verbs, no pods/exec or pods/attach (by name or through a wildcard resource) and no every-verb-on-everything rules in Roles and ClusterRoles.",
        anchors: "rbac-least-privilege: Polaris clusterrolebindingClusterAdmin, *PodExecAttach; Kyverno restrict-binding-clusteradmin, restrict-wildcard-verbs",
        levels: A_M,
        exemption: "yes",
        config: {
            forbiddenRoles: { type: "array", items: { type: "string" }, default: ["cluster-admin"], description: "ClusterRoles nothing may be bound to." },
            externalRoles: {
                type: "array", items: { type: "string" }, default: [],
                description: "Roles created outside the stack that bindings may name, as ClusterRole/<name> or Role/<namespace or *>/<name> (the Kubernetes bootstrap roles are always known).",
            },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const role of index.ofKind("Role", "ClusterRole")) {
                out.guard(role.label, () => checkRules(role, out), role.urn);
            }
            for (const b of index.ofKind("RoleBinding", "ClusterRoleBinding")) {
                out.guard(`the roleRef of ${b.label}`, () => checkBinding(index, b, cfg, out), b.urn);
            }
        },
    });
}

// --- product-rbac-scope -----------------------------------------------------------------------------

interface ProductRbacConfig {
    productLabel: string;
    platformValues: string[];
    secretGrantingClusterRoles: string[];
}

const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_RESOURCES = ["roles", "rolebindings", "clusterroles", "clusterrolebindings"];
const RBAC_VERBS = ["bind", "escalate", "impersonate"];
/** Cluster-scoped kinds a Role may name but never grant: naming one shows the rule meant cluster access. */
const CLUSTER_SCOPED_RESOURCES = ["nodes", "namespaces", "persistentvolumes", "storageclasses", "clusterroles", "clusterrolebindings",
    "customresourcedefinitions", "priorityclasses", "certificatesigningrequests", "validatingwebhookconfigurations", "mutatingwebhookconfigurations"];

/** Which product owns each namespace of the stack, from the Namespace objects' product label. */
function productNamespaces(index: StackIndex, cfg: ProductRbacConfig): Map<string, string> {
    const owner = new Map<string, string>();
    for (const ns of index.ofKind("Namespace")) {
        const product = ns.labels.value[cfg.productLabel];
        if (product && !cfg.platformValues.includes(product) && ns.nameKnown) {
            owner.set(ns.objName, product);
        }
    }
    return owner;
}

function checkProductRole(role: K8sObj, product: string, out: Findings): void {
    arr(role.props.rules).forEach((rule: any, i: number) => out.guard(`${role.label} rules[${i}]`, () => {
        const r = obj(rule);
        const verbs = arr(r.verbs).map(String);
        const resources = arr(r.resources).map(String);
        const groups = r.apiGroups === undefined ? [""] : arr(r.apiGroups).map(String);
        const where = `${role.label} (rules[${i}])`;
        const inGroup = (...gs: string[]) => groups.some((g) => g === "*" || gs.includes(g));
        if (inGroup("") && resources.some((x) => x === "secrets" || x === "*" || x.startsWith("secrets/"))) {
            out.violation(explain(`${where} of product ${product} grants secrets${resources.includes("*") ? " (through \"*\")" : ""}`,
                "a product's account that reads Secrets reads every credential of its namespace: database passwords, API keys, other tokens",
                "grant the workload and pod resources the pipeline reads by name; the platform delivers credentials"), role.urn);
        }
        const rbac = resources.filter((x) => x === "*" || RBAC_RESOURCES.includes(x));
        if ((inGroup(RBAC_GROUP) && rbac.length > 0) || verbs.some((v) => RBAC_VERBS.includes(v))) {
            out.violation(explain(`${where} of product ${product} grants RBAC (${[...rbac.map((x) => `${x}`), ...verbs.filter((v) => RBAC_VERBS.includes(v))].join(", ")})`,
                "an account that can write roles or bindings, or bind, escalate or impersonate, can give itself any permission of its namespace",
                "remove the rule: the platform issues the product's Roles and bindings"), role.urn);
        }
        const clusterScoped = resources.filter((x) => CLUSTER_SCOPED_RESOURCES.includes(x));
        if (clusterScoped.length > 0) {
            out.violation(explain(`${where} of product ${product} names cluster-scoped ${clusterScoped.join(", ")}`,
                "a Role cannot grant cluster-scoped objects, so the rule either does nothing or documents a wish for cluster access a product must not have",
                "remove them; a product reads only its own namespaces"), role.urn);
        }
    }, role.urn));
}

/** The ServiceAccount subjects of a binding, as <namespace>/<name>. */
function accountSubjects(b: K8sObj): Array<{ namespace: string; name: string }> {
    return arr(b.props.subjects).map((s: any) => obj(s)).filter((s) => s.kind === "ServiceAccount")
        .map((s) => ({ namespace: str(s.namespace) ?? b.namespace, name: str(s.name) ?? "" }));
}

export function productRbacScope(): PackPolicy {
    return stackPolicy<ProductRbacConfig>({
        name: "product-rbac-scope",
        description: "A product's Roles grant no Secrets, no RBAC (roles, bindings, bind/escalate/impersonate) and name nothing cluster-scoped; a product's ServiceAccounts are bound only inside its own namespaces, never cluster-wide, and never to a ClusterRole that reads Secrets.",
        anchors: "product-rbac-scope: stack-level (catalogue, second table); Kyverno restrict-escalation-verbs-roles (bind, escalate, impersonate)",
        levels: A_M,
        exemption: "yes",
        config: {
            productLabel: { type: "string", default: "ai-platform.io/product", description: "Namespace label naming the product that owns the namespace." },
            platformValues: { type: "array", items: { type: "string" }, default: ["platform"], description: "Values of productLabel that mark the platform's own namespaces (not a product)." },
            secretGrantingClusterRoles: {
                type: "array", items: { type: "string" }, default: ["cluster-admin", "admin", "edit"],
                description: "ClusterRoles a product's RoleBinding may not name: they grant Secrets and (admin) RBAC within the namespace.",
            },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            const owner = productNamespaces(index, cfg);
            const namespacesOf = (product: string) => [...owner.entries()].filter(([, p]) => p === product).map(([ns]) => ns).sort();
            for (const role of index.ofKind("Role")) {
                const product = role.namespaceKnown ? owner.get(role.namespace) : undefined;
                if (product) {
                    out.guard(role.label, () => checkProductRole(role, product, out), role.urn);
                }
            }
            for (const role of index.ofKind("ClusterRole", "ClusterRoleBinding")) {
                out.guard(role.label, () => {
                    const product = role.labels.value["app.kubernetes.io/part-of"];
                    if (product && [...owner.values()].includes(product)) {
                        out.violation(explain(`${role.label} belongs to product ${product}`,
                            "a cluster-scoped role or binding reaches every namespace, the other products' included",
                            "grant the product a Role and RoleBinding in each of its namespaces instead"), role.urn);
                    }
                }, role.urn);
            }
            for (const b of index.ofKind("RoleBinding", "ClusterRoleBinding")) {
                out.guard(`the subjects of ${b.label}`, () => {
                    for (const subject of accountSubjects(b)) {
                        const product = owner.get(subject.namespace);
                        if (!product) continue;
                        const account = `ServiceAccount ${subject.namespace}/${subject.name} of product ${product}`;
                        if (b.kind === "ClusterRoleBinding") {
                            out.violation(explain(`${b.label} binds ${account} cluster-wide`,
                                "the account then holds the role in every namespace, the other products' included",
                                `bind it with a RoleBinding in each of ${product}'s namespaces (${namespacesOf(product).join(", ")})`), b.urn);
                            continue;
                        }
                        if (!b.namespaceKnown) {
                            out.note(`Could not check that ${b.label} stays inside ${product}'s namespaces: its namespace is unknown during preview.`, b.urn);
                            continue;
                        }
                        if (owner.get(b.namespace) !== product) {
                            out.violation(explain(`${b.label} binds ${account} outside its namespaces`,
                                `a product's pipeline token then reaches into namespace ${b.namespace}, which is not ${product}'s`,
                                `bind it only in ${namespacesOf(product).join(", ")}`), b.urn);
                        }
                    }
                    const ref = obj(b.props.roleRef);
                    const product = b.namespaceKnown ? owner.get(b.namespace) : undefined;
                    if (b.kind === "RoleBinding" && product && ref.kind === "ClusterRole" && cfg.secretGrantingClusterRoles.includes(str(ref.name) ?? "")) {
                        out.violation(explain(`${b.label} of product ${product} binds the ClusterRole ${str(ref.name)}`,
                            `${str(ref.name)} reads every Secret of the namespace${str(ref.name) === "edit" ? "" : " and rewrites its RBAC"}`,
                            "bind a Role of the product's own with the resources its pipeline reads"), b.urn);
                    }
                }, b.urn);
            }
        },
    });
}
