/**
 * The ai-platform CrossGuard policy pack.
 *
 *     pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json
 *
 * Creating the PolicyPack starts the Analyzer gRPC server and prints its port (the engine reads it),
 * so nothing else may run at import time; the policies live in policies.ts. The engine runs the
 * compiled bin/index.js (`npm run policy:build`), which refuses to start when it is older than these
 * sources.
 */
import { PolicyPack } from "@pulumi/policy";
import { assertBuiltFromCurrentSources } from "./lib/freshness";
import { shareDeserializedProperties } from "./lib/sharedProps";
import { allPolicies, PACK_NAME } from "./policies";

assertBuiltFromCurrentSources(__filename);
shareDeserializedProperties();

new PolicyPack(PACK_NAME, {
    displayName: "AI platform: Kubernetes restricted profile and stack checks",
    description:
        "Pod Security (restricted), images, resources, availability, networking, data protection, secrets and " +
        "GitLab CI/CD variables for the AI platform stacks; per-stack levels in policy/config/<stack>.json.",
    enforcementLevel: "mandatory",
    policies: allPolicies(),
});
