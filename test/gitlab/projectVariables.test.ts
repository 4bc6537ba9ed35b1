/**
 * The ProjectVariables component under Pulumi's SDK mocks: what it registers,
 * with which flags, and that values and credentials travel as secrets.
 *
 * setMocks is process-global and other test files use it too, so the mocks are
 * installed in `before` and every assertion filters the recorded registrations
 * down to this file's resource names.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ProjectVariables, VariableSpec, variableResourceName } from "../../components/gitlab/projectVariables";

/** The wire form of a secret (pulumi rpc `specialSigKey` / `specialSecretSig`). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/gitlab:ProjectVariable";

function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => {
        o.apply((v) => {
            resolve(v);
            return v;
        });
    });
}

describe("ProjectVariables component (SDK mocks)", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const childOpts = new Map<string, pulumi.ResourceOptions>();
    const TOKEN = `glpat-mock${Math.random().toString(36).slice(2)}`;
    const BASE_URL = "https://gitlab.internal.example";
    const secretValues = {
        groq: `gsk_${Math.random().toString(36).slice(2)}0123`,
        groqProd: `gsk_${Math.random().toString(36).slice(2)}prod`,
        mongo: `mongodb://user:${Math.random().toString(36).slice(2)}@db:27017/quickspin_ai`,
        kubeconfig: `apiVersion: v1\nkind: Config\n# ${Math.random().toString(36).slice(2)}`,
    };
    // A QuickSpin-like table: plain URLs, secret keys per environment, a file variable, scopes.
    const table: VariableSpec[] = [
        { key: "QUICKSPIN_API_URL", value: "https://api-staging.quickspin.cloud" },
        { key: "QUICKSPIN_API_URL", value: "https://api.quickspin.cloud", environmentScope: "production", protected: true },
        { key: "GROQ_API_KEY", value: pulumi.secret(secretValues.groq), masked: true, protected: true, environmentScope: "staging" },
        { key: "GROQ_API_KEY", value: pulumi.secret(secretValues.groqProd), masked: true, hidden: true, protected: true, environmentScope: "production" },
        { key: "MONGODB_URI", value: pulumi.secret(secretValues.mongo), masked: true, raw: true, protected: true, description: "QuickSpin AI database" },
        { key: "KUBECONFIG_CONTENT", value: pulumi.secret(secretValues.kubeconfig), variableType: "file", environmentScope: "review/*" },
    ];
    let component: ProjectVariables;

    const mine = (prefix: string) => registered.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));

    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args: pulumi.runtime.MockResourceArgs) => {
                    registered.push(args);
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
            },
            "ai-platform",
            "test",
            false,
        );
        component = new ProjectVariables(
            "quickspin",
            { project: 4242, baseUrl: BASE_URL, token: TOKEN, variables: table },
            {
                // Legacy transformations run in the SDK, so they see each child's options under mocks.
                transformations: [
                    (a) => {
                        childOpts.set(a.name, a.opts);
                        return undefined;
                    },
                ],
            },
        );
        await Promise.all([promiseOf(component.urn), ...component.resources.map((r) => promiseOf(r.id))]);
    });

    it("registers itself as ai-platform:gitlab:ProjectVariables", () => {
        const self = registered.filter((r) => r.name === "quickspin");
        assert.deepStrictEqual(self.map((r) => r.type), ["ai-platform:gitlab:ProjectVariables"]);
    });

    it("registers one dynamic ProjectVariable per row, named from key and scope", () => {
        const children = mine("quickspin").filter((r) => r.type === DYNAMIC_TYPE);
        assert.deepStrictEqual(
            children.map((r) => r.name).sort(),
            [
                "quickspin-GROQ_API_KEY-production",
                "quickspin-GROQ_API_KEY-staging",
                "quickspin-KUBECONFIG_CONTENT-review%2F%2A",
                "quickspin-MONGODB_URI",
                "quickspin-QUICKSPIN_API_URL",
                "quickspin-QUICKSPIN_API_URL-production",
            ],
        );
        assert.strictEqual(children.every((r) => r.custom), true);
    });

    it("parents every child to the component", async () => {
        const urns = await Promise.all(component.resources.map((r) => promiseOf(r.urn)));
        for (const urn of urns) {
            assert.match(urn, /::ai-platform:gitlab:ProjectVariables\$pulumi-nodejs:dynamic\/gitlab:ProjectVariable::quickspin-/);
        }
    });

    it("passes each row's flags with GitLab's defaults filled in", () => {
        const byName = new Map(mine("quickspin").map((r) => [r.name, r.inputs]));
        const flags = (name: string) => {
            const i = byName.get(name)!;
            return [i.project, i.key, i.variableType, i.protected, i.masked, i.hidden, i.raw, i.environmentScope, i.description];
        };
        assert.deepStrictEqual(flags("quickspin-QUICKSPIN_API_URL"), [4242, "QUICKSPIN_API_URL", "env_var", false, false, false, false, "*", undefined]);
        assert.deepStrictEqual(flags("quickspin-QUICKSPIN_API_URL-production"), [4242, "QUICKSPIN_API_URL", "env_var", true, false, false, false, "production", undefined]);
        assert.deepStrictEqual(flags("quickspin-GROQ_API_KEY-production"), [4242, "GROQ_API_KEY", "env_var", true, true, true, false, "production", undefined]);
        assert.deepStrictEqual(flags("quickspin-MONGODB_URI"), [4242, "MONGODB_URI", "env_var", true, true, false, true, "*", "QuickSpin AI database"]);
        assert.deepStrictEqual(flags("quickspin-KUBECONFIG_CONTENT-review%2F%2A"), [4242, "KUBECONFIG_CONTENT", "file", false, false, false, false, "review/*", undefined]);
    });

    it("sends value, token and URL as secrets, including values given as plain strings", () => {
        const byName = new Map(mine("quickspin").map((r) => [r.name, r.inputs]));
        const expectSecret = (v: unknown, plain: string, what: string) =>
            assert.deepStrictEqual(v, { [SECRET_SIG_KEY]: SECRET_SIG, value: plain }, what);
        expectSecret(byName.get("quickspin-QUICKSPIN_API_URL")!.value, "https://api-staging.quickspin.cloud", "plain value");
        expectSecret(byName.get("quickspin-GROQ_API_KEY-staging")!.value, secretValues.groq, "secret value");
        expectSecret(byName.get("quickspin-KUBECONFIG_CONTENT-review%2F%2A")!.value, secretValues.kubeconfig, "file value");
        for (const r of mine("quickspin").filter((x) => x.type === DYNAMIC_TYPE)) {
            expectSecret(r.inputs.token, TOKEN, `${r.name} token`);
            expectSecret(r.inputs.baseUrl, BASE_URL, `${r.name} baseUrl`);
        }
    });

    it("asks the engine to keep value and token secret in outputs", () => {
        const children = mine("quickspin").filter((r) => r.type === DYNAMIC_TYPE);
        for (const r of children) {
            const opts = childOpts.get(r.name) as pulumi.CustomResourceOptions | undefined;
            assert.ok(opts, `no options seen for ${r.name}`);
            assert.deepStrictEqual([...(opts.additionalSecretOutputs ?? [])].sort(), ["token", "value"]);
        }
    });

    it("exposes secret value outputs on the children", async () => {
        for (const child of component.resources) {
            assert.strictEqual(await pulumi.isSecret(child.value), true);
        }
    });

    it("embeds a serialized provider that holds no token or value", () => {
        for (const r of mine("quickspin").filter((x) => x.type === DYNAMIC_TYPE)) {
            const text = r.inputs.__provider;
            assert.strictEqual(typeof text, "string");
            assert.match(text, /exports\.handler/);
            for (const secret of [TOKEN, ...Object.values(secretValues)]) {
                assert.ok(!text.includes(secret), `${r.name} __provider contains a secret`);
            }
        }
    });

    it("lists what it registered, without values", async () => {
        const listed = await promiseOf(component.variables);
        assert.deepStrictEqual(listed, [
            { key: "QUICKSPIN_API_URL", environmentScope: "*", protected: false, masked: false, variableType: "env_var" },
            { key: "QUICKSPIN_API_URL", environmentScope: "production", protected: true, masked: false, variableType: "env_var" },
            { key: "GROQ_API_KEY", environmentScope: "staging", protected: true, masked: true, variableType: "env_var" },
            { key: "GROQ_API_KEY", environmentScope: "production", protected: true, masked: true, variableType: "env_var" },
            { key: "MONGODB_URI", environmentScope: "*", protected: true, masked: true, variableType: "env_var" },
            { key: "KUBECONFIG_CONTENT", environmentScope: "review/*", protected: false, masked: false, variableType: "file" },
        ]);
        assert.strictEqual(await pulumi.isSecret(component.variables), false);
    });

    describe("rejects a bad table before registering anything", () => {
        const tryTable = (name: string, variables: VariableSpec[]) => () =>
            new ProjectVariables(name, { project: 4242, token: TOKEN, variables });

        it("duplicate key+scope pairs, naming them", () => {
            assert.throws(
                tryTable("dup", [
                    { key: "DB_URL", value: "a", environmentScope: "staging" },
                    { key: "DB_URL", value: "b", environmentScope: "production" },
                    { key: "DB_URL", value: "c", environmentScope: "staging" },
                ]),
                /duplicate key and environment scope DB_URL \(scope staging\) in rows 1 and 3/,
            );
            assert.deepStrictEqual(mine("dup"), []);
        });

        it("an explicit `*` duplicating the default scope", () => {
            assert.throws(
                tryTable("dupstar", [
                    { key: "API", value: "a" },
                    { key: "API", value: "b", environmentScope: "*" },
                ]),
                /duplicate key and environment scope API \(scope \*\) in rows 1 and 2/,
            );
        });

        it("GitLab rule violations, without quoting values", () => {
            const plainSecret = "short!";
            let message = "";
            try {
                tryTable("bad", [
                    { key: "BAD-KEY", value: "x" },
                    { key: "TOKEN", value: plainSecret, masked: true },
                    { key: "H", value: pulumi.secret("whatever-long"), hidden: true },
                    { key: "S", value: "x", environmentScope: "prod#1" },
                ])();
            } catch (err) {
                message = (err as Error).message;
            }
            assert.match(message, /^ProjectVariables bad: invalid variable table:/);
            assert.match(message, /row 1, BAD-KEY \(scope \*\): key must be 1-255 characters/);
            assert.match(message, /row 2, TOKEN \(scope \*\): masked value must be at least 8 characters/);
            assert.match(message, /row 3, H \(scope \*\): hidden requires masked: true/);
            assert.match(message, /row 4, S \(scope prod#1\): environmentScope may contain only/);
            assert.ok(!message.includes(plainSecret));
            assert.deepStrictEqual(mine("bad"), []);
        });

        it("leaves masking of Output values to the provider's check()", () => {
            assert.doesNotThrow(tryTable("deferred", [{ key: "LATER", value: pulumi.secret("short"), masked: true }]));
        });
    });

    describe("child names", () => {
        it("are stable, and distinct for scopes that differ only in special characters", () => {
            const scopes = ["*", "review/*", "review/-", "review_-", "review%2F%2A", "production", "a b", "a_b", "${CI}"];
            const names = scopes.map((s) => variableResourceName("p", "KEY", s));
            assert.strictEqual(new Set(names).size, scopes.length, names.join(" "));
            assert.deepStrictEqual(names.slice(0, 2), ["p-KEY", "p-KEY-review%2F%2A"]);
            assert.strictEqual(variableResourceName("p", "KEY", "review/*"), names[1]);
            for (const n of names) {
                assert.match(n, /^[A-Za-z0-9_.%-]+$/);
            }
        });
    });
});
