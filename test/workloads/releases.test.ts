/**
 * Release switches are one configuration key each: flipping the active color changes only the
 * Service selector, changing the canary weight only the canary Ingress; no Deployment is touched,
 * so switching back (a rollback) is the same one-key change, and instant.
 */
import { strict as assert } from "assert";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { configured, evaluateWith, stackEvaluation } from "../helpers/stacks";
import { annotation, NGINX, object, T } from "./render";

/** Resources whose inputs differ between two evaluations, by URN (both must register the same set). */
function changed(before: StackEvaluation, after: StackEvaluation): RecordedResource[] {
    const byUrn = new Map(before.resources.map((r) => [r.urn, r]));
    assert.deepEqual(after.resources.map((r) => r.urn).sort(), [...byUrn.keys()].sort(), "the same resources exist before and after");
    return after.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(byUrn.get(r.urn)!.inputs));
}

const other = (color: string) => (color === "blue" ? "green" : "blue");

describe("blue-green switch (prod)", () => {
    let base: StackEvaluation;
    before(async () => {
        base = await stackEvaluation("prod");
    });

    for (const [key, namespace, services] of [
        ["chatbotActiveColor", "chatbot-prod", ["chatbot-service"]],
        ["llmServiceActiveColor", "llm-service", ["llm-service"]],
        ["soundcoreActiveColor", "soundcore-kcp-prod",
            ["frontend", "knowledge-service", "content-service", "support-service", "analytics-service", "auth-service"]],
    ] as const) {
        it(`\`pulumi config set ${key} <color>\` changes only the selector of ${services.join(", ")}`, async () => {
            const active = configured("prod", key);
            const switched = await evaluateWith("prod", { [key]: other(active) });
            const diff = changed(base, switched);
            assert.deepEqual(diff.map((r) => `${r.type} ${r.inputs.metadata.name}`).sort(),
                services.map((s) => `${T.service} ${s}`).sort(), "only the Services change");
            for (const service of services) {
                const before = object(base, T.service, service, namespace);
                const after = object(switched, T.service, service, namespace);
                assert.equal(before.inputs.spec.selector.version, active);
                assert.equal(after.inputs.spec.selector.version, other(active));
                const { version: _b, ...restBefore } = before.inputs.spec.selector;
                const { version: _a, ...restAfter } = after.inputs.spec.selector;
                assert.deepEqual(restAfter, restBefore);
            }
        });
    }
});

describe("canary weight (staging)", () => {
    it("`pulumi config set chatbotCanaryWeight 50` changes only the canary Ingress's weight", async () => {
        const base = await stackEvaluation("staging");
        const weight = configured("staging", "chatbotCanaryWeight") === 50 ? 60 : 50;
        const moved = await evaluateWith("staging", { chatbotCanaryWeight: weight });
        const diff = changed(base, moved);
        assert.deepEqual(diff.map((r) => `${r.type} ${r.inputs.metadata.name}`), [`${T.ingress} chatbot-service-canary`]);
        const canary = object(moved, T.ingress, "chatbot-service-canary", "chatbot-staging");
        assert.equal(annotation(canary, `${NGINX}/canary-weight`), String(weight));
        const before = object(base, T.ingress, "chatbot-service-canary", "chatbot-staging");
        const strip = (r: RecordedResource) => {
            const copy = JSON.parse(JSON.stringify(r.inputs));
            delete copy.metadata.annotations[`${NGINX}/canary-weight`];
            return copy;
        };
        assert.deepEqual(strip(canary), strip(before));
    });

    it("promotes a canary by moving its tag to the stable track: only the stable Deployment changes", async () => {
        const base = await stackEvaluation("staging");
        const promoted = await evaluateWith("staging", {
            chatbotImageTag: configured("staging", "chatbotCanaryImageTag"),
            chatbotCanaryWeight: configured("staging", "chatbotCanaryWeight"),
        });
        const diff = changed(base, promoted);
        assert.deepEqual(diff.map((r) => `${r.type} ${r.inputs.metadata.name}`), [`${T.deployment} chatbot-service`]);
    });
});
