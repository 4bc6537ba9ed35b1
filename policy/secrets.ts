/** Secrets and access: no credentials in literals or ConfigMaps; least-privilege RBAC. */
import { explain, Findings, PackPolicy, Res, resourcePolicy } from "./lib/core";
import { A_M, M_M } from "./lib/levels";
import { hasKind } from "./lib/k8s";
import { at, forEachContainer } from "./lib/podcheck";
import { isPodBearing } from "./lib/pods";
import { arr, keys, obj, str } from "./lib/values";

export const DEFAULT_SENSITIVE_NAME =
    "(^|[_.-])(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?|WEBHOOK_?URL|DSN)([_.-]|$)";
export const DEFAULT_NON_SECRET_NAME =
    "(_FILE|_PATH|_DIR|_NAME|_REF|_KEY_ID|_ID|_ENABLED|_TTL|_EXPIRY|_EXPIRES_IN|_EXPIRATION|_LENGTH|_LIMIT|_HEADER|_ALGORITHM|_ISSUER|_AUDIENCE|_TYPE|_ENDPOINT|_HOST|_PORT|_USER|_USERNAME|_MOUNT)$";

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]+ )?PRIVATE KEY-----/;
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:([^/\s@]+)@/i;

interface SecretLiteralConfig {
    sensitiveNamePattern: string;
    nonSecretNamePattern: string;
    allowedNames: string[];
}

