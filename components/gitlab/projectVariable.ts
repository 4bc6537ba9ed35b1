/**
 * A GitLab project CI/CD variable as a Pulumi dynamic resource.
 *
 * Why a dynamic provider rather than @pulumi/gitlab: we need the value to be
 * secret end to end, the environment scope to be part of the identity on every
 * call (terraform-provider-gitlab #213/#235/#298/#390/#396), and a loopback test
 * double instead of a real GitLab. See docs/gitlab-variables.md.
 *
 * The provider object below is serialized by Pulumi into the `__provider`
 * property and stored in state, and its methods later run in a separate process
 * from that stored text. Therefore:
 *  - nothing credential-like may be captured in the closure: the GitLab URL and
 *    token arrive as (secret) inputs or are read from the environment at call
 *    time, and the API client is built inside each method;
 *  - everything the methods need must be reachable from the provider object
 *    (helpers are module functions, which the serializer captures by value).
 */
import * as pulumi from "@pulumi/pulumi";
import { Gitlab } from "@gitbeaker/rest";
import { ALL_ENVIRONMENTS, VariableType, variableRuleFailures } from "./masking";

export type { VariableType } from "./masking";

/** Arguments of a {@link ProjectVariable}. Defaults are GitLab's. */
export interface ProjectVariableArgs {
    /** Numeric project ID or full path (`group/sub/project`). Changing it replaces the variable. */
    project: pulumi.Input<string | number>;
    /** `[A-Za-z0-9_]{1,255}`. Changing it replaces the variable. */
    key: pulumi.Input<string>;
    /** The value. Always stored as a Pulumi secret, whatever is passed. */
    value: pulumi.Input<string>;
    /** `env_var` (default) or `file` (the job sees a path to a temp file holding the value). */
    variableType?: pulumi.Input<VariableType>;
    /** Only exposed to pipelines on protected branches and tags. Default false. */
    protected?: pulumi.Input<boolean>;
    /** Masked in job logs; the value must satisfy GitLab's masking rules. Default false. */
    masked?: pulumi.Input<boolean>;
    /**
     * Masked and never shown again in the UI or API (GitLab >= 17.4). Requires
     * `masked: true`. Cannot be changed in place: changing it replaces the
     * variable. Default false.
     */
    hidden?: pulumi.Input<boolean>;
    /** Do not expand `$VAR` references in the value. Relaxes the masking alphabet. Default false. */
    raw?: pulumi.Input<boolean>;
    /** Environment scope, matched literally by the API. Default `*`. Changing it replaces the variable. */
    environmentScope?: pulumi.Input<string>;
    /** At most 255 characters (GitLab >= 16.2). Default none. */
    description?: pulumi.Input<string>;
    /**
     * GitLab URL, e.g. `https://gitlab.example.com` (a trailing `/` or `/api/v4`
     * is stripped). Default: env `GITLAB_URL`, then `https://gitlab.com`,
     * resolved when the provider runs. Changing it replaces the variable.
     */
    baseUrl?: pulumi.Input<string>;
    /**
     * API token with the Maintainer role on the project. Stored as a secret.
     * Default: env `GITLAB_TOKEN`, read each time the provider runs (and then
     * never written to state).
     */
    token?: pulumi.Input<string>;
}

/** The plain inputs the provider methods receive (after the engine resolved every Input). */
export interface ProjectVariableInputs {
    project: string | number;
    key: string;
    value: string;
    variableType?: VariableType;
    protected?: boolean;
    masked?: boolean;
    hidden?: boolean;
    raw?: boolean;
    environmentScope?: string;
    description?: string;
    baseUrl?: string;
    token?: string;
}

/** What the provider stores in state: the normalized inputs plus GitLab's view of `hidden`. */
export interface ProjectVariableOutputs {
    project: string;
    key: string;
    value: string;
    variableType: VariableType;
    protected: boolean;
    masked: boolean;
    hidden: boolean;
    raw: boolean;
    environmentScope: string;
    description?: string;
    baseUrl: string;
    token?: string;
}

