/** GitLab CI/CD variables managed by the stacks (dynamic provider or pulumi-gitlab). */
import { explain, Findings, PackPolicy, Res, resourcePolicy, stackPolicy } from "./lib/core";
import { A_M } from "./lib/levels";
import { str } from "./lib/values";

export const GITLAB_VARIABLE_TYPES: readonly string[] = [
    "pulumi-nodejs:dynamic/gitlab:ProjectVariable",
    "pulumi-nodejs:dynamic/gitlab:GroupVariable",
    "gitlab:index/projectVariable:ProjectVariable",
    "gitlab:index/groupVariable:GroupVariable",
];
const GENERIC_DYNAMIC = "pulumi-nodejs:dynamic:Resource";

/** A GitLab variable resource: one of the known types, or a generic dynamic resource with project/key/value inputs. */
export function isGitlabVariable(type: string, props?: any): boolean {
    if (GITLAB_VARIABLE_TYPES.includes(type)) return true;
    if (type !== GENERIC_DYNAMIC || props === undefined) return false;
    const keys = Object.keys(props);
    return keys.includes("key") && keys.includes("value") && (keys.includes("project") || keys.includes("group"));
}

function describeVar(res: Res): string {
    let key = res.name;
    let scope = "*";
    try {
        key = str(res.props.key) ?? key;
        scope = str(res.props.environmentScope) ?? str(res.props.environment_scope) ?? "*";
    } catch {
        // unknown key or scope during preview
    }
    return `GitLab variable ${key} (scope ${scope})`;
}

const MASK_CHARSET = /^[A-Za-z0-9_+=/@:.~-]+$/;

/** Masking-rule problems of a value (never includes the value itself). */
export function maskingProblems(value: string, raw: boolean): string[] {
    const problems: string[] = [];
    if (value.length < 8) problems.push(`is ${value.length} characters long (GitLab needs at least 8)`);
    if (/\s/.test(value)) problems.push("contains whitespace or a newline");
    if (!raw) {
        const bad = [...value].filter((ch) => !/\s/.test(ch) && !MASK_CHARSET.test(ch)).length;
        if (bad > 0) problems.push(`contains ${bad} character(s) outside A-Z a-z 0-9 _ + = / @ : . ~ - (allowed for raw: false)`);
    }
    return problems;
}

function checkMasked(res: Res, keysInStack: Set<string>, out: Findings): void {
    const p = res.props;
    const label = describeVar(res);
    const hidden = p.hidden === true;
    const masked = p.masked === true || hidden;
    if (hidden && p.masked !== true) {
        out.violation(explain(`${label} sets hidden: true without masked: true`,
            "GitLab only hides masked variables, so the API rejects the variable", "set masked: true as well"), res.urn);
    }
    if (!masked) return;
    out.guard(`the masked value of ${label}`, () => {
        const value = p.value;
        const raw = p.raw === true;
        if (typeof value !== "string") {
            out.violation(explain(`${label} is masked but its value is not a string`, "GitLab cannot mask it", "pass a string value"), res.urn);
            return;
        }
        const problems = maskingProblems(value, raw);
        if (problems.length > 0) {
            out.violation(explain(`${label} is masked but its value ${problems.join("; ")}`,
                "GitLab rejects the variable with 400 {\"value\":[\"is invalid\"]} at `pulumi up`, or the secret would be printed unmasked in job logs",
                raw ? "use a value of at least 8 characters with no whitespace (e.g. base64-encode it)"
                    : "use a value of at least 8 characters from the allowed set (base64/hex-encode it), or set raw: true if it is never expanded"), res.urn);
        }
        if (keysInStack.has(value)) {
            out.violation(explain(`${label} is masked but its value equals the name of another variable of the stack`,
                "GitLab masks the value wherever it appears, so that variable name would be masked in every job log", "use a different value"), res.urn);
        }
    }, res.urn);
}

export function gitlabMaskedVarValid(): PackPolicy {
    return stackPolicy({
        name: "gitlab-masked-var-valid",
        description: "Masked (or hidden) GitLab CI/CD variables have values GitLab accepts for masking: ≥ 8 characters, no whitespace, and with raw: false only A-Z a-z 0-9 _ + = / @ : . ~ -; hidden implies masked.",
        anchors: "gitlab-masked-var-valid: stack-level (catalogue, second table); GitLab masked-variable rules",
        levels: A_M,
        exemption: "no",
        check: (resources, _cfg, out) => {
            const vars = resources.filter((r) => isGitlabVariable(r.type, r.props));
            const keysInStack = new Set<string>();
            for (const v of vars) {
                out.guard(`the key of ${v.label}`, () => { const k = str(v.props.key); if (k) keysInStack.add(k); }, v.urn);
            }
            for (const v of vars) {
                out.guard(describeVar(v), () => checkMasked(v, keysInStack, out), v.urn);
            }
        },
    });
}

export const DEFAULT_SECRET_KEY =
    "(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|KUBECONFIG|WEBHOOK|DSN|AUTH)";
// Per-environment copies of a plain key keep their suffix (the QuickSpin AI setup guide: QUICKSPIN_AUTH_URL_PROD).
export const DEFAULT_NON_SECRET_KEY = "(_ID|_URL|_HOST|_PORT|_NAME|_USER|_USERNAME|_ENABLED|_PATH)(_(PROD|PRODUCTION|STAGING|DEV))?$";

export function gitlabSecretVarProtected(): PackPolicy {
    return resourcePolicy<{ secretKeyPattern: string; nonSecretKeyPattern: string; requireProtected: boolean }>({
        name: "gitlab-secret-var-protected",
        description: "GitLab variables whose key looks secret are masked (file variables excepted: GitLab cannot mask multi-line values) and, where required (prod), protected.",
        anchors: "gitlab-masked-var-valid (secrets masked + protected): stack-level (catalogue, second table)",
        levels: A_M,
        exemption: "no",
        config: {
            secretKeyPattern: { type: "string", default: DEFAULT_SECRET_KEY, description: "Case-insensitive regular expression for secret-looking keys." },
            nonSecretKeyPattern: { type: "string", default: DEFAULT_NON_SECRET_KEY, description: "Case-insensitive regular expression for keys that are not secrets despite the pattern (e.g. CLIENT_ID)." },
            requireProtected: { type: "boolean", default: true, description: "Require protected: true (only protected branches and tags see the variable)." },
        },
        appliesTo: (type) => GITLAB_VARIABLE_TYPES.includes(type) || type === GENERIC_DYNAMIC,
        check: (res, cfg, out) => {
            if (!isGitlabVariable(res.type, res.props)) return;
            const key = str(res.props.key) ?? "";
            if (!new RegExp(cfg.secretKeyPattern, "i").test(key) || new RegExp(cfg.nonSecretKeyPattern, "i").test(key)) return;
            const label = describeVar(res);
            const fileVar = str(res.props.variableType ?? res.props.variable_type) === "file";
            if (!fileVar && res.props.masked !== true && res.props.hidden !== true) {
                out.violation(explain(`${label} looks like a secret but is not masked`,
                    "unmasked values are printed in clear text in every job log that echoes them (set -x, debug output, error messages)",
                    "set masked: true (hidden: true where GitLab ≥ 17.4 supports it)"));
            }
            if (cfg.requireProtected && res.props.protected !== true) {
                out.violation(explain(`${label} looks like a secret but is not protected`,
                    "any pipeline on any branch — including a merge request from a feature branch — can read it and exfiltrate it",
                    "set protected: true so only protected branches and tags receive it"));
            }
        },
    });
}
