/**
 * ts-node --transpile-only tools/e2e/cluster/smoke.ts --state-dir <dir>
 *
 * Checks a running cluster the way the stacks will use it, through the REST API only: nodes
 * Ready, Pod Security enforced, Deployments become available with Service endpoints,
 * LoadBalancers get an address, webhooks do not block, Jobs complete, claims bind, grow and
 * follow their reclaim policy, GPU placement works, ServiceAccount tokens are issued, and a
 * namespace with running pods can be deleted. Cleans up after itself.
 */
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { KubeApiError, KubeClient } from "../kube";
import { nodeReady } from "./nodes";
import { readState } from "./state";
import { PROVISIONER } from "./storage";

const NS = "smoke-restricted";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        try {
            const v = await fn();
            if (v !== undefined) {
                return v;
            }
        } catch (err) {
            last = ` (${(err as Error).message})`;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}${last}`);
        }
        await sleep(200);
    }
}

const restrictedContainer = (name: string) => ({
    name,
    image: "registry.example/app:1.0",
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    securityContext: {
        runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" }, readOnlyRootFilesystem: true,
    },
});

async function volumeLifecycle(c: KubeClient, cls: string, policy: string): Promise<void> {
    const nsPath = `/api/v1/namespaces/${NS}`;
    const name = `data-${cls}`;
    await c.create(`${nsPath}/persistentvolumeclaims`, {
        apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name },
        spec: { storageClassName: cls, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    const claim = await until(`claim ${name} Bound`, async () => {
        const p = await c.get(`${nsPath}/persistentvolumeclaims/${name}`);
        return p.status?.phase === "Bound" ? p : undefined;
    });
    const pvPath = `/api/v1/persistentvolumes/${claim.spec.volumeName}`;
    const pv = await c.get(pvPath);
    console.log(`  ${name} -> ${pv.metadata.name} (${pv.spec.persistentVolumeReclaimPolicy}, ${pv.spec.hostPath.path})`);
    if (pv.spec.persistentVolumeReclaimPolicy !== policy || !fs.existsSync(pv.spec.hostPath.path)) {
        throw new Error(`volume ${pv.metadata.name} has policy ${pv.spec.persistentVolumeReclaimPolicy} or no directory`);
    }

    await c.request("PATCH", `${nsPath}/persistentvolumeclaims/${name}`, { spec: { resources: { requests: { storage: "2Gi" } } } }, "application/merge-patch+json");
    await until(`claim ${name} grown to 2Gi`, async () => {
        const p = await c.get(`${nsPath}/persistentvolumeclaims/${name}`);
        return p.status?.capacity?.storage === "2Gi" ? p : undefined;
    });

    // A pod using the claim schedules (Immediate binding, no node affinity) and goes on deletion.
    const podPath = `${nsPath}/pods/uses-${name}`;
    await c.create(`${nsPath}/pods`, {
        apiVersion: "v1", kind: "Pod", metadata: { name: `uses-${name}` },
        spec: { containers: [{ ...restrictedContainer("c"), volumeMounts: [{ name: "d", mountPath: "/data" }] }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: name } }] },
    });
    await until(`pod uses-${name} Running`, async () => ((await c.get(podPath)).status?.phase === "Running" ? true : undefined));
    await c.delete(podPath);
    await until(`pod uses-${name} gone`, async () => ((await c.find(podPath)) ? undefined : true));

    await c.delete(`${nsPath}/persistentvolumeclaims/${name}`);
    if (policy === "Delete") {
        await until(`volume ${pv.metadata.name} deleted`, async () => ((await c.find(pvPath)) ? undefined : true));
        if (fs.existsSync(pv.spec.hostPath.path)) {
            throw new Error(`directory of deleted volume still exists: ${pv.spec.hostPath.path}`);
        }
    } else {
        await until(`volume ${pv.metadata.name} Released`, async () => ((await c.find(pvPath))?.status?.phase === "Released" ? true : undefined));
        await c.delete(pvPath);
    }
}

async function main(stateDir: string): Promise<void> {
    const state = readState(path.resolve(stateDir));
    if (!state) {
        throw new Error(`no cluster state in ${stateDir}`);
    }
    const pki = path.join(state.stateDir, "pki");
    const c = KubeClient.fromFiles({
        server: state.server, caCert: path.join(pki, "ca.crt"),
        clientCert: path.join(pki, "admin.crt"), clientKey: path.join(pki, "admin.key"),
    });
    const t0 = Date.now();
    const pass = (what: string) => console.log(`PASS ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    const nsPath = `/api/v1/namespaces/${NS}`;

    try {
        const nodes = (await c.get("/api/v1/nodes")).items;
        const notReady = nodes.filter((n: any) => !nodeReady(n)).map((n: any) => n.metadata.name);
        if (nodes.length === 0 || notReady.length > 0) {
            throw new Error(`nodes not ready: ${notReady.join(", ") || "(none exist)"}`);
        }
        for (const n of nodes) {
            const l = n.metadata.labels;
            console.log(`  node ${n.metadata.name}: zone=${l["topology.kubernetes.io/zone"]} cpu=${n.status.allocatable.cpu} memory=${n.status.allocatable.memory}`
                + ` pods=${n.status.allocatable.pods} gpu=${n.status.allocatable["nvidia.com/gpu"] ?? 0} taints=${JSON.stringify(n.spec.taints ?? [])}`);
        }
        pass(`${nodes.length} nodes Ready`);

        const version = await c.get("/version");
        console.log(`  apiserver version ${version.gitVersion}`);

        await c.create("/api/v1/namespaces", {
            apiVersion: "v1", kind: "Namespace",
            metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } },
        });
        await until("default ServiceAccount in the new namespace", () => c.find(`${nsPath}/serviceaccounts/default`));

        // Pod Security: a privileged pod is rejected at admission.
        try {
            await c.request("POST", `${nsPath}/pods`, {
                apiVersion: "v1", kind: "Pod", metadata: { name: "privileged" },
                spec: { containers: [{ name: "c", image: "registry.example/app:1.0", securityContext: { privileged: true } }] },
            });
            throw new Error("privileged pod was admitted into a restricted namespace");
        } catch (err) {
            if (!(err instanceof KubeApiError && err.status === 403 && /PodSecurity/.test(err.body))) {
                throw err;
            }
            console.log(`  rejected: ${JSON.parse(err.body).message.slice(0, 160)}…`);
        }
        pass("privileged pod rejected by PodSecurity");

        const labels = { app: "web" };
        await c.create(`/apis/apps/v1/namespaces/${NS}/deployments`, {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
            spec: {
                replicas: 3, selector: { matchLabels: labels },
                template: { metadata: { labels }, spec: { containers: [restrictedContainer("web")] } },
            },
        });
        const dep = await until("Deployment web available", async () => {
            const d = await c.get(`/apis/apps/v1/namespaces/${NS}/deployments/web`);
            return d.status?.availableReplicas === 3 ? d : undefined;
        });
        const pods = (await c.get(`${nsPath}/pods?labelSelector=app%3Dweb`)).items;
        for (const p of pods) {
            const ready = p.status.conditions.find((x: any) => x.type === "Ready")?.status;
            const token = p.spec.volumes?.some((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken));
            console.log(`  pod ${p.metadata.name}: ${p.status.phase} ready=${ready} node=${p.spec.nodeName} podIP=${p.status.podIP} projectedToken=${token}`);
            if (p.status.phase !== "Running" || ready !== "True" || !p.status.podIP) {
                throw new Error(`pod ${p.metadata.name} is not Running/Ready with an IP`);
            }
        }
        pass(`restricted Deployment available (${dep.status.readyReplicas}/3 ready)`);

        // Services: endpoints from the simulated pods (Pulumi waits for them), and an address for
        // a LoadBalancer (Helm and Pulumi wait for that).
        const service = (name: string, type: string) => c.create(`${nsPath}/services`, {
            apiVersion: "v1", kind: "Service", metadata: { name },
            spec: { type, selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
        });
        await Promise.all([service("web", "ClusterIP"), service("web-lb", "LoadBalancer")]);
        const slice = await until("EndpointSlice of web with 3 ready endpoints", async () => {
            const list = await c.get(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb`);
            const ready = (list.items ?? []).flatMap((x: any) => x.endpoints ?? []).filter((e: any) => e.conditions?.ready);
            return ready.length === 3 ? ready : undefined;
        });
        const lb = await until("LoadBalancer address of web-lb", async () => (await c.get(`${nsPath}/services/web-lb`)).status?.loadBalancer?.ingress?.[0]?.ip);
        pass(`Service endpoints ${slice.map((e: any) => e.addresses[0]).join(", ")}; LoadBalancer address ${lb}`);

        // Admission webhooks are off unless the cluster was started with them: a webhook whose
        // server does not exist must not block anything.
        await c.create("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", {
            apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "smoke-unreachable" },
            webhooks: [{
                name: "unreachable.smoke.e2e", admissionReviewVersions: ["v1"], sideEffects: "None", failurePolicy: "Fail", timeoutSeconds: 3,
                clientConfig: { service: { namespace: NS, name: "no-such-service", port: 443 } },
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } },
                rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
            }],
        });
        try {
            await c.request("POST", `${nsPath}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "past-webhook" }, data: { a: "b" } });
            pass("admission webhooks are not called (object created past an unreachable webhook)");
        } catch (err) {
            console.log(`  admission webhooks are on: ${(err as Error).message.slice(0, 160)}`);
        } finally {
            await c.delete("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/smoke-unreachable");
        }

        await c.create(`/apis/batch/v1/namespaces/${NS}/jobs`, {
            apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" },
            spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [restrictedContainer("once")] } } },
        });
        await until("Job once complete", async () => {
            const j = await c.get(`/apis/batch/v1/namespaces/${NS}/jobs/once`);
            return j.status?.conditions?.some((x: any) => x.type === "Complete" && x.status === "True") ? j : undefined;
        });
        pass("Job completed");

        // Volumes, for each reclaim policy among the cluster's classes: bind, grow, mount, reclaim.
        const classes = ((await c.get("/apis/storage.k8s.io/v1/storageclasses")).items as any[]).filter((x) => x.provisioner === PROVISIONER);
        for (const policy of ["Delete", "Retain"]) {
            const isDefault = (x: any) => x.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true";
            const candidates = classes.filter((x) => x.reclaimPolicy === policy);
            const cls = (candidates.find(isDefault) ?? candidates[0])?.metadata.name;
            if (cls) {
                await volumeLifecycle(c, cls, policy);
                pass(`claim of ${cls} (${policy}): Bound, expanded, mounted, reclaimed`);
            }
        }

        // The stores' shape: a StatefulSet whose claims come from volumeClaimTemplates; and a
        // DaemonSet (log shippers, node exporters) on every node it tolerates.
        const dbLabels = { app: "db" };
        await c.create(`/apis/apps/v1/namespaces/${NS}/statefulsets`, {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" },
            spec: {
                replicas: 2, serviceName: "db", selector: { matchLabels: dbLabels },
                template: { metadata: { labels: dbLabels }, spec: { containers: [{ ...restrictedContainer("db"), volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
                // No class: the cluster's default class (DefaultStorageClass admission) applies.
                volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } } }],
            },
        });
        const dsLabels = { app: "agent" };
        await c.create(`/apis/apps/v1/namespaces/${NS}/daemonsets`, {
            apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" },
            spec: { selector: { matchLabels: dsLabels }, template: { metadata: { labels: dsLabels }, spec: { containers: [restrictedContainer("agent")] } } },
        });
        await until("StatefulSet db ready", async () => {
            const x = await c.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/db`);
            return x.status?.readyReplicas === 2 ? x : undefined;
        });
        const ds = await until("DaemonSet agent ready", async () => {
            const x = await c.get(`/apis/apps/v1/namespaces/${NS}/daemonsets/agent`);
            const st = x.status;
            return st?.desiredNumberScheduled > 0 && st.numberReady === st.desiredNumberScheduled ? x : undefined;
        });
        pass(`StatefulSet with volumeClaimTemplates ready; DaemonSet ready on ${ds.status.numberReady} nodes`);

        // GPU placement as Harvis AI does it: hostname selector, toleration, nvidia.com/gpu; on
        // the first GPU node that carries the nvidia.com/gpu taint, if the cluster has one.
        const gpuNode = nodes.find((n: any) => n.status.allocatable["nvidia.com/gpu"] && n.spec.taints?.some((t: any) => t.key === "nvidia.com/gpu"))?.metadata.name;
        if (gpuNode) {
            const gpuPod = (name: string, tolerate: boolean) => c.create(`${nsPath}/pods`, {
                apiVersion: "v1", kind: "Pod", metadata: { name },
                spec: {
                    nodeSelector: { "kubernetes.io/hostname": gpuNode },
                    tolerations: tolerate ? [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] : undefined,
                    containers: [{ ...restrictedContainer("c"), resources: { requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" }, limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" } } }],
                },
            });
            await Promise.all([gpuPod("gpu", true), gpuPod("gpu-untolerated", false)]);
            const gpu = await until(`GPU pod Running on ${gpuNode}`, async () => {
                const p = await c.get(`${nsPath}/pods/gpu`);
                return p.status?.phase === "Running" ? p : undefined;
            });
            const stuck = await until("untolerated GPU pod unschedulable", async () => {
                const p = await c.get(`${nsPath}/pods/gpu-untolerated`);
                return p.status?.conditions?.find((x: any) => x.type === "PodScheduled" && x.reason === "Unschedulable");
            });
            console.log(`  gpu on ${gpu.spec.nodeName}; untolerated: ${stuck.message}`);
            pass(`GPU pod placed; the taint keeps untolerated pods off ${gpuNode}`);
        }

        // ServiceAccount tokens: TokenRequest (projected tokens) and legacy token Secrets.
        const tr = await c.request("POST", `${nsPath}/serviceaccounts/default/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} });
        await c.create(`${nsPath}/secrets`, {
            apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
            metadata: { name: "default-token", annotations: { "kubernetes.io/service-account.name": "default" } },
        });
        const secret = await until("token Secret populated", async () => {
            const s = await c.get(`${nsPath}/secrets/default-token`);
            return s.data?.token ? s : undefined;
        });
        const review = await c.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
            apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: Buffer.from(secret.data.token, "base64").toString() },
        });
        if (!tr.status?.token || review.status?.authenticated !== true) {
            throw new Error(`ServiceAccount tokens do not work: TokenRequest ${Boolean(tr.status?.token)}, TokenReview ${JSON.stringify(review.status)}`);
        }
        pass(`ServiceAccount tokens issued and accepted (${review.status.user.username})`);

        await c.delete(nsPath);
        await until(`namespace ${NS} deleted`, async () => ((await c.find(nsPath)) ? undefined : true), 60_000);
        pass("namespace with running pods deleted");
    } finally {
        c.close();
    }
}

new Command("smoke")
    .requiredOption("--state-dir <dir>", "state dir of a running cluster")
    .action((o: { stateDir: string }) => main(o.stateDir))
    .parseAsync(process.argv)
    .then(() => process.exit(0), (err: unknown) => {
        console.error(`FAIL ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
