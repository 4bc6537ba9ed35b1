/**
 * ShopyVerse chatbot: dev 1 replica rolling, staging 2 replicas canary, prod 3+ with
 * HPA and blue-green; metrics on 3001; its ConfigMap, Secret, ServiceAccount, PostgreSQL, Qdrant.
 * "The guide" below is the source document "CI/CD & Kubernetes Deployment Guide" (ShopyVerse Chatbot Service);
 * docs/products/chatbot.md states the requirements taken from it and the choices made where it is silent.
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, stackEvaluation, STACKS, secretEntries } from "../helpers/stacks";
import { annotation, deploymentsOf, hpaFor, main, maybeObject, NGINX, object, podTemplate, T } from "./render";

for (const stack of STACKS) {
    const env = configured(stack, "environment");
    const NS = `chatbot-${env}`;

    describe(`ShopyVerse chatbot (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it(`deploys into ${NS}`, () => {
            assert.ok(maybeObject(ev, T.namespace, NS));
            assert.ok(deploymentsOf(ev, "chatbot-service", NS).length > 0);
        });

        if (stack === "dev") {
            it("runs 1 replica with a rolling update", () => {
                const [d, ...others] = deploymentsOf(ev, "chatbot-service", NS);
                assert.equal(others.length, 0);
                assert.equal(d.inputs.metadata.name, "chatbot-service");
                assert.equal(d.inputs.spec.replicas, 1);
                assert.equal(d.inputs.spec.strategy.type, "RollingUpdate");
                assert.equal(hpaFor(ev, d), undefined);
                assert.equal(main(d).image, `ghcr.io/shopyverse/chatbot-service:${configured(stack, "chatbotImageTag")}`);
            });
        }

        if (stack === "staging") {
            it("runs 2 stable replicas and a canary track weighted by the ingress from config", () => {
                const stable = object(ev, T.deployment, "chatbot-service", NS);
                const canary = object(ev, T.deployment, "chatbot-service-canary", NS);
                assert.equal(stable.inputs.spec.replicas, 2);
                assert.equal(main(stable).image, `ghcr.io/shopyverse/chatbot-service:${configured(stack, "chatbotImageTag")}`);
                assert.equal(main(canary).image, `ghcr.io/shopyverse/chatbot-service:${configured(stack, "chatbotCanaryImageTag")}`);
                const service = object(ev, T.service, "chatbot-service", NS);
                const canaryService = object(ev, T.service, "chatbot-service-canary", NS);
                assert.equal(service.inputs.spec.selector.track, "stable");
                assert.equal(canaryService.inputs.spec.selector.track, "canary");
                const canaryIngress = object(ev, T.ingress, "chatbot-service-canary", NS);
                assert.equal(annotation(canaryIngress, `${NGINX}/canary`), "true");
                assert.equal(annotation(canaryIngress, `${NGINX}/canary-weight`), String(configured(stack, "chatbotCanaryWeight")));
                const main_ = object(ev, T.ingress, "chatbot-service", NS);
                assert.equal(annotation(main_, `${NGINX}/canary`), undefined);
                assert.equal(canaryIngress.inputs.spec.rules[0].host, main_.inputs.spec.rules[0].host);
                assert.equal(canaryIngress.inputs.spec.rules[0].http.paths[0].backend.service.name, "chatbot-service-canary");
            });
        }

        if (stack === "prod") {
            it("runs blue and green Deployments of 3+ replicas under HPAs, the Service selecting the configured color", () => {
                const blue = object(ev, T.deployment, "chatbot-service-blue", NS);
                const green = object(ev, T.deployment, "chatbot-service-green", NS);
                assert.equal(main(blue).image, `ghcr.io/shopyverse/chatbot-service:${configured(stack, "chatbotBlueImageTag")}`);
                assert.equal(main(green).image, `ghcr.io/shopyverse/chatbot-service:${configured(stack, "chatbotGreenImageTag")}`);
                for (const d of [blue, green]) {
                    assert.equal(d.inputs.spec.replicas, undefined);
                    const hpa = hpaFor(ev, d);
                    assert.ok(hpa, `${d.inputs.metadata.name} has an HPA`);
                    assert.equal(hpa.inputs.spec.minReplicas, 3, "the guide: 3+ replicas");
                    assert.ok(hpa.inputs.spec.maxReplicas > 3);
                }
                assert.equal(blue.inputs.spec.template.metadata.labels.version, "blue");
                assert.equal(green.inputs.spec.template.metadata.labels.version, "green");
                const service = object(ev, T.service, "chatbot-service", NS);
                assert.equal(service.inputs.spec.selector.version, configured(stack, "chatbotActiveColor"));
                for (const tag of [configured(stack, "chatbotBlueImageTag"), configured(stack, "chatbotGreenImageTag")]) {
                    assert.match(tag, /^v?\d+\.\d+\.\d+$/, "prod images are semantic versions");
                }
            });
        }

        it("serves the API and /metrics on 3001, reached through Service port 80, scraped as chatbot-service", () => {
            for (const d of deploymentsOf(ev, "chatbot-service", NS)) {
                assert.deepEqual(main(d).ports, [{ name: "http", containerPort: 3001 }]);
                assert.equal(podTemplate(d).metadata.labels.app, "chatbot-service", "the guide selects pods by app=chatbot-service");
            }
            const service = object(ev, T.service, "chatbot-service", NS);
            assert.deepEqual(service.inputs.spec.ports.map((p: any) => [p.port, p.targetPort]), [[80, "http"]]);
            const sm = object(ev, T.serviceMonitor, "chatbot-service", NS);
            assert.equal(sm.inputs.spec.endpoints[0].path, "/metrics");
            assert.equal(service.inputs.metadata.labels[sm.inputs.spec.jobLabel], "chatbot-service");
        });

        it("has its ConfigMap, the chatbot-service-secrets Secret (hf-access-token, api-key, db-password) and a ServiceAccount without token", () => {
            assert.ok(object(ev, T.configMap, "chatbot-service-config", NS));
            const secret = object(ev, T.secret, "chatbot-service-secrets", NS);
            for (const key of ["hf-access-token", "api-key", "db-password"]) {
                assert.ok(key in secretEntries(secret), key);
                assert.ok(isSecretAt(secret, `data.${key}`), `${key} is secret`);
            }
            assert.match(secretEntries(secret)["hf-access-token"], /^hf_/);
            const sa = object(ev, T.serviceAccount, "chatbot-service", NS);
            assert.equal(sa.inputs.automountServiceAccountToken, false);
            for (const d of deploymentsOf(ev, "chatbot-service", NS)) {
                assert.equal(podTemplate(d).spec.serviceAccountName, "chatbot-service");
                assert.equal(podTemplate(d).spec.automountServiceAccountToken, false);
            }
        });

        it("runs its PostgreSQL (postgres-<env>, as the guide names it) and Qdrant, reachable only from the chatbot", () => {
            const pg = object(ev, T.statefulSet, `postgres-${env}`, NS);
            const qdrant = object(ev, T.statefulSet, "qdrant", NS);
            assert.equal(pg.inputs.spec.replicas, 1);
            assert.equal(qdrant.inputs.spec.replicas, 1);
            const pgPolicy = object(ev, T.networkPolicy, `allow-postgres-${env}`, NS);
            const sources = pgPolicy.inputs.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"]));
            assert.ok(sources.includes("chatbot-service"));
            assert.ok(sources.every((s: string) => s === "chatbot-service" || s === `postgres-${env}-backup`), `unexpected clients ${sources}`);
        });
    });
}
