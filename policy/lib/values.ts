/** Small, proxy-safe accessors for untyped resource properties. */

export type Obj = Record<string, any>;

export function isObject(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value as an array, or `[]` when it is absent or not an array. */
export function arr(v: unknown): any[] {
    return Array.isArray(v) ? v : [];
}

/** The value as an object, or `{}` when absent or not an object. */
export function obj(v: unknown): Obj {
    return isObject(v) ? v : {};
}

export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Own keys of an object (does not read values, so never trips the unknown-value proxy). */
export function keys(v: unknown): string[] {
    return isObject(v) ? Object.keys(v) : [];
}

/** A string map (labels, annotations, selectors) as a plain object of strings. */
export function stringMap(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    if (!isObject(v)) {
        return out;
    }
    for (const k of Object.keys(v)) {
        const val = v[k];
        if (val !== undefined && val !== null) {
            out[k] = String(val);
        }
    }
    return out;
}

/** Deep copy into plain JSON (reads every value, so it throws on unknowns inside). */
export function plain<T>(v: T): T {
    if (v === undefined) {
        return v;
    }
    return JSON.parse(JSON.stringify(v));
}

/** Structural equality of two JSON values (throws on unknowns inside, like `plain`). */
export function deepEqual(a: unknown, b: unknown): boolean {
    return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(canonical);
    }
    if (isObject(v)) {
        const out: Obj = {};
        for (const k of Object.keys(v).sort()) {
            out[k] = canonical(v[k]);
        }
        return out;
    }
    return v;
}

export function quote(s: unknown): string {
    return JSON.stringify(String(s));
}
