/**
 * LLM secret-detection service: 250m/512Mi → 500m/1Gi, /liveness and /readiness,
 * read-only root, non-root, Redis, a generated API key, Service llm-service, its ingress host,
 * blue-green in production.
 * "The guide" below is the source document "CI/CD & DevOps Setup - LLM Service";
 * docs/products/llm-secret-detection.md states the requirements taken from it and the choices made where it is silent.
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, stackEvaluation, STACKS, secretEntries } from "../helpers/stacks";
import { assertResources, deploymentsOf, main, object, podTemplate, T } from "./render";

const NS = "llm-service";

for (const stack of STACKS) {
    describe(`LLM secret-detection service (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it("requests 250m/512Mi, is limited to 500m/1Gi, probes /liveness and /readiness", () => {
            const deployments = deploymentsOf(ev, "llm-service", NS);
            assert.equal(deployments.length, stack === "prod" ? 2 : 1);
            for (const d of deployments) {
                const c = main(d);
                assertResources(c, { requests: ["250m", "512Mi"], limits: ["500m", "1Gi"] }, d.inputs.metadata.name);
                assert.equal(c.livenessProbe.httpGet.path, "/liveness");
                assert.equal(c.readinessProbe.httpGet.path, "/readiness");
                assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                assert.equal(c.securityContext.runAsNonRoot, true);
                assert.equal(podTemplate(d).metadata.labels.app, "llm-service", "the guide selects pods by app=llm-service");
                assert.equal(d.inputs.spec.replicas, configured(stack, "llmServiceReplicas"));
            }
        });

        it("exposes Service llm-service on port 80 and its API host over TLS", () => {
            const svc = object(ev, T.service, "llm-service", NS);
            assert.deepEqual(svc.inputs.spec.ports.map((p: any) => p.port), [80]);
            const ingress = object(ev, T.ingress, "llm-service", NS);
            const host = configured(stack, "llmServiceHost");
            if (stack === "prod") assert.equal(host, "api.llm-service.example.com");
            assert.equal(ingress.inputs.spec.rules[0].host, host);
            assert.deepEqual(ingress.inputs.spec.tls[0].hosts, [host]);
        });

        it("keeps a generated API key and the Redis credentials in llm-service-secrets and runs its Redis", () => {
            const secret = object(ev, T.secret, "llm-service-secrets", NS);
            assert.ok(isSecretAt(secret, "data.api-key"));
            assert.ok(secretEntries(secret)["api-key"].length >= 32);
            assert.notEqual(secretEntries(secret)["api-key"], "dev-key-12345");
            const redis = object(ev, T.statefulSet, "redis", NS);
            assert.equal(redis.inputs.spec.replicas, 1);
            for (const d of deploymentsOf(ev, "llm-service", NS)) {
                assert.deepEqual(main(d).env.find((e: any) => e.name === "API_KEY").valueFrom.secretKeyRef, { name: "llm-service-secrets", key: "api-key" });
            }
        });

        if (stack === "prod") {
            it("deploys blue-green, the Service selecting the configured color", () => {
                assert.ok(object(ev, T.deployment, "llm-service-blue", NS));
                assert.ok(object(ev, T.deployment, "llm-service-green", NS));
                assert.equal(object(ev, T.service, "llm-service", NS).inputs.spec.selector.version, configured(stack, "llmServiceActiveColor"));
            });
        }
    });
}
