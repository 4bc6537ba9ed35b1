/**
 * The stack policies of one AnalyzeStack request share one converted resource list and one StackIndex
 * (policy/lib/core.ts sharedStack, policy/lib/stack.ts StackIndex.of): the SDK wraps the resources
 * afresh for every stack policy, but their deserialized props are one object per request.
 */
import * as assert from "assert";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Res, stackPolicy } from "../../policy/lib/core";
import { M_M } from "../../policy/lib/levels";
import { StackIndex } from "../../policy/lib/stack";
import { policySdk } from "../../policy/lib/unknown";

interface Seen { resources: Res[]; index: StackIndex }

function spyPolicy(name: string, seen: Seen[]): StackValidationPolicy {
    return stackPolicy({
        name, description: name, anchors: "test", levels: M_M, exemption: "no",
        check: (resources) => { seen.push({ resources, index: StackIndex.of(resources) }); },
    }) as StackValidationPolicy;
}

const deployment = (name: string) => ({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "shop" }, spec: { replicas: 2 },
});

/** What the SDK hands one stack policy: its own wrapper and proxy around each shared props object. */
function wrappers(props: readonly { urn: string; props: object }[]): PolicyResource[] {
    return props.map(({ urn, props: p }) => ({
        type: "kubernetes:apps/v1:Deployment", urn, name: urn.split("::").pop()!, props: policySdk.unknownCheckingProxy(p),
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
    } as unknown as PolicyResource));
}

async function validate(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<void> {
    await policy.validateStack({ resources, getConfig: () => ({}) as any, stackTags: new Map(), notApplicable: () => { throw new Error("n/a"); } } as any, () => undefined);
}

const urn = (name: string) => `urn:pulumi:prod::ai-platform::kubernetes:apps/v1:Deployment::${name}`;

describe("stack policies share one view of the stack per request", () => {
    it("two stack policies given their own wrappers of the same props get the same list and the same index", async () => {
        const seen: Seen[] = [];
        const request = [{ urn: urn("web"), props: deployment("web") }, { urn: urn("api"), props: deployment("api") }];
        await validate(spyPolicy("first", seen), wrappers(request));
        await validate(spyPolicy("second", seen), wrappers(request));
        assert.strictEqual(seen.length, 2);
        assert.strictEqual(seen[1].resources, seen[0].resources);
        assert.strictEqual(seen[1].index, seen[0].index);
        assert.deepStrictEqual(seen[0].index.ofKind("Deployment").map((o) => `${o.namespace}/${o.objName}`), ["shop/web", "shop/api"]);
    });

    it("the next request, with new props, gets a list and an index of its own", async () => {
        const seen: Seen[] = [];
        await validate(spyPolicy("first", seen), wrappers([{ urn: urn("web"), props: deployment("web") }]));
        await validate(spyPolicy("first", seen), wrappers([{ urn: urn("web"), props: deployment("web") }, { urn: urn("db"), props: deployment("db") }]));
        assert.notStrictEqual(seen[1].resources, seen[0].resources);
        assert.notStrictEqual(seen[1].index, seen[0].index);
        assert.deepStrictEqual(seen[1].index.ofKind("Deployment").map((o) => o.objName), ["web", "db"]);
    });

    it("hand-built args that reuse one props object for two resources still get two resources with their own URNs", async () => {
        const seen: Seen[] = [];
        const shared = deployment("same");
        await validate(spyPolicy("first", seen), wrappers([{ urn: urn("one"), props: shared }, { urn: urn("two"), props: shared }]));
        assert.deepStrictEqual(seen[0].resources.map((r) => r.urn), [urn("one"), urn("two")]);
        assert.deepStrictEqual(seen[0].resources.map((r) => r.name), ["one", "two"]);
    });
});
