/**
 * Where the token and the values must never show up: the serialized provider
 * (it is stored in state as `__provider`), error messages and check() reasons
 * (they reach CLI output and CI logs), and any part of an HTTP request other
 * than the `private-token` header.
 */
import * as assert from "assert";
import * as util from "util";
import * as pulumi from "@pulumi/pulumi";
import { ProjectVariableInputs, projectVariableProvider as provider } from "../../components/gitlab/projectVariable";
import { GitlabDouble, startGitlabDouble, stopGitlabDouble, testFixture } from "./gitlabDouble";

async function serializedText(factory: () => unknown): Promise<string> {
    return (await pulumi.runtime.serializeFunction(factory as () => any)).text;
}

async function rejection(fn: () => Promise<unknown>): Promise<Error> {
    try {
        await fn();
    } catch (err) {
        assert.ok(err instanceof Error);
        return err;
    }
    throw new assert.AssertionError({ message: "expected a rejection" });
}

describe("GitLab variables: secrets stay secret", () => {
    const fx = testFixture();
    // Valid for masking under both raw settings, and unmistakable in any text.
    const SECRET_VALUE = `sk-ant-${Math.random().toString(36).slice(2)}Zq9`;
    const ENV_TOKEN = `glpat-env${Math.random().toString(36).slice(2)}`;
    let gl: GitlabDouble;
    const savedEnv = { GITLAB_TOKEN: process.env.GITLAB_TOKEN, GITLAB_URL: process.env.GITLAB_URL };

    const inputs = (over: Partial<ProjectVariableInputs> = {}): ProjectVariableInputs => ({
        project: fx.projectId,
        key: "ANTHROPIC_API_KEY",
        value: SECRET_VALUE,
        masked: true,
        baseUrl: gl.url,
        token: fx.maintainerToken,
        ...over,
    });
    const assertClean = (text: string, where: string): void => {
        for (const secret of [SECRET_VALUE, fx.maintainerToken, fx.reporterToken, ENV_TOKEN]) {
            assert.ok(!text.includes(secret), `${where} contains a secret: ${text}`);
        }
    };

    before(async () => {
        gl = await startGitlabDouble({ ...fx.options, tokens: { ...fx.options.tokens, [ENV_TOKEN]: "maintainer" } });
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
        delete process.env.GITLAB_URL;
        process.env.GITLAB_TOKEN = ENV_TOKEN;
    });

    describe("the serialized provider", () => {
        it("detects a captured token (control: the check below can fail)", async () => {
            const leaked = fx.maintainerToken;
            const leaky = { create: async () => ({ id: leaked }) };
            assert.ok((await serializedText(() => leaky)).includes(fx.maintainerToken));
        });

        it("contains no token or value, even after a full lifecycle with both in play", async () => {
            const c = await provider.create(inputs());
            await provider.read!(c.id, c.outs!);
            await provider.update!(c.id, c.outs!, { ...c.outs!, protected: true });
            await provider.delete!(c.id, c.outs!);
            const text = await serializedText(() => provider);
            // Not vacuous: the real provider code, including the gitbeaker client, is in there.
            assert.match(text, /require\("@gitbeaker\/rest"\)/);
            assert.match(text, /GitLab project variable /);
            assertClean(text, "serialized provider");
        });
    });

    describe("error messages", () => {
        const failures: Array<[string, () => Promise<unknown>]> = [
            ["masked value rejected by GitLab", () => provider.create(inputs({ value: `${SECRET_VALUE}!` }))],
            ["401", () => provider.create(inputs({ token: `${fx.maintainerToken}x` }))],
            ["403", () => provider.create(inputs({ token: fx.reporterToken }))],
            ["404 project", () => provider.create(inputs({ project: 999 }))],
            ["404 on update", () => provider.update!(`${fx.projectId}:ANTHROPIC_API_KEY:*`, storedOuts(), inputs({ value: `${SECRET_VALUE}2` }))],
            ["no token", () => {
                delete process.env.GITLAB_TOKEN;
                return provider.create(inputs({ token: undefined }));
            }],
        ];
        function storedOuts() {
            return { ...inputs(), project: String(fx.projectId), variableType: "env_var" as const, protected: false, hidden: false, raw: false, environmentScope: "*", masked: true, baseUrl: gl.url };
        }
        for (const [name, fail] of failures) {
            it(`${name}: message names the variable, not its value or the token`, async () => {
                const err = await rejection(fail);
                assert.match(err.message, /^GitLab project variable ANTHROPIC_API_KEY \(scope \*\) in project /);
                assertClean(err.message, "message");
                assertClean(util.inspect(err), "inspected error");
                assert.strictEqual((err as Error & { cause?: unknown }).cause, undefined, "no cause carrying the request");
            });
        }

        it("redacts a value and token that a server echoes back", async () => {
            gl.injectFault({ status: 500, body: { message: `boom value=${SECRET_VALUE} token=${fx.maintainerToken} env=${ENV_TOKEN}` } });
            const err = await rejection(() => provider.create(inputs()));
            assertClean(err.message, "message");
            assert.match(err.message, /GitLab API 500: boom value=\[secret\] token=\[secret\] env=\[secret\]$/);
        });

        it("redacts on read and delete too", async () => {
            const c = await provider.create(inputs());
            for (const call of [() => provider.read!(c.id, c.outs!), () => provider.delete!(c.id, c.outs!)]) {
                gl.injectFault({ status: 500, body: { message: `echo ${SECRET_VALUE} ${fx.maintainerToken}` } });
                const err = await rejection(call);
                assertClean(err.message, "message");
            }
        });
    });

    describe("check() reasons", () => {
        it("never quote the value or the token", async () => {
            const bad: Array<Partial<ProjectVariableInputs>> = [
                { value: `${SECRET_VALUE} with spaces` },
                { value: `${SECRET_VALUE}!`, raw: false },
                { value: SECRET_VALUE.slice(0, 5) },
                { hidden: true, masked: false },
                { key: SECRET_VALUE.replace(/-/g, "#") },
                { environmentScope: `${SECRET_VALUE}#` },
                { baseUrl: `ftp://${fx.maintainerToken}@host` },
            ];
            for (const over of bad) {
                const r = await provider.check!({} as ProjectVariableInputs, inputs(over));
                assert.ok((r.failures ?? []).length > 0, `expected a failure for ${Object.keys(over).join(",")}`);
                assertClean(JSON.stringify(r.failures), "check failures");
            }
        });
    });

    describe("the wire", () => {
        it("carries the token only in the private-token header, the value only in bodies", async () => {
            const c = await provider.create(inputs());
            await provider.read!(c.id, c.outs!);
            await provider.update!(c.id, c.outs!, { ...c.outs!, value: `${SECRET_VALUE}B` });
            await provider.delete!(c.id, c.outs!);
            assert.strictEqual(gl.requests.length, 4);
            for (const r of gl.requests) {
                assert.strictEqual(r.headers["private-token"], fx.maintainerToken, `${r.method} token header`);
                const { "private-token": _token, ...otherHeaders } = r.headers;
                assertClean(JSON.stringify({ path: r.path, query: r.rawQuery, headers: otherHeaders }), `${r.method} url/headers`);
                assert.ok(!r.body.includes(fx.maintainerToken), `${r.method} body has the token`);
            }
        });

        it("with the token from GITLAB_TOKEN, sends that one and only in the header", async () => {
            const c = await provider.create(inputs({ token: undefined }));
            assert.strictEqual(gl.requests[0].headers["private-token"], ENV_TOKEN);
            assert.strictEqual(JSON.stringify(c.outs!).includes(ENV_TOKEN), false);
        });
    });
});