// The engine's placeholder for values not known during preview
// (pulumi.runtime.unknownValue). Inlined so the provider does not capture the SDK.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DEFAULT_GITLAB_URL = "https://gitlab.com";

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** The URL as gitbeaker wants it: it appends `/api/v4/` itself. */
export function normalizeBaseUrl(url: string): string {
    let u = url.trim();
    for (;;) {
        const next = u.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
        if (next === u) {
            return u;
        }
        u = next;
    }
}

function resolveBaseUrl(baseUrl: unknown): string {
    const given = typeof baseUrl === "string" && baseUrl !== "" ? baseUrl : undefined;
    return normalizeBaseUrl(given ?? process.env.GITLAB_URL ?? DEFAULT_GITLAB_URL);
}

/**
 * Inputs (or old outputs, possibly written by an older version of this code)
 * with GitLab's defaults applied. Unknown values are kept as they are.
 */
function normalize(p: Partial<ProjectVariableInputs>): ProjectVariableOutputs {
    const bool = (v: unknown): boolean => (isUnknown(v) ? (v as boolean) : v === true);
    const out: ProjectVariableOutputs = {
        project: p.project === undefined || p.project === null ? (p.project as unknown as string) : String(p.project),
        key: p.key as string,
        value: p.value as string,
        variableType: p.variableType ?? "env_var",
        protected: bool(p.protected),
        masked: bool(p.masked),
        hidden: bool(p.hidden),
        raw: bool(p.raw),
        environmentScope: p.environmentScope ?? ALL_ENVIRONMENTS,
        baseUrl: isUnknown(p.baseUrl) ? (p.baseUrl as string) : resolveBaseUrl(p.baseUrl),
    };
    if (p.description !== undefined && p.description !== null) {
        out.description = p.description;
    }
    // Only a token that was given as an input goes to state; the env fallback never does.
    if (p.token !== undefined && p.token !== null && p.token !== "") {
        out.token = p.token;
    }
    return out;
}

/** `project:key:scope`; the same shape terraform-provider-gitlab imports. */
export function variableId(project: string, key: string, scope: string): string {
    return `${project}:${key}:${scope}`;
}

/** Splits on the first two `:` only: keys never contain `:`, but nothing stops a future scope from doing so. */
export function parseVariableId(id: string): { project: string; key: string; environmentScope: string } | undefined {
    const first = id.indexOf(":");
    const second = first < 0 ? -1 : id.indexOf(":", first + 1);
    if (first <= 0 || second <= first + 1 || second === id.length - 1) {
        return undefined;
    }
    return { project: id.slice(0, first), key: id.slice(first + 1, second), environmentScope: id.slice(second + 1) };
}

interface Target {
    project: string;
    key: string;
    environmentScope: string;
}

/** Where a call goes: the ID is authoritative for identity, state for everything else. */
function targetOf(id: string, props: ProjectVariableOutputs): Target {
    const parsed = parseVariableId(id);
    return parsed ?? { project: props.project, key: props.key, environmentScope: props.environmentScope };
}

function prefix(t: Target): string {
    return `GitLab project variable ${t.key} (scope ${t.environmentScope}) in project ${t.project}: `;
}

/**
 * The only place a gitbeaker client is created. Built per call so no client
 * (and no token) lives in the serialized closure.
 */
function connect(t: Target, props: { baseUrl?: string; token?: string }) {
    const token = props.token || process.env.GITLAB_TOKEN;
    if (!token) {
        throw new Error(prefix(t) + "no GitLab token: set the token input or GITLAB_TOKEN");
    }
    return new Gitlab({ host: resolveBaseUrl(props.baseUrl), token, queryTimeout: 60_000 });
}

/** Secrets are replaced in any text that can reach a user. Very short strings are left alone: redacting them would shred the message without protecting anything. */
function redact(text: string, secrets: Array<string | undefined>): string {
    let out = text;
    for (const s of secrets) {
        if (typeof s === "string" && s.length >= 4) {
            out = out.split(s).join("[secret]");
        }
    }
    return out;
}

interface HttpFailure {
    status: number;
    description: string;
}

