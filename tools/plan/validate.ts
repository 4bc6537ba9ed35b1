/**
 * Validates every Kubernetes object against the published OpenAPI schemas: `kubernetes-models` for
 * the built-in API groups, `@kubernetes-models/cert-manager` and `@kubernetes-models/prometheus-operator`
 * for the custom resources the platform uses. Each invalid field is reported with its path; a kind
 * without a model (or a partial server-side-apply patch) is reported as "not validated", never
 * silently passed.
 */
import { RecordedResource } from "../stack/types";
import { K8sObject, label } from "./k8s";

/** Packages searched for a model, in order; each lays models out as `<group>/<version>/<Kind>`. */
export const MODEL_PACKAGES = [
    "kubernetes-models",
    "@kubernetes-models/cert-manager",
    "@kubernetes-models/prometheus-operator",
] as const;

export interface FieldError {
    /** Field path from the object root, e.g. `spec.template.spec.containers[0].ports[0].containerPort`. */
    readonly path: string;
    readonly reason: string;
}

export type ValidationStatus = "valid" | "invalid" | "not-validated";

export interface ObjectValidation {
    readonly urn: string;
    /** Pulumi type token. */
    readonly type: string;
    /** "Deployment chatbot-dev/api". */
    readonly object: string;
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly status: ValidationStatus;
    /** Model that validated the object (`kubernetes-models/apps/v1/Deployment`). */
    readonly schema?: string;
    /** Why the object was not validated. */
    readonly reason?: string;
    readonly errors: readonly FieldError[];
}

export interface ValidationReport {
    readonly objects: readonly ObjectValidation[];
    readonly validated: number;
    readonly invalid: number;
    readonly notValidated: number;
    /** Total invalid fields over all objects. */
    readonly errorCount: number;
}

interface Model {
    readonly module: string;
    readonly ctor: new (data: unknown) => { validate(): void };
}

const modelCache = new Map<string, Model | undefined>();

/** The model class for an apiVersion/kind, or undefined when no installed package publishes one. */
export function findModel(apiVersion: string, kind: string): Model | undefined {
    const key = `${apiVersion}/${kind}`;
    if (modelCache.has(key)) {
        return modelCache.get(key);
    }
    let found: Model | undefined;
    if (/^[A-Za-z0-9]+$/.test(kind) && /^([a-z0-9.-]+\/)?[a-z0-9]+$/.test(apiVersion)) {
        for (const pkg of MODEL_PACKAGES) {
            const module = `${pkg}/${apiVersion}/${kind}`;
            let resolved: string;
            try {
                resolved = require.resolve(module);
            } catch {
                continue;
            }
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const ctor = require(resolved)[kind];
            if (typeof ctor === "function" && typeof ctor.prototype?.validate === "function") {
                found = { module, ctor };
                break;
            }
        }
    }
    modelCache.set(key, found);
    return found;
}

/** `/spec/ports/0/targetPort` → `spec.ports[0].targetPort`; odd keys are quoted. */
export function fieldPath(pointer: string): string {
    if (pointer === "") {
        return "";
    }
    let out = "";
    for (const raw of pointer.slice(1).split("/")) {
        const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        if (/^\d+$/.test(segment)) {
            out += `[${segment}]`;
        } else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) {
            out += out === "" ? segment : `.${segment}`;
        } else {
            out += `[${JSON.stringify(segment)}]`;
        }
    }
    return out;
}

