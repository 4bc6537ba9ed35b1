/**
 * Secret handling for everything the plan writes or prints. Two layers:
 * 1. structural: values that travel as secrets on the wire (the `secretPaths` of a recorded
 *    resource; taken from the wire form itself, so no path parsing is involved) and the
 *    `data`/`stringData` of every Kubernetes Secret are replaced by a marker, keeping their keys;
 * 2. textual: every secret string seen (those values, plus the stack's secret config values and
 *    offline placeholders) of a length that cannot be an accident is scrubbed from the final text,
 *    in case a secret was copied into a plain field somewhere.
 */
import { SIG } from "../stack/evaluate";
import { RecordedResource } from "../stack/types";

export const REDACTED = "<redacted: secret>";

/** Strings shorter than this are not scrubbed textually (too likely to occur legitimately). */
const MIN_SCRUB_LENGTH = 8;

function isSecretWrapper(value: any): boolean {
    return value !== null && typeof value === "object" && value[SIG.key] === SIG.secret;
}

/** Every leaf replaced by the marker; object keys and array lengths kept so diffs still show shape. */
function mask(value: any, collect: Set<string>): any {
    if (isSecretWrapper(value)) {
        return mask(value.value, collect);
    }
    if (Array.isArray(value)) {
        return value.map((v) => mask(v, collect));
    }
    if (value !== null && typeof value === "object") {
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = mask(v, collect);
        }
        return out;
    }
    if (value === null || value === undefined) {
        return value;
    }
    collect.add(String(value));
    return REDACTED;
}

function strip(value: any, collect: Set<string>): any {
    if (isSecretWrapper(value)) {
        return mask(value.value, collect);
    }
    if (Array.isArray(value)) {
        return value.map((v) => strip(v, collect));
    }
    if (value !== null && typeof value === "object") {
        if (value[SIG.key] === SIG.resourceReference) {
            return { urn: value.urn, ...(value.id !== undefined ? { id: value.id } : {}) };
        }
        if (value[SIG.key] !== undefined) {
            return `<${String(value[SIG.key])}>`;
        }
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = strip(v, collect);
        }
        return out;
    }
    if (value === SIG.unknown) {
        return "<unknown during preview>";
    }
    return value;
}

export class Redactor {
    private readonly secrets = new Set<string>();

    /** @param secretValues further known secret strings (e.g. the stack's secret config values). */
    constructor(secretValues: Iterable<string> = []) {
        for (const s of secretValues) {
            this.secrets.add(s);
        }
    }

    /** A resource's inputs with every secret value replaced by the marker. */
    inputs(resource: RecordedResource): Record<string, any> {
        const out = strip(resource.wireInputs, this.secrets) as Record<string, any>;
        if (resource.type === "kubernetes:core/v1:Secret" || resource.type === "kubernetes:core/v1:SecretPatch" ||
            (resource.inputs.kind === "Secret" && resource.inputs.apiVersion === "v1")) {
            for (const field of ["data", "stringData"]) {
                if (out[field] !== undefined) {
                    out[field] = mask(out[field], this.secrets);
                }
            }
        }
        return out;
    }

    /** Records secret leaves of every resource without producing output (so scrubbing sees them all). */
    learn(resources: readonly RecordedResource[]): void {
        for (const r of resources) {
            this.inputs(r);
        }
    }

    /** The text with every known secret string of a meaningful length replaced by the marker. */
    scrub(text: string): string {
        let out = text;
        const candidates = [...this.secrets].filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
        for (const secret of candidates) {
            if (out.includes(secret)) {
                out = out.split(secret).join(REDACTED);
            }
            // Secrets also travel JSON-escaped (quotes, backslashes) inside JSON text.
            const escaped = JSON.stringify(secret).slice(1, -1);
            if (escaped !== secret && out.includes(escaped)) {
                out = out.split(escaped).join(REDACTED);
            }
        }
        return out;
    }

    /** Known secret strings (for tests and self-checks). */
    knownSecrets(): string[] {
        return [...this.secrets];
    }
}
