/**
 * The platform layer of every stack, evaluated offline with the stack's real configuration.
 * Expected values come from the requirements (README.md "Design notes", the chart pins' reasons
 * in components/platform/charts.ts) and from
 * the stack files, never from the components under test.
 */
import { strict as assert } from "assert";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { toK8sObject } from "../../tools/plan/k8s";
import {
    configured, evaluateWith, isSecretAt, ofType, one, release, RELEASE, secretValues, stackEvaluation, STACKS, StackName, visibleInputs, secretEntries } from "../helpers/stacks";

/** Where each add-on must come from (maintained upstream repositories). */
const REQUIRED_REPOSITORIES: Record<string, string> = {
    "cert-manager": "https://charts.jetstack.io",
    "ingress-nginx": "https://kubernetes.github.io/ingress-nginx",
    "prometheus-operator-crds": "https://prometheus-community.github.io/helm-charts",
    "kube-prometheus-stack": "https://prometheus-community.github.io/helm-charts",
    loki: "https://grafana-community.github.io/helm-charts",
    alloy: "https://grafana.github.io/helm-charts",
};

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const NAMESPACE = "kubernetes:core/v1:Namespace";

function dependsOn(dependent: RecordedResource, dependency: RecordedResource): boolean {
    return dependent.dependencies.includes(dependency.urn);
}

/** A Helm release's namespace, or a namespaced object's (none for cluster-scoped kinds, whatever they state). */
function namespaceOf(r: RecordedResource): string {
    return r.inputs.namespace ?? (toK8sObject(r)?.namespace || undefined);
}