/** Why this name/value pair looks like a literal credential, or undefined. Never includes the value. */
export function secretLiteralReason(name: string, value: string, cfg: SecretLiteralConfig): string | undefined {
    if (value.trim() === "") return undefined;
    if (PEM_PRIVATE_KEY.test(value)) return "contains a PEM private key";
    const url = URL_CREDENTIALS.exec(value);
    if (url && !/^(\$\(|\$\{)/.test(url[1])) return "contains a URL with an embedded password";
    if (cfg.allowedNames.includes(name)) return undefined;
    const sensitive = new RegExp(cfg.sensitiveNamePattern, "i");
    const nonSecret = new RegExp(cfg.nonSecretNamePattern, "i");
    if (!sensitive.test(name) || nonSecret.test(name)) return undefined;
    // Numbers, booleans and variable references are settings, not secrets (e.g. TOKEN_LIMIT=4096).
    if (/^[0-9.]+$/.test(value) || /^(true|false|yes|no|on|off)$/i.test(value) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(value)) {
        return undefined;
    }
    return "is named like a credential and holds a literal value";
}

function checkEnv(res: Res, out: Findings, cfg: SecretLiteralConfig): void {
    forEachContainer(res, out, (c) => {
        arr(c.c.env).forEach((e: any, i: number) => {
            const name = str(obj(e).name) ?? "";
            const value = obj(e).value;
            if (typeof value !== "string") return;
            const reason = secretLiteralReason(name, value, cfg);
            if (reason) {
                out.violation(explain(`${at(res, c, `env[${i}].value`)}: ${name} ${reason}`,
                    "the value is stored in the Pulumi program and state, in the Kubernetes object readable by anyone who can `get` it, and in every diff and log of the pipeline",
                    `keep it in a Kubernetes Secret and use env[${i}].valueFrom.secretKeyRef (generate it with @pulumi/random or read it with config.requireSecret)`));
            }
        });
    });
}

function checkConfigMap(res: Res, out: Findings, cfg: SecretLiteralConfig): void {
    for (const field of ["data", "binaryData"]) {
        const data = obj(res.props[field]);
        for (const k of keys(data)) {
            out.guard(`${res.label} ${field}.${k}`, () => {
                const v = data[k];
                if (typeof v !== "string") return;
                const reason = field === "binaryData" ? (cfg.allowedNames.includes(k) ? undefined : secretLiteralReason(k, "x", cfg) && "is named like a credential")
                    : secretLiteralReason(k, v, cfg);
                if (reason) {
                    out.violation(explain(`${res.label} (${field}.${k}) ${reason}`,
                        "ConfigMaps are not encrypted at rest, are readable by every workload with ConfigMap access, and show up in plain text in diffs and logs",
                        "move the value to a Secret and reference it from the pod (secretKeyRef or a secret volume)"));
                }
            });
        }
    }
}

export function noSecretLiterals(): PackPolicy {
    return resourcePolicy<SecretLiteralConfig>({
        name: "no-secret-literals",
        description: "No credentials in plain text: no literal env[].value named like a password/token/secret/API key, no PEM private keys or passwords in URLs, no credential-like ConfigMap data.",
        anchors: "no-secret-literals: Polaris sensitiveContainerEnvVar, sensitiveConfigmapContent",
        levels: M_M,
        exemption: "not-in-prod",
        config: {
            sensitiveNamePattern: { type: "string", default: DEFAULT_SENSITIVE_NAME, description: "Case-insensitive regular expression for credential-like names." },
            nonSecretNamePattern: { type: "string", default: DEFAULT_NON_SECRET_NAME, description: "Case-insensitive regular expression for names that only describe a secret (paths, ids, lengths)." },
            allowedNames: { type: "array", items: { type: "string" }, default: [], description: "Exact names never treated as credentials." },
        },
        appliesTo: (type) => isPodBearing(type) || hasKind(type, "ConfigMap"),
        check: (res, cfg, out) => (res.kind === "ConfigMap" ? checkConfigMap(res, out, cfg) : checkEnv(res, out, cfg)),
    });
}

export function rbacLeastPrivilege(): PackPolicy {
    return resourcePolicy<{ forbiddenRoles: string[] }>({
        name: "rbac-least-privilege",
        description: "No bindings to cluster-admin, no `*` verbs, no pods/exec or pods/attach in Roles and ClusterRoles.",
        anchors: "rbac-least-privilege: Polaris clusterrolebindingClusterAdmin, *PodExecAttach; Kyverno restrict-binding-clusteradmin, restrict-wildcard-verbs",
        levels: A_M,
        exemption: "yes",
        config: {
            forbiddenRoles: { type: "array", items: { type: "string" }, default: ["cluster-admin"], description: "ClusterRoles nothing may be bound to." },
        },
        appliesTo: (type) => hasKind(type, "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"),
        check: (res, cfg, out) => {
            if (res.kind === "RoleBinding" || res.kind === "ClusterRoleBinding") {
                const ref = obj(res.props.roleRef);
                const name = str(ref.name) ?? "";
                if (str(ref.kind) === "ClusterRole" && cfg.forbiddenRoles.includes(name)) {
                    out.violation(explain(`${res.label} (roleRef) binds the ClusterRole ${name}`,
                        `${name} can do anything in ${res.kind === "ClusterRoleBinding" ? "the whole cluster" : "the namespace, including reading every Secret"}; a leaked token of a bound subject is a full compromise`,
                        "bind a Role with only the verbs and resources the subject needs"));
                }
                return;
            }
            arr(res.props.rules).forEach((rule: any, i: number) => {
                const verbs = arr(obj(rule).verbs).map(String);
                const resources = arr(obj(rule).resources).map(String);
                if (verbs.includes("*")) {
                    out.violation(explain(`${res.label} (rules[${i}].verbs) contains "*"`,
                        "a wildcard verb also grants escalate, bind, impersonate and delete, and every verb added to Kubernetes later",
                        "list the verbs needed (get, list, watch, …)"));
                }
                for (const sub of ["pods/exec", "pods/attach"]) {
                    if (resources.includes(sub)) {
                        out.violation(explain(`${res.label} (rules[${i}].resources) grants ${sub}`,
                            `${sub} lets the subject run commands in any pod of its scope, reading its secrets and acting as its service account`,
                            `remove ${sub}; debug through audited break-glass access instead`));
                    }
                }
            });
        },
    });
}

