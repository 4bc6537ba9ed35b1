/**
 * The product pages (docs/products/<product>.md) state the numbers the workloads tests assert from
 * the source documents; here the pages' own sentences are read and compared with the rendered
 * objects, so a page cannot drift from the program. Quantities compare as numbers (500m == 0.5).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseBytes, parseCpu } from "../../components/lib/quantity";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { ROOT, stackEvaluation } from "../helpers/stacks";
import { hpaFor, main, object, T } from "../workloads/render";

/** The groups of `pattern` in the page's text (line breaks collapsed); fails naming the page. */
function page(product: string, pattern: RegExp): string[] {
    const file = `docs/products/${product}.md`;
    const text = fs.readFileSync(path.join(ROOT, file), "utf8").replace(/\s+/g, " ");
    const match = text.match(pattern);
    assert.ok(match, `${file} no longer has the sentence ${pattern}: change the page and this test together`);
    return match.slice(1);
}

/** requests and limits of a container as written on a page: [cpu, memory, cpu limit, memory limit]. */
function assertResources(where: string, written: string[], container: any): void {
    const r = container.resources;
    const actual = [r.requests.cpu, r.requests.memory, r.limits.cpu, r.limits.memory];
    const parse = [parseCpu, parseBytes, parseCpu, parseBytes];
    written.forEach((w, i) => {
        assert.equal(parse[i](w), parse[i](actual[i]), `${where}: the page says ${written.join(" / ")}, the object has ${actual.join(" / ")}`);
    });
}

const ev: Record<string, StackEvaluation> = {};

const deployment = (stack: string, name: string, ns: string) => object(ev[stack], T.deployment, name, ns);
const hpaOf = (stack: string, d: RecordedResource): RecordedResource => {
    const hpa = hpaFor(ev[stack], d);
    assert.ok(hpa, `an HPA targets ${d.inputs.metadata.name} in ${stack}`);
    return hpa;
};
const claimSize = (stack: string, type: string, name: string, ns: string) => {
    const r = object(ev[stack], type, name, ns);
    return type === T.claim ? r.inputs.spec.resources.requests.storage : r.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage;
};

