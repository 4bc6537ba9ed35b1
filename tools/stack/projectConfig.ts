/**
 * Builds a stack's configuration the way the Pulumi CLI does before it starts the program: the
 * stack file's values, then Pulumi.yaml's defaults for keys the stack does not set. Declared
 * secrets cannot be decrypted offline, so they get clearly-marked placeholders that pass
 * validation (from components/config/keys.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../../components/config/keys";
import { readYamlFile } from "./files";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface DeclaredKey {
    readonly type?: string;
    readonly description?: string;
    readonly default?: unknown;
    readonly secret?: boolean;
    readonly items?: { type: string };
}

export interface ProjectFile {
    readonly name: string;
    readonly config: Record<string, DeclaredKey>;
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Full keys ("project:key") to the string form the CLI hands the program. */
    readonly values: Record<string, string>;
    /** Full keys of secret values. */
    readonly secretKeys: string[];
    /** Full keys whose value is an offline placeholder rather than the stack's real secret. */
    readonly placeholders: string[];
}

export function readProjectFile(projectDir = REPO_ROOT): ProjectFile {
    const project = readYamlFile(path.join(projectDir, "Pulumi.yaml")) as ProjectFile;
    return { name: project.name, config: project.config ?? {} };
}

/** Stack names that have a Pulumi.<stack>.yaml in the project directory. */
export function knownStacks(projectDir = REPO_ROOT): string[] {
    return fs.readdirSync(projectDir)
        .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

export function readStackFile(stack: string, projectDir = REPO_ROOT): Record<string, unknown> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`Unknown stack "${stack}": there is no Pulumi.${stack}.yaml (known stacks: ${knownStacks(projectDir).join(", ")})`);
    }
    const parsed = readYamlFile(file) as { config?: Record<string, unknown> } | null;
    return parsed?.config ?? {};
}

/** The tier the stack file declares (`<project>:tier`), or undefined when it declares none. */
export function stackTier(stack: string, projectDir = REPO_ROOT): string | undefined {
    const tier = readStackFile(stack, projectDir)[`${readProjectFile(projectDir).name}:tier`];
    return typeof tier === "string" ? tier : undefined;
}

/**
 * The policy config a stack is checked with: its own policy/config/<stack>.json, else its tier's
 * policy/config/<tier>.json (the pipeline resolves it the same way). Returns the path even when
 * neither exists, naming the stack's own file.
 */
export function policyConfigPath(stack: string, projectDir = REPO_ROOT): string {
    const own = path.join(projectDir, "policy", "config", `${stack}.json`);
    if (fs.existsSync(own)) {
        return own;
    }
    const tier = fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`)) ? stackTier(stack, projectDir) : undefined;
    const tierFile = tier === undefined ? undefined : path.join(projectDir, "policy", "config", `${tier}.json`);
    return tierFile !== undefined && fs.existsSync(tierFile) ? tierFile : own;
}

/** The CLI passes strings; structured values travel as JSON text. */
function wireForm(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isEncrypted(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

export interface StackConfigOptions {
    readonly projectDir?: string;
    /**
     * Replace or remove values after the stack file is read: short key → value (undefined removes
     * the key, so neither the stack value nor the default applies).
     */
    readonly overrides?: Record<string, unknown>;
    /** Supply placeholders for secrets the stack does not provide. @default true */
    readonly placeholders?: boolean;
}

export function loadStackConfig(stack: string, options: StackConfigOptions = {}): StackConfig {
    const projectDir = options.projectDir ?? REPO_ROOT;
    const project = readProjectFile(projectDir);
    const stackValues = readStackFile(stack, projectDir);
    const full = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [key, value] of Object.entries(stackValues)) {
        if (!isEncrypted(value)) {
            values[full(key)] = wireForm(value);
        }
    }
    for (const [key, declared] of Object.entries(project.config)) {
        const fullKey = full(key);
        if (declared.secret) {
            secretKeys.push(fullKey);
        } else if (!(fullKey in values) && declared.default !== undefined) {
            values[fullKey] = wireForm(declared.default);
        }
    }
    for (const [key, value] of Object.entries(options.overrides ?? {})) {
        if (value === undefined) {
            delete values[full(key)];
        } else {
            values[full(key)] = wireForm(value);
        }
    }
    if (options.placeholders ?? true) {
        for (const fullKey of secretKeys) {
            const shortKey = fullKey.slice(project.name.length + 1);
            const spec = (CONFIG_KEYS as Record<string, { offlinePlaceholder?: string }>)[shortKey];
            const overridden = options.overrides !== undefined && shortKey in options.overrides;
            if (!(fullKey in values) && !overridden && spec?.offlinePlaceholder !== undefined) {
                values[fullKey] = spec.offlinePlaceholder;
                placeholders.push(fullKey);
            }
        }
    }
    return { project: project.name, stack, values, secretKeys, placeholders };
}
