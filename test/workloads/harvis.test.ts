/**
 * Harvis AI: backend, frontend, Ollama, PostgreSQL and n8n in ai-agents-staging and
 * ai-agents (dev: ai-agents-dev, CPU only); the staging/prod deltas; the CI runners as the
 * gitlab-runner chart with the Kubernetes executor instead of privileged Docker-socket pods.
 * "The summary" below is the source document "CI/CD Implementation Summary" (Harvis AI);
 * docs/products/harvis-ai.md states the requirements taken from it and the choices made where it is silent.
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, release, stackEvaluation, STACKS, secretEntries } from "../helpers/stacks";
import { bytes, containers, main, maybeObject, object, objects, podTemplate, POD_BEARING, T } from "./render";

const NAMESPACES = { dev: "ai-agents-dev", staging: "ai-agents-staging", prod: "ai-agents" } as const;

for (const stack of STACKS) {
    const NS = NAMESPACES[stack];
    describe(`Harvis AI (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it(`runs the backend, frontend, Ollama and n8n as Deployments and PostgreSQL as a StatefulSet in ${NS}`, () => {
            for (const name of ["harvis-ai-backend", "harvis-ai-frontend", "ollama", "n8n"]) {
                assert.ok(object(ev, T.deployment, name, NS), name);
                assert.ok(object(ev, T.service, name, NS), name);
            }
            assert.ok(object(ev, T.statefulSet, "postgres", NS));
        });

        it("pulls its own images from the configured registry, not the summary's insecure localhost:5000", () => {
            const registry = configured(stack, "harvisImageRegistry");
            const tag = configured(stack, "harvisImageTag");
            for (const [name, image] of [["harvis-ai-backend", "backend"], ["harvis-ai-frontend", "frontend"]]) {
                assert.equal(main(object(ev, T.deployment, name, NS)).image, `${registry}/${image}:${tag}`);
            }
            for (const r of ev.resources.filter((x) => (POD_BEARING as readonly string[]).includes(x.type))) {
                for (const c of containers(r)) {
                    assert.ok(!String(c.image).startsWith("localhost"), `${r.name} pulls from localhost`);
                }
            }
        });

        if (stack === "dev") {
            it("runs CPU-only in dev (the summary's dev has no GPU constraints) without node placement", () => {
                for (const name of ["harvis-ai-backend", "ollama"]) {
                    const d = object(ev, T.deployment, name, NS);
                    assert.equal(main(d).resources.limits["nvidia.com/gpu"], undefined, name);
                    assert.equal(podTemplate(d).spec.nodeSelector, undefined, name);
                }
                assert.equal(maybeObject(ev, T.namespace, "gitlab-runner"), undefined, "no CI runner in dev");
            });
        } else {
            const staging = stack === "staging";
            it(`uses LOG_LEVEL ${staging ? "DEBUG" : "INFO"}, ${staging ? "8Gi" : "12Gi"} for the backend and ${staging ? "staging-latest" : "semantic-version"} tags`, () => {
                const config = object(ev, T.configMap, "harvis-ai-config", NS);
                assert.equal(config.inputs.data.LOG_LEVEL, staging ? "DEBUG" : "INFO");
                const backend = main(object(ev, T.deployment, "harvis-ai-backend", NS));
                assert.equal(bytes(backend.resources.limits.memory), bytes(staging ? "8Gi" : "12Gi"));
                const tag = backend.image.split(":").pop();
                if (staging) {
                    assert.equal(tag, "staging-latest");
                } else {
                    assert.match(tag, /^v?\d+\.\d+\.\d+$/);
                }
            });

            it("gives the backend a GPU on node1 (pop-os) and puts the frontend and Ollama on node2", () => {
                const backend = object(ev, T.deployment, "harvis-ai-backend", NS);
                assert.equal(main(backend).resources.limits["nvidia.com/gpu"], "1");
                assert.equal(main(backend).resources.requests["nvidia.com/gpu"], "1");
                assert.deepEqual(podTemplate(backend).spec.nodeSelector, { "kubernetes.io/hostname": configured(stack, "harvisBackendNode") });
                assert.equal(configured(stack, "harvisBackendNode"), "pop-os");
                for (const name of ["harvis-ai-frontend", "ollama"]) {
                    const d = object(ev, T.deployment, name, NS);
                    assert.deepEqual(podTemplate(d).spec.nodeSelector, { "kubernetes.io/hostname": "pop-os-343570d8" }, name);
                }
                // One GPU cannot surge: the rollout replaces the pod in place.
                assert.equal(backend.inputs.spec.strategy.rollingUpdate.maxSurge, 0);
            });

            it("runs the CI runners as the gitlab-runner chart (Kubernetes executor), token from a Secret, never privileged", () => {
                const runner = release(ev, "gitlab-runner");
                assert.equal(runner.inputs.repositoryOpts.repo, "https://charts.gitlab.io");
                assert.match(runner.inputs.version, /^\d+\.\d+\.\d+$/);
                assert.equal(runner.inputs.namespace, "gitlab-runner");
                const values = runner.inputs.values;
                assert.equal(values.runnerToken, undefined);
                assert.equal(values.runnerRegistrationToken, undefined);
                const tokenSecret = object(ev, T.secret, values.runners.secret, "gitlab-runner");
                assert.ok(isSecretAt(tokenSecret, "data"));
                assert.match(secretEntries(tokenSecret)["runner-token"], /^glrt-/);
                assert.ok(!JSON.stringify(runner.wireInputs).includes(secretEntries(tokenSecret)["runner-token"]), "no token in the Release");
                assert.match(values.runners.config, /\[runners\.kubernetes\]/);
                assert.match(values.runners.config, /privileged = false/);
                assert.doesNotMatch(values.runners.config, /docker\.sock|host_path|hostPath/);
                assert.equal(values.rbac.clusterWideAccess, false);
                const ns = object(ev, T.namespace, "gitlab-runner");
                assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
                assert.ok(ns.inputs.metadata.annotations["policy.ai-platform.io/exempt-namespace-pss-label"]);
                assert.ok(object(ev, T.networkPolicy, "default-deny", "gitlab-runner"));
            });
        }

        it("routes /api to the backend and / to the frontend on the configured host", () => {
            const ingress = object(ev, T.ingress, "harvis-ai", NS);
            assert.equal(ingress.inputs.spec.rules[0].host, configured(stack, "harvisHost"));
            const routes = Object.fromEntries(ingress.inputs.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]));
            assert.deepEqual(routes, { "/api": "harvis-ai-backend", "/": "harvis-ai-frontend" });
        });

        it("never mounts a host path (the summary's runners used the host Docker socket)", () => {
            for (const r of ev.resources.filter((x) => (POD_BEARING as readonly string[]).includes(x.type))) {
                for (const v of podTemplate(r).spec.volumes ?? []) {
                    assert.equal(v.hostPath, undefined, `${r.name} mounts ${JSON.stringify(v.hostPath)}`);
                }
            }
        });

        it("keeps n8n's encryption key and the database password in harvis-ai-secrets", () => {
            const secret = object(ev, T.secret, "harvis-ai-secrets", NS);
            for (const key of ["database-url", "postgres-password", "n8n-encryption-key"]) {
                assert.ok(isSecretAt(secret, `data.${key}`), key);
            }
            const n8n = main(object(ev, T.deployment, "n8n", NS));
            assert.deepEqual(n8n.env.find((e: any) => e.name === "N8N_ENCRYPTION_KEY").valueFrom.secretKeyRef,
                { name: "harvis-ai-secrets", key: "n8n-encryption-key" });
            assert.equal(objects(ev, T.statefulSet, NS).length, 1);
        });
    });
}
