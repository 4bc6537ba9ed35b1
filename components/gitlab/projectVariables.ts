/**
 * A product's whole table of GitLab CI/CD variables for one project, as data.
 *
 * The source documents describe each product's variables as a table (key,
 * value, protected, masked, file or not, per-environment variants); this
 * component takes such a table and registers one {@link ProjectVariable} per
 * row, so adding a product is a data change, not new code.
 */
import * as pulumi from "@pulumi/pulumi";
import { ALL_ENVIRONMENTS, VariableType, variableRuleFailures } from "./masking";
import { ProjectVariable } from "./projectVariable";

/** One row of a variable table. Defaults are GitLab's. */
export interface VariableSpec {
    /** `[A-Za-z0-9_]{1,255}`, e.g. `GROQ_API_KEY`. */
    key: string;
    /**
     * The value; normally a secret Output (from config or another resource).
     * It is always stored as a secret, even when a plain string is given.
     */
    value: pulumi.Input<string>;
    /** `env_var` (default) or `file` (e.g. a kubeconfig: the job gets a path). */
    variableType?: VariableType;
    /** Only for protected branches and tags. Default false. */
    protected?: boolean;
    /** Masked in job logs; the value must satisfy GitLab's masking rules. Default false. */
    masked?: boolean;
    /** Never readable again in UI/API (GitLab >= 17.4); requires `masked`. Default false. */
    hidden?: boolean;
    /** Do not expand `$VAR` in the value; relaxes the masking alphabet. Default false. */
    raw?: boolean;
    /** Environment scope, e.g. `production` or `review/*`. Default `*` (all environments). */
    environmentScope?: string;
    /** Shown in GitLab's UI; at most 255 characters. Default none. */
    description?: string;
}

export interface ProjectVariablesArgs {
    /** Numeric project ID or full path (`group/project`). */
    project: pulumi.Input<string | number>;
    /**
     * GitLab URL. Default: env `GITLAB_URL` when the provider runs, then
     * `https://gitlab.com`. Stored as a secret.
     */
    baseUrl?: pulumi.Input<string>;
    /**
     * Token with the Maintainer role on the project. Default: env
     * `GITLAB_TOKEN` when the provider runs (then it is never stored). Stored as
     * a secret when given.
     */
    token?: pulumi.Input<string>;
    /** The table. Each (key, environmentScope) pair may appear once. */
    variables: VariableSpec[];
}

/** What was registered, without values: safe to export as a stack output. */
export interface RegisteredVariable {
    key: string;
    environmentScope: string;
    protected: boolean;
    masked: boolean;
    variableType: VariableType;
}

/**
 * The child resource name for a (key, scope) pair: `<name>-<KEY>` for the
 * default scope `*`, `<name>-<KEY>-<scope>` otherwise, with characters other
 * than `A-Za-z0-9_.-` percent-encoded (`review/*` -> `review%2F%2A`).
 *
 * Stable across runs (renaming would replace the variable) and injective:
 * keys cannot contain `-`, so the first `-` after the key always starts the
 * scope, and percent-encoding is reversible.
 */
export function variableResourceName(name: string, key: string, environmentScope: string = ALL_ENVIRONMENTS): string {
    if (environmentScope === ALL_ENVIRONMENTS) {
        return `${name}-${key}`;
    }
    const encoded = environmentScope.replace(
        /[^A-Za-z0-9_.-]/g,
        (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"),
    );
    return `${name}-${key}-${encoded}`;
}

/**
 * Registers a table of CI/CD variables on one GitLab project. Type token
 * `ai-platform:gitlab:ProjectVariables`.
 *
 * The table is validated before anything is registered (duplicate key+scope
 * pairs, GitLab's key/scope/description/type rules, and masking rules for
 * values that are plain strings), so a bad row fails the program, not a
 * half-applied `pulumi up`. Values held in Outputs are checked by the
 * provider's check() once known.
 */
export class ProjectVariables extends pulumi.ComponentResource {
    /** The registered variables' identities and flags (no values). */
    readonly variables: pulumi.Output<RegisteredVariable[]>;
    /** The child resources, in table order, for `dependsOn`. */
    readonly resources: ProjectVariable[];

    constructor(name: string, args: ProjectVariablesArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a rejected table must not leave a half-registered component behind.
        validateTable(name, args);
        super("ai-platform:gitlab:ProjectVariables", name, {}, opts);

        this.resources = args.variables.map((spec) => {
            const environmentScope = spec.environmentScope ?? ALL_ENVIRONMENTS;
            return new ProjectVariable(
                variableResourceName(name, spec.key, environmentScope),
                {
                    project: args.project,
                    key: spec.key,
                    value: spec.value,
                    variableType: spec.variableType ?? "env_var",
                    protected: spec.protected ?? false,
                    masked: spec.masked ?? false,
                    hidden: spec.hidden ?? false,
                    raw: spec.raw ?? false,
                    environmentScope,
                    description: spec.description,
                    baseUrl: args.baseUrl,
                    token: args.token,
                },
                { parent: this },
            );
        });

        this.variables = pulumi.output(
            args.variables.map(
                (spec): RegisteredVariable => ({
                    key: spec.key,
                    environmentScope: spec.environmentScope ?? ALL_ENVIRONMENTS,
                    protected: spec.protected ?? false,
                    masked: spec.masked ?? false,
                    variableType: spec.variableType ?? "env_var",
                }),
            ),
        );

        this.registerOutputs({ variables: this.variables });
    }
}

function validateTable(name: string, args: ProjectVariablesArgs): void {
    const problems: string[] = [];
    if (typeof args.project === "string" && args.project.trim() === "") {
        problems.push("project is required");
    }
    if (!Array.isArray(args.variables)) {
        throw new Error(`ProjectVariables ${name}: variables must be an array`);
    }

    const seen = new Map<string, number>();
    args.variables.forEach((spec, i) => {
        const scope = spec.environmentScope ?? ALL_ENVIRONMENTS;
        const label = `${spec.key} (scope ${scope})`;
        for (const f of variableRuleFailures(spec, { skipValue: typeof spec.value !== "string" })) {
            problems.push(`row ${i + 1}, ${label}: ${f.reason}`);
        }
        const id = `${spec.key}\u0000${scope}`;
        const first = seen.get(id);
        if (first !== undefined) {
            problems.push(`duplicate key and environment scope ${label} in rows ${first + 1} and ${i + 1}`);
        } else {
            seen.set(id, i);
        }
    });

    if (problems.length > 0) {
        throw new Error(`ProjectVariables ${name}: invalid variable table:\n  - ${problems.join("\n  - ")}`);
    }
}
