/**
 * The source documents' GitLab variable tables as the stacks register them. Expected keys and flags are
 * written here from the source documents of QuickSpin AI, the chatbot and Soundcore KCP
 * (docs/products/), not from the tables' code.
 */
import { strict as assert } from "assert";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { configured, evaluateWith, isSecretAt, ofType, rejection, stackEvaluation, STACKS, secretEntries } from "../helpers/stacks";

const VARIABLE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

interface Row {
    readonly project: string;
    readonly key: string;
    readonly scope: string;
    readonly protected: boolean;
    readonly masked: boolean;
    readonly file: boolean;
    readonly resource: RecordedResource;
}

function rows(ev: StackEvaluation): Row[] {
    return ofType(ev, VARIABLE).map((r) => ({
        project: r.inputs.project,
        key: r.inputs.key,
        scope: r.inputs.environmentScope ?? "*",
        protected: r.inputs.protected === true,
        masked: r.inputs.masked === true,
        file: r.inputs.variableType === "file",
        resource: r,
    }));
}

/** The QuickSpin AI setup guide's table: key → [protected, masked, file]. KUBECONFIG_CONTENT: "File | Masked". */
const QUICKSPIN_TABLE: Record<string, { protected?: boolean; masked: boolean; file?: boolean }> = {
    QUICKSPIN_API_URL: { protected: false, masked: false },
    QUICKSPIN_API_URL_PROD: { protected: true, masked: false },
    QUICKSPIN_AUTH_URL: { protected: false, masked: false },
    QUICKSPIN_AUTH_URL_PROD: { protected: true, masked: false },
    GROQ_API_KEY: { protected: true, masked: true },
    GROQ_API_KEY_PROD: { protected: true, masked: true },
    MONGODB_URI: { protected: true, masked: true },
    MONGODB_URI_PROD: { protected: true, masked: true },
    JWT_SECRET_KEY: { protected: true, masked: true },
    JWT_SECRET_KEY_PROD: { protected: true, masked: true },
    KUBECONFIG_CONTENT: { masked: true, file: true },
    DISCORD_WEBHOOK_URL: { protected: false, masked: false },
};