describe("product pages match the rendered objects", () => {
    before(async () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            ev[stack] = await stackEvaluation(stack);
        }
    });

    it("QuickSpin AI: resources, HPA, Service, claim, and dev's smaller requests", () => {
        const resources = page("quickspin-ai", /\| Resources \| requests (\S+) CPU \/ (\S+), limits (\S+) CPU \/ (\S+) \|/);
        const [min, max, cpu, memory] = page("quickspin-ai", /\| HPA \| minimum (\d+), maximum (\d+); CPU (\d+) %, memory (\d+) % utilisation/);
        const [port, affinity] = page("quickspin-ai", /ClusterIP, port (\d+), session affinity ClientIP for 3 hours \((\d+) s\)/);
        const [size] = page("quickspin-ai", /claim `quickspin-ai-chroma-pvc`, (\S+), mounted at `\/data\/chroma`/);
        for (const stack of ["staging", "prod"]) {
            const d = deployment(stack, "quickspin-ai", "quickspin-ai");
            assertResources(`quickspin-ai ${stack}`, resources, main(d));
            const hpa = hpaOf(stack, d);
            const targets = Object.fromEntries(hpa.inputs.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]));
            assert.deepEqual([hpa.inputs.spec.minReplicas, hpa.inputs.spec.maxReplicas, targets.cpu, targets.memory], [min, max, cpu, memory].map(Number));
            const svc = object(ev[stack], T.service, "quickspin-ai", "quickspin-ai");
            assert.deepEqual([svc.inputs.spec.ports[0].port, svc.inputs.spec.sessionAffinityConfig.clientIP.timeoutSeconds], [Number(port), Number(affinity)]);
            assert.equal(parseBytes(claimSize(stack, T.claim, "quickspin-ai-chroma-pvc", "quickspin-ai")), parseBytes(size));
        }
        const dev = page("quickspin-ai", /with smaller requests \((\S+) \/ (\S+); the limits stay (\S+) \/ (\S+)\)/);
        assertResources("quickspin-ai dev", dev, main(deployment("dev", "quickspin-ai", "quickspin-ai")));
    });

    it("chatbot: sizes per environment, the prod HPA maximum and the stores' storage", () => {
        const [cpu, memory, cpuLimit, memoryLimit, ...dev] = page("chatbot",
            /requests (\S+) \/ (\S+) and is limited to (\S+) CPU \/ (\S+) \(dev (\S+) \/ (\S+) → (\S+) \/ (\S+)\)/);
        assertResources("chatbot staging", [cpu, memory, cpuLimit, memoryLimit], main(deployment("staging", "chatbot-service", "chatbot-staging")));
        assertResources("chatbot dev", dev, main(deployment("dev", "chatbot-service", "chatbot-dev")));
        const [min, max] = page("chatbot", /\*\*HPA\.\*\* Minimum (\d+) from the guide; maximum `chatbotMaxReplicas` \((\d+)\)/);
        for (const color of ["blue", "green"]) {
            const hpa = hpaOf("prod", deployment("prod", `chatbot-service-${color}`, "chatbot-prod"));
            assert.deepEqual([hpa.inputs.spec.minReplicas, hpa.inputs.spec.maxReplicas], [Number(min), Number(max)]);
        }
        const sizes = page("chatbot", /(\S+) each in dev, (\S+) in staging, (\S+) in prod/);
        ["dev", "staging", "prod"].forEach((stack, i) => {
            for (const store of [`postgres-${stack}`, "qdrant"]) {
                assert.equal(parseBytes(claimSize(stack, T.statefulSet, store, `chatbot-${stack}`)), parseBytes(sizes[i]), `${store} in ${stack}`);
            }
        });
    });

    it("Soundcore KCP: frontend, backends and stores", () => {
        const [replicas, ...rest] = page("soundcore-kcp",
            /\| Frontend \| (\d+) replicas; requests (\S+) \/ (\S+), limits (\S+) CPU \/ (\S+); HPA `frontend-hpa` (\d+) to (\d+) at (\d+) % CPU/);
        const [backendReplicas, ...backend] = page("soundcore-kcp", /each (\d+) replicas, requests (\S+) \/ (\S+), limits (\S+) \/ (\S+) \|/);
        const ports = Object.fromEntries([...page("soundcore-kcp", /\| Backends \| (.+?); each/)[0].matchAll(/`([\w-]+)` (\d+)/g)].map((m) => [m[1], Number(m[2])]));
        assert.equal(Object.keys(ports).length, 5);
        const stores: Array<[string, RegExp]> = [
            ["postgres", /\| PostgreSQL \| (\d+) replica "with backup replica", (\S+) \|/],
            ["mongodb", /\| MongoDB \| replica set of (\d+), (\S+) each \|/],
            ["redis", /\| Redis \| (\d+) replica with Sentinel, (\S+) \|/],
            ["neo4j", /\| Neo4j \| (\d+) replica, (\S+) \|/],
        ];
        for (const stack of ["staging", "prod"]) {
            const ns = `soundcore-kcp-${stack}`;
            const frontends = stack === "prod" ? ["frontend-blue", "frontend-green"] : ["frontend"];
            for (const name of frontends) {
                const d = deployment(stack, name, ns);
                assertResources(name, rest.slice(0, 4), main(d));
                const hpa = hpaOf(stack, d);
                const cpuTarget = hpa.inputs.spec.metrics.find((m: any) => m.resource.name === "cpu").resource.target.averageUtilization;
                assert.deepEqual([hpa.inputs.spec.minReplicas, hpa.inputs.spec.minReplicas, hpa.inputs.spec.maxReplicas, cpuTarget], [replicas, ...rest.slice(4)].map(Number));
            }
            for (const [name, port] of Object.entries(ports)) {
                for (const d of stack === "prod" ? [`${name}-blue`, `${name}-green`] : [name]) {
                    const dep = deployment(stack, d, ns);
                    assert.equal(dep.inputs.spec.replicas, Number(backendReplicas), d);
                    assertResources(d, backend, main(dep));
                    assert.equal(main(dep).ports[0].containerPort, port, d);
                }
            }
            for (const [store, pattern] of stores) {
                const [count, size] = page("soundcore-kcp", pattern);
                assert.equal(object(ev[stack], T.statefulSet, store, ns).inputs.spec.replicas, Number(count), store);
                assert.equal(parseBytes(claimSize(stack, T.statefulSet, store, ns)), parseBytes(size), store);
            }
        }
    });

    it("Harvis AI: namespaces, backend memory and log level per environment", () => {
        const namespaces = page("harvis-ai", /\| Namespace \| `([\w-]+)` \| `([\w-]+)` \|/);
        const memory = page("harvis-ai", /\| Backend memory \| (\S+) \| (\S+) \|/);
        const logLevel = page("harvis-ai", /\| `LOG_LEVEL` \| (\w+) \| (\w+) \|/);
        ["staging", "prod"].forEach((stack, i) => {
            const backend = main(deployment(stack, "harvis-ai-backend", namespaces[i]));
            assert.equal(parseBytes(backend.resources.limits.memory), parseBytes(memory[i]), `${stack} backend memory`);
            assert.equal(parseBytes(backend.resources.requests.memory), parseBytes(memory[i]), `${stack}: request = limit`);
            assert.equal(object(ev[stack], T.configMap, "harvis-ai-config", namespaces[i]).inputs.data.LOG_LEVEL, logLevel[i]);
        });
        const [devMemory] = page("harvis-ai", /no node placement, backend memory (\S+),/);
        assert.equal(parseBytes(main(deployment("dev", "harvis-ai-backend", "ai-agents-dev")).resources.limits.memory), parseBytes(devMemory));
    });

    it("LLM secret-detection service: resources everywhere and replicas per environment", () => {
        const resources = page("llm-secret-detection", /\| Resources \| requests (\S+) CPU \/ (\S+), limits (\S+) \/ (\S+) \|/);
        const [replicas, devReplicas] = page("llm-secret-detection", /`llmServiceReplicas` is (\d+) \(per color in prod\), (\d+) in dev/);
        const names: Record<string, string[]> = { dev: ["llm-service"], staging: ["llm-service"], prod: ["llm-service-blue", "llm-service-green"] };
        for (const [stack, deployments] of Object.entries(names)) {
            for (const name of deployments) {
                const d = deployment(stack, name, "llm-service");
                assertResources(`${stack} ${name}`, resources, main(d));
                assert.equal(d.inputs.spec.replicas, Number(stack === "dev" ? devReplicas : replicas), `${stack} ${name}`);
            }
        }
    });
});
