/** Schema validation: broken objects are reported with their field paths; unknown kinds are not passed silently. */
import * as assert from "assert";
import { toK8sObject } from "../../tools/plan/k8s";
import { fieldPath, validateObject, validateObjects } from "../../tools/plan/validate";
import { container, deployment, k8s, resource } from "./fixtures";

function validate(r: ReturnType<typeof k8s>) {
    const o = toK8sObject(r);
    assert.ok(o, `${r.type} should be a Kubernetes object`);
    return validateObject(o);
}

describe("plan: schema validation", () => {
    it("passes a valid Deployment and names the model used", () => {
        const v = validate(deployment("a", "web", [container("web", { cpu: "100m", memory: "64Mi" }, undefined, { ports: [{ containerPort: 8080 }] })], 2));
        assert.strictEqual(v.status, "valid");
        assert.strictEqual(v.schema, "kubernetes-models/apps/v1/Deployment");
        assert.deepStrictEqual(v.errors, []);
    });

    it("reports a container port written as a string with its field path", () => {
        const v = validate(deployment("a", "web", [container("web", { cpu: "100m", memory: "64Mi" }, undefined, { ports: [{ containerPort: "8080" }] })]));
        assert.strictEqual(v.status, "invalid");
        assert.deepStrictEqual(v.errors, [{
            path: "spec.template.spec.containers[0].ports[0].containerPort",
            reason: 'must be integer (got string "8080")',
        }]);
        assert.strictEqual(v.object, "Deployment a/web");
    });

    it("reports a Service with an unknown type, a missing required field and a bad IntOrString", () => {
        const v = validate(k8s("Service", "a", "web", {
            spec: { type: "Balancer", selector: { app: "x" }, ports: [{ name: "http", port: 80, targetPort: true }, { name: "metrics" }] },
        }));
        assert.strictEqual(v.status, "invalid");
        const byPath = Object.fromEntries(v.errors.map((e) => [e.path, e.reason]));
        assert.match(byPath["spec.type"], /^must be one of "ClusterIP", "ExternalName", "LoadBalancer", "NodePort" \(got string "Balancer"\)$/);
        assert.strictEqual(byPath["spec.ports[1].port"], "required field is missing");
        // IntOrString: both branches fail, reported once as one field
        assert.match(byPath["spec.ports[0].targetPort"], /^must be string or integer \(got boolean true\)$/);
        assert.strictEqual(v.errors.length, 3);
    });

    it("validates custom resources with the cert-manager and prometheus-operator models", () => {
        const issuer = validate(k8s("kubernetes:cert-manager.io/v1:ClusterIssuer", undefined, "letsencrypt", {
            spec: { acme: { email: "a@example.com", privateKeySecretRef: {}, solvers: [] } },
        }));
        assert.strictEqual(issuer.schema, "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer");
        assert.strictEqual(issuer.namespace, "");
        assert.deepStrictEqual(issuer.errors.map((e) => e.path).sort(), ["spec.acme.privateKeySecretRef.name", "spec.acme.server"]);

        const monitor = validate(k8s("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "a", "web", {
            spec: { selector: { matchLabels: { app: "x" } }, endpoints: { port: "metrics" } },
        }));
        assert.strictEqual(monitor.schema, "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor");
        assert.deepStrictEqual(monitor.errors.map((e) => e.path), ["spec.endpoints"]);
        assert.match(monitor.errors[0].reason, /must be array/);
    });

    it("reports kinds without a published schema, and patches, as not validated", () => {
        const report = validateObjects([
            k8s("kubernetes:widgets.example.com/v1:Widget", "a", "w", { spec: { size: 1 } }),
            resource("kubernetes:apps/v1:DeploymentPatch", "patch", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x", namespace: "a" }, spec: { replicas: 2 } }),
        ].map((r) => toK8sObject(r)!));
        assert.deepStrictEqual(report.objects.map((o) => o.status), ["not-validated", "not-validated"]);
        assert.match(report.objects[0].reason!, /no published schema for widgets\.example\.com\/v1 Widget/);
        assert.match(report.objects[1].reason!, /server-side apply patch/);
        assert.strictEqual(report.notValidated, 2);
        assert.strictEqual(report.validated, 0);
    });

    it("never quotes a secret value in an error", () => {
        const secret = k8s("Secret", "a", "creds", { stringData: { token: 12345678 } });
        const v = validate(secret);
        assert.strictEqual(v.status, "invalid");
        assert.deepStrictEqual(v.errors, [{ path: "stringData.token", reason: "must be string (got a secret value)" }]);
    });

    it("does not treat Helm releases, YAML wrappers or providers as objects", () => {
        for (const type of ["kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigGroup", "pulumi:providers:kubernetes", "random:index/randomPassword:RandomPassword"]) {
            assert.strictEqual(toK8sObject(resource(type, "x", {})), undefined, type);
        }
    });

    it("turns JSON pointers into readable field paths", () => {
        assert.strictEqual(fieldPath("/spec/template/spec/containers/0/ports/1/containerPort"), "spec.template.spec.containers[0].ports[1].containerPort");
        assert.strictEqual(fieldPath("/metadata/labels/app.kubernetes.io~1name"), 'metadata.labels["app.kubernetes.io/name"]');
    });
});
