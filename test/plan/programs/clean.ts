/** A tiny valid program: one namespace and a Deployment of 2 × 250m / 256Mi (500m CPU at most). */
import * as k8s from "@pulumi/kubernetes";

const labels = { app: "api" };
new k8s.core.v1.Namespace("shop", { metadata: { name: "shop" } });
new k8s.apps.v1.Deployment("api", {
    metadata: { name: "api", namespace: "shop", labels },
    spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                containers: [{
                    name: "api",
                    image: "registry.example.com/shop/api:1.2.3",
                    ports: [{ containerPort: 8080 }],
                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "256Mi" } },
                }],
            },
        },
    },
});
