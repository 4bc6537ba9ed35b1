/**
 * Secret values for an e2e stack: the shape of each key's offline placeholder (so they pass the
 * program's validation), with a token unique to this run in place of the placeholder words, so a
 * search of the state for the value can only find this run's own leak.
 */
import * as crypto from "crypto";
import { CONFIG_KEYS } from "../../components/config/keys";

export interface SecretValue {
    readonly key: string;
    readonly value: string;
}

export function secretValuesForRun(): SecretValue[] {
    const out: SecretValue[] = [];
    for (const [key, spec] of Object.entries(CONFIG_KEYS) as Array<[string, { secret?: boolean; offlinePlaceholder?: string }]>) {
        if (!spec.secret) {
            continue;
        }
        if (spec.offlinePlaceholder === undefined) {
            throw new Error(`${key} is secret but has no offline placeholder to shape an e2e value on (components/config/keys.ts)`);
        }
        const token = crypto.randomBytes(8).toString("hex");
        const value = spec.offlinePlaceholder
            .replace(/offline[-_ ]?placeholder/gi, (m) => (m === m.toUpperCase() ? `E2E${token.toUpperCase()}` : `e2e${token}`))
            .replace(/offline|placeholder/gi, (m) => (m === m.toUpperCase() ? `E2E${token.toUpperCase()}` : `e2e${token}`));
        if (value === spec.offlinePlaceholder) {
            throw new Error(`${key}: its offline placeholder has no "offline"/"placeholder" word to replace, so an e2e value could not be made unique`);
        }
        out.push({ key, value });
    }
    return out;
}

/** The forms a secret takes when it leaks: as itself, base64 (Kubernetes Secret data), and URL-encoded. */
export function leakForms(value: string): string[] {
    return [...new Set([value, Buffer.from(value).toString("base64"), encodeURIComponent(value)])];
}
