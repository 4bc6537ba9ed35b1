/**
 * Values unknown during preview never crash a policy and never pass silently: with every value of the
 * stack unknown, no policy throws, none lets an UnknownValueError reach the SDK (whose fallback skips the
 * whole policy), every finding is an advisory "could not check", and the policies say what they could not
 * check. With one value unknown, everything else is still checked.
 */
import * as assert from "assert";
import { broken, compliantStack, container, podSpec, Rec, UNKNOWN } from "./fixtures";
import { policySdk, readableProps } from "../../policy/lib/unknown";
import { allPackPolicies, run, runAll, summarize } from "./harness";

const SIG = "4dabf18193072939515e22adb298388d";

/** Replaces every scalar (or, from `depth` on, every object/array) by the unknown sentinel. */
function unknownize(v: any, depth: number, objectsFrom?: number): any {
    if (v && typeof v === "object" && v[SIG]) return UNKNOWN;
    if (objectsFrom !== undefined && depth >= objectsFrom && v && typeof v === "object") return UNKNOWN;
    if (Array.isArray(v)) return v.map((x) => unknownize(x, depth + 1, objectsFrom));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknownize(x, depth + 1, objectsFrom)]));
    return UNKNOWN;
}

function unknownStack(objectsFrom?: number): Rec[] {
    return compliantStack().map((r) => ({ ...r, wireInputs: unknownize(r.wireInputs, 0, objectsFrom) }));
}

describe("unknown values during preview", () => {
    for (const [title, stackFn] of [
        ["every scalar unknown", () => unknownStack()],
        ["every object below the top level unknown", () => unknownStack(1)],
        ["every object from depth 3 unknown", () => unknownStack(3)],
    ] as const) {
        for (const stack of ["dev", "prod"] as const) {
            it(`${title} (${stack}): no crash, no SDK fallback, only advisory "could not check"`, async () => {
                const ds = await runAll(stackFn(), stack);
                assert.ok(!ds.some((d) => d.sdkUnknown), summarize(ds.filter((d) => d.sdkUnknown)));
                const notAdvisory = ds.filter((d) => d.enforcementLevel !== "advisory");
                assert.deepStrictEqual(notAdvisory, [], summarize(notAdvisory));
                for (const d of ds) {
                    assert.match(d.message, /Could not (check|verify)|is exempt|stale/, summarize([d]));
                }
            });
        }
    }

    it("policies say what they could not check (not a silent pass)", async () => {
        const ds = [...await runAll(unknownStack(), "prod"), ...await runAll(unknownStack(1), "prod"), ...await runAll(unknownStack(3), "prod")];
        const reporting = new Set(ds.filter((d) => /Could not (check|verify)/.test(d.message)).map((d) => d.policyName));
        // Policies that only look at the type token have nothing unknown to report.
        const typeOnly = new Set(["no-bare-pods", "stable-apis"]);
        const silent = allPackPolicies().filter((p) => !typeOnly.has(p.name) && !reporting.has(p.name)).map((p) => p.name);
        assert.deepStrictEqual(silent, [], "policies that neither checked nor reported");
        assert.ok(ds.some((d) => d.policyName === "no-privileged" &&
            d.message.includes("Could not check the pod template of Deployment web: the value at `spec` is unknown during preview")), summarize(ds.filter((d) => d.policyName === "no-privileged")));
        assert.ok(ds.some((d) => d.policyName === "namespace-default-deny" && d.message.includes("Could not check")));
    });

    it("one unknown image: that container is reported as not checked, the others are still checked", async () => {
        const rs = broken("web", (w) => {
            container(w).image = UNKNOWN;
            podSpec(w).containers.push({ ...container(w), name: "sidecar", image: "nginx:latest" });
        });
        const ds = await run("image-tag-pinned", rs);
        assert.strictEqual(ds.length, 2, summarize(ds));
        assert.ok(ds.some((d) => d.enforcementLevel === "advisory" && d.message.includes('container "web": the value at `spec.template.spec.containers.0.image` is unknown')), summarize(ds));
        assert.ok(ds.some((d) => d.enforcementLevel === "mandatory" && d.message.includes('container "sidecar"')), summarize(ds));
    });

    it("an unknown namespace on a Service does not hide the other Services' checks", async () => {
        const rs = compliantStack();
        const svc = rs.find((r) => r.name === "web-svc")!;
        rs.push({ ...JSON.parse(JSON.stringify(svc)), name: "np-svc", urn: `${svc.urn}-np`, wireInputs: { ...JSON.parse(JSON.stringify(svc.wireInputs)), metadata: { name: "np", namespace: UNKNOWN }, spec: { type: "NodePort", selector: UNKNOWN } } });
        const ds = await run("service-type", rs);
        assert.strictEqual(ds.length, 1, summarize(ds));
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        const st = await run("service-targets-pod", rs);
        assert.ok(st.every((d) => d.enforcementLevel === "advisory" && d.message.includes("Could not check")) && st.length === 1, summarize(st));
    });
});

describe("readableProps (the checks' view of a resource's props)", () => {
    it("a resource with no unknown value is read as the plain object behind the SDK's proxy", () => {
        const plain = { metadata: { name: "api", labels: { app: "api" } }, spec: { replicas: 2, ports: [{ port: 80 }] } };
        const props = readableProps(policySdk.unknownCheckingProxy(plain));
        assert.strictEqual(props, plain);
        assert.strictEqual(props.metadata, props.metadata);
    });

    it("a resource with an unknown value deep in a list keeps the proxy: reading it throws, the rest reads", () => {
        const plain = { metadata: { name: "api" }, spec: { containers: [{ name: "app", image: UNKNOWN }] } };
        const props: any = readableProps(plain);
        assert.notStrictEqual(props, plain);
        assert.strictEqual(props.metadata.name, "api");
        assert.throws(() => props.spec.containers[0].image, (e: Error) => e.constructor.name === "UnknownValueError");
    });
});
