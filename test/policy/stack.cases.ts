/** Wiring, hygiene, networking, data protection, platform, GitLab and exemption-annotation policies. */
import { caseSuites, defineCases } from "./cases";
import { broken, compliantStack, container, edit, find, NS, podSpec, rec, Rec, UNKNOWN, without } from "./fixtures";

/** Registered by the test file of the same name; counted by the coverage check in config.test.ts. */
const { suites, suite } = caseSuites();
export const SUITES = suites;

const add = (...rs: Rec[]) => () => [...compliantStack(), ...rs];
const ann = (name: string, annotations: Record<string, string>) => () =>
    edit(compliantStack(), name, (w) => { w.metadata.annotations = { ...(w.metadata.annotations ?? {}), ...annotations }; });

suite("wiring and hygiene policies", () => {
    defineCases("workload-wiring", [
        { title: "selector does not match the template", resources: () => broken("web", (w) => { w.spec.selector.matchLabels["app.kubernetes.io/name"] = "webx"; }),
            expect: ["Deployment shop/web (spec.selector)", "does not select its own pod template labels"], on: "web" },
        { title: "StatefulSet serviceName missing from the stack", resources: () => without(compliantStack(), "db-headless"),
            expect: ["StatefulSet shop/db (spec.serviceName) names Service shop/db-headless, which is not in this stack"] },
        { title: "StatefulSet serviceName not headless", resources: () => broken("db", (w) => { w.spec.serviceName = "web"; }), expect: ["names Service shop/web, which is not headless"] },
        { title: "Recreate strategy", resources: () => broken("web", (w) => { w.spec.strategy = { type: "Recreate" }; }), expect: ["(spec.strategy.type) is Recreate"] },
        { title: "Recreate is accepted with a ReadWriteOnce claim", resources: () => broken("web", (w) => { w.spec.strategy = { type: "Recreate" }; podSpec(w).volumes.push({ name: "data", persistentVolumeClaim: { claimName: "web-data" } }); }) },
    ]);
    defineCases("cronjob-safety", [
        { title: "no startingDeadlineSeconds", resources: () => broken("db-backup", (w) => { delete w.spec.startingDeadlineSeconds; }), expect: ["CronJob shop/db-backup (spec.startingDeadlineSeconds) is not set"] },
        { title: "restartPolicy Always", resources: () => broken("db-backup", (w) => { podSpec(w).restartPolicy = "Always"; }), expect: ["spec.jobTemplate.spec.template.spec.restartPolicy) is Always"] },
        { title: "Job without restartPolicy", resources: add(rec("kubernetes:batch/v1:Job", "migrate", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: NS }, spec: { template: { spec: { containers: [] } } } })),
            expect: ["Job shop/migrate (spec.template.spec.restartPolicy) is not set"] },
    ]);
    defineCases("env-no-dup-keys", [
        { title: "duplicate env name", resources: () => broken("web", (w) => { container(w).env.push({ name: "LOG_LEVEL", value: "debug" }); }), expect: ["env[3].name) \"LOG_LEVEL\" repeats env[0]"] },
    ]);
    defineCases("labels", [
        { title: "missing recommended labels", level: "advisory", resources: () => broken("web", (w) => { delete w.metadata.labels["app.kubernetes.io/part-of"]; delete w.metadata.labels["app.kubernetes.io/version"]; }),
            expect: ["Deployment shop/web (metadata.labels) lacks app.kubernetes.io/version, app.kubernetes.io/part-of"] },
        { title: "invalid label value", resources: () => edit(compliantStack(), "web-config", (w) => { w.metadata.labels.team = "shop team"; }), expect: ["team=\"shop team\" is not a valid label value"] },
        { title: "instance label differs on the template", resources: () => broken("web", (w) => { w.spec.template.metadata.labels["app.kubernetes.io/instance"] = "other"; }),
            expect: ["label app.kubernetes.io/instance is \"web-test\" on the object but \"other\" on its pod template"] },
    ]);
    defineCases("no-default-namespace", [
        { title: "namespace default", resources: () => edit(compliantStack(), "web-config", (w) => { w.metadata.namespace = "default"; }), expect: ["ConfigMap default/web-config (metadata.namespace) is default"] },
        { title: "namespace unset", resources: () => broken("web", (w) => { delete w.metadata.namespace; }), expect: ["Deployment web (metadata.namespace) is not set"] },
    ]);
    defineCases("stable-apis", [
        { title: "policy/v1beta1 PDB", resources: () => edit(compliantStack(), "web-pdb", (w, r) => { r.type = "kubernetes:policy/v1beta1:PodDisruptionBudget"; w.apiVersion = "policy/v1beta1"; }),
            expect: ["uses the deprecated or removed API policy/v1beta1", "use policy/v1"] },
        { title: "alpha CRD", resources: add(rec("kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "amc", { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: { name: "amc", namespace: NS } })),
            expect: ["uses the pre-release API monitoring.coreos.com/v1alpha1"] },
        { title: "allowlisted pre-release API", config: { allowedPreReleaseApis: ["monitoring.coreos.com/v1alpha1"] },
            resources: add(rec("kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "amc", { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: { name: "amc", namespace: NS } })) },
    ]);
});

suite("networking policies", () => {
    defineCases("netpol-coverage", [
        { title: "pods without ingress isolation", resources: () => without(compliantStack(), "default-deny"),
            expect: ["CronJob shop/db-backup: no NetworkPolicy in namespace shop isolates its pods for Ingress."], on: "db-backup" },
        { title: "pods without egress isolation", resources: () => without(compliantStack(), "default-deny", "allow-dns"),
            expect: ["StatefulSet shop/db: no NetworkPolicy in namespace shop isolates its pods for Egress"], on: "db" },
        { title: "pods without any policy", resources: () => without(compliantStack(), "default-deny", "allow-dns"), expect: ["CronJob shop/db-backup: no NetworkPolicy", "for Ingress and Egress"] },
        { title: "empty podSelector with allow rules", resources: add(rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-all", {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "allow-all", namespace: NS }, spec: { podSelector: {}, ingress: [{}] },
        })), expect: ["NetworkPolicy shop/allow-all (spec.podSelector) is empty but the policy allows more than DNS egress"] },
        { title: "policy selecting nothing", resources: () => edit(compliantStack(), "web-np", (w) => { w.spec.podSelector.matchLabels["app.kubernetes.io/name"] = "wbe"; }),
            expect: ["NetworkPolicy shop/web (spec.podSelector", "selects no pod template"] },
    ]);
    defineCases("service-targets-pod", [
        { title: "selector typo", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.selector["app.kubernetes.io/name"] = "wbe"; }), expect: ["Service shop/web (spec.selector", "matches no pod template"], on: "web-svc" },
        { title: "two Services over the same pods", resources: add(rec("kubernetes:core/v1:Service", "web-svc-2", {
            apiVersion: "v1", kind: "Service", metadata: { name: "web-2", namespace: NS },
            spec: { selector: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-test" }, ports: [{ port: 81, targetPort: "http" }] },
        })), expect: ["Service shop/web-2 has the same selector as Service shop/web"] },
    ]);
    defineCases("service-type", [
        { title: "NodePort", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.type = "NodePort"; }), expect: ["(spec.type) is NodePort"] },
        { title: "LoadBalancer not allowlisted", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.type = "LoadBalancer"; }), expect: ["shop/web is not in service-type.allowedLoadBalancers"] },
        { title: "allowlisted LoadBalancer", config: { allowedLoadBalancers: ["shop/web"] }, resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.type = "LoadBalancer"; }) },
    ]);
    defineCases("no-external-ips", [
        { title: "externalIPs", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.externalIPs = ["203.0.113.10"]; }), expect: ["(spec.externalIPs) sets 203.0.113.10", "CVE-2020-8554"] },
        { title: "mandatory in dev", stack: "dev", level: "mandatory", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.externalIPs = ["203.0.113.10"]; }), expect: ["externalIPs"] },
    ]);
    defineCases("ingress-targets-service", [
        { title: "backend Service missing", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.rules[0].http.paths[0].backend.service.name = "ghost"; }),
            expect: ["Ingress shop/web (spec.rules[0].http.paths[0].backend.service.name) names Service shop/ghost, which is not in this stack"] },
        { title: "backend port missing", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.rules[0].http.paths[0].backend.service.port = { name: "https" }; }),
            expect: ["service.port) is \"https\" but Service shop/web exposes http:80"] },
        { title: "port by number", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.rules[0].http.paths[0].backend.service.port = { number: 80 }; }) },
    ]);
    defineCases("ingress-tls", [
        { title: "no TLS", resources: () => edit(compliantStack(), "web-ing", (w) => { delete w.spec.tls; }), expect: ["Ingress shop/web has no spec.tls"] },
        { title: "host not covered", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.rules.push({ host: "api.example.com", http: w.spec.rules[0].http }); }),
            expect: ["(spec.rules[1].host) \"api.example.com\" is not listed in any spec.tls[].hosts"] },
        { title: "wildcard certificate covers a subdomain", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.tls[0].hosts = ["*.example.com"]; }) },
    ]);
    defineCases("ingress-hosts", [
        { title: "wildcard host", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.rules[0].host = "*.example.com"; }), expect: ["(spec.rules[0].host) \"*.example.com\" is a wildcard"] },
        { title: "rule without host", resources: () => edit(compliantStack(), "web-ing", (w) => { delete w.spec.rules[0].host; }), expect: ["(spec.rules[0].host) is empty"] },
        { title: "defaultBackend", resources: () => edit(compliantStack(), "web-ing", (w) => { w.spec.defaultBackend = { service: { name: "web", port: { number: 80 } } }; }), expect: ["sets spec.defaultBackend"] },
        { title: "duplicate host+path", resources: () => { const rs = compliantStack(); const copy = JSON.parse(JSON.stringify(find(rs, "web-ing"))); copy.name = "web-ing-2"; copy.urn += "-2"; copy.wireInputs.metadata.name = "web-2"; return [...rs, copy]; },
            expect: ["Ingress shop/web-2 routes shop.example.com/, already routed by Ingress shop/web"] },
        { title: "a canary Ingress may share host+path", resources: () => {
            const rs = compliantStack(); const copy = JSON.parse(JSON.stringify(find(rs, "web-ing"))); copy.name = "web-canary"; copy.urn += "-canary";
            copy.wireInputs.metadata.name = "web-canary"; copy.wireInputs.metadata.annotations["nginx.ingress.kubernetes.io/canary"] = "true"; return [...rs, copy];
        } },
    ]);
    defineCases("namespace-default-deny", [
        { title: "no default-deny", resources: () => without(compliantStack(), "default-deny"), expect: ["Namespace shop has no default-deny NetworkPolicy"], on: "shop-ns" },
        { title: "no DNS egress", resources: () => without(compliantStack(), "allow-dns"), expect: ["Namespace shop has no NetworkPolicy allowing DNS egress"] },
        { title: "default-deny with allow rules does not count", resources: () => edit(compliantStack(), "default-deny", (w) => { w.spec.ingress = [{}]; }), expect: ["has no default-deny"] },
    ]);
    defineCases("namespace-pss-label", [
        { title: "no enforce label", resources: () => edit(compliantStack(), "shop-ns", (w) => { delete w.metadata.labels["pod-security.kubernetes.io/enforce"]; }),
            expect: ["Namespace shop (metadata.labels) has no pod-security.kubernetes.io/enforce label"] },
        { title: "baseline in prod", resources: () => edit(compliantStack(), "shop-ns", (w) => { w.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"; }),
            expect: ["enforces the Pod Security Standard \"baseline\""] },
        { title: "baseline in dev too (a weaker namespace carries its reason in every stack)", stack: "dev", level: "advisory",
            resources: () => edit(compliantStack(), "shop-ns", (w) => { w.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"; }), expect: ['enforces the Pod Security Standard "baseline"'] },
        { title: "privileged, exempted with a reason", level: "advisory",
            resources: () => edit(compliantStack(), "shop-ns", (w) => {
                w.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
                w.metadata.annotations = { "policy.ai-platform.io/exempt-namespace-pss-label": "Alloy DaemonSet needs hostPath to /var/log (OPS-7)" };
            }), expect: ["is exempt from namespace-pss-label", "Alloy DaemonSet needs hostPath"] },
    ]);
    defineCases("ingress-cert-manager", [
        { title: "staging issuer in prod", resources: ann("web-ing", { "cert-manager.io/cluster-issuer": "letsencrypt-staging" }),
            expect: ["uses ClusterIssuer letsencrypt-staging, whose ACME server https://acme-staging-v02.api.letsencrypt.org/directory is a staging endpoint"], on: "web-ing" },
        { title: "staging issuer in the staging stack", stack: "staging", resources: ann("web-ing", { "cert-manager.io/cluster-issuer": "letsencrypt-staging" }) },
        { title: "no issuer annotation", resources: () => edit(compliantStack(), "web-ing", (w) => { delete w.metadata.annotations["cert-manager.io/cluster-issuer"]; }),
            expect: ["has spec.tls but no cert-manager.io/cluster-issuer or cert-manager.io/issuer annotation"] },
        { title: "issuer neither in the stack nor allowlisted", resources: ann("web-ing", { "cert-manager.io/cluster-issuer": "letsencrypt" }),
            expect: ["names ClusterIssuer \"letsencrypt\", which is neither in this stack nor in ingress-cert-manager.allowedIssuers"] },
        { title: "allowlisted issuer", config: { allowedIssuers: ["corp-ca"] }, resources: ann("web-ing", { "cert-manager.io/cluster-issuer": "corp-ca" }) },
        { title: "no secretName", resources: () => edit(compliantStack(), "web-ing", (w) => { delete w.spec.tls[0].secretName; }), expect: ["(spec.tls[0].secretName) is not set"] },
    ]);
});

suite("data protection policies", () => {
    defineCases("prod-stateful-protected", [
        { title: "StatefulSet not protected", resources: () => broken("db", (_w, r) => { r.protect = false; }), expect: ["StatefulSet shop/db is not protected (resource option protect: true is missing)"], on: "db", level: "mandatory" },
        { title: "claims deleted with the StatefulSet", resources: () => broken("db", (w) => { w.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete"; }),
            expect: ["persistentVolumeClaimRetentionPolicy.whenDeleted) is Delete"] },
        { title: "Namespace of the data not protected", resources: () => edit(compliantStack(), "shop-ns", (_w, r) => { r.protect = false; }), expect: ["Namespace shop is not protected", "deleting it deletes StatefulSet shop/db"], on: "shop-ns" },
        { title: "StorageClass deletes volumes", resources: () => edit(compliantStack(), "retain-sc", (w) => { w.reclaimPolicy = "Delete"; }), expect: ["StorageClass standard-retain (reclaimPolicy) is Delete"] },
        { title: "unprotected PVC", resources: add(rec("kubernetes:core/v1:PersistentVolumeClaim", "chroma", {
            apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "chroma", namespace: NS }, spec: { storageClassName: "standard-retain", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
        })), expect: ["PersistentVolumeClaim shop/chroma is not protected"] },
        { title: "a StorageClass outside the stack is reported, not assumed", level: "advisory", resources: () => broken("db", (w) => { w.spec.volumeClaimTemplates[0].spec.storageClassName = "gp3"; }),
            expect: ["Could not verify that StorageClass gp3"] },
        { title: "a verified external StorageClass", config: { verifiedRetainStorageClasses: ["gp3"] }, resources: () => broken("db", (w) => { w.spec.volumeClaimTemplates[0].spec.storageClassName = "gp3"; }) },
        { title: "not checked in staging", stack: "staging", resources: () => broken("db", (_w, r) => { r.protect = false; }) },
        { title: "off in dev", stack: "dev", resources: () => broken("db", (_w, r) => { r.protect = false; }) },
    ]);
    defineCases("config-refs-resolve", [
        { title: "missing Secret", resources: () => broken("web", (w) => { container(w).env[1].valueFrom.secretKeyRef.name = "ghost"; }),
            expect: ["Deployment shop/web (spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef) references Secret shop/ghost, which is not in this stack", "CreateContainerConfigError"] },
        { title: "missing key", resources: () => broken("web", (w) => { container(w).env[0].valueFrom.configMapKeyRef.key = "LOGLEVEL"; }),
            expect: ["reads key \"LOGLEVEL\" of ConfigMap shop/web-config"] },
        { title: "missing image pull secret", resources: () => without(compliantStack(), "gitlab-registry"), expect: ["imagePullSecrets[0]) references Secret shop/gitlab-registry"] },
        { title: "missing ServiceAccount", resources: () => without(compliantStack(), "web-sa"), expect: ["serviceAccountName) references ServiceAccount shop/web"] },
        { title: "missing PVC", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "data", persistentVolumeClaim: { claimName: "web-data" } }); }), expect: ["references PersistentVolumeClaim shop/web-data", "Pending"] },
        { title: "optional reference", resources: () => broken("web", (w) => { container(w).envFrom.push({ secretRef: { name: "maybe", optional: true } }); }) },
        { title: "allowlisted external object", config: { external: ["Secret/shop/vault-synced"] }, resources: () => broken("web", (w) => { container(w).envFrom.push({ secretRef: { name: "vault-synced" } }); }) },
        { title: "a Secret name unknown at preview is reported as not checked", level: "advisory",
            resources: () => edit(broken("web", (w) => { container(w).env[1].valueFrom.secretKeyRef.name = "web-secrets-x1y2"; }), "web-secrets", (w) => { w.metadata.name = UNKNOWN; }),
            expect: ["Could not check that Secret shop/web-secrets-x1y2"] },
    ]);
});

suite("platform, stack and GitLab policies", () => {
    defineCases("helm-release-pinned", [
        { title: "no version", resources: () => edit(compliantStack(), "cert-manager", (w) => { delete w.version; }), expect: ["Helm release cert-manager (chart cert-manager) sets no version"] },
        { title: "version range", resources: () => edit(compliantStack(), "cert-manager", (w) => { w.version = "^1.16"; }), expect: ["version \"^1.16\" is not an exact version"] },
        { title: "repository not allowed", resources: () => edit(compliantStack(), "cert-manager", (w) => { w.repositoryOpts.repo = "https://charts.example.com"; }),
            expect: ["comes from https://charts.example.com, which is not an allowed Helm repository"] },
        { title: "helm repo alias instead of a repository", resources: () => edit(compliantStack(), "cert-manager", (w) => { delete w.repositoryOpts; w.chart = "jetstack/cert-manager"; }),
            expect: ["has no repositoryOpts.repo", "helm repo add"] },
        { title: "skipAwait in prod", resources: () => edit(compliantStack(), "cert-manager", (w) => { w.skipAwait = true; }), expect: ["sets skipAwait: true"] },
        { title: "skipAwait accepted in dev", stack: "dev", resources: () => edit(compliantStack(), "cert-manager", (w) => { w.skipAwait = true; }) },
        { title: "allowlisted OCI chart", config: { allowedRepositories: ["oci://ghcr.io/acme/charts"] },
            resources: () => edit(compliantStack(), "cert-manager", (w) => { delete w.repositoryOpts; w.chart = "oci://ghcr.io/acme/charts/cert-manager"; }) },
    ]);
    defineCases("provider-targeting", [
        { title: "default provider (ambient kubeconfig)", resources: add(rec("pulumi:providers:kubernetes", "default_4_34_2", { version: "4.34.2" })),
            expect: ["sets neither kubeconfig nor context"] },
        { title: "context outside the allowed list", config: { allowedContexts: ["prod-eu"] }, resources: () => compliantStack(), expect: ["context is \"prod-cluster\", allowed: prod-eu"] },
        { title: "off in dev", stack: "dev", resources: add(rec("pulumi:providers:kubernetes", "default_4_34_2", { version: "4.34.2" })) },
    ]);
    defineCases("stack-resource-budget", [
        { title: "CPU above budget at HPA max", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.maxReplicas = 300; }),
            expect: ["The stack requests 75.6 CPU cores at full scale, above its budget of 64 CPU cores", "largest: Deployment shop/web (300×250m)"] },
        { title: "memory above budget", config: { memory: "2Gi" }, resources: () => compliantStack(), expect: ["The stack requests 4.13Gi of memory at full scale, above its budget of 2Gi of memory"] },
        { title: "storage above budget", resources: () => broken("db", (w) => { w.spec.volumeClaimTemplates[0].spec.resources.requests.storage = "3Ti"; }), expect: ["3Ti of persistent storage"] },
        { title: "too many LoadBalancers", config: { loadBalancers: 0 }, resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.type = "LoadBalancer"; }), expect: ["creates 1 LoadBalancer Services"] },
        { title: "dev budget is smaller", stack: "dev", level: "advisory", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.maxReplicas = 70; }), expect: ["above its budget of 3 CPU cores"] },
    ]);
    defineCases("gitlab-masked-var-valid", [
        { title: "masked value too short (value never echoed)", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "abc123"; }),
            expect: ["GitLab variable KUBE_TOKEN (scope production) is masked but its value is 6 characters long"], mustNotContain: ["abc123"], on: "var-kube-token" },
        { title: "masked value with whitespace", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "abcd efgh ijkl"; }), expect: ["contains whitespace"] },
        { title: "masked value with characters GitLab cannot mask", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "abcd!efgh#ijkl"; }),
            expect: ["contains 2 character(s) outside A-Z a-z 0-9"], mustNotContain: ["abcd!efgh#ijkl"] },
        { title: "raw variables accept any non-space characters", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "abcd!efgh#ijkl"; w.raw = true; }) },
        { title: "hidden without masked", resources: () => edit(compliantStack(), "var-app-url", (w) => { w.hidden = true; }), expect: ["sets hidden: true without masked: true"] },
        { title: "unknown value at preview", level: "advisory", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = UNKNOWN; }),
            expect: ["Could not check the masked value of GitLab variable KUBE_TOKEN"] },
    ]);
    defineCases("gitlab-secret-var-protected", [
        { title: "secret not masked", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.masked = false; }), expect: ["GitLab variable KUBE_TOKEN (scope production) looks like a secret but is not masked"] },
        { title: "secret not protected in prod", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.protected = false; }), expect: ["looks like a secret but is not protected"] },
        { title: "unprotected secret accepted in dev", stack: "dev", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.protected = false; }) },
        { title: "a plain URL with an environment suffix is not a secret", resources: () => edit(compliantStack(), "var-app-url", (w) => { w.key = "AUTH_URL_PROD"; }) },
        { title: "file variables cannot be masked", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.key = "KUBECONFIG"; w.variableType = "file"; w.masked = false; }) },
        { title: "generic dynamic resource type", resources: () => edit(compliantStack(), "var-kube-token", (w, r) => { r.type = "pulumi-nodejs:dynamic:Resource"; w.masked = false; }), expect: ["is not masked"] },
    ]);
});

