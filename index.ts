/**
 * Entry point: wires validated config → platform → workloads → CI variables → outputs.
 * Nothing here decides anything; the components and the stack configuration do.
 */
import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./components/config";
import { CiVariables } from "./components/gitlab/ciVariables";
import { stackOutputs } from "./components/outputs/stackOutputs";
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
const products = Object.fromEntries(config.products.map((product) => [product, new Product(product, {
    product,
    config,
    namespaces: platform.namespaces.byName,
    clusterIssuer: platform.clusterIssuer,
    ingressClassName: platform.ingressClassName,
    priorityClasses: platform.priorityClasses,
}, { providers: [kubernetes], dependsOn: [platform] })]));

// The products' GitLab CI/CD variables, from the same secrets their workloads use.
new CiVariables("gitlab", { config, products });

const outputs = stackOutputs({
    config,
    platform,
    products: Object.fromEntries(Object.entries(products).map(([id, product]) => [id, product.contract])),
});

// The published contract (components/outputs/contract.ts, docs/outputs.md).
export const contractVersion = outputs.contractVersion;
export const environment = outputs.environment;
export const namespaces = outputs.namespaces;
export const ingress = outputs.ingress;
export const observability = outputs.observability;
// Named `products` in the stack's outputs; the local name is taken by the Product objects.
const productOutputs = outputs.products;
export { productOutputs as products };