/** gitbeaker throws GitbeakerRequestError with `cause.response`; duck-typed so a second copy of gitbeaker still matches. */
function httpFailure(err: unknown): HttpFailure | undefined {
    const cause = (err as { cause?: { response?: { status?: unknown }; description?: unknown } } | undefined)?.cause;
    const status = cause?.response?.status;
    if (typeof status !== "number") {
        return undefined;
    }
    const description =
        typeof cause?.description === "string" ? cause.description : String((err as Error).message ?? "");
    return { status, description };
}

function isVariableNotFound(f: HttpFailure | undefined): boolean {
    // "404 Project Not Found" is deliberately not included: GitLab also answers it
    // when the token cannot see the project, and treating that as "variable gone"
    // would silently drop a live secret from state.
    return f !== undefined && f.status === 404 && /variable not found/i.test(f.description);
}

type Operation = "create" | "read" | "update" | "delete";

/**
 * Turns any failure into an Error whose message is safe to show: only our own
 * wording plus GitLab's error text, with the value and token redacted. The
 * original error is not attached as `cause` because gitbeaker's cause holds the
 * Request, whose headers carry the token.
 */
function describeFailure(err: unknown, t: Target, op: Operation, secrets: Array<string | undefined>): Error {
    const f = httpFailure(err);
    let reason: string;
    if (f === undefined) {
        // fetch says only "fetch failed"; the useful part (ECONNREFUSED, bad port, ...) is in its cause.
        const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
        const detail = e?.cause?.code ?? e?.cause?.message;
        reason = `request failed: ${String(e?.message ?? err)}${typeof detail === "string" ? ` (${detail})` : ""}`;
    } else if (f.status === 400 && /"value"/.test(f.description) && /invalid/i.test(f.description)) {
        reason = "value rejected as a masked value (see GitLab masking rules)";
    } else if (f.status === 400 && /has already been taken/i.test(f.description)) {
        reason =
            "a variable with this key and environment scope already exists; import is not supported by dynamic providers, delete it or choose another scope";
    } else if (f.status === 404 && op === "update" && /variable not found/i.test(f.description)) {
        reason = "not found (deleted outside Pulumi?) - run pulumi refresh";
    } else if (f.status === 404 && /project not found/i.test(f.description)) {
        reason = `GitLab API 404: ${f.description} (the project does not exist or the token cannot see it)`;
    } else if (f.status === 409) {
        reason = "several variables share this key and the scope filter did not match";
    } else if (f.status === 401) {
        reason = "token rejected";
    } else if (f.status === 403) {
        reason = "token needs the Maintainer role";
    } else {
        reason = `GitLab API ${f.status}: ${f.description}`;
    }
    return new Error(redact(prefix(t) + reason, secrets));
}

/** The subset of GitLab's variable representation we read. */
interface ApiVariable {
    key?: string;
    value?: string | null;
    variable_type?: VariableType;
    protected?: boolean;
    masked?: boolean;
    hidden?: boolean;
    raw?: boolean;
    environment_scope?: string;
    description?: string | null;
}

/**
 * Outputs from GitLab's answer. `value` is null for hidden variables, so the
 * known value is kept; fields an older GitLab does not return (raw < 15.7,
 * hidden < 17.4) keep the requested value, except `hidden`, which must reflect
 * what the server actually did.
 */
function outputsFrom(known: ProjectVariableOutputs, api: ApiVariable): ProjectVariableOutputs {
    const out: ProjectVariableOutputs = {
        project: known.project,
        key: api.key ?? known.key,
        value: typeof api.value === "string" ? api.value : known.value,
        variableType: api.variable_type ?? known.variableType,
        protected: api.protected ?? known.protected,
        masked: api.masked ?? known.masked,
        hidden: api.hidden === true,
        raw: api.raw ?? known.raw,
        environmentScope: api.environment_scope ?? known.environmentScope,
        baseUrl: known.baseUrl,
    };
    const description = api.description === undefined ? known.description : api.description;
    if (description !== undefined && description !== null) {
        out.description = description;
    }
    if (known.token !== undefined) {
        out.token = known.token;
    }
    return out;
}

const REPLACE_PROPERTIES = ["project", "key", "environmentScope", "hidden", "baseUrl"] as const;
const UPDATE_PROPERTIES = ["value", "variableType", "protected", "masked", "raw", "description", "token"] as const;

