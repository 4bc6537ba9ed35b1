/**
 * Turns recorded RegisterResource inputs into what the engine sends an analyzer
 * (plugin.MarshalProperties with KeepUnknowns, KeepSecrets, SkipInternalKeys and no KeepResources):
 * - keys starting with `__` (e.g. a dynamic provider's `__provider`) are dropped, at every level;
 * - `undefined` values are dropped;
 * - secrets stay `{4dabf18193072939515e22adb298388d: "1b47061264138c4ac30d75fd1eb44270", value}`;
 * - unknowns stay the unknown sentinel string;
 * - resource references become their id (or URN when the id is unknown or empty);
 * - output values become their value, a secret, or the unknown sentinel.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function toAnalyzerValue(v: unknown): Json | undefined {
    if (v === undefined) return undefined;
    if (v === null || typeof v === "boolean" || typeof v === "string") return v as Json;
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (Array.isArray(v)) return v.map((e) => toAnalyzerValue(e) ?? null);
    if (typeof v === "object") {
        const o = v as Record<string, unknown>;
        const sig = o[SIG_KEY];
        if (sig === SECRET_SIG) {
            return { [SIG_KEY]: SECRET_SIG, value: toAnalyzerValue(o.value) ?? null };
        }
        if (sig === RESOURCE_SIG) {
            const id = o.id;
            if (typeof id === "string" && id !== "" && id !== UNKNOWN_STRING) return id;
            return typeof o.urn === "string" ? o.urn : UNKNOWN_STRING;
        }
        if (sig === OUTPUT_SIG) {
            if (!("value" in o)) return UNKNOWN_STRING;
            const inner = toAnalyzerValue(o.value) ?? null;
            return o.secret === true ? { [SIG_KEY]: SECRET_SIG, value: inner } : inner;
        }
        const out: Record<string, Json> = {};
        for (const [k, val] of Object.entries(o)) {
            if (k.startsWith("__") && k !== SIG_KEY) continue;
            const m = toAnalyzerValue(val);
            if (m !== undefined) out[k] = m;
        }
        return out;
    }
    return undefined;
}

export function toAnalyzerProperties(props: Record<string, unknown> | undefined): Record<string, Json> {
    const v = toAnalyzerValue(props ?? {});
    return (v && typeof v === "object" && !Array.isArray(v) ? v : {}) as Record<string, Json>;
}

/** `urn:pulumi:stack::project::parent$type::name` → { type, name }. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const name = parts.length >= 4 ? parts.slice(3).join("::") : "";
    const qualified = parts[2] ?? "";
    const type = qualified.split("$").pop() ?? "";
    return { type, name };
}
