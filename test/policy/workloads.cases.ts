/** Secrets, images, resources and availability policies. */
import { caseSuites, defineCases } from "./cases";
import { broken, compliantStack, container, edit, NS, podSpec, rec, Rec, UNKNOWN, without } from "./fixtures";

/** Registered by the test file of the same name; counted by the coverage check in config.test.ts. */
const { suites, suite } = caseSuites();
export const SUITES = suites;

const addResource = (r: Rec) => () => [...compliantStack(), r];

const ALNUM = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * A made-up credential of the right shape, built when the test runs so that the repository holds no
 * token-shaped literal (and secret scanners pointed at it have nothing to find).
 */
function fake(prefix: string, length: number, alphabet = ALNUM): string {
    let x = [...prefix].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, length + 7);
    let out = prefix;
    for (let i = 0; i < length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        out += alphabet[(x >>> 16) % alphabet.length];
    }
    return out;
}

const AWS_KEY_ID = fake("AKIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
const AWS_TEMP_KEY_ID = fake("ASIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
const GITHUB_TOKEN = fake("ghp_", 36);
const GITHUB_PAT = fake("github_pat_", 82);
const GITLAB_TOKEN = fake("glpat-", 20);
const SLACK_HOOK = `https://hooks.slack.com/services/${fake("T", 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}/${fake("B", 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}/${fake("", 24)}`;
const HF_TOKEN = fake("hf_", 34);
const OPENAI_KEY = `${fake("sk-", 20)}T3BlbkFJ${fake("", 20)}`;
const AZURE_KEY = `${fake("", 86, BASE64)}==`;
const PEM_BODY = `MII${fake("", 240, BASE64)}`;
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----\n`;

/** The compliant stack with one more env literal on the web container. */
const withEnv = (name: string, value: string) => () => broken("web", (w) => { container(w).env.push({ name, value }); });
const withArgs = (...args: string[]) => () => broken("web", (w) => { container(w).args = args; });
const withConfigData = (data: Record<string, string>, field = "data") => () =>
    edit(compliantStack(), "web-config", (w) => { w[field] = { ...(w[field] ?? {}), ...data }; });

suite("secrets and access policies", () => {
    defineCases("no-secret-literals", [
        { title: "literal password in env (value never echoed)", resources: () => broken("web", (w) => { container(w).env.push({ name: "DB_PASSWORD", value: "hunter2-prod" }); }),
            expect: ['container "web"', "env[3].value", "DB_PASSWORD is named like a credential"], mustNotContain: ["hunter2-prod"] },
        { title: "a Pulumi secret pasted into a literal is still a literal", resources: () => broken("web", (w) => {
            container(w).env.push({ name: "OPENAI_API_KEY", value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "sk-live-123456" } });
        }), expect: ["OPENAI_API_KEY is named like a credential"], mustNotContain: ["sk-live-123456"] },
        { title: "PEM private key in env", resources: () => broken("db-backup", (w) => { container(w).env.push({ name: "TLS_KEY_PEM", value: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----" }); }),
            expect: ["TLS_KEY_PEM contains a PEM private key"], mustNotContain: ["MIIE"] },
        { title: "connection string with a password in a ConfigMap", resources: () => edit(compliantStack(), "web-config", (w) => { w.data.DATABASE_URL = "postgres://shop:pa55word@db:5432/shop"; }),
            expect: ["ConfigMap shop/web-config (data.DATABASE_URL) contains a URL with an embedded password"], mustNotContain: ["pa55word"] },
        { title: "credential-named ConfigMap key", resources: () => edit(compliantStack(), "web-config", (w) => { w.data.HF_TOKEN = "hf_abcdef"; }),
            expect: ["(data.HF_TOKEN) is named like a credential"] },
        { title: "mandatory in dev", stack: "dev", level: "mandatory", resources: () => broken("web", (w) => { container(w).env.push({ name: "JWT_SECRET", value: "x".repeat(32) }); }), expect: ["JWT_SECRET"] },
        { title: "numbers, flags, file paths and references are settings", resources: () => broken("web", (w) => {
            container(w).env.push({ name: "TOKEN_LIMIT", value: "4096" }, { name: "AUTH_ENABLED", value: "true" }, { name: "JWT_SECRET_FILE", value: "/run/secrets/jwt" },
                { name: "DB_PASSWORD_REF", value: "db-secrets" }, { name: "API_KEY_COPY", value: "$(API_KEY)" }, { name: "DB_URL", value: "postgres://shop:$(DB_PASSWORD)@db/shop" });
        }) },
        // Credentials recognised by their value alone, whatever they are called.
        { title: "an AWS access key ID under an innocuous name", resources: withEnv("UPLOAD_CONFIG", AWS_KEY_ID),
            expect: ["env[3].value): UPLOAD_CONFIG contains an AWS access key", "secretlint rule aws"], mustNotContain: [AWS_KEY_ID] },
        { title: "an AWS temporary key ID (ASIA…) in container args", resources: withArgs("--s3-key", AWS_TEMP_KEY_ID),
            expect: ['container "web" (spec.template.spec.containers[0].args[1]) contains an AWS access key', "every process on the node"], mustNotContain: [AWS_TEMP_KEY_ID] },
        { title: "a GitHub token inside an argument", resources: withArgs(`--github-token=${GITHUB_TOKEN}`),
            expect: ["(spec.template.spec.containers[0].args[0]) contains a GitHub token"], mustNotContain: [GITHUB_TOKEN, GITHUB_TOKEN.slice(4)] },
        { title: "a fine-grained GitHub token in a ConfigMap file", resources: withConfigData({ "settings.ini": `[github]\ntoken = ${GITHUB_PAT}\n` }),
            expect: ["ConfigMap shop/web-config (data.settings.ini) contains a GitHub token"], mustNotContain: [GITHUB_PAT] },
        { title: "a GitLab token (a shape of the pack's own: the Node 20 preset has no GitLab rule)", resources: withEnv("CI_ACCESS", GITLAB_TOKEN),
            expect: ["CI_ACCESS contains a GitLab token (found by ai-platform pattern)"], mustNotContain: [GITLAB_TOKEN] },
        { title: "a Slack incoming webhook", resources: withEnv("ALERT_ROUTE", SLACK_HOOK), expect: ["ALERT_ROUTE contains a Slack token or webhook URL"], mustNotContain: [SLACK_HOOK] },
        { title: "a GCP service-account key file in a ConfigMap", resources: withConfigData({ "gcp.json": JSON.stringify({ type: "service_account", project_id: "shop", private_key_id: fake("", 40, "0123456789abcdef"), private_key: PEM, client_email: "shop@shop.iam.gserviceaccount.com" }) }),
            expect: ["(data.gcp.json) contains", "a GCP service-account key", "secretlint rule gcp"], mustNotContain: [PEM_BODY.slice(0, 40)] },
        { title: "an Azure storage connection string", resources: withEnv("STORAGE", `DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net`),
            expect: ["STORAGE contains an Azure storage or Service Bus key"], mustNotContain: [AZURE_KEY.slice(0, 30)] },
        { title: "a PEM block whose header has three dashes", resources: withEnv("the_good_stuff", "---BEGIN OPENSSH PRIVATE KEY---\nxxxxx\n---END  OPENSSH PRIVATE KEY---\n"),
            expect: ["the_good_stuff contains a PEM private key"], mustNotContain: ["xxxxx"] },
        { title: "a lowercase PEM header with extra spaces", resources: withConfigData({ "tls.key": `-----begin  rsa private  key-----\n${PEM_BODY}\n-----end rsa private key-----` }),
            expect: ["(data.tls.key) contains a PEM private key"], mustNotContain: [PEM_BODY.slice(0, 40)] },
        { title: "an encrypted PKCS#8 key", resources: withEnv("SIGNER", `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${PEM_BODY}\n-----END ENCRYPTED PRIVATE KEY-----`),
            expect: ["SIGNER contains a PEM private key"] },
        { title: "a private key in binaryData", resources: withConfigData({ "signing.key": Buffer.from(PEM).toString("base64") }, "binaryData"),
            expect: ["(binaryData.signing.key) contains a PEM private key"], mustNotContain: [PEM_BODY.slice(0, 40)] },
        { title: "a password-only Redis URL", resources: withEnv("CACHE", "redis://:s3cret-pw@redis:6379/0"),
            expect: ["CACHE contains a URL with an embedded password"], mustNotContain: ["s3cret-pw"] },
        { title: "a connection string with Password=", resources: withEnv("DB", "Server=db;Database=shop;User Id=shop;Password=Winter2024!;"),
            expect: ["DB contains a connection string with a password"], mustNotContain: ["Winter2024!"] },
        { title: "a Hugging Face token", resources: withEnv("MODEL_HUB", HF_TOKEN), expect: ["MODEL_HUB contains a Hugging Face token"], mustNotContain: [HF_TOKEN] },
        { title: "an OpenAI key in args", resources: withArgs("serve", "--openai", OPENAI_KEY), expect: ["args[2]) contains an OpenAI API key"], mustNotContain: [OPENAI_KEY] },
        { title: "a value-only finding is mandatory in dev too", stack: "dev", level: "mandatory", resources: withArgs(`--token=${GITHUB_TOKEN}`), expect: ["contains a GitHub token"] },
        // Cloud-provider key names the generic words do not cover.
        { title: "AZURE_BATCH_KEY", resources: withEnv("AZURE_BATCH_KEY", "xxx"), expect: ["AZURE_BATCH_KEY is named like a credential"], mustNotContain: ["xxx"] },
        { title: "OCI_CLI_KEY_CONTENT", resources: withEnv("OCI_CLI_KEY_CONTENT", "xxx"), expect: ["OCI_CLI_KEY_CONTENT is named like a credential"] },
        { title: "AZURE_STORAGE_ACCOUNT_KEY in a ConfigMap", resources: withConfigData({ AZURE_STORAGE_ACCOUNT_KEY: "not-base64-but-still-a-key" }),
            expect: ["(data.AZURE_STORAGE_ACCOUNT_KEY) is named like a credential"] },
        { title: "a bearer token by name", resources: withEnv("AUTH_BEARER", "abc123"), expect: ["AUTH_BEARER is named like a credential"] },
        // What must not be reported.
        { title: "references, key names that only name a key, and AWS's documentation example key", resources: () => broken("web", (w) => {
            container(w).env.push({ name: "GH", value: "$(GITHUB_TOKEN)" }, { name: "AWS_KMS_KEY", value: "alias/shop-data" }, { name: "AZURE_KEY_VAULT_URL", value: "https://shop.vault.azure.net/" },
                { name: "DOCS_SAMPLE", value: "AKIAIOSFODNN7EXAMPLE" }, { name: "OCI_CLI_KEY_FILE", value: "/etc/oci/key.pem" });
            container(w).args = ["--db=postgres://$(DB_USER):$(DB_PASSWORD)@db/shop", "--listen=0.0.0.0:8000", "--upstream=https://api.example.com/v1?region=eu"];
            container(w).command = ["sh", "-c", 'mongosh "mongodb://root:$MONGO_ROOT_PASSWORD@db-0.db:27017/?authSource=admin" --eval "db.ping()"'];
        }) },
        { title: "ordinary configuration (URLs, JSON, YAML) in a ConfigMap", resources: withConfigData({
            "app.json": JSON.stringify({ features: { search: true }, upstream: "http://search.shop.svc:9200", retries: 3 }),
            "otel.yaml": "exporters:\n  otlp:\n    endpoint: otel-collector.monitoring:4317\n    tls:\n      insecure: true\n",
        }) },
        { title: "Secrets are meant to hold credentials", resources: () => edit(compliantStack(), "web-secrets", (w) => { w.stringData.GITHUB = GITHUB_TOKEN; }) },
        { title: "a documented test key listed in allowedValuePatterns", config: { allowedValuePatterns: [`^${HF_TOKEN}$`] }, resources: withEnv("MODEL_HUB", HF_TOKEN) },
    ]);
    defineCases("rbac-least-privilege", [
        { title: "ClusterRoleBinding to cluster-admin", resources: addResource(rec("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "admin-crb", {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "web-admin" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "ServiceAccount", name: "web", namespace: NS }],
        })), expect: ["ClusterRoleBinding web-admin (roleRef) binds the ClusterRole cluster-admin"] },
        { title: "wildcard verbs", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules[0].verbs = ["*"]; }), expect: ["rules[0].verbs) contains \"*\""], on: "web-role" },
        { title: "pods/exec", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules.push({ apiGroups: [""], resources: ["pods", "pods/exec"], verbs: ["create"] }); }),
            expect: ["rules[1].resources) grants pods/exec"] },
        { title: "pods/attach with read verbs only (deliberately strict)", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules.push({ apiGroups: [""], resources: ["pods/attach"], verbs: ["get"] }); }),
            expect: ["rules[1].resources) grants pods/attach"] },
        // exec and attach through a wildcard resource
        { title: "resources [\"*\"] with read verbs (get opens a WebSocket exec)", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules.push({ apiGroups: [""], resources: ["*"], verbs: ["get", "list", "watch"] }); }),
            expect: ["Role shop/web-reader (rules[1].resources) grants pods/exec and pods/attach through \"*\" with \"get\"", "namespace shop"], on: "web-role" },
        { title: "pods/* with create", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules.push({ apiGroups: [""], resources: ["pods/*"], verbs: ["create"] }); }),
            expect: ["grants pods/exec and pods/attach through \"pods/*\" with \"create\""] },
        { title: "*/exec on every API group", resources: () => edit(compliantStack(), "web-role", (w) => { w.rules.push({ apiGroups: ["*"], resources: ["deployments", "*/exec"], verbs: ["create", "get"] }); }),
            expect: ["grants pods/exec through \"*/exec\" with \"create\", \"get\""] },
        { title: "a ClusterRole with * everywhere is reported as exec too", resources: addResource(clusterRole("ops-all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])),
            expect: ["ClusterRole ops-all (rules[0].resources) grants pods/exec and pods/attach through \"*\" with \"*\"", "every pod of the whole cluster"] },
        // every verb by name on everything
        { title: "every verb listed by name on */* (Role)", resources: () => edit(compliantStack(), "web-role", (w) => {
            w.rules = [{ apiGroups: ["*"], resources: ["*"], verbs: ["deletecollection", "watch", "update", "list", "get", "patch", "create", "delete"] }];
        }), expect: ["Role shop/web-reader (rules[0]) grants every verb by name", "namespace admin"] },
        { title: "every verb by name plus escalate on */* (ClusterRole)", resources: addResource(clusterRole("almost-admin", [
            { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "escalate"] }])),
        expect: ["ClusterRole almost-admin (rules[0]) grants every verb by name", "cluster-admin in all but name"] },
        { title: "a system: name is checked like any other (deliberately strict)", resources: addResource(clusterRole("system:shop-operator", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }])),
            expect: ["ClusterRole system:shop-operator (rules[0].verbs) contains \"*\""] },
        // bindings that name no role
        { title: "a RoleBinding naming a Role with a typo", resources: () => edit(compliantStack(), "web-rb", (w) => { w.roleRef.name = "web-reeder"; }),
            expect: ["RoleBinding shop/web-reader (roleRef) names Role shop/web-reeder, which is neither in this stack nor a built-in role", "Forbidden"], on: "web-rb" },
        { title: "a RoleBinding naming the Role of another namespace", resources: () => edit(compliantStack(), "web-rb", (w) => { w.metadata.namespace = "shop-admin"; }),
            expect: ["names Role shop-admin/web-reader, which is neither in this stack nor a built-in role"] },
        { title: "a ClusterRoleBinding naming a misspelt built-in", resources: addResource(binding("ClusterRoleBinding", "web-view", "ClusterRole", "veiw")),
            expect: ["ClusterRoleBinding web-view (roleRef) names ClusterRole veiw, which is neither in this stack nor a built-in role"] },
        { title: "a misspelt system: ClusterRole", resources: addResource(binding("RoleBinding", "web-delegator", "ClusterRole", "system:auth-delegater", NS)),
            expect: ["names ClusterRole system:auth-delegater"] },
        { title: "a ClusterRoleBinding naming a Role", resources: addResource(binding("ClusterRoleBinding", "web-crb", "Role", "web-reader")),
            expect: ["ClusterRoleBinding web-crb (roleRef.kind) is Role", "the API server rejects it"] },
        { title: "bindings to built-in and stack roles", resources: () => [...compliantStack(),
            binding("RoleBinding", "web-view", "ClusterRole", "view", NS), binding("ClusterRoleBinding", "web-auth", "ClusterRole", "system:auth-delegator"),
            binding("RoleBinding", "web-auth-reader", "Role", "extension-apiserver-authentication-reader", "kube-system"),
            clusterRole("shop-metrics-reader", [{ apiGroups: ["metrics.k8s.io"], resources: ["pods"], verbs: ["get", "list"] }]),
            binding("ClusterRoleBinding", "web-metrics", "ClusterRole", "shop-metrics-reader")] },
        { title: "roles created outside the stack, listed in externalRoles", config: { externalRoles: ["ClusterRole/kube-prometheus-stack-operator", "Role/*/leader-election"] },
            resources: () => [...compliantStack(), binding("ClusterRoleBinding", "prom", "ClusterRole", "kube-prometheus-stack-operator"), binding("RoleBinding", "le", "Role", "leader-election", NS)] },
        { title: "wildcards that cannot reach exec: another API group, or list/watch only", resources: () => edit(compliantStack(), "web-role", (w) => {
            w.rules.push({ apiGroups: ["apps", "batch"], resources: ["*"], verbs: ["get", "list", "watch"] }, { apiGroups: [""], resources: ["*"], verbs: ["list", "watch"] },
                { apiGroups: [""], resources: ["configmaps", "services"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] });
        }) },
        { title: "a role name unknown at preview is reported as not checked", level: "advisory", resources: () => edit(edit(compliantStack(), "web-role", (w) => { w.metadata.name = UNKNOWN; }), "web-rb", (w) => { w.roleRef.name = "web-reader-x1"; }),
            expect: ["Could not check that the Role shop/web-reader-x1 named by RoleBinding shop/web-reader exists"] },
        { title: "an unknown roleRef at preview is reported as not checked", level: "advisory", resources: () => edit(compliantStack(), "web-rb", (w) => { w.roleRef.name = UNKNOWN; }),
            expect: ["Could not check the roleRef of RoleBinding shop/web-reader"] },
    ]);
    // Product boundaries: namespaces carry the product that owns them (shop, and blog next to it).
    const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
    const productStack = (): Rec[] => [
        ...edit(compliantStack(), "shop-ns", (w) => { w.metadata.labels["ai-platform.io/product"] = "shop"; }),
        rec("kubernetes:core/v1:Namespace", "blog-ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "blog", labels: { "ai-platform.io/product": "blog" } } }),
        rec("kubernetes:core/v1:Namespace", "shop-jobs-ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop-jobs", labels: { "ai-platform.io/product": "shop" } } }),
        rec("kubernetes:core/v1:Namespace", "ops-ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ops", labels: { "ai-platform.io/product": "platform" } } }),
    ];
    const withRule = (rule: unknown) => () => edit(productStack(), "web-role", (w) => { w.rules.push(rule); });
    const roleIn = (namespace: string, rules: unknown[]) => rec(`${RBAC}:Role`, `role-${namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "reader", namespace }, rules });
    defineCases("product-rbac-scope", [
        { title: "a product Role that reads Secrets", resources: withRule({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }),
            expect: ["Role shop/web-reader (rules[1]) of product shop grants secrets", "every credential"], on: "web-role" },
        { title: "a product Role with \"*\" core resources (Secrets among them)", resources: withRule({ apiGroups: [""], resources: ["*"], verbs: ["list"] }),
            expect: ["grants secrets (through \"*\")"] },
        { title: "a product Role that writes RoleBindings", resources: withRule({ apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create"] }),
            expect: ["of product shop grants RBAC (rolebindings)"] },
        { title: "a product Role with impersonate", resources: withRule({ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }),
            expect: ["grants RBAC (impersonate)"] },
        { title: "a product Role naming nodes (cluster-scoped)", resources: withRule({ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }),
            expect: ["of product shop names cluster-scoped nodes"] },
        { title: "a product Role in the product's second namespace", resources: () => [...productStack(), roleIn("shop-jobs", [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }])],
            expect: ["Role shop-jobs/reader (rules[0]) of product shop grants secrets"] },
        { title: "a product's account bound cluster-wide", resources: () => [...productStack(), binding("ClusterRoleBinding", "web-view", "ClusterRole", "view")],
            expect: ["ClusterRoleBinding web-view binds ServiceAccount shop/web of product shop cluster-wide", "shop, shop-jobs"] },
        { title: "a product's account bound in another product's namespace", resources: () => [...productStack(), roleIn("blog", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]),
            binding("RoleBinding", "web-in-blog", "Role", "reader", "blog")],
        expect: ["RoleBinding blog/web-in-blog binds ServiceAccount shop/web of product shop outside its namespaces", "bind it only in shop, shop-jobs"], on: "b-web-in-blog" },
        { title: "a product RoleBinding naming the edit ClusterRole", resources: () => [...productStack(), binding("RoleBinding", "web-edit", "ClusterRole", "edit", NS)],
            expect: ["RoleBinding shop/web-edit of product shop binds the ClusterRole edit", "reads every Secret"] },
        { title: "a ClusterRole of a product", resources: () => [...productStack(), rec(`${RBAC}:ClusterRole`, "cr-shop", {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "shop-reader", labels: { "app.kubernetes.io/part-of": "shop" } },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] })],
        expect: ["ClusterRole shop-reader belongs to product shop", "every namespace"] },
        { title: "the product's read-only Roles and its binding in its second namespace", resources: () => [...edit(productStack(), "web-role", (w) => {
            w.rules.push({ apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["pods", "pods/log", "events"], verbs: ["get", "list", "watch"] });
        }), roleIn("shop-jobs", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]), binding("RoleBinding", "web-jobs", "Role", "reader", "shop-jobs"),
        binding("RoleBinding", "web-view", "ClusterRole", "view", NS)] },
        { title: "a platform namespace's Role is not a product's (rbac-least-privilege judges it)", resources: () => [...productStack(), roleIn("ops", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }])] },
        { title: "namespaces without a product label are not products (the compliant stack with a Secret reader)", resources: () => edit(compliantStack(), "web-role", (w) => {
            w.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] });
        }) },
    ]);
});

