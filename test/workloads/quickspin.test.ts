/**
 * QuickSpin AI, read from the rendered objects of each stack. Expected values are
 * copied from the guide's text; per-stack values (tags, hosts) come from the stack files.
 * "The guide" below is the source document "QuickSpin AI Service - CI/CD Setup Guide";
 * docs/products/quickspin-ai.md states the requirements taken from it and the choices made where it is silent.
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, stackEvaluation, STACKS, secretEntries } from "../helpers/stacks";
import { assertResources, cpu, deploymentsOf, hpaFor, main, NGINX, object, objects, podTemplate, T } from "./render";

const NS = "quickspin-ai";

for (const stack of STACKS) {
    describe(`QuickSpin AI (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it("runs registry.gitlab.com/quick-spin/quick-spin-ai at the configured tag, never latest, pulled with gitlab-registry", () => {
            const d = object(ev, T.deployment, "quickspin-ai", NS);
            const tag = configured(stack, "quickspinImageTag");
            assert.equal(main(d).image, `registry.gitlab.com/quick-spin/quick-spin-ai:${tag}`);
            assert.notEqual(tag, "latest");
            assert.deepEqual(podTemplate(d).spec.imagePullSecrets, [{ name: "gitlab-registry" }]);
            const pull = object(ev, T.secret, "gitlab-registry", NS);
            assert.equal(pull.inputs.type, "kubernetes.io/dockerconfigjson");
            assert.ok(isSecretAt(pull, "data"), "the registry credentials travel as a secret");
            const auths = JSON.parse(secretEntries(pull)[".dockerconfigjson"]).auths;
            assert.deepEqual(Object.keys(auths), ["registry.gitlab.com"]);
            assert.equal(auths["registry.gitlab.com"].username, configured(stack, "quickspinRegistryUsername"));
        });

        if (stack === "dev") {
            it("runs a single small pod in dev (the guide has no dev environment), with the guide's limits", () => {
                const d = object(ev, T.deployment, "quickspin-ai", NS);
                assert.equal(d.inputs.spec.replicas, 1);
                assert.equal(hpaFor(ev, d), undefined);
                const c = main(d);
                assert.ok(cpu(c.resources.requests.cpu) < cpu("500m"), "dev requests less than the guide's 500m");
                assert.equal(c.resources.limits.cpu, "2");
                assert.equal(c.resources.limits.memory, "2Gi");
            });
        } else {
            it("requests 500m CPU / 1Gi and is limited to 2 CPU / 2Gi", () => {
                assertResources(main(object(ev, T.deployment, "quickspin-ai", NS)), { requests: ["500m", "1Gi"], limits: ["2", "2Gi"] }, "quickspin-ai");
            });

            it("autoscales 2-6 on CPU 70 % and memory 80 %, scaling up fast and down gradually, with replicas left to the HPA", () => {
                const d = object(ev, T.deployment, "quickspin-ai", NS);
                assert.equal(d.inputs.spec.replicas, undefined, "the HPA owns the replica count");
                const hpa = hpaFor(ev, d);
                assert.ok(hpa, "an HPA targets the Deployment");
                assert.equal(hpa.inputs.spec.minReplicas, 2);
                assert.equal(hpa.inputs.spec.maxReplicas, 6);
                const targets = Object.fromEntries(hpa.inputs.spec.metrics.map((m: any) => [m.resource.name, m.resource.target]));
                assert.deepEqual(targets.cpu, { type: "Utilization", averageUtilization: 70 });
                assert.deepEqual(targets.memory, { type: "Utilization", averageUtilization: 80 });
                const { scaleUp, scaleDown } = hpa.inputs.spec.behavior;
                assert.equal(scaleUp.stabilizationWindowSeconds, 0, "scale-up reacts at once");
                assert.ok(scaleDown.stabilizationWindowSeconds >= 300, "scale-down waits for a quiet period");
                assert.ok(scaleDown.policies.every((p: any) => (p.type === "Pods" ? p.value <= 1: p.value <= 10)), "scale-down removes pods slowly");
                assert.ok(scaleUp.policies.some((p: any) => p.type === "Percent" && p.value >= 100), "scale-up may double at once");
            });
        }

        it("probes /api/v1/health exactly as the guide lists (liveness 30/10/5/3, readiness 10/5/3/3)", () => {
            const c = main(object(ev, T.deployment, "quickspin-ai", NS));
            const pick = (p: any) => [p.httpGet.path, p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds, p.failureThreshold];
            assert.deepEqual(pick(c.livenessProbe), ["/api/v1/health", 30, 10, 5, 3]);
            assert.deepEqual(pick(c.readinessProbe), ["/api/v1/health", 10, 5, 3, 3]);
        });

        it("mounts the 10Gi ChromaDB claim quickspin-ai-chroma-pvc at /data/chroma on the stack's storage class", () => {
            const d = object(ev, T.deployment, "quickspin-ai", NS);
            const volume = podTemplate(d).spec.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === "quickspin-ai-chroma-pvc");
            assert.ok(volume);
            assert.ok(main(d).volumeMounts.some((m: any) => m.name === volume.name && m.mountPath === "/data/chroma"));
            const claim = object(ev, T.claim, "quickspin-ai-chroma-pvc", NS);
            assert.equal(claim.inputs.spec.resources.requests.storage, "10Gi");
            assert.equal(claim.inputs.spec.storageClassName, configured(stack, "storageClass"));
            assert.equal(claim.protect, stack === "prod", "the claim is protected in prod only");
        });

        it("puts the guide's hard-coded environment in a ConfigMap, verbatim", () => {
            const cm = object(ev, T.configMap, "quickspin-ai-config", NS);
            assert.deepEqual(cm.inputs.data, {
                APP_ENV: "production",
                LOG_LEVEL: "INFO",
                API_PREFIX: "/api/v1",
                HOST: "0.0.0.0",
                PORT: "8000",
                WORKERS: "2",
                GROQ_MODEL: "mixtral-8x7b-32768",
                CHROMA_PERSIST_DIR: "/data/chroma",
                CHROMA_COLLECTION_NAME: "quickspin_knowledge",
                MONGODB_DATABASE: "quickspin_ai",
                JWT_ALGORITHM: "HS256",
            });
            const d = object(ev, T.deployment, "quickspin-ai", NS);
            assert.deepEqual(main(d).envFrom, [{ configMapRef: { name: "quickspin-ai-config" } }]);
        });

        it("reads the guide's secrets block from the quickspin-ai-secrets Secret", () => {
            const secret = object(ev, T.secret, "quickspin-ai-secrets", NS);
            const keys = ["QUICKSPIN_API_URL", "QUICKSPIN_AUTH_URL", "GROQ_API_KEY", "MONGODB_URI", "JWT_SECRET_KEY", "K8S_IN_CLUSTER"];
            assert.deepEqual(Object.keys(secretEntries(secret)).sort(), [...keys].sort());
            for (const key of keys) {
                assert.ok(isSecretAt(secret, `data.${key}`), `${key} travels as a secret`);
            }
            assert.equal(secretEntries(secret).K8S_IN_CLUSTER, "true");
            assert.equal(secretEntries(secret).QUICKSPIN_API_URL, configured(stack, "quickspinApiUrl"));
            assert.equal(secretEntries(secret).QUICKSPIN_AUTH_URL, configured(stack, "quickspinAuthUrl"));
            // `openssl rand -base64 32`: 32 random bytes, base64.
            assert.equal(Buffer.from(secretEntries(secret).JWT_SECRET_KEY, "base64").length, 32);
            const env = main(object(ev, T.deployment, "quickspin-ai", NS)).env;
            for (const key of keys) {
                const e = env.find((x: any) => x.name === key);
                assert.deepEqual(e?.valueFrom?.secretKeyRef, { name: "quickspin-ai-secrets", key }, key);
            }
        });

        it("exposes ClusterIP :8000 with ClientIP affinity for 3 hours", () => {
            const svc = object(ev, T.service, "quickspin-ai", NS);
            assert.equal(svc.inputs.spec.type, "ClusterIP");
            assert.deepEqual(svc.inputs.spec.ports.map((p: any) => p.port), [8000]);
            assert.equal(svc.inputs.spec.sessionAffinity, "ClientIP");
            assert.equal(svc.inputs.spec.sessionAffinityConfig.clientIP.timeoutSeconds, 10800);
        });

        it("serves the stack's host over TLS with 100 requests/minute and 300 s timeouts", () => {
            const ingress = object(ev, T.ingress, "quickspin-ai", NS);
            const host = configured(stack, "quickspinHost");
            if (stack === "staging") assert.equal(host, "ai-staging.quickspin.cloud");
            if (stack === "prod") assert.equal(host, "ai.quickspin.cloud");
            assert.equal(ingress.inputs.spec.rules[0].host, host);
            assert.deepEqual(ingress.inputs.spec.tls[0].hosts, [host]);
            const a = ingress.inputs.metadata.annotations;
            assert.equal(a[`${NGINX}/limit-rpm`], "100");
            assert.equal(a[`${NGINX}/proxy-read-timeout`], "300");
            assert.equal(a[`${NGINX}/proxy-send-timeout`], "300");
        });

        it("runs as the quickspin-operator ServiceAccount with read-only API access in its namespace", () => {
            const d = object(ev, T.deployment, "quickspin-ai", NS);
            assert.equal(podTemplate(d).spec.serviceAccountName, "quickspin-operator");
            const sa = object(ev, T.serviceAccount, "quickspin-operator", NS);
            assert.equal(sa.inputs.automountServiceAccountToken, true, "the token is needed for the API");
            const role = object(ev, T.role, "quickspin-operator", NS);
            const verbs = new Set(role.inputs.rules.flatMap((r: any) => r.verbs));
            assert.deepEqual([...verbs].sort(), ["get", "list", "watch"]);
            const binding = object(ev, T.roleBinding, "quickspin-operator", NS);
            assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "quickspin-operator", namespace: NS }]);
            assert.equal(binding.inputs.roleRef.name, "quickspin-operator");
            assert.equal(objects(ev, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").length, 0);
        });

        it("has /metrics scraped by a ServiceMonitor whose job is the Service name", () => {
            const sm = object(ev, T.serviceMonitor, "quickspin-ai", NS);
            assert.equal(sm.inputs.spec.endpoints[0].path, "/metrics");
            assert.equal(sm.inputs.spec.endpoints[0].port, "http");
            const svc = object(ev, T.service, "quickspin-ai", NS);
            assert.equal(svc.inputs.metadata.labels[sm.inputs.spec.jobLabel], "quickspin-ai");
            for (const [k, v] of Object.entries(sm.inputs.spec.selector.matchLabels)) {
                assert.equal(svc.inputs.metadata.labels[k], v);
            }
            assert.equal(deploymentsOf(ev, "quickspin-ai", NS).length, 1, "rolling: one Deployment");
        });
    });
}
