/**
 * The stack-outputs contract other teams consume. The keys are pinned here on purpose: renaming
 * one must show up as a change to this file in review (docs/outputs.md, "Changing the contract").
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PlatformStackReference } from "../../components/outputs/consumer";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, ofType, secretValues, stackEvaluation, STACKS } from "../helpers/stacks";

const TOP_LEVEL = ["contractVersion", "environment", "namespaces", "ingress", "observability", "products"];
const INGRESS = ["className", "clusterIssuer"];
const OBSERVABILITY = ["alertmanagerUrl", "dashboardLabel", "grafanaPublicUrl", "grafanaUrl", "lokiPushUrl", "lokiUrl", "prometheusUrl"];
const PRODUCT = ["displayName", "namespace", "namespaces", "secretNames", "services", "urls"];

for (const stack of STACKS) {
    describe(`stack outputs contract (${stack})`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it("exports exactly the contract's keys", () => {
            assert.deepEqual(Object.keys(ev.outputs).sort(), [...TOP_LEVEL].sort());
            assert.deepEqual(Object.keys(ev.outputs.ingress).sort(), INGRESS);
            assert.deepEqual(Object.keys(ev.outputs.observability).sort(), OBSERVABILITY);
            assert.equal(ev.outputs.contractVersion, 1);
            for (const [id, product] of Object.entries<any>(ev.outputs.products)) {
                assert.deepEqual(Object.keys(product).sort(), PRODUCT, id);
            }
        });

        it("describes this stack: environment, issuer, ingress class, products", () => {
            assert.equal(ev.outputs.environment, configured(stack, "environment"));
            assert.equal(ev.outputs.ingress.clusterIssuer, configured(stack, "clusterIssuer"));
            assert.equal(ev.outputs.ingress.className, "nginx");
            assert.deepEqual(Object.keys(ev.outputs.products).sort(), [...configured(stack, "products")].sort());
            assert.equal(ev.outputs.observability.grafanaPublicUrl, `https://${configured(stack, "grafanaHost")}`);
        });

        it("names the Services kube-prometheus-stack creates for release kube-prometheus-stack", () => {
            // The chart's own Service names for this release name (its fullname is the release name
            // when that contains the chart name), in the monitoring namespace.
            assert.equal(ev.outputs.observability.prometheusUrl, "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
            assert.equal(ev.outputs.observability.alertmanagerUrl, "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093");
        });

        it("points at objects that exist: namespaces, Services and Secrets", () => {
            const namespaces = ofType(ev, "kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name);
            assert.deepEqual([...ev.outputs.namespaces].sort(), [...namespaces].sort());
            const services = ofType(ev, "kubernetes:core/v1:Service");
            const secrets = ofType(ev, "kubernetes:core/v1:Secret");
            for (const [id, product] of Object.entries<any>(ev.outputs.products)) {
                assert.ok(namespaces.includes(product.namespace), `${id} namespace`);
                for (const [name, endpoint] of Object.entries<any>(product.services)) {
                    const [serviceName, namespace] = endpoint.host.split(".");
                    assert.equal(endpoint.host, `${serviceName}.${namespace}.svc.cluster.local`);
                    const service = services.find((s) => s.inputs.metadata.name === serviceName && s.inputs.metadata.namespace === namespace);
                    assert.ok(service, `${id}: Service ${name} does not exist`);
                    assert.ok(service.inputs.spec.ports.some((p: any) => p.port === endpoint.port), `${id}: ${name} has no port ${endpoint.port}`);
                }
                for (const secretName of product.secretNames) {
                    assert.ok(secrets.some((s) => s.inputs.metadata.name === secretName && s.inputs.metadata.namespace === product.namespace),
                        `${id}: Secret ${secretName} is not in ${product.namespace}`);
                }
                for (const url of product.urls) {
                    assert.match(url, /^https:\/\/[a-z0-9.-]+/);
                }
            }
        });

        it("carries no secret value, and no output is secret", () => {
            assert.deepEqual(ev.secretOutputs, []);
            const published = JSON.stringify(ev.outputs);
            const secrets = secretValues(ev);
            assert.ok(secrets.size > 10);
            for (const secret of secrets) {
                assert.ok(!published.includes(secret), "an output carries a secret value");
            }
        });
    });
}

describe("PlatformStackReference (consumer helper)", () => {
    const published = {
        contractVersion: 1,
        environment: "prod",
        namespaces: ["chatbot-prod"],
        ingress: { className: "nginx", clusterIssuer: "letsencrypt-prod" },
        observability: {},
        products: { chatbot: { displayName: "ShopyVerse chatbot", namespace: "chatbot-prod", namespaces: ["chatbot-prod"], services: {}, urls: [], secretNames: [] } },
    };
    let version = 1;
    before(async () => {
        await pulumi.runtime.setMocks({
            newResource: (args) => args.type === "pulumi:pulumi:StackReference"
                ? { id: args.inputs.name, state: { ...args.inputs, outputs: { ...published, contractVersion: version }, secretOutputNames: [] } }
                : { id: `${args.name}-id`, state: args.inputs },
            call: (args) => args.inputs,
        }, "consumer", "test", false);
    });
    const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve, reject) => {
        // An error thrown inside apply surfaces as a rejected promise of the output.
        (output as any).promise().then(resolve, reject);
    });

    it("returns typed outputs and a deployed product", async () => {
        version = 1;
        const ref = new PlatformStackReference("platform-ok", { organization: "acme", stack: "prod" });
        assert.equal((await value(ref.output("ingress"))).clusterIssuer, "letsencrypt-prod");
        assert.equal((await value(ref.product("chatbot"))).namespace, "chatbot-prod");
    });

    it("fails clearly on a product the stack does not deploy", async () => {
        version = 1;
        const ref = new PlatformStackReference("platform-missing", { organization: "acme", stack: "prod" });
        await assert.rejects(value(ref.product("soundcore-kcp")), /does not deploy soundcore-kcp \(it deploys: chatbot\)/);
    });

    it("fails clearly when the stack publishes another contract version", async () => {
        version = 2;
        const ref = new PlatformStackReference("platform-v2", { organization: "acme", stack: "prod" });
        await assert.rejects(value(ref.output("ingress")), /contract version 2, this program expects 1/);
    });
});

describe("kube-prometheus-stack fullname rule", () => {
    it("follows the chart's helper: the release when it contains the chart name, else release-chart, at most 26 characters", async () => {
        const { helmFullname } = await import("../../components/platform/monitoring");
        assert.equal(helmFullname("kube-prometheus-stack", "kube-prometheus-stack"), "kube-prometheus-stack");
        // The well-known names of `helm install prometheus prometheus-community/kube-prometheus-stack`.
        assert.equal(`${helmFullname("prometheus", "kube-prometheus-stack")}-prometheus`, "prometheus-kube-prometheus-prometheus");
        assert.equal(helmFullname("monitoring-kube-prometheus-stack-x", "kube-prometheus-stack"), "monitoring-kube-prometheus");
    });
});