for (const stack of STACKS) {
    describe(`platform (${stack} stack)`, () => {
        let ev: StackEvaluation;
        before(async () => {
            ev = await stackEvaluation(stack);
        });

        describe("Helm add-ons", () => {
            for (const chart of Object.keys(REQUIRED_REPOSITORIES)) {
                it(`installs ${chart} from its upstream repository with an exact version, an explicit name and a timeout`, () => {
                    const r = release(ev, chart);
                    assert.match(r.inputs.version, EXACT_VERSION, `${chart} version must be an exact pin`);
                    assert.equal(r.inputs.repositoryOpts?.repo, REQUIRED_REPOSITORIES[chart]);
                    assert.ok(r.inputs.name, `${chart} needs an explicit release name`);
                    assert.ok(r.inputs.timeout >= 600, `${chart} timeout ${r.inputs.timeout}s is below 600s`);
                    assert.notEqual(r.inputs.skipAwait, true, `${chart} must let Helm wait for readiness`);
                    assert.equal(r.inputs.createNamespace, false, "namespaces are managed by the stack, not Helm");
                });
            }

            it("installs each add-on into its own platform namespace", () => {
                assert.equal(namespaceOf(release(ev, "cert-manager")), "cert-manager");
                assert.equal(namespaceOf(release(ev, "ingress-nginx")), "ingress-nginx");
                assert.equal(namespaceOf(release(ev, "kube-prometheus-stack")), "monitoring");
                assert.equal(namespaceOf(release(ev, "loki")), "logging");
                assert.equal(namespaceOf(release(ev, "alloy")), "logging");
            });

            it("gives kube-prometheus-stack a longer timeout than the default 600 s", () => {
                assert.ok(release(ev, "kube-prometheus-stack").inputs.timeout >= 900);
            });
        });

        describe("ordering", () => {
            it("installs cert-manager after the monitoring CRDs (its ServiceMonitor needs them)", () => {
                assert.ok(dependsOn(release(ev, "cert-manager"), release(ev, "prometheus-operator-crds")));
            });
            it("creates both ClusterIssuers after the cert-manager release", () => {
                for (const issuer of ofType(ev, CLUSTER_ISSUER)) {
                    assert.ok(dependsOn(issuer, release(ev, "cert-manager")), issuer.name);
                }
            });
            it("states a namespace on each ClusterIssuer, the one the provider assumes while the CRDs are missing, so up --plan matches the saved plan whether or not they exist by then", () => {
                for (const issuer of ofType(ev, CLUSTER_ISSUER)) {
                    assert.equal(issuer.inputs.metadata.namespace, "default", issuer.name);
                }
            });
            it("installs ingress-nginx after the CRDs and the ClusterIssuers", () => {
                const ingress = release(ev, "ingress-nginx");
                assert.ok(dependsOn(ingress, release(ev, "prometheus-operator-crds")));
                for (const issuer of ofType(ev, CLUSTER_ISSUER)) {
                    assert.ok(dependsOn(ingress, issuer), issuer.name);
                }
            });
            it("installs kube-prometheus-stack after the CRDs, ingress-nginx and the issuers", () => {
                const kps = release(ev, "kube-prometheus-stack");
                assert.ok(dependsOn(kps, release(ev, "prometheus-operator-crds")));
                assert.ok(dependsOn(kps, release(ev, "ingress-nginx")));
                for (const issuer of ofType(ev, CLUSTER_ISSUER)) {
                    assert.ok(dependsOn(kps, issuer), issuer.name);
                }
            });
            it("installs Loki after kube-prometheus-stack and Alloy after Loki", () => {
                assert.ok(dependsOn(release(ev, "loki"), release(ev, "kube-prometheus-stack")));
                assert.ok(dependsOn(release(ev, "alloy"), release(ev, "loki")));
            });
            it("creates every namespaced object after its Namespace", () => {
                const namespaces = new Map(ofType(ev, NAMESPACE).map((n) => [n.inputs.metadata.name, n]));
                const namespaced = ev.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && namespaceOf(r));
                assert.ok(namespaced.length > 0);
                for (const r of namespaced) {
                    const namespace = namespaces.get(namespaceOf(r));
                    assert.ok(namespace, `${r.type} ${r.name} targets a namespace the stack does not create`);
                    assert.ok(dependsOn(r, namespace), `${r.type} ${r.name} does not depend on its Namespace`);
                }
            });
        });

        describe("cert-manager and the Let's Encrypt ClusterIssuers", () => {
            it("keeps its CRDs on uninstall, monitors itself and waits longer for its API check", () => {
                const values = release(ev, "cert-manager").inputs.values;
                assert.deepEqual(values.crds, { enabled: true, keep: true });
                assert.equal(values.prometheus.servicemonitor.enabled, true);
                assert.notEqual(values.startupapicheck.timeout, "1m");
            });

            it("runs controller, webhook and cainjector at the configured replicas, with PDBs above one", () => {
                const values = release(ev, "cert-manager").inputs.values;
                const replicas = configured(stack, "certManagerReplicas");
                for (const part of [values, values.webhook, values.cainjector]) {
                    assert.equal(part.replicaCount, replicas);
                    assert.equal(part.podDisruptionBudget.enabled, replicas > 1);
                    assert.ok(part.resources?.requests?.cpu && part.resources?.requests?.memory, "requests must be set");
                }
            });

            it("has a staging and a production issuer, both solving HTTP-01 through the nginx class", () => {
                const issuers = ofType(ev, CLUSTER_ISSUER);
                const servers = Object.fromEntries(issuers.map((i) => [i.inputs.metadata.name, i.inputs.spec.acme.server]));
                assert.deepEqual(servers, {
                    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
                    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
                });
                for (const issuer of issuers) {
                    assert.equal(issuer.inputs.spec.acme.email, configured(stack, "acmeEmail"));
                    assert.deepEqual(issuer.inputs.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
                }
                const keys = issuers.map((i) => i.inputs.spec.acme.privateKeySecretRef.name);
                assert.equal(new Set(keys).size, 2, "each issuer needs its own ACME account key");
            });
        });

        describe("ingress-nginx", () => {
            it("runs the configured replicas with a PDB and exposes metrics to Prometheus", () => {
                const controller = release(ev, "ingress-nginx").inputs.values.controller;
                assert.equal(controller.replicaCount, configured(stack, "ingressReplicas"));
                assert.equal(controller.minAvailable, 1);
                assert.equal(controller.metrics.enabled, true);
                assert.equal(controller.metrics.serviceMonitor.enabled, true);
            });
            it("turns snippet annotations off and keeps the annotation risk level at High", () => {
                const controller = release(ev, "ingress-nginx").inputs.values.controller;
                assert.equal(controller.allowSnippetAnnotations, false);
                assert.equal(controller.config["annotations-risk-level"], "High");
            });
            it("sets requests and limits from the stack and the configured Service", () => {
                const controller = release(ev, "ingress-nginx").inputs.values.controller;
                assert.equal(controller.resources.requests.cpu, String(configured(stack, "ingressCpuRequest")));
                assert.equal(controller.resources.requests.memory, configured(stack, "ingressMemoryRequest"));
                assert.equal(controller.resources.limits.memory, configured(stack, "ingressMemoryLimit"));
                assert.equal(controller.service.type, configured(stack, "ingressServiceType"));
                if (controller.service.type !== "ClusterIP") {
                    assert.equal(controller.service.externalTrafficPolicy, configured(stack, "ingressExternalTrafficPolicy"));
                }
            });
            if (stack === "prod") {
                it("keeps client IPs in prod (externalTrafficPolicy Local) and spreads replicas over nodes", () => {
                    const controller = release(ev, "ingress-nginx").inputs.values.controller;
                    assert.equal(controller.service.externalTrafficPolicy, "Local");
                    assert.ok(controller.replicaCount >= 2);
                    assert.equal(controller.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
                });
            }
        });

        describe("monitoring", () => {
            it("leaves CRDs to the prometheus-operator-crds release and selects monitors from every release", () => {
                const values = release(ev, "kube-prometheus-stack").inputs.values;
                assert.equal(values.crds.enabled, false);
                const spec = values.prometheus.prometheusSpec;
                for (const flag of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                    assert.equal(spec[`${flag}SelectorNilUsesHelmValues`], false, flag);
                }
            });
            it("applies the stack's retention, size cap, storage and resources to Prometheus", () => {
                const spec = release(ev, "kube-prometheus-stack").inputs.values.prometheus.prometheusSpec;
                assert.equal(spec.replicas, configured(stack, "prometheusReplicas"));
                assert.equal(spec.retention, configured(stack, "prometheusRetention"));
                assert.equal(spec.retentionSize ?? "", configured(stack, "prometheusRetentionSize"));
                const storage = configured(stack, "prometheusStorageSize");
                assert.equal(spec.storageSpec?.volumeClaimTemplate.spec.resources.requests.storage ?? "", storage);
                if (storage) {
                    assert.equal(spec.storageSpec.volumeClaimTemplate.spec.storageClassName, configured(stack, "storageClass"));
                }
                assert.equal(spec.resources.requests.memory, configured(stack, "prometheusMemoryRequest"));
                assert.equal(spec.resources.limits.memory, configured(stack, "prometheusMemoryLimit"));
            });
            it("takes Grafana's admin credentials from a generated Secret, not from values", () => {
                const values = release(ev, "kube-prometheus-stack").inputs.values;
                assert.equal(values.grafana.adminPassword, undefined);
                const secretName = values.grafana.admin.existingSecret;
                const secret = one(ev, "kubernetes:core/v1:Secret", (s) => s.inputs.metadata.name === secretName);
                assert.equal(secret.inputs.metadata.namespace, "monitoring");
                assert.ok(isSecretAt(secret, `data.${values.grafana.admin.passwordKey}`), "the password must be secret");
                assert.ok(ofType(ev, "random:index/randomPassword:RandomPassword").length >= 1);
                assert.ok(secretEntries(secret)[values.grafana.admin.passwordKey].length >= 24);
            });
            it("serves Grafana on the configured host over TLS from the stack's ClusterIssuer", () => {
                const ingress = release(ev, "kube-prometheus-stack").inputs.values.grafana.ingress;
                const host = configured(stack, "grafanaHost");
                assert.equal(ingress.enabled, true);
                assert.deepEqual(ingress.hosts, [host]);
                assert.deepEqual(ingress.tls[0].hosts, [host]);
                assert.ok(ingress.tls[0].secretName);
                assert.equal(ingress.annotations["cert-manager.io/cluster-issuer"], configured(stack, "clusterIssuer"));
                assert.equal(ingress.ingressClassName, "nginx");
            });
            it("adds Loki as a Grafana data source at the Loki release's Service", () => {
                const values = release(ev, "kube-prometheus-stack").inputs.values;
                const loki = release(ev, "loki");
                const source = values.grafana.additionalDataSources.find((d: any) => d.type === "loki");
                assert.equal(source.url, `http://${loki.inputs.name}.${loki.inputs.namespace}.svc.cluster.local:3100`);
            });
            it("mounts the Slack and Discord webhooks into Alertmanager from a Secret and routes alerts to the stack's channel", () => {
                const am = release(ev, "kube-prometheus-stack").inputs.values.alertmanager;
                const [secretName] = am.alertmanagerSpec.secrets;
                const secret = one(ev, "kubernetes:core/v1:Secret", (s) => s.inputs.metadata.name === secretName);
                for (const key of Object.keys(secretEntries(secret))) {
                    assert.ok(isSecretAt(secret, `data.${key}`), `${key} must be secret`);
                }
                const receivers = am.config.receivers.filter((r: any) => r.slack_configs || r.discord_configs);
                assert.ok(receivers.length > 0);
                for (const receiver of receivers) {
                    for (const slack of receiver.slack_configs ?? []) {
                        assert.equal(slack.api_url, undefined);
                        assert.ok(slack.api_url_file.startsWith(`/etc/alertmanager/secrets/${secretName}/`));
                        assert.ok(Object.keys(secretEntries(secret)).includes(slack.api_url_file.split("/").pop()));
                        assert.equal(slack.channel, configured(stack, "alertSlackChannel"));
                    }
                    for (const discord of receiver.discord_configs ?? []) {
                        assert.equal(discord.webhook_url, undefined);
                        assert.ok(discord.webhook_url_file.startsWith(`/etc/alertmanager/secrets/${secretName}/`));
                    }
                }
                const watchdog = am.config.route.routes.find((r: any) => JSON.stringify(r.matchers).includes("Watchdog"));
                assert.equal(watchdog.receiver, "null", "the Watchdog heartbeat must not page anyone");
                assert.equal(am.alertmanagerSpec.replicas, configured(stack, "alertmanagerReplicas"));
            });
        });

        describe("logging", () => {
            it("runs Loki monolithic on a filesystem volume, single tenant, with compactor retention from the stack", () => {
                const values = release(ev, "loki").inputs.values;
                assert.match(values.deploymentMode, /^(Monolithic|SingleBinary)$/);
                assert.equal(values.loki.auth_enabled, false);
                assert.equal(values.loki.storage.type, "filesystem");
                assert.equal(values.loki.limits_config.retention_period, configured(stack, "lokiRetention"));
                assert.equal(values.loki.compactor.retention_enabled, true);
                assert.equal(values.singleBinary.persistence.size, configured(stack, "lokiStorageSize"));
                assert.equal(values.singleBinary.persistence.storageClass, configured(stack, "storageClass"));
                for (const scaled of ["read", "write", "backend"]) {
                    assert.equal(values[scaled].replicas, 0, scaled);
                }
                assert.equal(values.chunksCache.enabled, false, "the 8 GiB default chunks cache would not fit");
            });
            it("ships pod logs with an Alloy DaemonSet to Loki's push endpoint", () => {
                const values = release(ev, "alloy").inputs.values;
                const loki = release(ev, "loki");
                assert.equal(values.controller.type, "daemonset");
                assert.ok(values.alloy.configMap.content.includes(
                    `http://${loki.inputs.name}.${loki.inputs.namespace}.svc.cluster.local:3100/loki/api/v1/push`));
                assert.match(values.alloy.configMap.content, /discovery\.kubernetes/);
            });
        });

        describe("namespaces", () => {
            it("creates at least eight namespaces: the platform's and every product's", () => {
                const names = ofType(ev, NAMESPACE).map((n) => n.inputs.metadata.name);
                assert.ok(names.length >= 8, `only ${names.length} namespaces`);
                for (const platformNamespace of ["cert-manager", "ingress-nginx", "monitoring", "logging"]) {
                    assert.ok(names.includes(platformNamespace), platformNamespace);
                }
            });
            it("labels every namespace for Pod Security admission, environment and team", () => {
                for (const ns of ofType(ev, NAMESPACE)) {
                    const labels = ns.inputs.metadata.labels;
                    assert.match(labels["pod-security.kubernetes.io/enforce"], /^(privileged|baseline|restricted)$/);
                    assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
                    assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
                    assert.equal(labels["ai-platform.io/environment"], configured(stack, "environment"));
                    assert.ok(labels["ai-platform.io/team"], `${ns.name} has no team`);
                }
            });
            it("enforces restricted on every product namespace and explains every exception", () => {
                for (const ns of ofType(ev, NAMESPACE)) {
                    const labels = ns.inputs.metadata.labels;
                    if (labels["ai-platform.io/product"] !== "platform") {
                        // Harvis AI's CI namespace builds images with kaniko (root in its container):
                        // baseline, never privileged; every other product namespace is restricted.
                        const allowed = ns.inputs.metadata.name === "gitlab-runner" ? ["restricted", "baseline"] : ["restricted"];
                        assert.ok(allowed.includes(labels["pod-security.kubernetes.io/enforce"]), ns.name);
                    }
                    if (labels["pod-security.kubernetes.io/enforce"] !== "restricted") {
                        const reason = ns.inputs.metadata.annotations?.["policy.ai-platform.io/exempt-namespace-pss-label"];
                        assert.ok(reason && reason.length >= 10, `${ns.name} lacks a reason the policy pack can report`);
                    }
                }
            });
            it("denies all traffic by default in every platform namespace, allowing DNS and the add-ons' flows", () => {
                const policies = ofType(ev, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
                for (const namespace of ["cert-manager", "ingress-nginx", "monitoring", "logging"]) {
                    const inNamespace = policies.filter((p) => p.inputs.metadata.namespace === namespace);
                    const deny = inNamespace.find((p) => JSON.stringify(p.inputs.spec.podSelector) === "{}" &&
                        !p.inputs.spec.ingress && !p.inputs.spec.egress);
                    assert.ok(deny, `${namespace} has no default-deny policy`);
                    assert.deepEqual([...deny.inputs.spec.policyTypes].sort(), ["Egress", "Ingress"]);
                    const dns = inNamespace.find((p) => (p.inputs.spec.egress ?? []).some((rule: any) =>
                        (rule.ports ?? []).some((port: any) => port.port === 53 && port.protocol === "UDP")));
                    assert.ok(dns, `${namespace} pods cannot resolve names`);
                }
                const ingressAllows = policies.filter((p) => p.inputs.metadata.namespace === "ingress-nginx" && p.inputs.spec.ingress);
                const publicPorts = ingressAllows.flatMap((p) => p.inputs.spec.ingress)
                    .filter((rule: any) => rule.from.some((peer: any) => peer.ipBlock?.cidr === "0.0.0.0/0"))
                    .flatMap((rule: any) => rule.ports.map((port: any) => port.port));
                assert.deepEqual(publicPorts.sort(), [443, 80], "only HTTP and HTTPS are open to the world");
                const webhookRule = ingressAllows.flatMap((p) => p.inputs.spec.ingress)
                    .find((rule: any) => rule.ports.some((port: any) => port.port === 8443));
                assert.deepEqual(webhookRule.from.map((peer: any) => peer.ipBlock.cidr), configured(stack, "kubeApiServerCidrs"),
                    "the admission webhook is reachable from the API server only");
            });

            it("lets ingress-nginx reach cert-manager's HTTP-01 solver for Grafana's certificate in monitoring", () => {
                const solver = ofType(ev, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) =>
                    p.inputs.metadata.namespace === "monitoring" &&
                    p.inputs.spec.podSelector?.matchLabels?.["acme.cert-manager.io/http01-solver"] === "true");
                assert.ok(solver, "Grafana's certificate could never be issued behind the default deny");
                const rule = solver.inputs.spec.ingress[0];
                assert.deepEqual(rule.ports, [{ port: 8089, protocol: "TCP" }]);
                assert.equal(rule.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"], "ingress-nginx");
            });

            it("protects every namespace from deletion exactly when the stack protects its data", () => {
                const protectData = configured(stack, "dataProtection") === true;
                for (const ns of ofType(ev, NAMESPACE)) {
                    assert.equal(ns.protect, protectData, ns.name);
                }
            });

            it("creates the namespaces of the products the stack deploys", () => {
                const names = ofType(ev, NAMESPACE).map((n) => n.inputs.metadata.name);
                const env = configured(stack, "environment");
                const expected: Record<string, string> = {
                    chatbot: `chatbot-${env}`,
                    "quickspin-ai": "quickspin-ai",
                    "soundcore-kcp": `soundcore-kcp-${env}`,
                    "harvis-ai": env === "prod" ? "ai-agents" : `ai-agents-${env}`,
                };
                for (const product of configured(stack, "products") as string[]) {
                    if (expected[product]) {
                        assert.ok(names.includes(expected[product]), `${product} namespace ${expected[product]} missing`);
                    }
                }
            });
        });

        describe("secrets", () => {
            it("never puts a secret value into a Helm release or a non-secret field", () => {
                const secrets = secretValues(ev);
                assert.ok(secrets.size >= 3, "expected the generated password and the webhook URLs to be secret");
                for (const r of ev.resources) {
                    const visible = visibleInputs(r);
                    for (const secret of secrets) {
                        assert.ok(!visible.includes(secret), `${r.type} ${r.name} carries a secret value in plain text`);
                    }
                }
                const outputs = JSON.stringify(ev.outputs);
                for (const secret of secrets) {
                    assert.ok(!outputs.includes(secret), "a stack output carries a secret value");
                }
            });
            it("only uses the Kubernetes provider built from the stack's kube context", () => {
                const providers = ofType(ev, "pulumi:providers:kubernetes");
                assert.equal(providers.length, 1);
                assert.equal(providers[0].inputs.context, configured(stack, "kubeContext"));
                const k8sResources = ev.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
                for (const r of k8sResources) {
                    assert.ok(r.provider.startsWith(providers[0].urn), `${r.type} ${r.name} does not use the stack's provider`);
                }
                assert.ok(ofType(ev, RELEASE).length >= 6);
            });
        });
    });
}

describe("chart repository mirror (helmRepositoryMirror)", () => {
    /** Each chart's own repository: the add-ons' above, and GitLab's for the runner. */
    const OWN_REPOSITORIES: Record<string, string> = { ...REQUIRED_REPOSITORIES, "gitlab-runner": "https://charts.gitlab.io" };

    it("is unset in every committed stack, so every release comes from its chart's own repository", async () => {
        for (const stack of STACKS) {
            assert.equal(configured(stack, "helmRepositoryMirror"), "", stack);
            for (const r of ofType(await stackEvaluation(stack), RELEASE)) {
                assert.equal(r.inputs.repositoryOpts?.repo, OWN_REPOSITORIES[r.inputs.chart], `${stack}: ${r.inputs.chart}`);
            }
        }
    });

    const mirrors: Array<[StackName, string]> = [
        // prod installs every chart, the runner's included; dev takes the e2e tier's loopback http repository.
        ["prod", "https://artifactory.example.com/artifactory/api/helm/helm-virtual"],
        ["dev", "http://127.0.0.1:8879"],
    ];
    for (const [stack, mirror] of mirrors) {
        it(`installs every ${stack} release from a mirror when one is set (${mirror}), same charts and versions`, async () => {
            const own = ofType(await stackEvaluation(stack), RELEASE);
            const mirrored = ofType(await evaluateWith(stack, { helmRepositoryMirror: mirror }), RELEASE);
            assert.deepEqual(mirrored.map((r) => r.inputs.chart).sort(), own.map((r) => r.inputs.chart).sort());
            for (const r of mirrored) {
                assert.equal(r.inputs.repositoryOpts?.repo, mirror, r.inputs.chart);
                const before = own.find((o) => o.inputs.chart === r.inputs.chart)!;
                assert.equal(r.inputs.version, before.inputs.version, `${r.inputs.chart} version`);
                assert.equal(r.inputs.name, before.inputs.name, `${r.inputs.chart} release name`);
            }
        });
    }
});
