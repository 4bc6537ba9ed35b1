/**
 * The Product component's public API, which the GitLab CI/CD variables and the stack-outputs
 * contract are built from: every product secret as a secret Output under a stable name, the same
 * value the cluster's Secrets carry, and endpoints, URLs and Secret names without any secret.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, evaluateWith, secretEntries } from "../helpers/stacks";
import { object, T } from "./render";

/** Names the GitLab variables will look up (the source documents' CI variables and generated credentials). */
const EXPECTED_SECRETS: Record<string, string[]> = {
    "quickspin-ai": ["groqApiKey", "jwtSecretKey", "mongodbUri", "registryPassword"],
    chatbot: ["apiKey", "databaseUrl", "hfAccessToken", "postgresPassword", "qdrantApiKey", "registryPassword"],
    "soundcore-kcp": ["anthropicApiKey", "databaseUrl", "jwtSecretKey", "mongodbPassword", "mongodbReplicaSetKey", "mongodbRootPassword",
        "mongodbUri", "neo4jPassword", "openaiApiKey", "pineconeApiKey", "postgresPassword", "redisPassword", "registryPassword", "sentryDsn"],
    "harvis-ai": ["databaseUrl", "n8nEncryptionKey", "postgresPassword", "registryPassword", "runnerToken"],
    "llm-secret-detection": ["apiKey", "redisPassword", "redisUrl", "registryPassword"],
};

describe("Product public API (prod stack)", () => {
    let ev: StackEvaluation;
    before(async () => {
        ev = await evaluateWith("prod", {}, { program: path.join(__dirname, "fixtures", "productApi.ts") });
    });

    it("exposes every product secret under its stable name, each a secret Output", () => {
        assert.deepEqual(ev.outputs.secretNames, EXPECTED_SECRETS);
        for (const [product, flags] of Object.entries(ev.outputs.secretness as Record<string, Record<string, boolean>>)) {
            for (const [name, secret] of Object.entries(flags)) {
                assert.equal(secret, true, `${product}.${name} must be a secret Output`);
            }
        }
    });

    it("hands out the very values the cluster's Secrets hold (a rotation updates both)", () => {
        const values = ev.outputs.secretValues as Record<string, Record<string, string>>;
        const quickspin = secretEntries(object(ev, T.secret, "quickspin-ai-secrets", "quickspin-ai"));
        assert.equal(values["quickspin-ai"].groqApiKey, quickspin.GROQ_API_KEY);
        assert.equal(values["quickspin-ai"].jwtSecretKey, quickspin.JWT_SECRET_KEY);
        const chatbot = secretEntries(object(ev, T.secret, "chatbot-service-secrets", "chatbot-prod"));
        assert.equal(values.chatbot.postgresPassword, chatbot["db-password"]);
        assert.equal(values.chatbot.hfAccessToken, chatbot["hf-access-token"]);
        const kcp = secretEntries(object(ev, T.secret, "kcp-secrets", "soundcore-kcp-prod"));
        assert.equal(values["soundcore-kcp"].databaseUrl, kcp["database-url"]);
        assert.ok(values["soundcore-kcp"].databaseUrl.includes(values["soundcore-kcp"].postgresPassword));
        const llm = secretEntries(object(ev, T.secret, "llm-service-secrets", "llm-service"));
        assert.equal(values["llm-secret-detection"].apiKey, llm["api-key"]);
        const runner = secretEntries(object(ev, T.secret, "gitlab-runner-token", "gitlab-runner"));
        assert.equal(values["harvis-ai"].runnerToken, runner["runner-token"]);
    });

    it("publishes namespaces, Service endpoints, public URLs and Secret names, and no secret", () => {
        assert.ok(!ev.secretOutputs.includes("contracts"), "the contract must not be secret");
        const contracts = ev.outputs.contracts as Record<string, any>;
        assert.deepEqual(Object.keys(contracts).sort(), Object.keys(EXPECTED_SECRETS).sort());
        const quickspin = contracts["quickspin-ai"];
        assert.equal(quickspin.namespace, "quickspin-ai");
        assert.deepEqual(quickspin.services["quickspin-ai"], { host: "quickspin-ai.quickspin-ai.svc.cluster.local", port: 8000 });
        assert.deepEqual(quickspin.urls, ["https://ai.quickspin.cloud"]);
        assert.ok(quickspin.secretNames.includes("quickspin-ai-secrets"));
        assert.ok(quickspin.secretNames.includes("gitlab-registry"));
        assert.deepEqual(contracts.chatbot.services["chatbot-service"], { host: "chatbot-service.chatbot-prod.svc.cluster.local", port: 80 });
        assert.deepEqual(contracts["harvis-ai"].namespaces, ["ai-agents", "gitlab-runner"]);
        assert.deepEqual(contracts["soundcore-kcp"].urls, [`https://${configured("prod", "soundcoreHost")}`]);
        assert.ok(contracts["soundcore-kcp"].secretNames.includes("kcp-secrets"));
        const text = JSON.stringify(contracts);
        for (const values of Object.values(ev.outputs.secretValues as Record<string, Record<string, string>>)) {
            for (const value of Object.values(values)) {
                assert.ok(!text.includes(value), "a secret value reached the contract");
            }
        }
    });
});