/** The provider. Exported so tests can call its methods directly. */
export const projectVariableProvider: pulumi.dynamic.ResourceProvider<ProjectVariableInputs, ProjectVariableOutputs> = {
    async check(_olds: ProjectVariableInputs, news: ProjectVariableInputs): Promise<pulumi.dynamic.CheckResult> {
        const inputs = normalize(news);
        const failures: Array<{ property: string; reason: string }> = [];
        if (!isUnknown(news.project) && (news.project === undefined || news.project === null || String(news.project).trim() === "")) {
            failures.push({ property: "project", reason: "project is required" });
        }
        failures.push(...variableRuleFailures(inputs, { isUnknown }));
        if (!isUnknown(inputs.baseUrl) && !/^https?:\/\/[^\s/]+/.test(inputs.baseUrl)) {
            // The URL is not echoed: it may embed credentials (https://user:pass@host).
            failures.push({ property: "baseUrl", reason: "baseUrl must be an http(s) URL" });
        }
        // No token check here: check and diff never call GitLab, so a merge-request preview runs
        // without a Maintainer token; create, read, update and delete fail clearly without one.
        return { inputs, failures };
    },

    async diff(_id: string, olds: ProjectVariableOutputs, news: ProjectVariableInputs): Promise<pulumi.dynamic.DiffResult> {
        const o = normalize(olds);
        const n = normalize(news);
        const differs = (p: keyof ProjectVariableOutputs): boolean => isUnknown(n[p]) || (o[p] ?? null) !== (n[p] ?? null);
        const replaces = REPLACE_PROPERTIES.filter(differs);
        const updates = UPDATE_PROPERTIES.filter(differs);
        // Only when key or scope is known to change can the new variable coexist
        // with the old one; otherwise create-before-delete fails with "already taken".
        const identityMoves =
            (!isUnknown(n.key) && n.key !== o.key) || (!isUnknown(n.environmentScope) && n.environmentScope !== o.environmentScope);
        return {
            changes: replaces.length > 0 || updates.length > 0,
            replaces: [...replaces],
            deleteBeforeReplace: replaces.length > 0 && !identityMoves,
        };
    },

    async create(inputs: ProjectVariableInputs): Promise<pulumi.dynamic.CreateResult<ProjectVariableOutputs>> {
        const v = normalize(inputs);
        const t: Target = { project: v.project, key: v.key, environmentScope: v.environmentScope };
        const secrets = [v.value, v.token, process.env.GITLAB_TOKEN];
        const api = connect(t, v);
        let created: ApiVariable;
        try {
            created = (await api.ProjectVariables.create(v.project, v.key, v.value, {
                variableType: v.variableType,
                protected: v.protected,
                masked: v.masked || v.hidden,
                raw: v.raw,
                environmentScope: v.environmentScope,
                ...(v.description === undefined ? {} : { description: v.description }),
                ...(v.hidden ? { masked_and_hidden: true } : {}),
            })) as ApiVariable;
        } catch (err) {
            throw describeFailure(err, t, "create", secrets);
        }
        if (v.hidden && created.hidden !== true) {
            // create must be all-or-nothing: a visible copy of a value meant to be
            // hidden must not stay behind on an old server.
            let leftover = "";
            try {
                await api.ProjectVariables.remove(v.project, v.key, { filter: { environment_scope: v.environmentScope } });
            } catch {
                leftover = "; the unhidden variable it created could not be removed, delete it by hand";
            }
            throw new Error(prefix(t) + "server does not support hidden variables (GitLab >=17.4 required)" + leftover);
        }
        return { id: variableId(v.project, v.key, v.environmentScope), outs: outputsFrom(v, created) };
    },

    async read(id: string, props?: ProjectVariableOutputs): Promise<pulumi.dynamic.ReadResult<ProjectVariableOutputs>> {
        const state = normalize(props ?? ({} as ProjectVariableOutputs));
        const t = targetOf(id, state);
        const known: ProjectVariableOutputs = { ...state, project: t.project, key: t.key, environmentScope: t.environmentScope };
        const api = connect(t, state);
        try {
            const live = (await api.ProjectVariables.show(t.project, t.key, {
                filter: { environment_scope: t.environmentScope },
            })) as ApiVariable;
            return { id, props: outputsFrom(known, live) };
        } catch (err) {
            if (isVariableNotFound(httpFailure(err))) {
                // An empty ID tells the engine the resource is gone; refresh drops it.
                return { id: "" };
            }
            throw describeFailure(err, t, "read", [state.value, state.token, process.env.GITLAB_TOKEN]);
        }
    },

    async update(id: string, olds: ProjectVariableOutputs, news: ProjectVariableInputs): Promise<pulumi.dynamic.UpdateResult<ProjectVariableOutputs>> {
        const o = normalize(olds);
        const n = normalize(news);
        // The variable is found by its *old* scope; the body carries the new one.
        const t = targetOf(id, o);
        const api = connect(t, n);
        const options = {
            variableType: n.variableType,
            protected: n.protected,
            masked: n.masked || n.hidden,
            raw: n.raw,
            environmentScope: n.environmentScope,
            // null clears a description that was removed from the program.
            description: n.description ?? null,
            filter: { environment_scope: t.environmentScope },
        };
        let updated: ApiVariable;
        try {
            updated = (await api.ProjectVariables.edit(t.project, t.key, n.value, options as Parameters<typeof api.ProjectVariables.edit>[3])) as ApiVariable;
        } catch (err) {
            throw describeFailure(err, t, "update", [n.value, o.value, n.token, o.token, process.env.GITLAB_TOKEN]);
        }
        return { outs: outputsFrom(n, updated) };
    },

    async delete(id: string, props: ProjectVariableOutputs): Promise<void> {
        const state = normalize(props);
        const t = targetOf(id, state);
        const api = connect(t, state);
        try {
            await api.ProjectVariables.remove(t.project, t.key, { filter: { environment_scope: t.environmentScope } });
        } catch (err) {
            if (isVariableNotFound(httpFailure(err))) {
                return; // Already gone: the desired end state.
            }
            throw describeFailure(err, t, "delete", [state.value, state.token, process.env.GITLAB_TOKEN]);
        }
    },
};

