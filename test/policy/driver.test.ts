/** Unit tests of the driver's engine emulation (no process started). */
import * as assert from "assert";
import { OUTPUT_SIG, parseUrn, RESOURCE_SIG, SECRET_SIG, SIG_KEY, toAnalyzerProperties, UNKNOWN_STRING, validateJsonSchema } from "../../tools/policy/analyzer";

describe("policy driver: engine-style marshalling", () => {
    it("drops internal keys and undefined values, keeps secrets and unknowns", () => {
        const out = toAnalyzerProperties({
            __provider: "serialized function", key: "A", value: { [SIG_KEY]: SECRET_SIG, value: "s3cret" }, nested: { __inner: 1, ok: true, gone: undefined },
            list: [1, undefined, UNKNOWN_STRING],
        });
        assert.deepStrictEqual(out, { key: "A", value: { [SIG_KEY]: SECRET_SIG, value: "s3cret" }, nested: { ok: true }, list: [1, null, UNKNOWN_STRING] });
    });

    it("turns resource references into ids (or URNs) and output values into values, secrets or unknowns", () => {
        const out = toAnalyzerProperties({
            ns: { [SIG_KEY]: RESOURCE_SIG, urn: "urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns", id: "shop" },
            pending: { [SIG_KEY]: RESOURCE_SIG, urn: "urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns2", id: "" },
            known: { [SIG_KEY]: OUTPUT_SIG, value: "v" },
            secret: { [SIG_KEY]: OUTPUT_SIG, value: "x", secret: true },
            unknown: { [SIG_KEY]: OUTPUT_SIG, dependencies: [] },
        });
        assert.deepStrictEqual(out, {
            ns: "shop", pending: "urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns2", known: "v",
            secret: { [SIG_KEY]: SECRET_SIG, value: "x" }, unknown: UNKNOWN_STRING,
        });
    });

    it("parses URNs with parent types", () => {
        assert.deepStrictEqual(parseUrn("urn:pulumi:prod::ai-platform::ai:platform:Ingress$kubernetes:helm.sh/v3:Release::ingress-nginx"),
            { type: "kubernetes:helm.sh/v3:Release", name: "ingress-nginx" });
    });

    it("validates config values against the schema subset and rejects unsupported keywords", () => {
        const schema = { type: "object", properties: { n: { type: "integer", minimum: 1 }, l: { type: "array", items: { type: "string", enum: ["a"] } } } };
        assert.deepStrictEqual(validateJsonSchema(schema, { n: 2, l: ["a"] }), []);
        assert.strictEqual(validateJsonSchema(schema, { n: 0, l: ["b"] }).length, 2);
        assert.throws(() => validateJsonSchema({ oneOf: [] }, 1), /unsupported JSON schema keyword "oneOf"/);
    });
});
