/**
 * A tiny program with known problems for the plan's end-to-end tests: a Deployment whose container
 * port is a string (schema error), whose container is privileged (a mandatory policy in every
 * stack) and which carries an exemption from a policy it complies with (stale), plus a Secret whose
 * value must never reach the plan's files.
 */
import * as k8s from "@pulumi/kubernetes";

const FIXTURE_SECRET = "fixture-secret-value-3f9c2a7e";

const labels = { app: "api" };
new k8s.core.v1.Namespace("shop", { metadata: { name: "shop" } });
new k8s.core.v1.Secret("api-token", {
    metadata: { name: "api-token", namespace: "shop" },
    stringData: { token: FIXTURE_SECRET },
});
new k8s.apps.v1.Deployment("api", {
    metadata: {
        name: "api", namespace: "shop", labels,
        annotations: { "policy.ai-platform.io/exempt-no-host-path": "mounted the node's logs once (OPS-1); it no longer does" },
    },
    spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                containers: [{
                    name: "api",
                    image: "registry.example.com/shop/api:1.2.3",
                    ports: [{ containerPort: "8080" as unknown as number }],
                    securityContext: { privileged: true },
                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "256Mi" } },
                }],
            },
        },
    },
});
