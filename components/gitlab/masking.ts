/**
 * GitLab's rules for project CI/CD variables, as pure functions.
 *
 * Kept free of Pulumi imports on purpose: the dynamic provider's check(), the
 * ProjectVariables component's up-front validation and policy packs all call
 * these, so there is exactly one implementation of each rule.
 *
 * Every function returns a human-readable reason or `undefined`. Reasons never
 * echo the value being checked: values are secrets and reasons end up in CLI
 * output and CI logs.
 */

/** The variable types GitLab accepts. */
export const VARIABLE_TYPES = ["env_var", "file"] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

/** GitLab's default environment scope: the variable applies to every environment. */
export const ALL_ENVIRONMENTS = "*";

export const MAX_KEY_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 255;
/** GitLab will not mask anything shorter: masking short strings would garble job logs. */
export const MIN_MASKED_LENGTH = 8;

export interface RuleFailure {
    readonly property: string;
    readonly reason: string;
}

export function keyProblem(key: unknown): string | undefined {
    // GitLab strips surrounding whitespace on the server; we reject it instead so
    // that the key in Pulumi state is always the key GitLab stores.
    if (typeof key !== "string" || key.length < 1 || key.length > MAX_KEY_LENGTH || !/^[A-Za-z0-9_]+$/.test(key)) {
        return "key must be 1-255 characters from A-Z, a-z, 0-9 and _";
    }
    return undefined;
}

export function variableTypeProblem(variableType: unknown): string | undefined {
    if (variableType !== undefined && !(VARIABLE_TYPES as readonly unknown[]).includes(variableType)) {
        return "variableType must be env_var or file";
    }
    return undefined;
}

export function environmentScopeProblem(scope: unknown): string | undefined {
    // `*` is GitLab's wildcard; the character set is Gitlab::Regex.environment_scope_regex.
    if (scope !== undefined && (typeof scope !== "string" || !/^[a-zA-Z0-9_/${}. *-]+$/.test(scope))) {
        return "environmentScope may contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces";
    }
    return undefined;
}

export function descriptionProblem(description: unknown): string | undefined {
    if (description === undefined || description === null) {
        return undefined;
    }
    if (typeof description !== "string" || description.length > MAX_DESCRIPTION_LENGTH) {
        return "description must be at most 255 characters";
    }
    return undefined;
}

export function hiddenProblem(hidden: unknown, masked: unknown): string | undefined {
    // GitLab can only hide what it can mask; POST with masked_and_hidden sets both.
    if (hidden === true && masked !== true) {
        return "hidden requires masked: true";
    }
    return undefined;
}

/**
 * The masking rule for a value.
 *
 * With `raw: true` GitLab only requires a single "word" of at least 8 characters
 * (`^\S{8,}$`, MR !109008). With `raw: false` the value is expanded by the
 * runner, so GitLab <=17.x also restricts it to a Base64/URL-like alphabet. We
 * enforce that stricter alphabet even though 18.x relaxed it, because the
 * relaxed server-side regex is not verified and a rejected create in the middle
 * of `pulumi up` is worse than an early check failure.
 *
 * `raw === undefined` means "not known yet": only the rule that holds for both
 * settings is applied.
 */
export function maskedValueProblem(value: string, raw: boolean | undefined): string | undefined {
    if (!new RegExp(`^\\S{${MIN_MASKED_LENGTH},}$`).test(value)) {
        return "masked value must be at least 8 characters with no whitespace or newlines";
    }
    if (raw === false && !/^[A-Za-z0-9_+=/@:.~-]+$/.test(value)) {
        return "masked value with raw=false may contain only A-Z a-z 0-9 and _ + = / @ : . ~ -";
    }
    return undefined;
}

/** The fields of a variable the rules look at; anything may be missing or not yet known. */
export interface VariableRuleFields {
    key?: unknown;
    value?: unknown;
    variableType?: unknown;
    environmentScope?: unknown;
    description?: unknown;
    masked?: unknown;
    hidden?: unknown;
    raw?: unknown;
}

export interface VariableRuleOptions {
    /**
     * Reports values that are not known yet (Pulumi preview passes an unknown
     * sentinel). Rules that depend on an unknown value are skipped rather than
     * failed. Default: everything is known.
     */
    isUnknown?: (v: unknown) => boolean;
    /**
     * Skip every rule about `value`, for callers that only hold an eventual value
     * (a Pulumi Output) at validation time. Default: false.
     */
    skipValue?: boolean;
}

/**
 * All rule failures for one variable, in a stable order. `environmentScope`
 * and `variableType` are validated only when present (absent means the GitLab
 * default); `key` and `value` are required.
 */
export function variableRuleFailures(v: VariableRuleFields, options: VariableRuleOptions = {}): RuleFailure[] {
    const isUnknown = options.isUnknown ?? (() => false);
    const failures: RuleFailure[] = [];
    const add = (property: string, reason: string | undefined): void => {
        if (reason !== undefined) {
            failures.push({ property, reason });
        }
    };

    if (!isUnknown(v.key)) {
        add("key", keyProblem(v.key));
    }
    if (!isUnknown(v.variableType)) {
        add("variableType", variableTypeProblem(v.variableType));
    }
    if (!isUnknown(v.environmentScope)) {
        add("environmentScope", environmentScopeProblem(v.environmentScope));
    }
    if (!isUnknown(v.description)) {
        add("description", descriptionProblem(v.description));
    }
    if (!isUnknown(v.hidden) && !isUnknown(v.masked)) {
        add("hidden", hiddenProblem(v.hidden, v.masked));
    }

    if (!options.skipValue && !isUnknown(v.value)) {
        if (v.value === undefined || v.value === null) {
            add("value", "value is required");
        } else if (typeof v.value !== "string") {
            add("value", "value must be a string");
        } else if (v.masked === true || v.hidden === true) {
            const raw = isUnknown(v.raw) ? undefined : v.raw === true;
            add("value", maskedValueProblem(v.value, raw));
        }
    }
    return failures;
}
