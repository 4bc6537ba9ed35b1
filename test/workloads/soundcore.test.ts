/**
 * Soundcore KCP, staging and prod: frontend and five backends with the guide's sizes and
 * ports, four databases with the guide's storage, kcp-config verbatim, kcp-secrets, path routing,
 * database access only from backends, daily backups in prod.
 * "The guide" below is the source document "CI/CD & Deployment Guide: Soundcore KCP - Complete Deployment Documentation";
 * docs/products/soundcore-kcp.md states the requirements taken from it and the choices made where it is silent.
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, stackEvaluation, secretEntries } from "../helpers/stacks";
import {
    assertResources, containers, deploymentsOf, hpaFor, main, maybeObject, object, objects, podTemplate, selects, T,
} from "./render";

const BACKENDS: Array<[string, number, string]> = [
    ["knowledge-service", 8001, "/api/v1/knowledge"],
    ["content-service", 8002, "/api/v1/content"],
    ["support-service", 8003, "/api/v1/support"],
    ["analytics-service", 8004, "/api/v1/analytics"],
    ["auth-service", 8005, "/api/v1/auth"],
];

describe("Soundcore KCP (dev stack)", () => {
    it("is not deployed in dev (the guide describes staging and production only)", async () => {
        const ev = await stackEvaluation("dev");
        assert.ok(!(configured("dev", "products") as string[]).includes("soundcore-kcp"));
        assert.equal(maybeObject(ev, T.namespace, "soundcore-kcp-dev"), undefined);
    });
});

for (const stack of ["staging", "prod"] as const) {
    const NS = `soundcore-kcp-${stack}`;
    describe(`Soundcore KCP (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it(`runs the frontend at 500m/512Mi → 1/1Gi under an HPA of 3-10 at 70 % CPU`, () => {
            const deployments = deploymentsOf(ev, "frontend", NS);
            assert.equal(deployments.length, stack === "prod" ? 2: 1);
            for (const d of deployments) {
                assertResources(main(d), { requests: ["500m", "512Mi"], limits: ["1", "1Gi"] }, d.inputs.metadata.name);
                assert.equal(d.inputs.spec.replicas, undefined);
                const hpa = hpaFor(ev, d);
                assert.ok(hpa);
                assert.equal(hpa.inputs.spec.minReplicas, 3);
                assert.equal(hpa.inputs.spec.maxReplicas, 10);
                const cpuTarget = hpa.inputs.spec.metrics.find((m: any) => m.resource.name === "cpu");
                assert.equal(cpuTarget.resource.target.averageUtilization, 70);
            }
        });

        for (const [name, port] of BACKENDS) {
            it(`runs ${name} on port ${port}: 2 replicas, 250m/256Mi → 500m/512Mi`, () => {
                const deployments = deploymentsOf(ev, name, NS);
                assert.equal(deployments.length, stack === "prod" ? 2 : 1);
                for (const d of deployments) {
                    assert.equal(d.inputs.spec.replicas, 2);
                    assertResources(main(d), { requests: ["250m", "256Mi"], limits: ["500m", "512Mi"] }, name);
                    assert.deepEqual(main(d).ports, [{ name: "http", containerPort: port }]);
                    assert.equal(podTemplate(d).metadata.labels.app, name, "the guide selects pods by app=<service>");
                }
                const svc = object(ev, T.service, name, NS);
                assert.deepEqual(svc.inputs.spec.ports.map((p: any) => p.port), [port]);
            });
        }

        it("runs PostgreSQL (1, 50Gi), a 3-member MongoDB replica set (100Gi each), Redis (1, 10Gi) with Sentinel and Neo4j (1, 50Gi)", () => {
            const expected: Array<[string, number, string]> = [["postgres", 1, "50Gi"], ["mongodb", 3, "100Gi"], ["redis", 1, "10Gi"], ["neo4j", 1, "50Gi"]];
            for (const [name, replicas, size] of expected) {
                const ss = object(ev, T.statefulSet, name, NS);
                assert.equal(ss.inputs.spec.replicas, replicas, name);
                assert.equal(ss.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage, size, name);
                assert.equal(ss.inputs.spec.volumeClaimTemplates[0].spec.storageClassName, configured(stack, "storageClass"));
                const headless = object(ev, T.service, ss.inputs.spec.serviceName, NS);
                assert.equal(headless.inputs.spec.clusterIP, "None");
            }
            assert.ok(main(object(ev, T.statefulSet, "mongodb", NS)).args.includes("--replSet"));
            const sentinel = object(ev, T.statefulSet, "redis-sentinel", NS);
            assert.ok(sentinel.inputs.spec.replicas >= 3, "a sentinel quorum needs three");
        });

        it("has kcp-config exactly as in the guide", () => {
            assert.deepEqual(object(ev, T.configMap, "kcp-config", NS).inputs.data, {
                KNOWLEDGE_SERVICE_URL: "http://knowledge-service:8001",
                ANALYTICS_SERVICE_URL: "http://analytics-service:8004",
                CONTENT_SERVICE_URL: "http://content-service:8002",
                ENABLE_RAG_ENGINE: "true",
                ENABLE_CONTENT_GENERATION: "true",
                ENABLE_KNOWLEDGE_GRAPH: "true",
                RATE_LIMIT_PER_MINUTE: "1000",
                CACHE_TTL: "300",
            });
        });

        it("keeps database-password and openai-api-key (and the other credentials) in kcp-secrets", () => {
            const secret = object(ev, T.secret, "kcp-secrets", NS);
            for (const key of ["database-password", "openai-api-key", "anthropic-api-key", "pinecone-api-key", "sentry-dsn", "database-url", "mongodb-uri"]) {
                assert.ok(isSecretAt(secret, `data.${key}`), key);
            }
            assert.match(secretEntries(secret)["openai-api-key"], /^sk-/);
        });

        it("routes the host's paths to the services (/ to the frontend) through kcp-ingress", () => {
            const ingress = object(ev, T.ingress, "kcp-ingress", NS);
            const host = configured(stack, "soundcoreHost");
            assert.equal(host, stack === "prod" ? "kcp.soundcore.com" : "staging-kcp.soundcore.com");
            assert.equal(ingress.inputs.spec.rules.length, 1);
            assert.equal(ingress.inputs.spec.rules[0].host, host);
            const routes = Object.fromEntries(ingress.inputs.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]));
            assert.deepEqual(routes, {
                "/": "frontend",
                ...Object.fromEntries(BACKENDS.map(([name, , path]) => [path, name])),
            });
            assert.deepEqual(ingress.inputs.spec.tls[0].hosts, [host]);
        });

        it("lets only backend services reach the databases", () => {
            const backendNames = BACKENDS.map(([n]) => n);
            for (const store of ["postgres", "mongodb", "redis", "neo4j"]) {
                const policy = object(ev, T.networkPolicy, `allow-${store}`, NS);
                const sources: string[] = policy.inputs.spec.ingress.flatMap((r: any) =>
                    r.from.map((f: any) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] ?? "<not a pod selector>"));
                for (const backend of backendNames) {
                    assert.ok(sources.includes(backend), `${backend} → ${store}`);
                }
                // Besides backends, only the store's own members, sentinels, backup and init jobs.
                const allowed = new Set([...backendNames, store, `${store}-sentinel`, `${store}-backup`, `${store}-rs-init`]);
                for (const s of sources) {
                    assert.ok(allowed.has(s), `${s} must not reach ${store}`);
                }
                assert.ok(!sources.includes("frontend"));
            }
        });

        if (stack === "prod") {
            it("backs every database up daily into its own claim, protected, with the guide's CronJob safety settings", () => {
                for (const store of ["postgres", "mongodb", "redis", "neo4j"]) {
                    const cron = object(ev, T.cronJob, `${store}-backup`, NS);
                    assert.match(cron.inputs.spec.schedule, /^\d{1,2} \d{1,2} \* \* \*$/, `${store}: once a day`);
                    assert.equal(cron.inputs.spec.concurrencyPolicy, "Forbid");
                    assert.ok(cron.inputs.spec.startingDeadlineSeconds > 0);
                    assert.equal(podTemplate(cron).spec.restartPolicy, "OnFailure");
                    const claimVolume = podTemplate(cron).spec.volumes.find((v: any) => v.persistentVolumeClaim);
                    assert.equal(claimVolume.persistentVolumeClaim.claimName, `${store}-backup`);
                    assert.ok(containers(cron)[0].volumeMounts.some((m: any) => m.name === claimVolume.name && m.mountPath === "/backups"));
                    const claim = object(ev, T.claim, `${store}-backup`, NS);
                    assert.equal(claim.protect, true);
                    const ss = object(ev, T.statefulSet, store, NS);
                    assert.equal(ss.protect, true);
                    assert.deepEqual(ss.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
                    // The backup pods may reach the store.
                    const policy = object(ev, T.networkPolicy, `allow-${store}`, NS);
                    assert.ok(policy.inputs.spec.ingress.some((r: any) => r.from.some((f: any) => f.podSelector && selects(f.podSelector.matchLabels, podTemplate(cron).metadata.labels))));
                }
            });

            it("switches all six services with one color (blue-green)", () => {
                for (const name of ["frontend", ...BACKENDS.map(([n]) => n)]) {
                    const svc = object(ev, T.service, name, NS);
                    assert.equal(svc.inputs.spec.selector.version, configured(stack, "soundcoreActiveColor"), name);
                }
            });
        } else {
            it("takes no backups in staging (test data only)", () => {
                assert.equal(objects(ev, T.cronJob, NS).length, 0);
            });
        }
    });
}
