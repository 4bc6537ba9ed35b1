/**
 * What every workload of every stack must satisfy, whatever the product: requests and limits,
 * the restricted security context on every container (or a documented exemption), default-deny
 * NetworkPolicies in every product namespace, one label set wiring selectors together, no
 * replicas under an HPA, TLS with the stack's issuer, secrets only in Secrets.
 */
import { strict as assert } from "assert";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { configured, isSecretAt, secretValues, stackEvaluation, STACKS, visibleInputs, secretEntries } from "../helpers/stacks";
import { containers, cpu, hpaFor, objects, podTemplate, POD_BEARING, selects, T } from "./render";

/** The add-ons' namespaces: their objects are covered by test/foundation/platform.test.ts. */
const PLATFORM_NAMESPACE_NAMES = ["cert-manager", "ingress-nginx", "monitoring", "logging"];

const PLATFORM_NAMESPACES = ["cert-manager", "ingress-nginx", "monitoring", "logging"];
const EXEMPT = "policy.ai-platform.io/exempt-";
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

function workloads(ev: StackEvaluation): RecordedResource[] {
    return ev.resources.filter((r) => (POD_BEARING as readonly string[]).includes(r.type));
}

function exempted(r: RecordedResource, policy: string): boolean {
    return (r.inputs.metadata?.annotations?.[`${EXEMPT}${policy}`] ?? "").length >= 10;
}

function productNamespaces(ev: StackEvaluation): string[] {
    return objects(ev, T.namespace)
        .filter((n) => n.inputs.metadata.labels["ai-platform.io/product"] !== "platform")
        .map((n) => n.inputs.metadata.name);
}