suite("exemption annotations", () => {
    defineCases("policy-exemptions", [
        { title: "misspelt policy name", resources: ann("web", { "policy.ai-platform.io/exempt-no-host-paht": "Node agent needs host logs (OPS-1)" }),
            expect: ["annotation policy.ai-platform.io/exempt-no-host-paht names no policy of this pack", "did you mean policy.ai-platform.io/exempt-no-host-path?"] },
        { title: "no reason", resources: ann("web", { "policy.ai-platform.io/exempt-no-host-path": "" }), expect: ["gives no reason (\"\")"] },
        { title: "placeholder reason", resources: ann("web", { "policy.ai-platform.io/exempt-read-only-rootfs": "true" }), expect: ["gives no reason (\"true\")"] },
        { title: "a policy that cannot be exempted by annotation", resources: ann("web", { "policy.ai-platform.io/exempt-stack-resource-budget": "Batch jobs are bursty (FIN-3)" }),
            expect: ["tries to exempt stack-resource-budget, which cannot be exempted by annotation"] },
        { title: "other keys in the reserved domain", resources: ann("web", { "policy.ai-platform.io/owner": "team-shop" }), expect: ["which is not an exemption"] },
        { title: "advisory in dev", stack: "dev", level: "advisory", resources: ann("web", { "policy.ai-platform.io/exempt-no-host-path": "" }), expect: ["gives no reason"] },
        { title: "a well-formed exemption", resources: ann("web", { "policy.ai-platform.io/exempt-spread": "Singleton scheduler by design (ARCH-12)" }) },
    ]);
});
