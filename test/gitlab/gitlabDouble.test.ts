/**
 * The double must behave like GitLab, since the provider tests trust it. These
 * tests talk raw HTTP (fetch) and check statuses, bodies and headers against
 * GitLab's documented behaviour.
 */
import * as assert from "assert";
import { Gitlab } from "@gitbeaker/rest";
import { GitlabDouble, startGitlabDouble, stopGitlabDouble, testFixture } from "./gitlabDouble";

interface Reply {
    status: number;
    headers: Headers;
    text: string;
    json: any;
}

describe("GitLab API double", () => {
    const fx = testFixture();
    let gl: GitlabDouble;
    const base = (): string => `${gl.url}/api/v4/projects/${fx.projectId}/variables`;

    async function call(
        method: string,
        url: string,
        opts: { token?: string | null; json?: unknown; form?: Record<string, string> } = {},
    ): Promise<Reply> {
        const headers: Record<string, string> = {};
        const token = opts.token === undefined ? fx.maintainerToken : opts.token;
        if (token !== null) headers["private-token"] = token;
        let body: string | undefined;
        if (opts.json !== undefined) {
            headers["content-type"] = "application/json";
            body = JSON.stringify(opts.json);
        } else if (opts.form !== undefined) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            body = new URLSearchParams(opts.form).toString();
        }
        const res = await fetch(url, { method, headers, body });
        const text = await res.text();
        let json: any;
        try {
            json = text === "" ? undefined : JSON.parse(text);
        } catch {
            json = undefined;
        }
        return { status: res.status, headers: res.headers, text, json };
    }
    const post = (json: unknown): Promise<Reply> => call("POST", base(), { json });
    const filterQ = (scope: string): string => `filter%5Benvironment_scope%5D=${encodeURIComponent(scope)}`;

    before(async () => {
        gl = await startGitlabDouble(fx.options);
    });
    after(async () => {
        await stopGitlabDouble(gl);
    });
    beforeEach(() => gl.reset());

    describe("1. create with defaults", () => {
        it("answers 201 with every attribute and GitLab's defaults", async () => {
            const r = await post({ key: "QUICKSPIN_API_URL", value: "https://api-staging.quickspin.cloud" });
            assert.strictEqual(r.status, 201);
            assert.deepStrictEqual(r.json, {
                variable_type: "env_var",
                key: "QUICKSPIN_API_URL",
                value: "https://api-staging.quickspin.cloud",
                hidden: false,
                protected: false,
                masked: false,
                raw: false,
                environment_scope: "*",
                description: null,
            });
        });

        it("strips whitespace around the key and accepts form-encoded bodies with string booleans", async () => {
            const r = await call("POST", base(), { form: { key: "  PADDED ", value: "v", protected: "true", variable_type: "file" } });
            assert.strictEqual(r.status, 201);
            assert.strictEqual(r.json.key, "PADDED");
            assert.strictEqual(r.json.protected, true);
            assert.strictEqual(r.json.variable_type, "file");
        });

        it("allows an empty value when not masked", async () => {
            const r = await post({ key: "EMPTY", value: "" });
            assert.strictEqual(r.status, 201);
            assert.strictEqual(r.json.value, "");
        });
    });

    describe("2. uniqueness per key and scope", () => {
        it("accepts one key in two scopes, rejects the same pair twice", async () => {
            assert.strictEqual((await post({ key: "DB_URL", value: "a", environment_scope: "staging" })).status, 201);
            assert.strictEqual((await post({ key: "DB_URL", value: "b", environment_scope: "production" })).status, 201);
            const dup = await post({ key: "DB_URL", value: "c", environment_scope: "staging" });
            assert.strictEqual(dup.status, 400);
            assert.deepStrictEqual(dup.json, { message: { key: ["(DB_URL) has already been taken"] } });
            assert.strictEqual(gl.variables(fx.projectId).length, 2);
        });
    });

    describe("3. masking rules", () => {
        const cases: Array<[string, string, boolean, number]> = [
            ["too short, raw=false", "Ab3_xyz", false, 400],
            ["too short, raw=true", "Ab3_xyz", true, 400],
            ["space, raw=false", "abcd efgh", false, 400],
            ["space, raw=true", "abcd efgh", true, 400],
            ["newline, raw=false", "abcdefgh\nijkl", false, 400],
            ["newline, raw=true", "abcdefgh\nijkl", true, 400],
            ["'!', raw=false", "abcdefgh!", false, 400],
            ["'!', raw=true", "abcdefgh!", true, 201],
            ["base64 alphabet, raw=false", "dGhpcyBpcyBh+/=", false, 201],
            ["@ : . ~ -, raw=false", "user@host:5432.~-x", false, 201],
        ];
        for (const [name, value, raw, status] of cases) {
            it(`${name} -> ${status}`, async () => {
                const r = await post({ key: "SECRET", value, masked: true, raw });
                assert.strictEqual(r.status, status, r.text);
                if (status === 400) {
                    assert.deepStrictEqual(r.json, { message: { value: ["is invalid"] } });
                } else {
                    assert.strictEqual(r.json.masked, true);
                }
            });
        }

        it("applies the rules to PUT too", async () => {
            await post({ key: "SECRET", value: "abcdefgh!", masked: true, raw: true });
            const r = await call("PUT", `${base()}/SECRET`, { json: { raw: false } });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { message: { value: ["is invalid"] } });
            assert.strictEqual(gl.variables(fx.projectId)[0].raw, true);
        });
    });

    describe("4. attribute validation", () => {
        it("rejects a bad key", async () => {
            const r = await post({ key: "BAD-KEY", value: "x" });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { message: { key: ["can contain only letters, digits and '_'."] } });
        });
        it("rejects a key longer than 255", async () => {
            const r = await post({ key: "K".repeat(256), value: "x" });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json.message.key, ["is too long (maximum is 255 characters)"]);
        });
        it("rejects a description longer than 255", async () => {
            const r = await post({ key: "K", value: "x", description: "d".repeat(256) });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { message: { description: ["is too long (maximum is 255 characters)"] } });
        });
        it("rejects a bad environment scope", async () => {
            const r = await post({ key: "K", value: "x", environment_scope: "prod#1" });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, {
                message: { environment_scope: ["can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"] },
            });
        });
        it("reports missing parameters the way Grape does", async () => {
            const r = await post({ key: "K" });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { error: "value is missing" });
        });
        it("rejects an unknown variable_type", async () => {
            const r = await post({ key: "K", value: "x", variable_type: "secret" });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { error: "variable_type does not have a valid value" });
        });
        it("enforces the per-project limit", async () => {
            const small = await startGitlabDouble({ ...fx.options, maxVariablesPerProject: 1 });
            try {
                const url = `${small.url}/api/v4/projects/${fx.projectId}/variables`;
                assert.strictEqual((await call("POST", url, { json: { key: "A", value: "1" } })).status, 201);
                const r = await call("POST", url, { json: { key: "B", value: "2" } });
                assert.strictEqual(r.status, 400);
                assert.match(JSON.stringify(r.json.message.base), /Maximum number/);
            } finally {
                await small.stop();
            }
        });
    });

    describe("5. hidden variables", () => {
        it("creates through masked_and_hidden and never returns the value", async () => {
            const r = await post({ key: "HIDDEN", value: "s3cretValue", masked_and_hidden: true });
            assert.strictEqual(r.status, 201);
            assert.strictEqual(r.json.hidden, true);
            assert.strictEqual(r.json.masked, true);
            assert.strictEqual(r.json.value, null);
            const g = await call("GET", `${base()}/HIDDEN`);
            assert.strictEqual(g.status, 200);
            assert.strictEqual(g.json.value, null);
            assert.strictEqual(gl.variables(fx.projectId)[0].value, "s3cretValue");
        });
        it("refuses a PUT that changes masked on a hidden variable", async () => {
            await post({ key: "HIDDEN", value: "s3cretValue", masked_and_hidden: true });
            const r = await call("PUT", `${base()}/HIDDEN`, { json: { masked: false } });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, {
                message: { base: ["Updating masked attribute is not allowed on updates for hidden variables."] },
            });
        });
        it("lets a PUT change the value of a hidden variable", async () => {
            await post({ key: "HIDDEN", value: "s3cretValue", masked_and_hidden: true });
            const r = await call("PUT", `${base()}/HIDDEN`, { json: { value: "n3wSecretValue", masked: true } });
            assert.strictEqual(r.status, 200);
            assert.strictEqual(r.json.value, null);
            assert.strictEqual(gl.variables(fx.projectId)[0].value, "n3wSecretValue");
        });
        it("validates hidden values with the masking rules", async () => {
            const r = await post({ key: "HIDDEN", value: "short", masked_and_hidden: true });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { message: { value: ["is invalid"] } });
        });
        it("models GitLab < 17.4 when asked: masked_and_hidden ignored, no hidden attribute", async () => {
            const old = await startGitlabDouble({ ...fx.options, hiddenSupported: false });
            try {
                const r = await call("POST", `${old.url}/api/v4/projects/${fx.projectId}/variables`, {
                    json: { key: "H", value: "s3cretValue", masked: true, masked_and_hidden: true },
                });
                assert.strictEqual(r.status, 201);
                assert.strictEqual("hidden" in r.json, false);
                assert.strictEqual(r.json.value, "s3cretValue");
            } finally {
                await old.stop();
            }
        });
    });

    describe("6. the scope filter", () => {
        beforeEach(async () => {
            await post({ key: "API", value: "all", environment_scope: "*" });
            await post({ key: "API", value: "review", environment_scope: "review/*" });
            await post({ key: "API", value: "app", environment_scope: "review/app" });
        });
        it("reads the filter from the query string and matches it literally", async () => {
            const star = await call("GET", `${base()}/API?${filterQ("review/*")}`);
            assert.strictEqual(star.status, 200);
            assert.strictEqual(star.json.value, "review");
            const all = await call("GET", `${base()}/API?${filterQ("*")}`);
            assert.strictEqual(all.json.value, "all");
        });
        it("reads the filter from a JSON body on PUT", async () => {
            const r = await call("PUT", `${base()}/API`, { json: { value: "changed", filter: { environment_scope: "review/app" } } });
            assert.strictEqual(r.status, 200);
            assert.deepStrictEqual(
                gl.variables(fx.projectId).map((v) => v.value),
                ["all", "review", "changed"],
            );
        });
        it("reads the filter from a JSON body on DELETE", async () => {
            const r = await call("DELETE", `${base()}/API`, { json: { filter: { environment_scope: "*" } } });
            assert.strictEqual(r.status, 204);
            assert.deepStrictEqual(
                gl.variables(fx.projectId).map((v) => v.environment_scope),
                ["review/*", "review/app"],
            );
        });
        it("reads the filter from the query string on DELETE", async () => {
            const r = await call("DELETE", `${base()}/API?${filterQ("review/*")}`);
            assert.strictEqual(r.status, 204);
            assert.deepStrictEqual(
                gl.variables(fx.projectId).map((v) => v.environment_scope),
                ["*", "review/app"],
            );
        });
    });

    describe("7. lookup errors", () => {
        it("answers 409 for a key in several scopes without a filter", async () => {
            await post({ key: "API", value: "a", environment_scope: "staging" });
            await post({ key: "API", value: "b", environment_scope: "production" });
            for (const method of ["GET", "PUT", "DELETE"]) {
                const r = await call(method, `${base()}/API`, method === "PUT" ? { json: { value: "x" } } : {});
                assert.strictEqual(r.status, 409, method);
                assert.deepStrictEqual(r.json, {
                    message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
                });
            }
            assert.strictEqual(gl.variables(fx.projectId).length, 2);
        });
        it("answers 404 Variable Not Found for an unmatched filter or an unknown key", async () => {
            await post({ key: "API", value: "a", environment_scope: "staging" });
            for (const url of [`${base()}/API?${filterQ("production")}`, `${base()}/NOPE`, `${base()}/API?${filterQ("stag*")}`]) {
                const r = await call("GET", url);
                assert.strictEqual(r.status, 404, url);
                assert.deepStrictEqual(r.json, { message: "404 Variable Not Found" });
            }
        });
        it("finds a key in a single scope without a filter", async () => {
            await post({ key: "API", value: "a", environment_scope: "staging" });
            const r = await call("GET", `${base()}/API`);
            assert.strictEqual(r.status, 200);
            assert.strictEqual(r.json.environment_scope, "staging");
        });
    });

    describe("8. PUT semantics", () => {
        it("moves a variable to another scope", async () => {
            await post({ key: "API", value: "a", environment_scope: "staging" });
            const r = await call("PUT", `${base()}/API`, {
                json: { value: "a", environment_scope: "production", filter: { environment_scope: "staging" } },
            });
            assert.strictEqual(r.status, 200);
            assert.strictEqual(r.json.environment_scope, "production");
            assert.strictEqual((await call("GET", `${base()}/API?${filterQ("staging")}`)).status, 404);
        });
        it("refuses to move onto an existing key+scope", async () => {
            await post({ key: "API", value: "a", environment_scope: "staging" });
            await post({ key: "API", value: "b", environment_scope: "production" });
            const r = await call("PUT", `${base()}/API`, {
                json: { environment_scope: "production", filter: { environment_scope: "staging" } },
            });
            assert.strictEqual(r.status, 400);
            assert.deepStrictEqual(r.json, { message: { key: ["(API) has already been taken"] } });
        });
        it("ignores masked_and_hidden", async () => {
            await post({ key: "API", value: "abcdefgh12" });
            const r = await call("PUT", `${base()}/API`, { json: { masked_and_hidden: true } });
            assert.strictEqual(r.status, 200);
            assert.strictEqual(r.json.hidden, false);
            assert.strictEqual(r.json.masked, false);
            assert.strictEqual(r.json.value, "abcdefgh12");
        });
        it("clears the description with null", async () => {
            await post({ key: "API", value: "a", description: "first" });
            const r = await call("PUT", `${base()}/API`, { json: { description: null } });
            assert.strictEqual(r.json.description, null);
        });
    });

    describe("9. DELETE", () => {
        it("answers 204 with an empty body, then 404", async () => {
            await post({ key: "API", value: "a" });
            const first = await call("DELETE", `${base()}/API`);
            assert.strictEqual(first.status, 204);
            assert.strictEqual(first.text, "");
            const again = await call("DELETE", `${base()}/API`);
            assert.strictEqual(again.status, 404);
            assert.deepStrictEqual(again.json, { message: "404 Variable Not Found" });
        });
    });

    describe("10. pagination", () => {
        beforeEach(() => {
            gl.seed(
                fx.projectId,
                Array.from({ length: 150 }, (_, i) => ({ key: `VAR_${String(i).padStart(3, "0")}`, value: String(i) })),
            );
        });
        it("pages with per_page, Link rel=next and x-* headers", async () => {
            const p1 = await call("GET", `${base()}?per_page=100&page=1`);
            assert.strictEqual(p1.status, 200);
            assert.strictEqual(p1.json.length, 100);
            assert.strictEqual(p1.headers.get("x-total"), "150");
            assert.strictEqual(p1.headers.get("x-page"), "1");
            assert.strictEqual(p1.headers.get("x-next-page"), "2");
            assert.match(p1.headers.get("link") ?? "", /<[^>]*page=2&per_page=100>; rel="next"/);
            const p2 = await call("GET", `${base()}?per_page=100&page=2`);
            assert.strictEqual(p2.json.length, 50);
            assert.strictEqual(p2.json[0].key, "VAR_100");
            assert.strictEqual(p2.headers.get("x-next-page"), "");
            assert.doesNotMatch(p2.headers.get("link") ?? "", /rel="next"/);
        });
        it("defaults to 20 per page and caps per_page at 100", async () => {
            assert.strictEqual((await call("GET", base())).json.length, 20);
            const big = await call("GET", `${base()}?per_page=500`);
            assert.strictEqual(big.json.length, 100);
            assert.strictEqual(big.headers.get("x-per-page"), "100");
        });
        it("lets gitbeaker's all() walk every page", async () => {
            const api = new Gitlab({ host: gl.url, token: fx.maintainerToken });
            const all = await api.ProjectVariables.all(fx.projectId, { perPage: 100 });
            assert.strictEqual(all.length, 150);
            assert.strictEqual(new Set(all.map((v) => v.key)).size, 150);
        });
    });

    describe("11. authentication, projects, roles", () => {
        it("answers 401 without a token or with an unknown one", async () => {
            for (const token of [null, "glpat-wrong"]) {
                const r = await call("GET", base(), { token });
                assert.strictEqual(r.status, 401);
                assert.deepStrictEqual(r.json, { message: "401 Unauthorized" });
            }
        });
        it("answers 403 to a token below Maintainer, and changes nothing", async () => {
            const r = await call("POST", base(), { token: fx.reporterToken, json: { key: "K", value: "v" } });
            assert.strictEqual(r.status, 403);
            assert.deepStrictEqual(r.json, { message: "403 Forbidden" });
            assert.strictEqual(gl.variables(fx.projectId).length, 0);
        });
        it("answers 404 Project Not Found for an unknown project, by ID or path", async () => {
            for (const id of ["999", encodeURIComponent("ai-platform/missing")]) {
                const r = await call("GET", `${gl.url}/api/v4/projects/${id}/variables`);
                assert.strictEqual(r.status, 404);
                assert.deepStrictEqual(r.json, { message: "404 Project Not Found" });
            }
        });
        it("resolves a URL-encoded project path", async () => {
            const r = await call("POST", `${gl.url}/api/v4/projects/${encodeURIComponent(fx.projectPath)}/variables`, {
                json: { key: "BY_PATH", value: "v" },
            });
            assert.strictEqual(r.status, 201);
            assert.strictEqual(gl.variables(fx.projectId)[0].key, "BY_PATH");
        });
        it("checks the token before the project, as GitLab does", async () => {
            const r = await call("GET", `${gl.url}/api/v4/projects/999/variables`, { token: "glpat-wrong" });
            assert.strictEqual(r.status, 401);
        });
    });

    describe("12. merge-request notes", () => {
        const notes = (suffix = ""): string => `${gl.url}/api/v4/projects/${fx.projectId}/merge_requests/7/notes${suffix}`;

        it("creates a note (any role), lists it, and only its author may edit it", async () => {
            const created = await call("POST", notes(), { token: fx.reporterToken, json: { body: "hello" } });
            assert.strictEqual(created.status, 201);
            assert.strictEqual(created.json.body, "hello");
            assert.strictEqual(typeof created.json.id, "number");
            const edited = await call("PUT", notes(`/${created.json.id}`), { token: fx.reporterToken, form: { body: "edited" } });
            assert.deepStrictEqual([edited.status, edited.json.body], [200, "edited"]);
            const other = await call("PUT", notes(`/${created.json.id}`), { token: fx.maintainerToken, json: { body: "hijack" } });
            assert.strictEqual(other.status, 403);
            const listed = await call("GET", notes(), { token: fx.maintainerToken });
            assert.deepStrictEqual(listed.json.map((n: { body: string }) => n.body), ["edited"]);
        });

        it("400 without a body, 404 for an unknown note or project, 401 without a token", async () => {
            assert.strictEqual((await call("POST", notes(), { json: {} })).status, 400);
            assert.strictEqual((await call("PUT", notes("/999999"), { json: { body: "x" } })).status, 404);
            assert.strictEqual((await call("GET", `${gl.url}/api/v4/projects/999/merge_requests/7/notes`)).status, 404);
            assert.strictEqual((await call("GET", notes(), { token: null })).status, 401);
        });

        it("lists newest first unless sort=asc, in pages with x-next-page", async () => {
            for (let i = 0; i < 3; i++) gl.seedNote(fx.projectId, 7, `n${i}`, fx.maintainerToken);
            const newest = await call("GET", `${notes()}?per_page=2`);
            assert.deepStrictEqual(newest.json.map((n: { body: string }) => n.body), ["n2", "n1"]);
            assert.strictEqual(newest.headers.get("x-next-page"), "2");
            const last = await call("GET", `${notes()}?per_page=2&page=2&sort=asc`);
            assert.deepStrictEqual(last.json.map((n: { body: string }) => n.body), ["n2"]);
            assert.strictEqual(last.headers.get("x-next-page"), "");
        });
    });

    describe("14. repository commits and merge requests (releases)", () => {
        const commits = (): string => `${gl.url}/api/v4/projects/${fx.projectId}/repository/commits`;
        const mrs = (): string => `${gl.url}/api/v4/projects/${fx.projectId}/merge_requests`;
        const update = (content: string, lastCommitId?: string) => [{ action: "update", file_path: "Pulumi.prod.yaml", content, ...(lastCommitId ? { last_commit_id: lastCommitId } : {}) }];

        it("commits actions to a branch; a stale last_commit_id is 400 and changes nothing", async () => {
            const seed = gl.seedRepository(fx.projectId, { "Pulumi.prod.yaml": "a\n" });
            const ok = await call("POST", commits(), { json: { branch: "develop", commit_message: "one", actions: update("b\n", seed) } });
            assert.strictEqual(ok.status, 201, ok.text);
            assert.deepStrictEqual(ok.json.parent_ids, [seed]);
            assert.strictEqual(gl.fileAt(fx.projectId, "develop", "Pulumi.prod.yaml"), "b\n");
            const stale = await call("POST", commits(), { json: { branch: "develop", commit_message: "two", actions: update("c\n", seed) } });
            assert.strictEqual(stale.status, 400);
            assert.match(stale.json.message, /changed since you started editing it/);
            assert.strictEqual(gl.fileAt(fx.projectId, "develop", "Pulumi.prod.yaml"), "b\n");
        });

        it("start_sha starts a new branch (400 when it exists); without a start the branch must exist; update needs the file", async () => {
            const seed = gl.seedRepository(fx.projectId, { "Pulumi.prod.yaml": "a\n" });
            const body = { branch: "release/x", commit_message: "m", start_sha: seed, actions: update("b\n") };
            assert.strictEqual((await call("POST", commits(), { json: body })).status, 201);
            const again = await call("POST", commits(), { json: body });
            assert.deepStrictEqual([again.status, /A branch called 'release\/x' already exists/.test(again.json.message)], [400, true]);
            const nowhere = await call("POST", commits(), { json: { branch: "nope", commit_message: "m", actions: update("b\n") } });
            assert.deepStrictEqual([nowhere.status, nowhere.json.message], [400, "You can only create or edit files when you are on a branch"]);
            const missing = await call("POST", commits(), { json: { branch: "main", commit_message: "m", actions: [{ action: "update", file_path: "other.yaml", content: "x" }] } });
            assert.deepStrictEqual([missing.status, missing.json.message], [400, "A file with this name doesn't exist"]);
            assert.strictEqual((await call("POST", commits(), { json: { branch: "main", actions: update("b\n") } })).status, 400, "commit_message is missing");
        });

        it("roles: a reporter is 403, no token 401 (a Developer pushing to a protected branch: test/release/push.test.ts)", async () => {
            gl.seedRepository(fx.projectId, { "Pulumi.prod.yaml": "a\n" });
            const reporter = await call("POST", commits(), { token: fx.reporterToken, json: { branch: "develop", commit_message: "m", actions: update("b\n") } });
            assert.strictEqual(reporter.status, 403);
            assert.strictEqual((await call("POST", commits(), { token: null, json: {} })).status, 401);
        });

        it("merge requests: 201 with an iid, 409 for a second open one of the same branches, 400 for an unknown branch or no title", async () => {
            const seed = gl.seedRepository(fx.projectId, { "f": "a" });
            await call("POST", commits(), { json: { branch: "release/y", commit_message: "m", start_sha: seed, actions: [{ action: "create", file_path: "g", content: "x" }] } });
            const created = await call("POST", mrs(), { json: { source_branch: "release/y", target_branch: "main", title: "t", description: "d" } });
            assert.deepStrictEqual([created.status, created.json.iid, created.json.state], [201, 1, "opened"]);
            assert.strictEqual((await call("POST", mrs(), { json: { source_branch: "release/y", target_branch: "main", title: "t" } })).status, 409);
            assert.strictEqual((await call("POST", mrs(), { json: { source_branch: "nope", target_branch: "main", title: "t" } })).status, 400);
            assert.strictEqual((await call("POST", mrs(), { json: { source_branch: "release/y", target_branch: "main" } })).status, 400);
            assert.strictEqual((await call("POST", mrs(), { token: fx.reporterToken, json: { source_branch: "release/y", target_branch: "develop", title: "t" } })).status, 403);
        });
    });

    describe("13. faults and the request log", () => {
        it("fails the next request with an injected 500, then recovers", async () => {
            gl.injectFault({ status: 500 });
            const failed = await call("GET", base());
            assert.strictEqual(failed.status, 500);
            assert.deepStrictEqual(failed.json, { message: "500 Internal Server Error" });
            assert.strictEqual((await call("GET", base())).status, 200);
        });
        it("can restrict a fault to one method", async () => {
            gl.injectFault({ status: 500, method: "PUT" });
            assert.strictEqual((await post({ key: "K", value: "v" })).status, 201);
            assert.strictEqual((await call("PUT", `${base()}/K`, { json: { value: "w" } })).status, 500);
        });
        it("logs method, path, query, body and headers", async () => {
            await call("PUT", `${base()}/K?${filterQ("review/*")}`, { json: { value: "w", filter: { environment_scope: "x" } } });
            const last = gl.requests[gl.requests.length - 1];
            assert.strictEqual(last.method, "PUT");
            assert.strictEqual(last.path, `/api/v4/projects/${fx.projectId}/variables/K`);
            assert.strictEqual(last.query["filter[environment_scope]"], "review/*");
            assert.deepStrictEqual(last.json, { value: "w", filter: { environment_scope: "x" } });
            assert.strictEqual(last.headers["private-token"], fx.maintainerToken);
            assert.strictEqual(last.status, 404);
        });
        it("prefers the body's filter over the query's, as Rack merges params", async () => {
            await post({ key: "K", value: "v", environment_scope: "x" });
            const r = await call("PUT", `${base()}/K?${filterQ("nope")}`, { json: { value: "w", filter: { environment_scope: "x" } } });
            assert.strictEqual(r.status, 200);
        });
    });
});

describe("GitLab API double over HTTPS", () => {
    it("serves the API with the certificate it is given, to a client that trusts exactly that certificate", async () => {
        const fs = await import("fs");
        const os = await import("os");
        const path = await import("path");
        const https = await import("https");
        const { loopbackCertificate } = await import("../../tools/e2e/tls");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-double-tls-"));
        const fx = testFixture();
        const tls = loopbackCertificate(dir, "gitlab-double");
        const gl = await startGitlabDouble({ ...fx.options, tls: { key: tls.key, cert: tls.cert } });
        try {
            assert.match(gl.url, /^https:\/\/127\.0\.0\.1:\d+$/);
            const get = (ca?: string) => new Promise<number>((resolve, reject) => {
                https.get(`${gl.url}/api/v4/projects/${fx.projectId}/variables`, { ca, headers: { "private-token": fx.maintainerToken } },
                    (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on("error", reject);
            });
            assert.equal(await get(tls.cert), 200);
            await assert.rejects(get(undefined), /self[- ]signed|unable to verify|certificate/i);
        } finally {
            await stopGitlabDouble(gl);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
