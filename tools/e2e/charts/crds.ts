/**
 * CustomResourceDefinitions for the stand-in charts, derived from the `@kubernetes-models` packages
 * rather than written by hand: their TypeScript declarations carry each kind's structure (fields,
 * required fields, enums, maps, lists, int-or-string) and their compiled validators tell integers
 * from other numbers, which the declarations cannot. The schemas are structural (the apiserver
 * rejects others) and carry no descriptions, which keeps the Prometheus CRD far below the size
 * limits of an object in etcd and of a Helm release record.
 */
import * as fs from "fs";
import * as ts from "typescript";

/** The OpenAPI v3 subset a structural CRD schema uses here. */
export interface JsonSchema {
    type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
    format?: string;
    description?: string;
    enum?: string[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: JsonSchema;
    items?: JsonSchema;
    "x-kubernetes-int-or-string"?: true;
    "x-kubernetes-preserve-unknown-fields"?: true;
}

export interface CrdSource {
    readonly group: string;
    readonly version: string;
    readonly kind: string;
    readonly plural: string;
    readonly scope: "Namespaced" | "Cluster";
    readonly shortNames?: readonly string[];
    /** npm package whose `<group>/<version>/<kind>` module models the kind. */
    readonly package: "@kubernetes-models/cert-manager" | "@kubernetes-models/prometheus-operator";
}

const CERT_MANAGER = "@kubernetes-models/cert-manager";
const PROMETHEUS_OPERATOR = "@kubernetes-models/prometheus-operator";

/**
 * The CRDs of the real charts that these packages model, with the names and scopes the real
 * CRDs declare (the declarations do not carry them).
 */
export const CERT_MANAGER_CRDS: readonly CrdSource[] = [
    { group: "cert-manager.io", version: "v1", kind: "Certificate", plural: "certificates", scope: "Namespaced", shortNames: ["cert", "certs"], package: CERT_MANAGER },
    { group: "cert-manager.io", version: "v1", kind: "CertificateRequest", plural: "certificaterequests", scope: "Namespaced", shortNames: ["cr", "crs"], package: CERT_MANAGER },
    { group: "cert-manager.io", version: "v1", kind: "Issuer", plural: "issuers", scope: "Namespaced", package: CERT_MANAGER },
    { group: "cert-manager.io", version: "v1", kind: "ClusterIssuer", plural: "clusterissuers", scope: "Cluster", package: CERT_MANAGER },
    { group: "acme.cert-manager.io", version: "v1", kind: "Order", plural: "orders", scope: "Namespaced", package: CERT_MANAGER },
    { group: "acme.cert-manager.io", version: "v1", kind: "Challenge", plural: "challenges", scope: "Namespaced", package: CERT_MANAGER },
];

export const PROMETHEUS_OPERATOR_CRDS: readonly CrdSource[] = [
    { group: "monitoring.coreos.com", version: "v1", kind: "Alertmanager", plural: "alertmanagers", scope: "Namespaced", shortNames: ["am"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "PodMonitor", plural: "podmonitors", scope: "Namespaced", shortNames: ["pmon"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "Probe", plural: "probes", scope: "Namespaced", shortNames: ["prb"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "Prometheus", plural: "prometheuses", scope: "Namespaced", shortNames: ["prom"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "PrometheusRule", plural: "prometheusrules", scope: "Namespaced", shortNames: ["promrule"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "ServiceMonitor", plural: "servicemonitors", scope: "Namespaced", shortNames: ["smon"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1", kind: "ThanosRuler", plural: "thanosrulers", scope: "Namespaced", shortNames: ["ruler"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1alpha1", kind: "AlertmanagerConfig", plural: "alertmanagerconfigs", scope: "Namespaced", shortNames: ["amcfg"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1alpha1", kind: "PrometheusAgent", plural: "prometheusagents", scope: "Namespaced", shortNames: ["promagent"], package: PROMETHEUS_OPERATOR },
    { group: "monitoring.coreos.com", version: "v1alpha1", kind: "ScrapeConfig", plural: "scrapeconfigs", scope: "Namespaced", shortNames: ["scfg"], package: PROMETHEUS_OPERATOR },
];

/**
 * Fields the pinned charts' CRDs have and the (older) model packages lack, limited to the fields
 * the program sets: without them the apiserver would prune the program's values silently.
 * Paths are dotted, `[]` stepping into list items.
 */
const SUPPLEMENTS: Record<string, ReadonlyArray<{ readonly at: string; readonly field: string; readonly schema: JsonSchema }>> = {
    // cert-manager 1.12 added ingressClassName to the HTTP-01 solver; the models predate it.
    "cert-manager.io/v1/Issuer": [{ at: "spec.acme.solvers[].http01.ingress", field: "ingressClassName", schema: { type: "string" } }],
    "cert-manager.io/v1/ClusterIssuer": [{ at: "spec.acme.solvers[].http01.ingress", field: "ingressClassName", schema: { type: "string" } }],
    "acme.cert-manager.io/v1/Challenge": [{ at: "spec.solver.http01.ingress", field: "ingressClassName", schema: { type: "string" } }],
};

function supplement(source: CrdSource, schema: JsonSchema): void {
    for (const { at, field, schema: fieldSchema } of SUPPLEMENTS[`${source.group}/${source.version}/${source.kind}`] ?? []) {
        let node = schema;
        for (const step of at.split(".")) {
            const name = step.replace(/\[\]$/, "");
            const next = node.properties?.[name];
            if (!next) {
                throw new Error(`${source.kind}: no ${at} to add ${field} to`);
            }
            node = step.endsWith("[]") ? next.items! : next;
        }
        if (node.properties?.[field]) {
            throw new Error(`${source.kind}: ${at}.${field} exists in the models now; drop the supplement`);
        }
        node.properties = { ...node.properties, [field]: fieldSchema };
    }
}

function modulePath(source: CrdSource): string {
    return `${source.package}/${source.group}/${source.version}/${source.kind}`;
}

function propertyName(name: ts.PropertyName): string {
    if (ts.isStringLiteral(name) || ts.isIdentifier(name) || ts.isNumericLiteral(name)) {
        return name.text;
    }
    throw new Error(`unsupported property name ${name.getText()}`);
}

/** JSDoc text right above a declaration (only used for the kind itself). */
function docOf(node: ts.Node): string | undefined {
    const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
    const text = docs?.map((d) => (typeof d.comment === "string" ? d.comment : "")).join("\n").trim();
    return text ? text : undefined;
}

/** The schema of one declared type; `where` names the field for error messages. */
function schemaOfType(node: ts.TypeNode, where: string): JsonSchema {
    switch (node.kind) {
        case ts.SyntaxKind.StringKeyword:
            return { type: "string" };
        case ts.SyntaxKind.NumberKeyword:
            // Refined to integer (with its format) from the validator afterwards.
            return { type: "number" };
        case ts.SyntaxKind.BooleanKeyword:
            return { type: "boolean" };
        case ts.SyntaxKind.AnyKeyword:
        case ts.SyntaxKind.UnknownKeyword:
            // Free-form JSON (e.g. a webhook solver's config): kept as sent, never pruned.
            return { "x-kubernetes-preserve-unknown-fields": true };
    }
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
        return { type: "string", enum: [node.literal.text] };
    }
    if (ts.isUnionTypeNode(node)) {
        const literals = node.types.filter((t): t is ts.LiteralTypeNode => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal));
        if (literals.length === node.types.length) {
            return { type: "string", enum: literals.map((t) => (t.literal as ts.StringLiteral).text) };
        }
        const kinds = new Set(node.types.map((t) => t.kind));
        if (kinds.size === 2 && kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) {
            return { "x-kubernetes-int-or-string": true };
        }
        throw new Error(`${where}: unsupported union ${node.getText()}`);
    }
    if (ts.isArrayTypeNode(node)) {
        return { type: "array", items: schemaOfType(node.elementType, `${where}[]`) };
    }
    if (ts.isTypeReferenceNode(node)) {
        const name = node.typeName.getText();
        if (name === "Array" && node.typeArguments?.length === 1) {
            return { type: "array", items: schemaOfType(node.typeArguments[0], `${where}[]`) };
        }
        if (name === "IObjectMeta") {
            // The apiserver owns metadata's schema; a CRD may only constrain name and generateName.
            return { type: "object" };
        }
        throw new Error(`${where}: unsupported type reference ${name}`);
    }
    if (ts.isTypeLiteralNode(node)) {
        return schemaOfMembers(node.members, where);
    }
    throw new Error(`${where}: unsupported type ${ts.SyntaxKind[node.kind]} (${node.getText().slice(0, 60)})`);
}

function schemaOfMembers(members: ts.NodeArray<ts.TypeElement>, where: string): JsonSchema {
    const index = members.filter(ts.isIndexSignatureDeclaration);
    const props = members.filter(ts.isPropertySignature);
    if (index.length > 0 && props.length > 0) {
        throw new Error(`${where}: an object with both fixed fields and an index signature has no structural schema`);
    }
    if (index.length > 0) {
        return { type: "object", additionalProperties: schemaOfType(index[0].type, `${where}{}`) };
    }
    if (props.length === 0) {
        // The models collapse some embedded objects (e.g. a claim template's metadata) to `{}`;
        // an object without fields would have everything pruned, so keep its content as sent.
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    }
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of props) {
        const name = propertyName(prop.name);
        if (!prop.type) {
            throw new Error(`${where}.${name}: no declared type`);
        }
        properties[name] = schemaOfType(prop.type, `${where}.${name}`);
        if (!prop.questionToken) {
            required.push(name);
        }
    }
    return required.length > 0 ? { type: "object", properties, required } : { type: "object", properties };
}

/** A value for every field of the schema, numbers fractional, so the validator names every integer. */
function probeValue(schema: JsonSchema): unknown {
    if (schema["x-kubernetes-int-or-string"]) {
        return "1";
    }
    if (schema["x-kubernetes-preserve-unknown-fields"] && !schema.properties) {
        return {};
    }
    switch (schema.type) {
        case "string":
            return schema.enum ? schema.enum[0] : "x";
        case "number":
        case "integer":
            return 0.5;
        case "boolean":
            return true;
        case "array":
            return [probeValue(schema.items!)];
        case "object":
            if (schema.additionalProperties) {
                return { key: probeValue(schema.additionalProperties) };
            }
            return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, probeValue(s)]));
        default:
            return {};
    }
}

function schemaAt(root: JsonSchema, pointer: string): JsonSchema {
    let node = root;
    for (const raw of pointer.split("/").slice(1)) {
        const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        if (node.type === "array" && node.items) {
            node = node.items;
        } else if (node.properties?.[segment]) {
            node = node.properties[segment];
        } else if (node.additionalProperties) {
            node = node.additionalProperties;
        } else {
            throw new Error(`the validator reports ${pointer}, which the declarations do not have`);
        }
    }
    return node;
}

interface ValidatorError { instancePath: string; schemaPath: string; keyword: string; params: Record<string, unknown> }

/**
 * Runs the package's compiled validator over a probe object holding every field, and takes the
 * integer types and formats it reports; any other type disagreement means the declarations were
 * read wrongly, so it stops the generation.
 */
function refineNumbers(source: CrdSource, schema: JsonSchema): void {
    const model = require(modulePath(source))[source.kind] as new (data: unknown) => { validate(): void };
    const probe = probeValue(schema) as Record<string, unknown>;
    delete probe.apiVersion;
    delete probe.kind;
    let errors: ValidatorError[] = [];
    try {
        new model({ ...probe, metadata: { name: "probe" } }).validate();
    } catch (error) {
        errors = ((error as { errors?: ValidatorError[] }).errors ?? []);
        if (errors.length === 0) {
            throw error;
        }
    }
    for (const error of errors) {
        if (error.keyword === "type" && error.params.type === "integer") {
            const node = schemaAt(schema, error.instancePath);
            if (node.type === "number") {
                node.type = "integer";
            }
        }
    }
    for (const error of errors) {
        const node = () => schemaAt(schema, error.instancePath);
        if (error.keyword === "format" && (error.params.format === "int32" || error.params.format === "int64") && node().type === "integer") {
            node().format = error.params.format;
        } else if (error.keyword === "type" && error.params.type !== "integer" && !error.schemaPath.includes("anyOf")) {
            throw new Error(`${source.kind}${error.instancePath}: the validator expects ${String(error.params.type)}, the declarations say otherwise`);
        }
    }
}

const cache = new Map<string, JsonSchema>();

/** The openAPIV3Schema of one kind (cached: the declarations do not change during a run). */
export function kindSchema(source: CrdSource): JsonSchema {
    const key = modulePath(source);
    const cached = cache.get(key);
    if (cached) {
        return structuredClone(cached);
    }
    const declarations = require.resolve(key).replace(/\.js$/, ".d.ts");
    const file = ts.createSourceFile(declarations, fs.readFileSync(declarations, "utf8"), ts.ScriptTarget.Latest, true);
    const iface = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${source.kind}`);
    if (!iface) {
        throw new Error(`${declarations} declares no interface I${source.kind}`);
    }
    const schema = schemaOfMembers(iface.members, source.kind);
    // apiVersion and kind are set by clients and checked by the apiserver itself.
    schema.properties!.apiVersion = { type: "string" };
    schema.properties!.kind = { type: "string" };
    schema.properties!.metadata = { type: "object" };
    schema.required = (schema.required ?? []).filter((r) => r !== "apiVersion" && r !== "kind");
    if (schema.required.length === 0) {
        delete schema.required;
    }
    const description = docOf(iface);
    if (description) {
        schema.description = description;
    }
    supplement(source, schema);
    refineNumbers(source, schema);
    cache.set(key, schema);
    return structuredClone(schema);
}

/** The CustomResourceDefinition object of one kind: one served and stored version. */
export function customResourceDefinition(source: CrdSource): Record<string, unknown> {
    const schema = kindSchema(source);
    const singular = source.kind.toLowerCase();
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${source.plural}.${source.group}` },
        spec: {
            group: source.group,
            names: {
                kind: source.kind,
                listKind: `${source.kind}List`,
                plural: source.plural,
                singular,
                ...(source.shortNames ? { shortNames: [...source.shortNames] } : {}),
            },
            scope: source.scope,
            versions: [{
                name: source.version,
                served: true,
                storage: true,
                schema: { openAPIV3Schema: schema },
                ...(schema.properties?.status ? { subresources: { status: {} } } : {}),
            }],
        },
    };
}
