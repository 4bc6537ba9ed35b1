/**
 * One deserialization of a resource's properties per request, shared by every policy.
 *
 * `@pulumi/policy` 1.21.0 (server.js, `makeAnalyzeRpcFun` and `makeAnalyzeStackRpcFun`) turns the
 * request's protobuf Struct into plain values again for every policy: about 45 times per Analyze call,
 * and once per resource for each of the stack policies in AnalyzeStack. Profiling the pack over the
 * prod stack put most of its time there (Struct.toJavaScript, deserializeProperty and the garbage they
 * leave), not in the policies. The policies only read the properties — through the SDK's
 * unknown-checking proxy, which the SDK still creates afresh for each policy — so the pack deserializes
 * each Struct once and hands every policy the same plain object. The Struct is the key: the request
 * message returns the same wrapper object every time it is asked for it, and a new request brings new
 * Structs, so nothing outlives its request.
 *
 * Remediation (`proxySecrets: true`) gets a secrets-preserving proxy the policy may change, so it keeps
 * the SDK's own per-call deserialization.
 */

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

export function shareDeserializedProperties(): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const module: { deserializeProperties: Deserialize & { shared?: true } } = require("@pulumi/policy/deserialize");
    const original = module.deserializeProperties;
    if (typeof original !== "function") {
        throw new Error("@pulumi/policy/deserialize no longer exports deserializeProperties; review policy/lib/sharedProps.ts for this SDK version");
    }
    if (original.shared) {
        return;
    }
    const cache = new WeakMap<object, Record<string, unknown>>();
    const shared: Deserialize & { shared?: true } = (struct, proxySecrets) => {
        if (proxySecrets) {
            return original(struct, proxySecrets);
        }
        let props = cache.get(struct);
        if (props === undefined) {
            props = original(struct, false);
            cache.set(struct, props);
        }
        return props;
    };
    shared.shared = true;
    module.deserializeProperties = shared;
}
