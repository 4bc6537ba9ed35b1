/**
 * Unknown values: during `pulumi preview` some inputs (generated passwords, names of resources not yet
 * created, …) are unknown. The SDK hands policies a proxy that throws `UnknownValueError` when such a
 * value is read (pulumi-policy#258). If that error escaped, the SDK would skip the whole policy for the
 * resource with one generic advisory line; our policies instead catch it around each independent check
 * (one container, one resource, one reference) so everything else is still checked, and report exactly
 * what could not be checked.
 *
 * `@pulumi/policy` 1.21.0 exports `UnknownValueError` and `unknownCheckingProxy` at runtime, but its
 * `proxy.d.ts` declares nothing, so they are loaded through `require` with a local type.
 */

interface PolicyProxyApi {
    UnknownValueError: new (...args: any[]) => Error & { props: string[] };
    unknownCheckingProxy<T>(value: T): T;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const sdk: PolicyProxyApi = require("@pulumi/policy");

/** The wire sentinels the engine uses for values that are unknown during preview. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The wire value of an unknown string (what the engine sends for any computed value). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknownValueError(e: unknown): e is Error & { props: string[] } {
    if (e instanceof sdk.UnknownValueError) {
        return true;
    }
    // A second copy of @pulumi/policy (another node_modules) would have its own class.
    return e instanceof Error && e.constructor?.name === "UnknownValueError" && Array.isArray((e as any).props);
}

/** The dotted path of the unknown value an `UnknownValueError` was raised for. */
export function unknownPath(e: Error & { props?: string[] }): string {
    return (e.props ?? []).map(String).join(".");
}

/**
 * Wraps plain props in the SDK's unknown-checking proxy (idempotent). The SDK already passes proxies;
 * this makes hand-built args (tests, other drivers) behave exactly the same way.
 */
export function ensureProxy<T>(props: T): T {
    if (props === null || typeof props !== "object") {
        return props;
    }
    if ((props as any).__isSpecialProxy === true) {
        return props;
    }
    return sdk.unknownCheckingProxy(props);
}

/** Whether a deserialized value holds an unknown anywhere, per object (props are shared per request). */
const holdsUnknown = new WeakMap<object, boolean>();

function containsUnknown(value: unknown): boolean {
    if (typeof value === "string") {
        return UNKNOWN_SENTINELS.has(value);
    }
    if (value === null || typeof value !== "object") {
        return false;
    }
    const cached = holdsUnknown.get(value);
    if (cached !== undefined) {
        return cached;
    }
    let found = false;
    for (const v of Array.isArray(value) ? value : Object.values(value)) {
        if (containsUnknown(v)) {
            found = true;
            break;
        }
    }
    holdsUnknown.set(value, found);
    return found;
}

/**
 * The props the checks read: the SDK's proxy when some value in them is unknown, otherwise the plain
 * object behind it. The proxy only ever changes a read by throwing for an unknown value, so without
 * one it changes nothing, but it allocates a proxy and a path array on every property read; profiling
 * the pack over the prod stack put that and the garbage it leaves among its largest costs.
 */
export function readableProps<T>(props: T): T {
    if (props === null || typeof props !== "object") {
        return props;
    }
    const target = proxyTarget(props);
    return containsUnknown(target) ? ensureProxy(props) : target;
}

/** The plain object behind the SDK's unknown-checking proxy (the object itself when it is none). */
export function proxyTarget<T extends object>(props: T): T {
    return (props as any).__isSpecialProxy === true ? (props as any).__getSpecialProxyTarget : props;
}

export { sdk as policySdk };