function clusterRole(name: string, rules: unknown[]): Rec {
    return rec("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", `cr-${name}`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules });
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, refKind: string, refName: string, namespace?: string): Rec {
    return rec(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`, `b-${name}`, {
        apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: refKind, name: refName }, subjects: [{ kind: "ServiceAccount", name: "web", namespace: NS }],
    });
}

suite("image policies", () => {
    defineCases("image-tag-pinned", [
        { title: ":latest", resources: () => broken("web", (w) => { container(w).image = "registry.gitlab.com/acme/shop-web:latest"; }),
            expect: ['container "web"', "spec.template.spec.containers[0].image", "uses the moving tag \"latest\""] },
        { title: "no tag", resources: () => broken("db", (w) => { container(w).image = "postgres"; }), expect: ["\"postgres\" has no tag, so it means :latest"] },
        { title: "staging-latest is a moving tag in prod", resources: () => broken("web", (w) => { container(w).image = "registry.gitlab.com/acme/shop-web:staging-latest"; }), expect: ["\"staging-latest\""] },
        { title: "staging-latest is a moving tag in staging too (exempted with a reason where deliberate)", stack: "staging", level: "mandatory",
            resources: () => broken("web", (w) => { container(w).image = "registry.gitlab.com/acme/shop-web:staging-latest"; }), expect: ['uses the moving tag "staging-latest"'] },
        { title: "advisory in dev", stack: "dev", level: "advisory", resources: () => broken("web", (w) => { container(w).image = "nginx:latest"; }), expect: ["nginx:latest"] },
        { title: "a digest pins any tag", resources: () => broken("web", (w) => { container(w).image = `registry.gitlab.com/acme/shop-web:latest@sha256:${"a".repeat(64)}`; }) },
        { title: "requireDigest", config: { requireDigest: true }, resources: () => compliantStack(), expect: ["is not pinned by digest"] },
    ]);
    defineCases("image-registry-allowlist", [
        { title: "unknown registry", resources: () => broken("web", (w) => { container(w).image = "quay.io/evil/miner:1.0"; }),
            expect: ["\"quay.io/evil/miner:1.0\" resolves to quay.io/evil/miner, which is not in the allowed registries"] },
        { title: "insecure local registry from the source documents", resources: () => broken("web", (w) => { container(w).image = "localhost:5000/shop-web:1.0.0"; }), expect: ["localhost:5000/shop-web"] },
        { title: "Docker Hub user image not on the list", resources: () => broken("web", (w) => { container(w).image = "someone/tool:1.0"; }), expect: ["docker.io/someone/tool"] },
        { title: "product images from Docker Hub and GHCR", resources: () => broken("web", (w) => {
            podSpec(w).containers.push({ ...container(w), name: "ollama", image: "ollama/ollama:0.3.12" }, { ...container(w), name: "q", image: "qdrant/qdrant:v1.12.1" },
                { ...container(w), name: "n8n", image: "n8nio/n8n:1.64.0" }, { ...container(w), name: "g", image: "ghcr.io/acme/agent:2.0.0" }, { ...container(w), name: "m", image: "docker.io/library/mongo:7.0" });
        }) },
    ]);
    defineCases("image-pull-always", [
        { title: "IfNotPresent with a pull secret", level: "advisory", resources: () => broken("web", (w) => { container(w).imagePullPolicy = "IfNotPresent"; }),
            expect: ["imagePullPolicy) is IfNotPresent while the pod pulls with imagePullSecrets"] },
        { title: "IfNotPresent on a public image pulled without credentials", resources: () => broken("web", (w) => {
            container(w).imagePullPolicy = "IfNotPresent"; container(w).image = "docker.io/library/postgres:16.4"; delete podSpec(w).imagePullSecrets;
        }) },
        { title: "IfNotPresent without credentials when every image must pull Always", config: { onlyWithPullSecrets: false }, resources: () => broken("web", (w) => {
            container(w).imagePullPolicy = "IfNotPresent"; delete podSpec(w).imagePullSecrets;
        }), expect: ["imagePullPolicy) is IfNotPresent"], mustNotContain: ["while the pod pulls"] },
        { title: "digest-pinned images may use IfNotPresent", resources: () => broken("web", (w) => { container(w).imagePullPolicy = "IfNotPresent"; container(w).image = `ghcr.io/acme/x@sha256:${"b".repeat(64)}`; }) },
    ]);
});

suite("resource policies", () => {
    defineCases("resources-set", [
        { title: "no cpu request", resources: () => broken("web", (w) => { delete container(w).resources.requests.cpu; }), expect: ["resources.requests.cpu) is not set", "scheduler"] },
        { title: "no memory limit", resources: () => broken("db", (w) => { delete container(w).resources.limits; }), expect: ['container "postgres"', "resources.limits.memory) is not set"] },
        { title: "init container without resources", resources: () => broken("web", (w) => { podSpec(w).initContainers = [{ name: "init", image: "busybox:1.36", securityContext: {} }]; }),
            expect: ['initContainer "init"', "resources.requests.memory"] },
        { title: "invalid quantity", resources: () => broken("web", (w) => { container(w).resources.requests.memory = "lots"; }), expect: ["\"lots\", not a valid quantity"] },
        { title: "request above limit", resources: () => broken("web", (w) => { container(w).resources.requests.memory = "1Gi"; }), expect: ["requests.memory) (1Gi) is above limits.memory (512Mi)"] },
        { title: "cpu limit when required, explained as a CPU limit", config: { requireCpuLimit: true }, resources: () => compliantStack(),
            expect: ["resources.limits.cpu) is not set", "requireCpuLimit", "idle core"], mustNotContain: ["OOM-killed", "leaking container"] },
        { title: "no limits at all with requireCpuLimit: each field has its own reason", config: { requireCpuLimit: true }, resources: () => broken("db", (w) => { delete container(w).resources.limits; }),
            expect: ['container "postgres"', "resources.limits.cpu) is not set", "idle core"] },
        { title: "an init container without limits.cpu", config: { requireCpuLimit: true }, resources: () => edit(withCpuLimits(compliantStack), "web", (w) => {
            podSpec(w).initContainers = [{ ...container(w), name: "migrate", resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } } }];
        }), expect: ['initContainer "migrate"', "resources.limits.cpu) is not set", "idle core"], mustNotContain: ["OOM-killed"] },
        { title: "an empty limits.cpu", config: { requireCpuLimit: true }, resources: () => withCpuLimits(() => broken("web", (w) => { container(w).resources.limits.cpu = ""; })),
            expect: ['container "web"', "resources.limits.cpu) is not set"], mustNotContain: ["OOM-killed"] },
        { title: "cpu limits everywhere when required", config: { requireCpuLimit: true }, resources: () => withCpuLimits(compliantStack) },
    ]);
    defineCases("resources-extra", [
        { title: "no ephemeral-storage", level: "advisory", resources: () => broken("web", (w) => { delete container(w).resources.limits["ephemeral-storage"]; }), expect: ["limits.ephemeral-storage) is not set"] },
        { title: "memory request below limit, where memory must be Guaranteed", config: { equalRequestsAndLimits: ["memory"] },
            resources: () => broken("web", (w) => { container(w).resources.requests.memory = "256Mi"; }), expect: ["requests.memory) (256Mi) differs from limits.memory (512Mi)"] },
        { title: "memory request below limit with the stacks' config (the source documents' burstable numbers)", stack: "prod",
            resources: () => broken("web", (w) => { container(w).resources.requests.memory = "256Mi"; }) },
    ]);
});

/** The stack with limits.cpu on every container (what requireCpuLimit asks for). */
function withCpuLimits(stack: () => Rec[]): Rec[] {
    let rs = stack();
    for (const name of ["web", "db", "db-backup"]) {
        rs = edit(rs, name, (w) => {
            for (const c of [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers]) {
                if (c.resources.limits && c.resources.limits.cpu === undefined) c.resources.limits.cpu = "1";
            }
        });
    }
    return rs;
}

suite("availability policies", () => {
    defineCases("probes", [
        { title: "serving container without readiness", resources: () => broken("web", (w) => { delete container(w).readinessProbe; }), expect: ["readinessProbe) is not set although the container declares ports"] },
        { title: "identical probes", resources: () => broken("web", (w) => { container(w).livenessProbe = JSON.parse(JSON.stringify(container(w).readinessProbe)); }),
            expect: ["livenessProbe) is identical to its readinessProbe"] },
        { title: "liveness required by config", config: { requireLiveness: true }, resources: () => broken("db", (w) => { delete container(w).livenessProbe; }), expect: ["livenessProbe) is not set"] },
        { title: "a worker without ports needs no probe", resources: () => broken("web", (w) => { delete container(w).readinessProbe; delete container(w).ports; }) },
    ]);
    defineCases("no-bare-pods", [
        { title: "a standalone Pod", resources: addResource(rec("kubernetes:core/v1:Pod", "debug-pod", { apiVersion: "v1", kind: "Pod", metadata: { name: "debug", namespace: NS }, spec: { containers: [] } })),
            expect: ["Pod shop/debug is a standalone Pod"] },
    ]);
    defineCases("min-replicas", [
        { title: "single replica without HPA", resources: () => without(compliantStack(), "web-hpa"), expect: ["Deployment shop/web (spec.replicas) is not set, so it runs 1 replica"], on: "web" },
        { title: "replicas: 1", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { w.spec.replicas = 1; }), expect: ["(spec.replicas) is 1"] },
        { title: "three replicas", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { w.spec.replicas = 3; }) },
    ]);
    defineCases("no-replicas-with-hpa", [
        { title: "replicas set on an HPA target", resources: () => broken("web", (w) => { w.spec.replicas = 3; }),
            expect: ["Deployment shop/web sets spec.replicas: 3 although HorizontalPodAutoscaler shop/web scales it"], on: "web" },
        // During `pulumi up` the engine runs stack policies on the live objects, with server defaults.
        { title: "live HPA target with replicas the API server defaulted", resources: () => broken("web", (w) => liveObject(w, false)) },
        { title: "live HPA target whose replicas Pulumi's apply owns", resources: () => broken("web", (w) => liveObject(w, true)),
            expect: ["Deployment shop/web sets spec.replicas: 1 although HorizontalPodAutoscaler shop/web scales it"], on: "web" },
    ]);
    defineCases("pdb-required", [
        { title: "no PDB for an autoscaled Deployment", resources: () => without(compliantStack(), "web-pdb"), expect: ["runs up to 6 replicas but no PodDisruptionBudget"], on: "web" },
        { title: "a PDB selecting other pods", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.selector.matchLabels["app.kubernetes.io/name"] = "webx"; }), expect: ["no PodDisruptionBudget"] },
    ]);
    defineCases("pdb-allows-eviction", [
        { title: "maxUnavailable 0", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.maxUnavailable = 0; }), expect: ["PodDisruptionBudget shop/web: maxUnavailable is 0"], on: "web-pdb" },
        { title: "minAvailable equal to HPA min", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.maxUnavailable; w.spec.minAvailable = 2; }),
            expect: ["minAvailable 2 is not below the 2 replica(s)", "HPA minReplicas"] },
        { title: "minAvailable 100%", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.maxUnavailable; w.spec.minAvailable = "100%"; }), expect: ["minAvailable is 100%"] },
        { title: "a selector but no policy: the disruption controller allows no disruption", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.maxUnavailable; }),
            expect: ["sets neither minAvailable nor maxUnavailable", "allows no disruption at all", "blocks node drains"] },
        { title: "minAvailable 1 of 2", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.maxUnavailable; w.spec.minAvailable = 1; }) },
        { title: "maxUnavailable 50%", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.maxUnavailable = "50%"; }) },
        // Both fields: the API server rejects the object, so say so at preview.
        { title: "both minAvailable and maxUnavailable", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.minAvailable = 1; }),
            expect: ["PodDisruptionBudget shop/web (spec) sets both minAvailable (1) and maxUnavailable (1)", "the API server rejects"], on: "web-pdb" },
        { title: "both, as percentages", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.minAvailable = "50%"; w.spec.maxUnavailable = "25%"; }),
            expect: ["sets both minAvailable (\"50%\") and maxUnavailable (\"25%\")"] },
        { title: "both, on a budget that would otherwise block", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.minAvailable = "100%"; w.spec.maxUnavailable = 0; }),
            expect: ["sets both minAvailable"] },
        // An empty budget selects no pods in policy/v1: it blocks nothing and protects nothing.
        { title: "spec: {}", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec = {}; }),
            expect: ["PodDisruptionBudget shop/web (spec.selector) is not set, and it sets neither minAvailable nor maxUnavailable", "selects no pods", "protects a workload"],
            mustNotContain: ["blocks node drains"] },
        { title: "a policy but no selector", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.selector; }),
            expect: ["(spec.selector) is not set. Why:", "selects no pods"], mustNotContain: ["blocks node drains"] },
        { title: "policy/v1beta1 defaults minAvailable to 1, which blocks a single-replica StatefulSet", resources: addResource(rec("kubernetes:policy/v1beta1:PodDisruptionBudget", "db-pdb", {
            apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", metadata: { name: "db", namespace: NS }, spec: { selector: { matchLabels: { "app.kubernetes.io/name": "db" } } },
        })), expect: ["PodDisruptionBudget shop/db: minAvailable 1 (the policy/v1beta1 default) is not below the 1 replica(s) it protects (StatefulSet shop/db)"] },
    ]);
    defineCases("hpa-sane", [
        { title: "target not in the stack", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.scaleTargetRef.name = "webx"; }),
            expect: ["targets Deployment shop/webx, which is not in this stack"], on: "web-hpa" },
        { title: "minReplicas 1", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.minReplicas = 1; }), expect: ["(spec.minReplicas) is 1"] },
        { title: "max not above min", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.maxReplicas = 2; }), expect: ["(spec.maxReplicas) is 2 with minReplicas 2"] },
    ]);
    defineCases("spread", [
        { title: "an autoscaled Deployment without spreading", level: "advisory", resources: () => broken("web", (w) => { delete podSpec(w).topologySpreadConstraints; }),
            expect: ["Deployment shop/web (spec.template.spec) is scaled by HorizontalPodAutoscaler shop/web up to 6 replicas but has neither topologySpreadConstraints nor a podAntiAffinity"], on: "web" },
        { title: "hostname anti-affinity", resources: () => broken("web", (w) => {
            delete podSpec(w).topologySpreadConstraints;
            podSpec(w).affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: {} } }] } };
        }) },
        { title: "single-replica StatefulSet needs none", resources: () => compliantStack() },
        // Without an HPA, an unset spec.replicas is one replica, not "autoscaled".
        { title: "no HPA and no spec.replicas: one replica", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { delete podSpec(w).topologySpreadConstraints; }) },
        { title: "no HPA, live object with the API server's default replicas: 1", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { delete podSpec(w).topologySpreadConstraints; liveObject(w, false); }) },
        { title: "an HPA of another Deployment does not count", resources: () => edit(edit(compliantStack(), "web-hpa", (w) => { w.spec.scaleTargetRef.name = "api"; }), "web", (w) => { delete podSpec(w).topologySpreadConstraints; }) },
        { title: "an HPA that cannot scale past 1", resources: () => edit(edit(compliantStack(), "web-hpa", (w) => { w.spec.minReplicas = 1; w.spec.maxReplicas = 1; }), "web", (w) => { delete podSpec(w).topologySpreadConstraints; }) },
        { title: "no HPA, three replicas written", level: "advisory", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { delete podSpec(w).topologySpreadConstraints; w.spec.replicas = 3; }),
            expect: ["Deployment shop/web (spec.template.spec) runs 3 replicas but has neither"] },
        { title: "no HPA, live object scaled to 3 outside Pulumi", resources: () => edit(without(compliantStack(), "web-hpa"), "web", (w) => { delete podSpec(w).topologySpreadConstraints; liveObject(w, false); w.spec.replicas = 3; }),
            expect: ["runs 3 replicas"] },
        { title: "a three-replica StatefulSet", resources: () => broken("db", (w) => { w.spec.replicas = 3; }), expect: ["StatefulSet shop/db (spec.template.spec) runs 3 replicas"], on: "db" },
        { title: "a zone spread constraint counts", resources: () => broken("db", (w) => {
            w.spec.replicas = 3;
            podSpec(w).topologySpreadConstraints = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": "db" } } }];
        }) },
    ]);
    defineCases("priority-class", [
        { title: "no priorityClassName", level: "advisory", resources: () => broken("web", (w) => { delete podSpec(w).priorityClassName; }), expect: ["priorityClassName) is not set"] },
        { title: "class not on the list", config: { allowedClasses: ["shop-standard"] }, resources: () => compliantStack(), expect: ["\"shop-critical\", not an allowed class"] },
    ]);
    defineCases("exposed-needs-pdb", [
        { title: "exposed with HPA min 1", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.minReplicas = 1; }),
            expect: ["Deployment shop/web is exposed (Ingress shop/web → Service shop/web) but runs 1 replica(s) (HorizontalPodAutoscaler shop/web minReplicas)"], on: "web" },
        { title: "exposed without PDB", resources: () => without(compliantStack(), "web-pdb"), expect: ["is exposed", "no PodDisruptionBudget selects its pods"] },
        { title: "exposed with a blocking PDB", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.maxUnavailable = "0%"; }), expect: ["allows no eviction: maxUnavailable is \"0%\""] },
        { title: "exposed without readiness", resources: () => broken("web", (w) => { delete container(w).readinessProbe; }), expect: ['container "web"', "without a readinessProbe"] },
        { title: "off in dev", stack: "dev", resources: () => without(compliantStack(), "web-pdb") },
    ]);
    defineCases("hpa-min-prod", [
        { title: "HPA min 1 in prod", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.minReplicas = 1; }), expect: ["below the production minimum 2"], level: "mandatory" },
        { title: "advisory in staging", stack: "staging", level: "advisory", resources: () => edit(compliantStack(), "web-hpa", (w) => { w.spec.minReplicas = 1; }), expect: ["minReplicas) is 1"] },
        { title: "HPA min not above PDB minAvailable", resources: () => edit(compliantStack(), "web-pdb", (w) => { delete w.spec.maxUnavailable; w.spec.minAvailable = 2; }),
            expect: ["minReplicas 2 is not above PodDisruptionBudget shop/web minAvailable 2"] },
        { title: "target sets replicas", resources: () => broken("web", (w) => { w.spec.replicas = 2; }), expect: ["sets spec.replicas although"] },
        { title: "live target with defaulted replicas", resources: () => broken("web", (w) => liveObject(w, false)) },
    ]);
});

/**
 * Turns a Deployment's properties into what the engine hands stack policies after `pulumi up`: the
 * live object, with spec.replicas defaulted to 1 by the API server and managedFields recording
 * which fields Pulumi's server-side apply owns (spec.replicas only when `pulumiOwnsReplicas`).
 */
function liveObject(w: any, pulumiOwnsReplicas: boolean): void {
    w.spec.replicas = 1;
    w.metadata.uid = "0d4c1c3e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
    w.metadata.managedFields = [
        { manager: "pulumi-kubernetes-3f1e2d", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:selector": {}, "f:template": {}, ...(pulumiOwnsReplicas ? { "f:replicas": {} } : {}) } } },
        { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", fieldsType: "FieldsV1", subresource: "status",
            fieldsV1: { "f:status": { "f:replicas": {} } } },
    ];
}
