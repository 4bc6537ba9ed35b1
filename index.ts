/**
 * Entry point: wires validated config → platform → workloads → CI variables → outputs.
 * Nothing here decides anything; the components and the stack configuration do.
 */
import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./components/config";
import { Platform } from "./components/platform/platform";
import { Product } from "./components/workloads/product";

const config = loadConfig();

const kubernetes = new k8s.Provider("kubernetes", {
    context: config.cluster.kubeContext,
    kubeconfig: config.cluster.kubeconfig,
    renderYamlToDirectory: config.cluster.renderYamlToDirectory,
    enableServerSideApply: true,
});

const platform = new Platform("platform", { config }, { providers: [kubernetes] });

// Workloads need the platform up first: CRDs for their ServiceMonitors, the ingress admission
// webhook for their Ingresses, the issuers for their certificates.
const products = config.products.map((product) => new Product(product, {
    product,
    config,
    namespaces: platform.namespaces.byName,
    clusterIssuer: platform.clusterIssuer,
    ingressClassName: platform.ingressClassName,
}, { providers: [kubernetes], dependsOn: [platform] }));
// Each Product exposes its secrets (for the GitLab CI/CD variables) and its part of the outputs
// contract (`contract`); both are wired here once those pieces land.
void products;

export const environment = config.environment;
export const namespaces = Object.keys(platform.namespaces.byName);
export const clusterIssuer = platform.clusterIssuerName;
export const ingressClassName = platform.ingressClassName;
export const observability = {
    prometheus: platform.monitoring.endpoints.prometheus,
    alertmanager: platform.monitoring.endpoints.alertmanager,
    grafana: platform.monitoring.endpoints.grafana,
    grafanaUrl: platform.monitoring.endpoints.grafanaUrl,
    loki: platform.logging.lokiUrl,
    lokiPush: platform.logging.lokiPushUrl,
};
