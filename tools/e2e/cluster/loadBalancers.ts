/**
 * What a cloud's service controller does, minus the load balancer: every Service of type
 * LoadBalancer gets an address in status.loadBalancer.ingress, so Helm's and Pulumi's waits for
 * it finish (staging and prod expose ingress-nginx that way). The addresses come from
 * 198.51.100.0/24 (TEST-NET-2, documentation only); nothing listens on them and no route leads
 * there, so traffic to them fails instead of reaching anything.
 */
import { KubeClient } from "../kube";

const POOL_PREFIX = "198.51.100.";
// .254 is the ingress controller's published address (publishIngressAddresses).
const POOL_SIZE = 253;

/** One pass: assigns an address to each LoadBalancer Service that has none and no other controller's class. */
export async function assignLoadBalancerAddresses(client: KubeClient, log: (line: string) => void): Promise<void> {
    const services: any[] = (await client.get("/api/v1/services")).items ?? [];
    const isLb = (s: any) => s.spec?.type === "LoadBalancer" && !s.spec.loadBalancerClass;
    const used = new Set<string>(services.filter(isLb).flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip)));
    let next = 1;
    for (const s of services) {
        if (!isLb(s) || (s.status?.loadBalancer?.ingress ?? []).length > 0 || s.metadata.deletionTimestamp) {
            continue;
        }
        while (next <= POOL_SIZE && used.has(`${POOL_PREFIX}${next}`)) {
            next++;
        }
        if (next > POOL_SIZE) {
            log(`no load-balancer address left for ${s.metadata.namespace}/${s.metadata.name}`);
            return;
        }
        const ip = `${POOL_PREFIX}${next}`;
        used.add(ip);
        await client.request("PATCH", `/api/v1/namespaces/${s.metadata.namespace}/services/${s.metadata.name}/status`,
            { status: { loadBalancer: { ingress: [{ ip, ipMode: "VIP" }] } } }, "application/merge-patch+json");
        log(`load balancer ${ip} for ${s.metadata.namespace}/${s.metadata.name}`);
    }
}

/** The address an ingress controller publishes for the Ingresses it serves (see publishIngressAddresses). */
export const INGRESS_ADDRESS = `${POOL_PREFIX}254`;

/**
 * What an ingress controller does with `--publish-service`: it writes its address into the status
 * of every Ingress of its class, and Pulumi waits for that address before it calls an Ingress
 * created. The stand-in controller runs nothing, so this pass does it for every Ingress whose
 * class exists in the cluster; one that names a missing class stays without an address, as it
 * would with a real controller, and its `pulumi up` times out.
 */
export async function publishIngressAddresses(client: KubeClient, log: (line: string) => void): Promise<void> {
    const classes = new Set<string>(((await client.get("/apis/networking.k8s.io/v1/ingressclasses")).items ?? []).map((c: any) => c.metadata.name));
    const ingresses: any[] = (await client.get("/apis/networking.k8s.io/v1/ingresses")).items ?? [];
    for (const ing of ingresses) {
        const className = ing.spec?.ingressClassName ?? ing.metadata.annotations?.["kubernetes.io/ingress.class"];
        if (!classes.has(className) || (ing.status?.loadBalancer?.ingress ?? []).length > 0 || ing.metadata.deletionTimestamp) {
            continue;
        }
        await client.request("PATCH", `/apis/networking.k8s.io/v1/namespaces/${ing.metadata.namespace}/ingresses/${ing.metadata.name}/status`,
            { status: { loadBalancer: { ingress: [{ ip: INGRESS_ADDRESS }] } } }, "application/merge-patch+json");
        log(`ingress ${ing.metadata.namespace}/${ing.metadata.name} published at ${INGRESS_ADDRESS}`);
    }
}
