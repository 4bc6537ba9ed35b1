/**
 * The product keys as a contract: declared and validated like the platform's, a bad value stops
 * the program naming key, value and what is allowed; prod tags are semantic versions; a product's
 * secrets are asked for only where the product runs, and all missing ones are reported together.
 */
import { strict as assert } from "assert";
import { evaluateWith, rejection } from "../helpers/stacks";

type Stack = "dev" | "staging" | "prod";

async function failure(overrides: Record<string, unknown>, stack: Stack = "dev"): Promise<string> {
    return rejection(evaluateWith(stack, overrides));
}

describe("product configuration", () => {
    const cases: Array<{ kind: string; key: string; value: unknown; allowed: RegExp; stack?: Stack }> = [
        { kind: "canary weight above 100", key: "chatbotCanaryWeight", value: 150, allowed: /integer from 0 to 100/, stack: "staging" },
        { kind: "unknown color", key: "chatbotActiveColor", value: "purple", allowed: /one of blue, green/, stack: "prod" },
        { kind: "latest tag", key: "quickspinImageTag", value: "latest", allowed: /other than latest/ },
        { kind: "malformed tag", key: "llmServiceImageTag", value: "v1 beta", allowed: /must be an image tag/ },
        { kind: "QuickSpin replicas above the document's HPA maximum", key: "quickspinReplicas", value: 7, allowed: /integer from 1 to 6/ },
        { kind: "bad host", key: "chatbotHost", value: "Chatbot_Host", allowed: /DNS host name/ },
        { kind: "bad memory quantity", key: "harvisBackendMemory", value: "twelve gigs", allowed: /byte quantity/ },
        { kind: "unknown log level", key: "harvisLogLevel", value: "VERBOSE", allowed: /one of DEBUG, INFO, WARNING, ERROR, CRITICAL/ },
        { kind: "negative GPU count", key: "harvisBackendGpus", value: -1, allowed: /integer from 0 to 8/ },
        { kind: "bad node name", key: "harvisBackendNode", value: "Node_1", allowed: /node name/ },
        { kind: "non-https API URL", key: "quickspinApiUrl", value: "http://api.quickspin.cloud", allowed: /https URL/ },
        { kind: "bad CIDR", key: "kubeApiServerCidrs", value: ["10.0.0.0"], allowed: /IPv4 CIDR/ },
        { kind: "registry with a scheme", key: "harvisImageRegistry", value: "http://localhost:5000", allowed: /registry host/ },
    ];

    for (const c of cases) {
        it(`stops on a ${c.kind} (${c.key}) naming the key, the value and what is allowed`, async () => {
            const message = await failure({ [c.key]: c.value }, c.stack);
            const shown = JSON.stringify(typeof c.value === "string" ? c.value : JSON.stringify(c.value));
            assert.ok(message.includes(`ai-platform:${c.key} = ${shown}`), `message does not name key and value:\n${message}`);
            assert.match(message, c.allowed);
        });
    }

    it("refuses a prod tag that is not a semantic version, for every tag the release uses", async () => {
        const message = await failure({ chatbotBlueImageTag: "sha-3f9c2ab", harvisImageTag: "staging-latest" }, "prod");
        assert.match(message, /ai-platform:chatbotBlueImageTag = "sha-3f9c2ab": prod images must be pinned to a semantic version/);
        assert.match(message, /ai-platform:harvisImageTag = "staging-latest": prod images must be pinned to a semantic version/);
    });

    it("requires the host and tags a deployed product's release uses, naming the command that sets them", async () => {
        const message = await failure({ chatbotCanaryImageTag: "", soundcoreHost: "" }, "staging");
        assert.match(message, /ai-platform:chatbotCanaryImageTag is empty: products includes chatbot, which needs it in the staging tier; for example v1\.2\.3 \(pulumi config set chatbotCanaryImageTag <value> -s staging\)/);
        assert.match(message, /ai-platform:soundcoreHost is empty: products includes soundcore-kcp, which needs it in the staging tier; for example app\.qa\.example\.com \(pulumi config set soundcoreHost <value> -s staging\)/);
    });

    it("never prints an invalid secret, and says what a valid one looks like", async () => {
        const message = await failure({ quickspinGroqApiKey: "sk-this-is-the-wrong-provider-key" });
        assert.match(message, /ai-platform:quickspinGroqApiKey = \[secret\]: must be a Groq API key starting with gsk_/);
        assert.ok(!message.includes("wrong-provider"));
    });

    it("refuses secrets GitLab could not mask (they become masked CI/CD variables later)", async () => {
        const message = await failure({ chatbotHfAccessToken: "hf_has spaces in it" });
        assert.match(message, /ai-platform:chatbotHfAccessToken = \[secret\]: .*GitLab can only mask/);
    });

    it("reports every missing product secret together, and only for products the stack deploys", async () => {
        const message = await failure({ soundcoreOpenaiApiKey: undefined, quickspinGroqApiKey: undefined, harvisRunnerToken: undefined }, "staging");
        assert.match(message, /Missing secret configuration for stack "staging" \(3\)/);
        for (const key of ["soundcoreOpenaiApiKey", "quickspinGroqApiKey", "harvisRunnerToken"]) {
            assert.match(message, new RegExp(`pulumi config set --secret ai-platform:${key} <value> -s staging`));
        }
    });

    it("does not ask dev for Soundcore's secrets (not deployed) or the runner token (no runner in dev)", async () => {
        const ev = await evaluateWith("dev", { soundcoreOpenaiApiKey: undefined, harvisRunnerToken: undefined });
        assert.ok(ev.resources.length > 50);
    });

    it("protects data with one key: dataProtection adds protect, Retain and the daily backups to staging", async () => {
        const kinds = (ev: Awaited<ReturnType<typeof evaluateWith>>, type: string) => ev.resources.filter((r) => r.type === type);
        const off = await evaluateWith("staging", {});
        const on = await evaluateWith("staging", { dataProtection: true });
        assert.equal(kinds(off, "kubernetes:batch/v1:CronJob").length, 0, "staging takes no backups by default");
        const backups = kinds(on, "kubernetes:batch/v1:CronJob");
        // The Soundcore KCP deployment documentation's four Soundcore stores, plus the chatbot's and Harvis AI's PostgreSQL.
        assert.ok(backups.length >= 6, `${backups.length} backup jobs`);
        // StatefulSets that hold data (Redis Sentinel keeps none).
        for (const sts of kinds(on, "kubernetes:apps/v1:StatefulSet").filter((x) => (x.inputs.spec.volumeClaimTemplates ?? []).length > 0)) {
            assert.equal(sts.protect, true, sts.name);
            assert.equal(sts.inputs.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted, "Retain", sts.name);
        }
        for (const ns of kinds(on, "kubernetes:core/v1:Namespace")) {
            assert.equal(ns.protect, true, ns.name);
        }
        assert.ok(kinds(off, "kubernetes:apps/v1:StatefulSet").every((sts) => sts.protect === false));
    });

    it("ignores whatever value the CLI made dev set for a product it does not deploy", async () => {
        // `pulumi preview` requires every declared secret on every stack; for Soundcore in dev any
        // value must do, even one its rules would refuse where Soundcore runs.
        const ev = await evaluateWith("dev", { soundcoreSentryDsn: "not-deployed", soundcoreOpenaiApiKey: "n/a" });
        assert.ok(!JSON.stringify(ev.resources.map((r) => r.inputs)).includes("not-deployed"));
        const staging = await failure({ soundcoreSentryDsn: "not-deployed" }, "staging");
        assert.match(staging, /ai-platform:soundcoreSentryDsn = \[secret\]: must be a Sentry DSN/);
    });
});
