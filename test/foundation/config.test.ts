/**
 * Configuration as a contract: every key declared in Pulumi.yaml, every bad value stopped before
 * any resource exists, with a message naming the key, the value and what is allowed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../components/config";
import { RecordedResource } from "../../tools/stack/types";
import { evaluateWith, rejection, ROOT, STACKS } from "../helpers/stacks";

const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
const declared: Record<string, any> = project.config;

describe("configuration contract (Pulumi.yaml)", () => {
    it("declares exactly the keys the program validates, with the same type and secrecy", () => {
        assert.deepEqual(Object.keys(declared).sort(), Object.keys(CONFIG_KEYS).sort());
        for (const [key, spec] of Object.entries(CONFIG_KEYS) as Array<[string, { kind: string; secret?: boolean }]>) {
            assert.equal(declared[key].type, spec.kind, `${key}: type`);
            assert.equal(declared[key].secret === true, spec.secret === true, `${key}: secret flag`);
        }
    });

    it("describes every key, and never defaults a secret", () => {
        for (const [key, decl] of Object.entries(declared)) {
            assert.ok(typeof decl.description === "string" && decl.description.length > 20, `${key} needs a description`);
            if (decl.secret) {
                assert.equal(decl.default, undefined, `${key} is secret and must not have a default`);
            }
        }
    });

    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml sets only declared keys and no secret in plain text`, () => {
            const values = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
            for (const [fullKey, value] of Object.entries(values)) {
                const [namespace, key] = fullKey.split(":");
                if (namespace !== project.name) {
                    continue;
                }
                assert.ok(declared[key], `${fullKey} is not declared in Pulumi.yaml`);
                if (declared[key].secret) {
                    assert.ok(typeof value === "object" && value !== null && "secure" in value, `${fullKey} must be encrypted`);
                }
            }
        });

        it(`Pulumi.${stack}.yaml sets every key that has no default`, () => {
            const values = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
            for (const [key, decl] of Object.entries(declared)) {
                if (decl.default === undefined && !decl.secret) {
                    assert.ok(`${project.name}:${key}` in values, `${stack} does not set ${key}`);
                }
            }
        });
    }
});

/** Evaluates dev with some keys replaced; the evaluation must fail; returns its message. */
async function failure(overrides: Record<string, unknown>, stack: (typeof STACKS)[number] = "dev") {
    return rejection(evaluateWith(stack, overrides));
}