/** Every secret value (8+ characters) that travels as a secret anywhere in the stack. */
for (const stack of STACKS) {
    describe(`hardening of every workload (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        it("sets CPU and memory requests and limits on every container, init containers included", () => {
            const all = workloads(ev);
            assert.ok(all.length >= 10, `only ${all.length} workloads`);
            for (const r of all) {
                for (const c of containers(r)) {
                    const where = `${r.inputs.metadata.name}/${c.name}`;
                    for (const kind of ["requests", "limits"]) {
                        assert.ok(c.resources?.[kind]?.cpu, `${where}: ${kind}.cpu`);
                        assert.ok(c.resources?.[kind]?.memory, `${where}: ${kind}.memory`);
                    }
                    assert.ok(cpu(c.resources.requests.cpu) <= cpu(c.resources.limits.cpu), `${where}: request above limit`);
                }
            }
        });

        it("caps every container's node disk: ephemeral-storage requested for its logs, limited to that plus every scratch volume it mounts", () => {
            const MiB = 2 ** 20;
            const bytes = (q: string) => {
                const m = /^(\d+)(Mi|Gi)$/.exec(q);
                assert.ok(m, `unexpected quantity ${q}`);
                return Number(m[1]) * (m[2] === "Gi" ? 1024 * MiB : MiB);
            };
            for (const r of workloads(ev)) {
                const volumes: any[] = podTemplate(r).spec.volumes ?? [];
                for (const c of containers(r)) {
                    const where = `${r.inputs.metadata.name}/${c.name}`;
                    const request = c.resources?.requests?.["ephemeral-storage"];
                    const limit = c.resources?.limits?.["ephemeral-storage"];
                    assert.ok(request && limit, `${where}: ephemeral-storage request and limit`);
                    // The kubelet keeps five 10Mi log files per container by default.
                    assert.ok(bytes(request) >= 50 * MiB, `${where}: request ${request} is below the kubelet's log retention`);
                    const scratch = (c.volumeMounts ?? []).map((m: any) => volumes.find((v) => v.name === m.name))
                        .filter((v: any) => v?.emptyDir);
                    for (const v of scratch) {
                        assert.ok(v.emptyDir.sizeLimit, `${where}: scratch volume ${v.name} has no sizeLimit`);
                    }
                    const scratchBytes = scratch.reduce((sum: number, v: any) => sum + bytes(v.emptyDir.sizeLimit), 0);
                    assert.ok(bytes(limit) >= bytes(request) + scratchBytes,
                        `${where}: limit ${limit} does not cover the log request ${request} plus ${scratchBytes / MiB}Mi of scratch volumes`);
                }
            }
        });

        it("runs every container non-root, without privilege escalation or capabilities, with RuntimeDefault seccomp and a read-only root", () => {
            const checks: Array<[string, (pod: any, c: any) => boolean]> = [
                ["run-as-non-root", (pod, c) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) === true && (c.securityContext?.runAsUser ?? pod.runAsUser) > 0],
                ["non-root-groups", (pod, c) => (c.securityContext?.runAsGroup ?? pod.runAsGroup) > 0 && pod.fsGroup > 0],
                ["no-priv-escalation", (_pod, c) => c.securityContext?.allowPrivilegeEscalation === false],
                ["no-privileged", (_pod, c) => c.securityContext?.privileged !== true],
                ["capabilities", (_pod, c) => (c.securityContext?.capabilities?.drop ?? []).includes("ALL") && (c.securityContext?.capabilities?.add ?? []).length === 0],
                ["seccomp", (pod, c) => (c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type) === "RuntimeDefault"],
                ["read-only-rootfs", (_pod, c) => c.securityContext?.readOnlyRootFilesystem === true],
            ];
            for (const r of workloads(ev)) {
                const spec = podTemplate(r).spec;
                assert.notEqual(spec.hostNetwork, true);
                assert.notEqual(spec.hostPID, true);
                assert.notEqual(spec.hostIPC, true);
                for (const c of containers(r)) {
                    for (const [policy, ok] of checks) {
                        assert.ok(ok(spec.securityContext ?? {}, c) || exempted(r, policy), `${r.inputs.metadata.name}/${c.name} fails ${policy}`);
                    }
                }
            }
        });

        it("mounts no service-account token except where a Role grants API access", () => {
            const bound = new Set(objects(ev, T.roleBinding).flatMap((b) => b.inputs.subjects.map((s: any) => `${s.namespace}/${s.name}`)));
            for (const r of workloads(ev)) {
                const spec = podTemplate(r).spec;
                const sa = `${r.inputs.metadata.namespace}/${spec.serviceAccountName ?? "default"}`;
                if (spec.automountServiceAccountToken !== false) {
                    assert.ok(bound.has(sa), `${r.inputs.metadata.name} mounts a token for ${sa}, which has no Role`);
                }
            }
        });

        it("gives every product namespace a default-deny policy for ingress and egress, and DNS egress", () => {
            const namespaces = productNamespaces(ev);
            assert.ok(namespaces.length >= 4);
            for (const ns of namespaces) {
                const policies = objects(ev, T.networkPolicy, ns);
                const deny = policies.find((p) => p.inputs.metadata.name === "default-deny");
                assert.ok(deny, `${ns} has no default-deny`);
                assert.deepEqual(deny.inputs.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                const dns = policies.find((p) => p.inputs.metadata.name === "allow-dns");
                assert.ok(dns, `${ns} has no DNS egress`);
                assert.deepEqual(dns.inputs.spec.podSelector, {});
                assert.deepEqual(dns.inputs.spec.egress[0].ports, [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]);
                assert.deepEqual(dns.inputs.spec.egress[0].to[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kube-system" });
                for (const p of policies.filter((x) => x !== deny && x !== dns)) {
                    assert.notDeepEqual(p.inputs.spec.podSelector, {}, `${ns}/${p.inputs.metadata.name}: allow rules must select their pods`);
                    const selected = workloads(ev).filter((w) => w.inputs.metadata.namespace === ns &&
                        selects(p.inputs.spec.podSelector.matchLabels, podTemplate(w).metadata.labels));
                    assert.ok(selected.length > 0 || exempted(p, "netpol-coverage"), `${ns}/${p.inputs.metadata.name} selects no workload`);
                }
            }
        });

        it("opens the internet (443, public addresses only) to the workloads that call the source documents' external APIs, and to nothing else", () => {
            const expected = new Set(["quickspin-ai", "chatbot-service", "knowledge-service", "content-service", "support-service",
                "analytics-service", "auth-service", "ollama", "gitlab-runner", "ci-jobs"]);
            // The platform namespaces' own policies are the foundation suite's (test/foundation).
            const internet = objects(ev, T.networkPolicy)
                .filter((p) => !PLATFORM_NAMESPACE_NAMES.includes(p.inputs.metadata.namespace))
                .filter((p) => (p.inputs.spec.egress ?? []).some((e: any) => e.to.some((t: any) => t.ipBlock?.cidr === "0.0.0.0/0")));
            assert.ok(internet.length > 0);
            for (const p of internet) {
                const name = p.inputs.metadata.name.replace(/^allow-/, "");
                assert.ok(expected.has(name), `${p.inputs.metadata.namespace}/${name} may reach the internet`);
                for (const e of p.inputs.spec.egress) {
                    for (const t of e.to.filter((x: any) => x.ipBlock?.cidr === "0.0.0.0/0")) {
                        assert.deepEqual(t.ipBlock.except, PRIVATE_RANGES);
                    }
                }
            }
        });

        it("lets Prometheus (namespace monitoring) scrape every ServiceMonitor's pods and the ingress controller reach every routed Service", () => {
            for (const sm of objects(ev, T.serviceMonitor)) {
                const ns = sm.inputs.metadata.namespace;
                const policy = objects(ev, T.networkPolicy, ns).find((p) => p.inputs.metadata.name === `allow-${sm.inputs.metadata.name}`);
                assert.ok(policy, `no policy for ${sm.inputs.metadata.name}`);
                assert.ok(policy.inputs.spec.ingress.some((r: any) => r.from.some((f: any) =>
                    f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring")), `${sm.inputs.metadata.name} not scrapeable`);
            }
            for (const ing of objects(ev, T.ingress)) {
                const ns = ing.inputs.metadata.namespace;
                for (const path of ing.inputs.spec.rules[0].http.paths) {
                    const service = objects(ev, T.service, ns).find((s) => s.inputs.metadata.name === path.backend.service.name);
                    assert.ok(service, `${ing.inputs.metadata.name} routes to a missing Service`);
                    assert.ok(service.inputs.spec.ports.some((p: any) => p.name === path.backend.service.port.name));
                    const name = path.backend.service.name.replace(/-canary$/, "");
                    const policy = objects(ev, T.networkPolicy, ns).find((p) => p.inputs.metadata.name === `allow-${name}`);
                    assert.ok(policy?.inputs.spec.ingress.some((r: any) => r.from.some((f: any) =>
                        f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx")), `${name} unreachable from ingress-nginx`);
                }
            }
        });

        it("never sets replicas on a Deployment an HPA targets, and every HPA targets a Deployment of the stack", () => {
            for (const hpa of objects(ev, T.hpa)) {
                const target = objects(ev, T.deployment, hpa.inputs.metadata.namespace)
                    .find((d) => d.inputs.metadata.name === hpa.inputs.spec.scaleTargetRef.name);
                assert.ok(target, `${hpa.inputs.metadata.name} targets nothing`);
                assert.equal(target.inputs.spec.replicas, undefined, `${target.inputs.metadata.name} sets replicas under an HPA`);
                assert.ok(hpa.inputs.spec.behavior.scaleUp && hpa.inputs.spec.behavior.scaleDown);
                assert.deepEqual(hpa.inputs.spec.metrics.map((m: any) => m.resource.name).sort(), ["cpu", "memory"]);
            }
            for (const d of objects(ev, T.deployment)) {
                if (d.inputs.spec.replicas === undefined) {
                    assert.ok(hpaFor(ev, d), `${d.inputs.metadata.name} has neither replicas nor an HPA`);
                }
            }
        });

        it("wires selectors from one label set: workloads, Services, PDBs and ServiceMonitors, with the version label on templates only", () => {
            const all = workloads(ev).filter((r) => r.type === T.deployment || r.type === T.statefulSet);
            for (const w of all) {
                const selector = w.inputs.spec.selector.matchLabels;
                const template = podTemplate(w).metadata.labels;
                assert.ok(selects(selector, template), `${w.inputs.metadata.name}: selector does not match its template`);
                assert.equal(selector["app.kubernetes.io/version"], undefined, `${w.inputs.metadata.name}: version in a selector`);
                for (const key of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/part-of", "app.kubernetes.io/version"]) {
                    assert.ok(template[key], `${w.inputs.metadata.name}: template lacks ${key}`);
                    assert.ok(w.inputs.metadata.labels[key], `${w.inputs.metadata.name}: object lacks ${key}`);
                }
                const pdb = objects(ev, T.pdb, w.inputs.metadata.namespace).find((p) => selects(p.inputs.spec.selector.matchLabels, template));
                assert.ok(pdb, `${w.inputs.metadata.name} has no PodDisruptionBudget`);
                assert.equal(pdb.inputs.spec.maxUnavailable, 1);
            }
            for (const svc of objects(ev, T.service).filter((s) => s.inputs.spec.selector)) {
                const ns = svc.inputs.metadata.namespace;
                assert.ok(all.some((w) => w.inputs.metadata.namespace === ns && selects(svc.inputs.spec.selector, podTemplate(w).metadata.labels)),
                    `Service ${svc.inputs.metadata.name} selects no pods`);
            }
            for (const sm of objects(ev, T.serviceMonitor)) {
                const ns = sm.inputs.metadata.namespace;
                assert.ok(objects(ev, T.service, ns).some((s) => selects(sm.inputs.spec.selector.matchLabels, s.inputs.metadata.labels)),
                    `ServiceMonitor ${sm.inputs.metadata.name} selects no Service`);
            }
        });

        it("terminates TLS on every Ingress with a certificate from the stack's ClusterIssuer", () => {
            const ingresses = objects(ev, T.ingress);
            assert.ok(ingresses.length >= 4);
            const secretNames = new Set<string>();
            for (const ing of ingresses) {
                const spec = ing.inputs.spec;
                assert.equal(spec.ingressClassName, "nginx");
                assert.equal(ing.inputs.metadata.annotations["cert-manager.io/cluster-issuer"], configured(stack, "clusterIssuer"));
                for (const rule of spec.rules) {
                    assert.ok(spec.tls.some((t: any) => t.hosts.includes(rule.host) && t.secretName), `${ing.inputs.metadata.name}: ${rule.host} without TLS`);
                }
                for (const t of spec.tls) {
                    const key = `${ing.inputs.metadata.namespace}/${t.secretName}`;
                    assert.ok(!secretNames.has(key), `${key} is claimed by two Ingresses (cert-manager would fight over it)`);
                    secretNames.add(key);
                }
                assert.equal(spec.defaultBackend, undefined);
            }
        });

        it("gives every pod a PriorityClass of the platform: stores evicted last, jobs first and never preempting", () => {
            const classes = new Map(objects(ev, "kubernetes:scheduling.k8s.io/v1:PriorityClass")
                .map((c) => [c.inputs.metadata.name, c.inputs]));
            assert.ok(classes.size >= 3);
            for (const r of workloads(ev)) {
                const name = podTemplate(r).spec.priorityClassName;
                const cls = classes.get(name);
                assert.ok(cls, `${r.type.split(":").pop()} ${r.inputs.metadata.name} has no PriorityClass of the platform (${name})`);
                if (r.type.endsWith(":CronJob") || r.type.endsWith(":Job")) {
                    assert.equal(cls.preemptionPolicy, "Never", `${r.inputs.metadata.name}: batch work must not preempt`);
                }
            }
            const value = (kind: string) => Math.min(...workloads(ev).filter((r) => r.type.endsWith(`:${kind}`))
                .map((r) => classes.get(podTemplate(r).spec.priorityClassName)!.value));
            const deployments = workloads(ev).filter((r) => r.type.endsWith(":Deployment"))
                .map((r) => classes.get(podTemplate(r).spec.priorityClassName)!.value);
            assert.ok(value("StatefulSet") > Math.max(...deployments), "stores must outrank services");
        });

        it("keeps secret values in Secrets only: never in a ConfigMap, an env literal or a non-secret field", () => {
            const secrets = secretValues(ev);
            assert.ok(secrets.size >= 10);
            for (const s of objects(ev, T.secret).filter((x) => !PLATFORM_NAMESPACES.includes(x.inputs.metadata.namespace))) {
                const keys = Object.keys(secretEntries(s));
                // A service-account token Secret is filled by the cluster's token controller, not by us.
                const filledByCluster = s.inputs.type === "kubernetes.io/service-account-token";
                assert.ok(keys.length > 0 || filledByCluster, `${s.inputs.metadata.name} holds nothing`);
                for (const key of keys) {
                    assert.ok(isSecretAt(s, `data.${key}`), `${s.inputs.metadata.name}.${key} travels in plain text`);
                }
            }
            for (const cm of objects(ev, T.configMap)) {
                const text = JSON.stringify(cm.inputs.data ?? {});
                for (const v of secrets) {
                    assert.ok(!text.includes(v), `ConfigMap ${cm.inputs.metadata.name} holds a secret value`);
                }
            }
            const credentialName = /(^|_)(PASSWORD|SECRET|TOKEN|API_?KEY|DSN|URI|URL)($|_)/;
            for (const r of workloads(ev)) {
                for (const c of containers(r)) {
                    for (const e of c.env ?? []) {
                        if (e.value !== undefined) {
                            assert.ok(!secrets.has(e.value), `${r.inputs.metadata.name}/${c.name} ${e.name} is a literal secret`);
                            if (credentialName.test(e.name) && /PASSWORD|SECRET|TOKEN|KEY|DSN/.test(e.name)) {
                                assert.fail(`${r.inputs.metadata.name}/${c.name} sets ${e.name} as a literal`);
                            }
                        }
                    }
                }
            }
            for (const r of ev.resources) {
                const visible = visibleInputs(r);
                for (const v of secrets) {
                    assert.ok(!visible.includes(v), `${r.type} ${r.name} carries a secret value in plain text`);
                }
            }
        });

        it("names an explicit, non-latest tag on every image; our own images are semantic versions in prod", () => {
            for (const r of workloads(ev)) {
                for (const c of containers(r)) {
                    const tag = /:([^/:@]+)$/.exec(c.image)?.[1];
                    assert.ok(tag && tag !== "latest", `${r.inputs.metadata.name}/${c.name}: ${c.image}`);
                    const own = /^(registry\.gitlab\.com|ghcr\.io)\//.test(c.image);
                    if (stack === "prod" && own) {
                        assert.match(tag, /^v?\d+\.\d+\.\d+$/, `${c.image} is not a semantic version`);
                    }
                }
            }
        });

        it("documents every exemption with a reason, and uses none for privileges or host access", () => {
            // namespace-pss-label: only Harvis AI's CI namespace (baseline for kaniko builds).
            const allowed = new Set(["min-replicas", "exposed-needs-pdb", "image-tag-pinned", "netpol-coverage", "namespace-pss-label", "no-sa-token-automount"]);
            const platformObject = (r: { type: string; inputs: any }) =>
                PLATFORM_NAMESPACE_NAMES.includes(r.type === T.namespace ? r.inputs.metadata?.name : r.inputs.metadata?.namespace);
            for (const r of ev.resources.filter((x) => !platformObject(x))) {
                for (const [key, reason] of Object.entries(r.inputs.metadata?.annotations ?? {})) {
                    if (!key.startsWith(EXEMPT)) continue;
                    const policy = key.slice(EXEMPT.length);
                    assert.ok(allowed.has(policy), `${r.name} is exempt from ${policy}`);
                    if (policy === "no-sa-token-automount") {
                        // Only a workload bound to its own Role mounts a token, and the reason names that Role.
                        const account = r.inputs.spec.template.spec.serviceAccountName;
                        const role = ev.resources.find((x) => x.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" &&
                            x.inputs.metadata.name === account && x.inputs.metadata.namespace === r.inputs.metadata.namespace);
                        assert.ok(role, `${r.name} mounts a token but has no Role ${account} in its namespace`);
                        assert.match(String(reason), new RegExp(`bound to Role ${account} in its own namespace`));
                    }
                    if (policy === "namespace-pss-label") {
                        assert.equal(r.inputs.metadata.name, "gitlab-runner");
                        assert.equal(r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
                    }
                    assert.ok(String(reason).length >= 20, `${r.name}: the reason for ${policy} is too short`);
                }
            }
        });
    });
}