/**
 * One GitLab project CI/CD variable. Type token
 * `pulumi-nodejs:dynamic/gitlab:ProjectVariable`; ID `project:key:scope`.
 */
export class ProjectVariable extends pulumi.dynamic.Resource {
    declare readonly project: pulumi.Output<string>;
    declare readonly key: pulumi.Output<string>;
    declare readonly value: pulumi.Output<string>;
    declare readonly variableType: pulumi.Output<VariableType>;
    declare readonly protected: pulumi.Output<boolean>;
    declare readonly masked: pulumi.Output<boolean>;
    /** As reported by GitLab: false on servers without hidden-variable support. */
    declare readonly hidden: pulumi.Output<boolean>;
    declare readonly raw: pulumi.Output<boolean>;
    declare readonly environmentScope: pulumi.Output<string>;
    declare readonly description: pulumi.Output<string | undefined>;
    declare readonly baseUrl: pulumi.Output<string>;
    declare readonly token: pulumi.Output<string | undefined>;

    constructor(name: string, args: ProjectVariableArgs, opts?: pulumi.CustomResourceOptions) {
        // A fresh props object: the base class adds __provider to it.
        const props: Record<string, pulumi.Input<unknown> | undefined> = {
            project: args.project,
            key: args.key,
            // Secret on input too, not only via additionalSecretOutputs: state keeps
            // inputs as well, and a plain input would sit there in clear text.
            value: pulumi.secret(args.value),
            variableType: args.variableType,
            protected: args.protected,
            masked: args.masked,
            hidden: args.hidden,
            raw: args.raw,
            environmentScope: args.environmentScope,
            description: args.description,
            // Both secret: a self-hosted URL names internal hosts, and the token is a credential.
            baseUrl: args.baseUrl === undefined ? undefined : pulumi.secret(args.baseUrl),
            token: args.token === undefined ? undefined : pulumi.secret(args.token),
        };
        const additionalSecretOutputs = Array.from(new Set([...(opts?.additionalSecretOutputs ?? []), "value", "token"]));
        super(projectVariableProvider, name, props, { ...opts, additionalSecretOutputs }, "gitlab", "ProjectVariable");
    }
}
