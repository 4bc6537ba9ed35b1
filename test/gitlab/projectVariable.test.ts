/**
 * The dynamic provider's methods, called the way the Pulumi engine calls them,
 * end to end through gitbeaker against the loopback GitLab double.
 */
import * as assert from "assert";
import {
    ProjectVariableInputs,
    ProjectVariableOutputs,
    parseVariableId,
    projectVariableProvider as provider,
} from "../../components/gitlab/projectVariable";
import { GitlabDouble, startGitlabDouble, stopGitlabDouble, testFixture } from "./gitlabDouble";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Runs `fn` and returns the Error it throws (fails the test if it does not throw). */
async function rejection(fn: () => Promise<unknown>): Promise<Error> {
    try {
        await fn();
    } catch (err) {
        assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
        return err;
    }
    throw new assert.AssertionError({ message: "expected a rejection" });
}

describe("GitLab ProjectVariable provider", () => {
    const fx = testFixture();
    let gl: GitlabDouble;
    const savedEnv = { GITLAB_TOKEN: process.env.GITLAB_TOKEN, GITLAB_URL: process.env.GITLAB_URL };

    /** Inputs as check() would hand them to create(). */
    function inputs(over: Partial<ProjectVariableInputs> = {}): ProjectVariableInputs {
        return { project: fx.projectId, key: "GROQ_API_KEY", value: "gsk_live_0123456789abcdef", baseUrl: gl.url, token: fx.maintainerToken, ...over };
    }
    async function created(over: Partial<ProjectVariableInputs> = {}): Promise<{ id: string; outs: ProjectVariableOutputs }> {
        const r = await provider.create(inputs(over));
        return { id: r.id, outs: r.outs as ProjectVariableOutputs };
    }

    before(async () => {
        gl = await startGitlabDouble(fx.options);
    });
    after(async () => {
        await stopGitlabDouble(gl);
        for (const [k, v] of Object.entries(savedEnv)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    });
    beforeEach(() => {
        gl.reset();
        delete process.env.GITLAB_TOKEN;
        delete process.env.GITLAB_URL;
    });

    describe("check", () => {
        it("applies GitLab's defaults and normalizes project and URL", async () => {
            const r = await provider.check!({} as ProjectVariableInputs, {
                project: 4242,
                key: "K",
                value: "v",
                baseUrl: "https://gitlab.example.com/api/v4/",
                token: "t",
            });
            assert.deepStrictEqual(r.failures, []);
            assert.deepStrictEqual(r.inputs, {
                project: "4242",
                key: "K",
                value: "v",
                variableType: "env_var",
                protected: false,
                masked: false,
                hidden: false,
                raw: false,
                environmentScope: "*",
                baseUrl: "https://gitlab.example.com",
                token: "t",
            });
        });

        it("falls back to GITLAB_URL, then gitlab.com, and never copies GITLAB_TOKEN into inputs", async () => {
            process.env.GITLAB_TOKEN = fx.maintainerToken;
            const plain = await provider.check!({} as ProjectVariableInputs, { project: "g/p", key: "K", value: "v" });
            assert.deepStrictEqual(plain.failures, []);
            assert.strictEqual(plain.inputs!.baseUrl, "https://gitlab.com");
            assert.strictEqual("token" in plain.inputs!, false);
            process.env.GITLAB_URL = "https://git.internal.example/";
            const fromEnv = await provider.check!({} as ProjectVariableInputs, { project: "g/p", key: "K", value: "v" });
            assert.strictEqual(fromEnv.inputs!.baseUrl, "https://git.internal.example");
        });

        const failing: Array<[string, Partial<ProjectVariableInputs>, string, string]> = [
            ["no project", { project: "" }, "project", "project is required"],
            ["a bad key", { key: "MY-KEY" }, "key", "key must be 1-255 characters from A-Z, a-z, 0-9 and _"],
            ["a 256-char key", { key: "K".repeat(256) }, "key", "key must be 1-255 characters from A-Z, a-z, 0-9 and _"],
            ["no value", { value: undefined as unknown as string }, "value", "value is required"],
            ["a bad type", { variableType: "secret" as "file" }, "variableType", "variableType must be env_var or file"],
            ["an empty scope", { environmentScope: "" }, "environmentScope", "environmentScope may contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"],
            ["a bad scope", { environmentScope: "prod#1" }, "environmentScope", "environmentScope may contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"],
            ["a long description", { description: "d".repeat(256) }, "description", "description must be at most 255 characters"],
            ["hidden without masked", { hidden: true, masked: false }, "hidden", "hidden requires masked: true"],
            ["a short masked value", { masked: true, value: "short" }, "value", "masked value must be at least 8 characters with no whitespace or newlines"],
            ["a masked value with a newline", { masked: true, raw: true, value: "abcdefgh\nijkl" }, "value", "masked value must be at least 8 characters with no whitespace or newlines"],
            ["'!' in a masked expanded value", { masked: true, value: "abcdefgh!" }, "value", "masked value with raw=false may contain only A-Z a-z 0-9 and _ + = / @ : . ~ -"],
            ["a hidden value that cannot be masked", { masked: true, hidden: true, value: "has space in it" }, "value", "masked value must be at least 8 characters with no whitespace or newlines"],
            ["a non-http URL", { baseUrl: "gitlab.example.com" }, "baseUrl", "baseUrl must be an http(s) URL"],
        ];
        for (const [name, over, property, reason] of failing) {
            it(`fails ${name}`, async () => {
                const r = await provider.check!({} as ProjectVariableInputs, inputs(over));
                assert.deepStrictEqual(r.failures, [{ property, reason }]);
            });
        }

        it("accepts '!' in a masked value when raw is true", async () => {
            const r = await provider.check!({} as ProjectVariableInputs, inputs({ masked: true, raw: true, value: "abcdefgh!" }));
            assert.deepStrictEqual(r.failures, []);
        });

        it("needs no token to check, so previews run without GitLab credentials; creating without one fails clearly", async () => {
            const checked = await provider.check!({} as ProjectVariableInputs, inputs({ token: undefined }));
            assert.deepStrictEqual(checked.failures, []);
            await assert.rejects(provider.create!(checked.inputs!), /no GitLab token: set the token input or GITLAB_TOKEN/);
        });

        it("accepts a token from GITLAB_TOKEN", async () => {
            process.env.GITLAB_TOKEN = fx.maintainerToken;
            const r = await provider.check!({} as ProjectVariableInputs, inputs({ token: undefined }));
            assert.deepStrictEqual(r.failures, []);
        });

        it("skips rules on values unknown during preview", async () => {
            const r = await provider.check!({} as ProjectVariableInputs, {
                project: UNKNOWN,
                key: UNKNOWN,
                value: UNKNOWN,
                masked: true,
                raw: UNKNOWN as unknown as boolean,
                environmentScope: UNKNOWN,
                token: UNKNOWN,
            });
            assert.deepStrictEqual(r.failures, []);
            assert.strictEqual(r.inputs!.value, UNKNOWN);
        });

        it("with raw unknown, still applies the rule common to both settings", async () => {
            const r = await provider.check!({} as ProjectVariableInputs, inputs({ masked: true, raw: UNKNOWN as unknown as boolean, value: "short" }));
            assert.deepStrictEqual(r.failures?.map((f) => f.property), ["value"]);
        });
    });

    describe("diff", () => {
        const olds = (over: Partial<ProjectVariableOutputs> = {}): ProjectVariableOutputs => ({
            project: "4242",
            key: "K",
            value: "v",
            variableType: "env_var",
            protected: false,
            masked: false,
            hidden: false,
            raw: false,
            environmentScope: "*",
            baseUrl: "https://gitlab.example.com",
            token: "t",
            ...over,
        });
        const news = (over: Partial<ProjectVariableInputs> = {}): ProjectVariableInputs => ({ ...olds(), ...over });

        it("reports no change for identical state, with changes=false (not undefined)", async () => {
            assert.deepStrictEqual(await provider.diff!("4242:K:*", olds(), news()), {
                changes: false,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });
        it("treats a numeric project equal to its string form", async () => {
            assert.strictEqual((await provider.diff!("4242:K:*", olds(), news({ project: 4242 }))).changes, false);
        });
        for (const [prop, value] of [
            ["value", "w"],
            ["variableType", "file"],
            ["protected", true],
            ["masked", true],
            ["raw", true],
            ["description", "new"],
            ["token", "t2"],
        ] as const) {
            it(`updates in place when ${prop} changes`, async () => {
                const d = await provider.diff!("4242:K:*", olds(), news({ [prop]: value }));
                assert.deepStrictEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false });
            });
        }
        it("deletes before replacing when project, hidden or baseUrl change (key and scope stay)", async () => {
            for (const over of [{ project: "other/p" }, { hidden: true, masked: true }, { baseUrl: "https://other.example" }]) {
                const d = await provider.diff!("4242:K:*", olds(), news(over));
                assert.strictEqual(d.changes, true);
                assert.strictEqual(d.deleteBeforeReplace, true, JSON.stringify(over));
                assert.ok(d.replaces!.length > 0);
            }
        });
        it("creates before deleting when the key or the scope changes", async () => {
            const k = await provider.diff!("4242:K:*", olds(), news({ key: "K2" }));
            assert.deepStrictEqual(k, { changes: true, replaces: ["key"], deleteBeforeReplace: false });
            const s = await provider.diff!("4242:K:*", olds(), news({ environmentScope: "production" }));
            assert.deepStrictEqual(s, { changes: true, replaces: ["environmentScope"], deleteBeforeReplace: false });
        });
        it("counts an unknown replace trigger as a replace, an unknown value as an update", async () => {
            const r = await provider.diff!("4242:K:*", olds(), news({ project: UNKNOWN }));
            assert.deepStrictEqual(r.replaces, ["project"]);
            assert.strictEqual(r.changes, true);
            const u = await provider.diff!("4242:K:*", olds(), news({ value: UNKNOWN }));
            assert.deepStrictEqual(u, { changes: true, replaces: [], deleteBeforeReplace: false });
        });
        it("replaces on an unknown scope, deleting first since it may turn out unchanged", async () => {
            const d = await provider.diff!("4242:K:*", olds(), news({ environmentScope: UNKNOWN }));
            assert.deepStrictEqual(d, { changes: true, replaces: ["environmentScope"], deleteBeforeReplace: true });
        });
        it("fills defaults into state written without them", async () => {
            const sparse = { project: "4242", key: "K", value: "v", baseUrl: "https://gitlab.example.com", token: "t" } as ProjectVariableOutputs;
            assert.strictEqual((await provider.diff!("4242:K:*", sparse, news())).changes, false);
        });
    });

    describe("create", () => {
        it("creates with defaults and returns project:key:scope as the ID", async () => {
            const { id, outs } = await created();
            assert.strictEqual(id, `${fx.projectId}:GROQ_API_KEY:*`);
            assert.deepStrictEqual(outs, {
                project: String(fx.projectId),
                key: "GROQ_API_KEY",
                value: "gsk_live_0123456789abcdef",
                variableType: "env_var",
                protected: false,
                masked: false,
                hidden: false,
                raw: false,
                environmentScope: "*",
                baseUrl: gl.url,
                token: fx.maintainerToken,
            });
            assert.deepStrictEqual(gl.variables(fx.projectId), [
                {
                    key: "GROQ_API_KEY",
                    value: "gsk_live_0123456789abcdef",
                    variable_type: "env_var",
                    protected: false,
                    masked: false,
                    hidden: false,
                    raw: false,
                    environment_scope: "*",
                    description: null,
                },
            ]);
        });

        it("sends every flag and the description", async () => {
            const { outs } = await created({
                project: fx.projectPath,
                variableType: "file",
                protected: true,
                masked: true,
                raw: true,
                environmentScope: "production",
                description: "kubeconfig for prod",
                value: "apiVersion:v1,kind:Config!",
            });
            const stored = gl.variables(fx.projectId)[0];
            assert.deepStrictEqual(
                [stored.variable_type, stored.protected, stored.masked, stored.raw, stored.environment_scope, stored.description],
                ["file", true, true, true, "production", "kubeconfig for prod"],
            );
            assert.strictEqual(outs.description, "kubeconfig for prod");
            assert.strictEqual(outs.project, fx.projectPath);
        });

        it("maps GitLab's masked-value rejection (check bypassed) to a clear message without the value", async () => {
            const err = await rejection(() => created({ masked: true, value: "abcdefgh!" }));
            assert.strictEqual(
                err.message,
                `GitLab project variable GROQ_API_KEY (scope *) in project ${fx.projectId}: value rejected as a masked value (see GitLab masking rules)`,
            );
        });

        it("explains a key+scope that already exists", async () => {
            await created({ environmentScope: "staging" });
            const err = await rejection(() => created({ environmentScope: "staging" }));
            assert.match(err.message, /^GitLab project variable GROQ_API_KEY \(scope staging\) in project 4242: a variable with this key and environment scope already exists; import is not supported/);
        });

        it("creates a hidden variable through masked_and_hidden and keeps the value GitLab no longer returns", async () => {
            const { outs } = await created({ masked: true, hidden: true });
            assert.strictEqual(outs.hidden, true);
            assert.strictEqual(outs.masked, true);
            assert.strictEqual(outs.value, "gsk_live_0123456789abcdef");
            const post = gl.requests.find((r) => r.method === "POST")!;
            assert.strictEqual((post.json as Record<string, unknown>).masked_and_hidden, true);
            assert.strictEqual(gl.variables(fx.projectId)[0].hidden, true);
        });

        it("fails on a GitLab without hidden variables and removes what it created", async () => {
            const old = await startGitlabDouble({ ...fx.options, hiddenSupported: false });
            try {
                const err = await rejection(() => provider.create(inputs({ baseUrl: old.url, masked: true, hidden: true })));
                assert.match(err.message, /server does not support hidden variables \(GitLab >=17\.4 required\)$/);
                assert.deepStrictEqual(old.variables(fx.projectId), []);
            } finally {
                await old.stop();
            }
        });

        it("uses GITLAB_URL and GITLAB_TOKEN when no inputs are given, and keeps the token out of state", async () => {
            process.env.GITLAB_URL = `${gl.url}/api/v4/`;
            process.env.GITLAB_TOKEN = fx.maintainerToken;
            const { outs } = await created({ baseUrl: undefined, token: undefined });
            assert.strictEqual(outs.baseUrl, gl.url);
            assert.strictEqual("token" in outs, false);
            assert.strictEqual(gl.variables(fx.projectId).length, 1);
        });

        it("fails without any token", async () => {
            const err = await rejection(() => created({ token: undefined }));
            assert.match(err.message, /no GitLab token: set the token input or GITLAB_TOKEN$/);
            assert.strictEqual(gl.requests.length, 0);
        });
    });

    describe("read", () => {
        it("returns the live variable, keeping the ID", async () => {
            const { id, outs } = await created({ environmentScope: "staging" });
            const r = await provider.read!(id, outs);
            assert.strictEqual(r.id, id);
            assert.deepStrictEqual(r.props, outs);
            const get = gl.requests[gl.requests.length - 1];
            assert.strictEqual(get.method, "GET");
            assert.strictEqual(get.query["filter[environment_scope]"], "staging");
        });

        it("reports drift made outside Pulumi", async () => {
            const { id, outs } = await created();
            const direct = await fetch(`${gl.url}/api/v4/projects/${fx.projectId}/variables/GROQ_API_KEY`, {
                method: "PUT",
                headers: { "private-token": fx.maintainerToken, "content-type": "application/json" },
                body: JSON.stringify({ protected: true, value: "changed-in-the-ui" }),
            });
            assert.strictEqual(direct.status, 200);
            const r = await provider.read!(id, outs);
            assert.strictEqual(r.props!.protected, true);
            assert.strictEqual(r.props!.value, "changed-in-the-ui");
        });

        it("returns an empty ID when the variable is gone, so refresh drops it", async () => {
            const { id, outs } = await created();
            await fetch(`${gl.url}/api/v4/projects/${fx.projectId}/variables/GROQ_API_KEY`, {
                method: "DELETE",
                headers: { "private-token": fx.maintainerToken },
            });
            const r = await provider.read!(id, outs);
            assert.strictEqual(r.id, "");
        });

        it("keeps the known value of a hidden variable", async () => {
            const { id, outs } = await created({ masked: true, hidden: true });
            const r = await provider.read!(id, outs);
            assert.strictEqual(r.props!.value, "gsk_live_0123456789abcdef");
            assert.strictEqual(r.props!.hidden, true);
        });

        it("reads the right one of several scopes (never a 409)", async () => {
            const a = await created({ environmentScope: "staging", value: "staging-value" });
            const b = await created({ environmentScope: "production", value: "production-value" });
            assert.strictEqual((await provider.read!(a.id, a.outs)).props!.value, "staging-value");
            assert.strictEqual((await provider.read!(b.id, b.outs)).props!.value, "production-value");
        });

        it("errors, rather than forgetting the variable, when the project is not visible", async () => {
            const { id, outs } = await created();
            const gone = id.replace(String(fx.projectId), "999");
            const err = await rejection(() => provider.read!(gone, { ...outs, project: "999" }));
            assert.match(err.message, /^GitLab project variable GROQ_API_KEY \(scope \*\) in project 999: GitLab API 404: 404 Project Not Found/);
        });

        it("takes project, key and scope from the ID", async () => {
            assert.deepStrictEqual(parseVariableId("g/p:KEY:review/*"), { project: "g/p", key: "KEY", environmentScope: "review/*" });
            assert.deepStrictEqual(parseVariableId("1:K:a:b"), { project: "1", key: "K", environmentScope: "a:b" });
            assert.strictEqual(parseVariableId("1:K"), undefined);
        });
    });

    describe("update", () => {
        it("updates flags and value in place, filtering on the scope", async () => {
            const { id, outs } = await created({ environmentScope: "staging" });
            const r = await provider.update!(id, outs, { ...outs, protected: true, value: "rotated-key-1234567" });
            assert.strictEqual(r.outs!.protected, true);
            assert.strictEqual(gl.variables(fx.projectId)[0].value, "rotated-key-1234567");
            const put = gl.requests[gl.requests.length - 1];
            assert.strictEqual(put.method, "PUT");
            assert.deepStrictEqual((put.json as Record<string, unknown>).filter, { environment_scope: "staging" });
        });

        it("moves a variable to a new scope using the old scope as the filter", async () => {
            const { id, outs } = await created({ environmentScope: "staging" });
            await created({ environmentScope: "production", value: "other-production-value" });
            const r = await provider.update!(id, outs, { ...outs, environmentScope: "review/*" });
            assert.strictEqual(r.outs!.environmentScope, "review/*");
            assert.deepStrictEqual(
                gl.variables(fx.projectId).map((v) => [v.environment_scope, v.value]),
                [
                    ["review/*", "gsk_live_0123456789abcdef"],
                    ["production", "other-production-value"],
                ],
            );
        });

        it("clears a removed description", async () => {
            const { id, outs } = await created({ description: "old" });
            const { description: _dropped, ...rest } = outs;
            const r = await provider.update!(id, outs, rest);
            assert.strictEqual("description" in r.outs!, false);
            assert.strictEqual(gl.variables(fx.projectId)[0].description, null);
        });

        it("updates the value of a hidden variable", async () => {
            const { id, outs } = await created({ masked: true, hidden: true });
            const r = await provider.update!(id, outs, { ...outs, value: "rotated-key-1234567" });
            assert.strictEqual(r.outs!.value, "rotated-key-1234567");
            assert.strictEqual(gl.variables(fx.projectId)[0].value, "rotated-key-1234567");
        });

        it("tells the user to refresh when the variable was deleted outside Pulumi", async () => {
            const { id, outs } = await created();
            gl.reset();
            const err = await rejection(() => provider.update!(id, outs, { ...outs, protected: true }));
            assert.strictEqual(
                err.message,
                `GitLab project variable GROQ_API_KEY (scope *) in project ${fx.projectId}: not found (deleted outside Pulumi?) - run pulumi refresh`,
            );
        });

        it("stores a rotated token", async () => {
            const { id, outs } = await created();
            const second = `${fx.maintainerToken}-2`;
            gl.options.tokens[second] = "maintainer";
            try {
                const r = await provider.update!(id, outs, { ...outs, token: second });
                assert.strictEqual(r.outs!.token, second);
                assert.strictEqual(gl.requests[gl.requests.length - 1].headers["private-token"], second);
            } finally {
                delete gl.options.tokens[second];
            }
        });
    });

    describe("delete", () => {
        it("deletes with the scope filter and accepts a second delete (404 is success)", async () => {
            const a = await created({ environmentScope: "staging" });
            await created({ environmentScope: "production" });
            await provider.delete!(a.id, a.outs);
            const del = gl.requests[gl.requests.length - 1];
            assert.strictEqual(del.method, "DELETE");
            assert.deepStrictEqual((del.json as Record<string, unknown>).filter, { environment_scope: "staging" });
            assert.deepStrictEqual(gl.variables(fx.projectId).map((v) => v.environment_scope), ["production"]);
            await provider.delete!(a.id, a.outs);
            assert.strictEqual(gl.requests[gl.requests.length - 1].status, 404);
            assert.strictEqual(gl.variables(fx.projectId).length, 1);
        });

        it("uses the token in state, not the environment", async () => {
            const { id, outs } = await created();
            process.env.GITLAB_TOKEN = "glpat-not-the-state-token";
            await provider.delete!(id, outs);
            assert.strictEqual(gl.variables(fx.projectId).length, 0);
        });
    });

    describe("error mapping", () => {
        it("409 from the server", async () => {
            const { id, outs } = await created();
            gl.injectFault({
                status: 409,
                body: { message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'" },
            });
            const err = await rejection(() => provider.update!(id, outs, { ...outs, protected: true }));
            assert.strictEqual(
                err.message,
                `GitLab project variable GROQ_API_KEY (scope *) in project ${fx.projectId}: several variables share this key and the scope filter did not match`,
            );
        });

        it("401: token rejected", async () => {
            const err = await rejection(() => created({ token: "glpat-wrong" }));
            assert.match(err.message, /in project 4242: token rejected$/);
        });

        it("403: token needs the Maintainer role", async () => {
            const err = await rejection(() => created({ token: fx.reporterToken }));
            assert.match(err.message, /in project 4242: token needs the Maintainer role$/);
            assert.strictEqual(gl.variables(fx.projectId).length, 0);
        });

        it("injected 500: status and GitLab's text", async () => {
            gl.injectFault({ status: 500 });
            const err = await rejection(() => created());
            assert.strictEqual(
                err.message,
                `GitLab project variable GROQ_API_KEY (scope *) in project ${fx.projectId}: GitLab API 500: 500 Internal Server Error`,
            );
        });

        it("a 500 on delete is not mistaken for success", async () => {
            const { id, outs } = await created();
            gl.injectFault({ status: 500, method: "DELETE" });
            await rejection(() => provider.delete!(id, outs));
            assert.strictEqual(gl.variables(fx.projectId).length, 1);
        });

        it("an unreachable server", async () => {
            const closed = await startGitlabDouble(fx.options);
            const url = closed.url;
            await closed.stop();
            const err = await rejection(() => created({ baseUrl: url }));
            assert.match(err.message, /^GitLab project variable GROQ_API_KEY \(scope \*\) in project 4242: request failed: fetch failed \(ECONNREFUSED\)$/);
        });
    });
});