/** The Soundcore KCP deployment documentation's "Required GitLab CI/CD Variables". */
const SOUNDCORE_TABLE = ["CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "KUBE_CONFIG_STAGING", "KUBE_CONFIG_PRODUCTION", "DATABASE_URL",
    "MONGODB_URI", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PINECONE_API_KEY", "SLACK_WEBHOOK_URL", "SENTRY_DSN"];

/** GitLab's masking rule for raw=false values (docs, ≤17.x): ≥ 8 characters of this alphabet. */
const MASKABLE = /^[A-Za-z0-9_+=/@:.~-]{8,}$/;

describe("GitLab CI/CD variables registered by the stacks", () => {
    const all: Record<string, Row[]> = {};
    before(async () => {
        for (const stack of STACKS) {
            all[stack] = rows(await stackEvaluation(stack));
        }
    });
    const project = (stack: string, path: string) => all[stack].filter((r) => r.project === path);

    it("registers the QuickSpin AI setup guide's twelve QuickSpin AI variables across staging and prod, with its flags", () => {
        const rowsByKey = new Map<string, Row[]>();
        for (const stack of ["staging", "prod"]) {
            for (const row of project(stack, "quick-spin/quick-spin-ai")) {
                rowsByKey.set(row.key, [...(rowsByKey.get(row.key) ?? []), row]);
            }
        }
        assert.deepEqual([...rowsByKey.keys()].sort(), Object.keys(QUICKSPIN_TABLE).sort());
        for (const [key, expected] of Object.entries(QUICKSPIN_TABLE)) {
            for (const row of rowsByKey.get(key)!) {
                assert.equal(row.masked, expected.masked, `${key} masked`);
                assert.equal(row.file, expected.file === true, `${key} file`);
                if (expected.protected !== undefined) {
                    assert.equal(row.protected, expected.protected, `${key} protected`);
                }
            }
        }
        assert.equal(project("dev", "quick-spin/quick-spin-ai").length, 0, "the QuickSpin AI setup guide has no dev environment");
    });

    it("gives each environment its own kubeconfig through GitLab environment scopes, never the same key and scope twice", () => {
        const kubeconfigScopes = ["staging", "prod"].flatMap((s) => project(s, "quick-spin/quick-spin-ai"))
            .filter((r) => r.key === "KUBECONFIG_CONTENT").map((r) => r.scope).sort();
        assert.deepEqual(kubeconfigScopes, ["ai-production", "ai-staging"], "the document's deploy environments");
        const seen = new Set<string>();
        for (const stack of STACKS) {
            for (const row of all[stack]) {
                const id = `${row.project}:${row.key}:${row.scope}`;
                assert.ok(!seen.has(id), `${id} is written by two stacks`);
                seen.add(id);
            }
        }
    });

    it("publishes kubeconfigs as single-line base64 so GitLab can mask them, decoding to the stack's deploy kubeconfig", async () => {
        const ev = await stackEvaluation("prod");
        const kubeconfig = rows(ev).find((r) => r.key === "KUBECONFIG_CONTENT")!;
        const value: string = kubeconfig.resource.inputs.value;
        assert.match(value, MASKABLE);
        const decoded = Buffer.from(value, "base64").toString("utf8");
        assert.match(decoded, /^kind: Config$/m);
        assert.match(decoded, /^clusters:/m);
    });

    it("maps the chatbot's deployment guide's per-environment chatbot secrets to environment scopes in every stack", () => {
        const scopes: Record<string, string> = { dev: "dev", staging: "staging", prod: "production" };
        for (const stack of STACKS) {
            const chatbot = project(stack, "shopyverse/chatbot-service");
            const keys = chatbot.map((r) => r.key).sort();
            const expected = ["HF_ACCESS_TOKEN", "K8S_CONTEXT", "K8S_KUBECONFIG_B64", "SLACK_WEBHOOK", ...(stack === "prod" ? ["PROD_API_KEY"] : [])].sort();
            assert.deepEqual(keys, expected, stack);
            for (const row of chatbot) {
                assert.equal(row.scope, scopes[stack], `${stack} ${row.key}`);
            }
            const context = chatbot.find((r) => r.key === "K8S_CONTEXT")!;
            assert.equal(context.resource.inputs.value, configured(stack, "kubeContext"));
        }
    });

    it("registers the Soundcore KCP deployment documentation's Soundcore KCP variables across staging and prod, secrets masked and protected", () => {
        const soundcore = ["staging", "prod"].flatMap((s) => project(s, "soundcore/kcp"));
        assert.deepEqual([...new Set(soundcore.map((r) => r.key))].sort(), [...SOUNDCORE_TABLE].sort());
        for (const row of soundcore.filter((r) => r.key !== "CI_REGISTRY_USER")) {
            assert.ok(row.masked && row.protected, `${row.key} must be masked and protected`);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: every value travels as a secret and every masked value meets GitLab's masking rules`, () => {
            assert.ok(all[stack].length > 0);
            for (const row of all[stack]) {
                assert.ok(isSecretAt(row.resource, "value"), `${row.key} value is not secret`);
                if (row.masked) {
                    const value: string = row.resource.inputs.value;
                    const rule = row.resource.inputs.raw ? /^\S{8,}$/ : MASKABLE;
                    assert.match(value, rule, `${row.key} cannot be masked`);
                }
                assert.equal(row.resource.inputs.token, undefined, "the token comes from GITLAB_TOKEN at run time, not from state");
            }
        });
    }

    it("uses the workloads' own secrets: the Groq key in GitLab is the one in the cluster's Secret", async () => {
        const ev = await stackEvaluation("prod");
        const groq = rows(ev).find((r) => r.key === "GROQ_API_KEY_PROD")!;
        const secret = ofType(ev, "kubernetes:core/v1:Secret").find((s) => s.inputs.metadata.name === "quickspin-ai-secrets")!;
        assert.equal(groq.resource.inputs.value, secretEntries(secret).GROQ_API_KEY);
    });

    it("follows a rotated secret: a new Groq key changes both the cluster Secret and the GitLab variable", async () => {
        const rotated = "gsk_rotatedKeyForTheTest0123456789";
        const ev = await evaluateWith("prod", { quickspinGroqApiKey: rotated });
        const groq = rows(ev).find((r) => r.key === "GROQ_API_KEY_PROD")!;
        const secret = ofType(ev, "kubernetes:core/v1:Secret").find((s) => s.inputs.metadata.name === "quickspin-ai-secrets")!;
        assert.equal(groq.resource.inputs.value, rotated);
        assert.equal(secretEntries(secret).GROQ_API_KEY, rotated);
    });

    it("refuses to map a product the stack does not deploy", async () => {
        const notDeployed = await rejection(evaluateWith("dev", { gitlabProjects: ["soundcore-kcp=soundcore/kcp"] }));
        assert.match(notDeployed, /ai-platform:gitlabProjects maps soundcore-kcp, which this stack does not deploy/);
        const badProject = await rejection(evaluateWith("dev", { gitlabProjects: ["chatbot=not a project"] }));
        assert.match(badProject, /ai-platform:gitlabProjects = .*the project must be a path such as group\/project/);
    });
});