function childPath(parent: string, key: string): string {
    return fieldPath(`${parent}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
}

function valueAt(root: unknown, pointer: string): unknown {
    let value: any = root;
    for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
        if (value === null || typeof value !== "object") {
            return undefined;
        }
        value = value[raw.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return value;
}

function describe(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "an array";
    }
    if (typeof value === "object") {
        return "an object";
    }
    const text = JSON.stringify(value);
    return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
}

interface AjvError {
    readonly instancePath: string;
    readonly keyword: string;
    readonly params: Record<string, any>;
    readonly message?: string;
}

/**
 * Turns the validator's errors into one finding per field. Union types (IntOrString, oneOf) produce
 * one error per branch; they are merged into "must be string or integer". Values at secret paths are
 * never quoted.
 */
export function fieldErrors(errors: readonly AjvError[], object: unknown, isSecret: (path: string) => boolean): FieldError[] {
    const byPath = new Map<string, { types: string[]; enums: unknown[][]; other: string[]; union: boolean }>();
    const out: FieldError[] = [];
    const required = new Set<string>();
    for (const error of errors) {
        if (error.keyword === "required") {
            const path = childPath(error.instancePath, String(error.params.missingProperty));
            if (!required.has(path)) {
                required.add(path);
                out.push({ path, reason: "required field is missing" });
            }
            continue;
        }
        const entry = byPath.get(error.instancePath) ?? { types: [], enums: [], other: [], union: false };
        byPath.set(error.instancePath, entry);
        switch (error.keyword) {
            case "type":
                entry.types.push(...String(error.params.type).split(","));
                break;
            case "enum":
                entry.enums.push(error.params.allowedValues ?? []);
                break;
            case "oneOf":
            case "anyOf":
                entry.union = true;
                break;
            case "format":
                entry.other.push(`must be a valid ${error.params.format}`);
                break;
            default:
                entry.other.push(error.message ?? error.keyword);
        }
    }
    for (const [pointer, entry] of byPath) {
        const path = fieldPath(pointer);
        const value = valueAt(object, pointer);
        const got = isSecret(path) ? "a secret value" : describe(value);
        const reasons: string[] = [];
        if (entry.types.length > 0) {
            reasons.push(`must be ${[...new Set(entry.types)].join(" or ")}`);
        }
        for (const allowed of entry.enums) {
            reasons.push(`must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`);
        }
        reasons.push(...new Set(entry.other));
        if (reasons.length === 0 && entry.union) {
            reasons.push("matches none of the allowed forms");
        }
        out.push({ path: path || "(object)", reason: `${reasons.join("; ")} (got ${got})` });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
}

function secretTest(resource: RecordedResource): (path: string) => boolean {
    const paths = resource.secretPaths;
    const kindSecret = resource.type === "kubernetes:core/v1:Secret";
    return (path) => (kindSecret && /^(data|stringData)\b/.test(path)) ||
        paths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

export function validateObject(o: K8sObject): ObjectValidation {
    const base = {
        urn: o.resource.urn, type: o.resource.type, object: label(o),
        apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name,
    };
    if (o.type.patch) {
        return { ...base, status: "not-validated", reason: "server-side apply patch (a partial object; the API server merges it)", errors: [] };
    }
    const model = findModel(o.apiVersion, o.kind);
    if (!model) {
        return {
            ...base, status: "not-validated",
            reason: `no published schema for ${o.apiVersion} ${o.kind} in ${MODEL_PACKAGES.join(", ")}`, errors: [],
        };
    }
    const object = { ...o.resource.inputs, apiVersion: o.apiVersion, kind: o.kind };
    try {
        new model.ctor(object).validate();
    } catch (error: any) {
        const ajvErrors: AjvError[] | undefined = error?.errors;
        const errors = Array.isArray(ajvErrors) && ajvErrors.length > 0
            ? fieldErrors(ajvErrors, object, secretTest(o.resource))
            : [{ path: "(object)", reason: String(error?.message ?? error) }];
        return { ...base, status: "invalid", schema: model.module, errors };
    }
    // The type token and the object must agree, or the provider sends something other than declared.
    if (o.kind !== o.type.kind || o.apiVersion !== o.type.apiVersion) {
        return {
            ...base, status: "invalid", schema: model.module, errors: [{
                path: "kind",
                reason: `object says ${o.apiVersion} ${o.kind} but the resource type is ${o.type.apiVersion} ${o.type.kind}`,
            }],
        };
    }
    return { ...base, status: "valid", schema: model.module, errors: [] };
}

export function validateObjects(objects: readonly K8sObject[]): ValidationReport {
    const results = objects.map(validateObject);
    return {
        objects: results,
        validated: results.filter((r) => r.status !== "not-validated").length,
        invalid: results.filter((r) => r.status === "invalid").length,
        notValidated: results.filter((r) => r.status === "not-validated").length,
        errorCount: results.reduce((n, r) => n + r.errors.length, 0),
    };
}