describe("configuration validation", () => {
    const cases: Array<{ kind: string; key: string; value: unknown; allowed: RegExp }> = [
        { kind: "integer below its range", key: "certManagerReplicas", value: -1, allowed: /integer from 1 to 5/ },
        { kind: "integer above its range", key: "ingressReplicas", value: 50, allowed: /integer from 1 to 10/ },
        { kind: "integer that is not a number", key: "prometheusReplicas", value: "two", allowed: /must be an integer/ },
        { kind: "malformed CPU quantity", key: "ingressCpuRequest", value: "100 millicores", allowed: /CPU quantity such as 250m/ },
        { kind: "zero CPU quantity", key: "lokiCpuRequest", value: "0", allowed: /positive CPU quantity/ },
        { kind: "malformed byte quantity", key: "lokiStorageSize", value: "10GB", allowed: /byte quantity such as 512Mi/ },
        { kind: "malformed optional byte quantity", key: "prometheusStorageSize", value: "lots", allowed: /or empty for no volume/ },
        { kind: "bad host name", key: "grafanaHost", value: "Grafana_Host", allowed: /DNS host name/ },
        { kind: "host name without a domain", key: "grafanaHost", value: "grafana", allowed: /at least one dot/ },
        { kind: "unknown enum value", key: "ingressServiceType", value: "Ingress", allowed: /one of LoadBalancer, NodePort, ClusterIP/ },
        { kind: "environment name with capitals", key: "environment", value: "QA", allowed: /lower-case name of 1 to 20 letters, digits and '-' starting with a letter, such as dev, qa or eu-prod/ },
        { kind: "environment name too long for namespace names", key: "environment", value: "a-very-long-environment", allowed: /1 to 20/ },
        { kind: "unknown tier", key: "tier", value: "production", allowed: /one of dev, staging, prod/ },
        { kind: "unknown issuer", key: "clusterIssuer", value: "letsencrypt", allowed: /one of letsencrypt-staging, letsencrypt-prod/ },
        { kind: "bad email", key: "acmeEmail", value: "nobody", allowed: /email address/ },
        { kind: "bad Prometheus duration", key: "prometheusRetention", value: "15 days", allowed: /Prometheus duration/ },
        { kind: "bad Prometheus byte size", key: "prometheusRetentionSize", value: "18Gi", allowed: /Prometheus byte size such as 18GiB/ },
        { kind: "Loki retention not in whole days", key: "lokiRetention", value: "100h", allowed: /multiple of 24/ },
        { kind: "chart pinned to a range", key: "chartVersionOverrides", value: ["loki=^18.0.0"], allowed: /exact version/ },
        { kind: "override of an unknown chart", key: "chartVersionOverrides", value: ["nginx=1.0.0"], allowed: /chart one of cert-manager/ },
        { kind: "chart mirror on another scheme", key: "helmRepositoryMirror", value: "ftp://x", allowed: /http\(s\) URL of a Helm repository that serves every pinned chart/ },
        { kind: "chart mirror that is not a URL", key: "helmRepositoryMirror", value: "not a url", allowed: /or empty for each chart's own repository/ },
        { kind: "chart mirror with a query", key: "helmRepositoryMirror", value: "https://charts.example.com/helm?token=abc", allowed: /no user:password@, query or #fragment/ },
        { kind: "unknown product", key: "products", value: ["chatbot", "chatgpt"], allowed: /"chatgpt" is unknown: allowed are quickspin-ai/ },
        { kind: "product listed twice", key: "products", value: ["chatbot", "chatbot"], allowed: /more than once/ },
        { kind: "list given as a string", key: "products", value: "chatbot", allowed: /must be a list/ },
        { kind: "bad Slack channel", key: "alertSlackChannel", value: "alerts", allowed: /Slack channel such as #alerts-prod/ },
        { kind: "bad Kubernetes object name", key: "storageClass", value: "Fast_SSD", allowed: /Kubernetes object name/ },
        { kind: "empty kube context", key: "kubeContext", value: "", allowed: /must not be empty/ },
    ];

    for (const c of cases) {
        it(`stops on a ${c.kind} (${c.key}) naming the key, the value and what is allowed`, async () => {
            const message = await failure({ [c.key]: c.value });
            const shown = JSON.stringify(typeof c.value === "string" ? c.value : JSON.stringify(c.value));
            assert.ok(message.includes(`ai-platform:${c.key} = ${shown}`), `message does not name key and value:\n${message}`);
            assert.match(message, c.allowed);
        });
    }

    it("stops when a key without a default is not set, naming the key and how to set it", async () => {
        const message = await failure({ kubeContext: undefined });
        assert.match(message, /ai-platform:kubeContext is not set \(for example ai-platform-qa\)/);
        assert.match(message, /pulumi config set kubeContext <value> -s dev/);
    });

    // Every key without a default: its "not set" line offers the allowed values or an example.
    const required = Object.entries(declared).filter(([, d]) => d.default === undefined && !d.secret).map(([k]) => k);
    it("each key without a default offers its allowed values or an example that its own rule accepts", async () => {
        assert.ok(required.includes("tier") && required.includes("environment"), required.join(", "));
        const message = await failure(Object.fromEntries(required.map((k) => [k, undefined])));
        for (const key of required) {
            const line = message.split("\n").find((l) => l.includes(`ai-platform:${key} is not set`));
            assert.ok(line, `no "not set" line for ${key}:\n${message}`);
            const hint = /is not set \((one of (.+)|for example (.+))\): set it in Pulumi\.dev\.yaml/.exec(line);
            assert.ok(hint, `${key} offers neither allowed values nor an example: ${line}`);
            const spec = (CONFIG_KEYS as Record<string, { kind: string; schema: { safeParse(v: unknown): { success: boolean } } }>)[key];
            const samples = hint[2] !== undefined ? hint[2].split(", ") : [hint[3]];
            for (const sample of samples) {
                const value = spec.kind === "array" ? parse(sample) : sample;
                assert.ok(spec.schema.safeParse(value).success, `${key}: the offered ${JSON.stringify(sample)} fails the key's own rule`);
            }
        }
    });

    it("names the rule next to each missing secret", async () => {
        const message = await failure({ alertSlackWebhookUrl: undefined });
        assert.match(message, /pulumi config set --secret ai-platform:alertSlackWebhookUrl <value> -s dev {4}# must be an https URL on hooks\.slack\.com/);
    });

    it("refuses an environment named after another tier", async () => {
        const message = await failure({ environment: "prod" }, "staging");
        assert.match(message, /ai-platform:environment = "prod" with ai-platform:tier = "staging": an environment named after a tier must have that tier/);
    });

    it("refuses a key Pulumi.yaml does not declare, naming it and the declared key it resembles", async () => {
        // The CLI itself accepts undeclared keys: without this, the typo would run prod ingress at the default.
        const message = await failure({ ingresReplicas: 3 }, "prod");
        assert.match(message, /ai-platform:ingresReplicas is not a configuration key of this project: did you mean ai-platform:ingressReplicas\?/);
    });

    it("names no suggestion for an undeclared key that resembles nothing, and leaves other namespaces alone", async () => {
        const message = await failure({ "ai-platform:zzzQqq": "1", "kubernetes:enableServerSideApply": "true" });
        assert.match(message, /ai-platform:zzzQqq is not a configuration key of this project \(every key is declared in Pulumi\.yaml/);
        assert.doesNotMatch(message, /did you mean/);
        assert.doesNotMatch(message, /kubernetes:enableServerSideApply/);
    });

    it("reports every missing secret together, each with its `pulumi config set --secret` command", async () => {
        const message = await failure({ alertSlackWebhookUrl: undefined, alertDiscordWebhookUrl: undefined });
        assert.match(message, /Missing secret configuration for stack "dev" \(2\)/);
        assert.match(message, /pulumi config set --secret ai-platform:alertSlackWebhookUrl <value> -s dev/);
        assert.match(message, /pulumi config set --secret ai-platform:alertDiscordWebhookUrl <value> -s dev/);
    });

    it("rejects an invalid secret without ever printing it", async () => {
        const leaked = "http://example.com/this-is-the-secret-token";
        const message = await failure({ alertSlackWebhookUrl: leaked });
        assert.match(message, /ai-platform:alertSlackWebhookUrl = \[secret\]: must be an https URL on hooks\.slack\.com/);
        assert.ok(!message.includes("this-is-the-secret-token"));
    });

    it("reports all bad keys and missing secrets in one error", async () => {
        const message = await failure({ ingressReplicas: 0, grafanaHost: "bad host", alertDiscordWebhookUrl: undefined });
        assert.match(message, /ai-platform:ingressReplicas = "0"/);
        assert.match(message, /ai-platform:grafanaHost = "bad host"/);
        assert.match(message, /pulumi config set --secret ai-platform:alertDiscordWebhookUrl/);
    });

    it("refuses a Prometheus size cap that does not fit its volume", async () => {
        const message = await failure({ prometheusRetentionSize: "20GiB", prometheusStorageSize: "20Gi" });
        assert.match(message, /ai-platform:prometheusRetentionSize = "20GiB": must be below ai-platform:prometheusStorageSize \(20Gi\)/);
    });

    it("refuses a memory request above its limit", async () => {
        const message = await failure({ lokiMemoryRequest: "2Gi", lokiMemoryLimit: "1Gi" });
        assert.match(message, /ai-platform:lokiMemoryRequest = "2Gi": must not exceed ai-platform:lokiMemoryLimit \(1Gi\)/);
    });

    it("refuses the staging ACME issuer in prod", async () => {
        const message = await failure({ clusterIssuer: "letsencrypt-staging" }, "prod");
        assert.match(message, /ai-platform:clusterIssuer = "letsencrypt-staging": prod must use letsencrypt-prod/);
    });

    it("builds nothing when configuration is invalid", async () => {
        const registered: RecordedResource[] = [];
        await rejection(evaluateWith("dev", { ingressReplicas: -3 }, { onResource: (r) => registered.push(r) }));
        const built = registered.filter((r) => r.type !== "pulumi:pulumi:Stack");
        assert.deepEqual(built.map((r) => r.type), []);
    });

    it("names the known stacks when asked for one that does not exist", async () => {
        const message = await rejection(evaluateWith("qa" as never, {}));
        assert.match(message, /Unknown stack "qa": there is no Pulumi\.qa\.yaml \(known stacks: dev, prod, staging\)/);
    });

    it("refuses a chart mirror URL with credentials without echoing the password", async () => {
        const message = await failure({ helmRepositoryMirror: "https://ci:hunter2-password@charts.example.com/helm" });
        assert.match(message, /ai-platform:helmRepositoryMirror = "https:\/\/ci:\[redacted\]@charts\.example\.com\/helm": must be the http\(s\) URL/);
        assert.ok(!message.includes("hunter2-password"), message);
    });

    it("accepts a valid chart version override and installs that version", async () => {
        const ev = await evaluateWith("dev", { chartVersionOverrides: ["loki=18.12.0"] });
        const loki = ev.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "loki");
        assert.equal(loki?.inputs.version, "18.12.0");
    });
});
