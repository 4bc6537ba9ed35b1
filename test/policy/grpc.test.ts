/**
 * The pack as the Pulumi engine runs it: spawned through @pulumi/pulumi/cmd/run-policy-pack (its
 * compiled bin/index.js, built by npm test), driven over the Analyzer gRPC interface by tools/policy/analyzer.ts with each stack's
 * policy config reconciled like the CLI. The pack is started once for the whole file.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkConfigSchema, PolicyDiagnostic, PolicyPackHandle, startPolicyPack } from "../../tools/policy/analyzer";
import { broken, compliantStack, container, edit, podSpec, Rec, UNKNOWN, without } from "./fixtures";
import { allPackPolicies } from "./harness";

const POLICY_DIR = path.join(__dirname, "../../policy");
const CONFIG = (stack: string) => path.join(POLICY_DIR, "config", `${stack}.json`);

function show(ds: readonly PolicyDiagnostic[]): string {
    return ds.map((d) => `[${d.enforcementLevel}] ${d.policyName} ${d.urn}\n    ${d.message.replace(/\n/g, "\n    ")}`).join("\n");
}

describe("policy pack through the Analyzer gRPC interface", function () {
    this.timeout(180000);
    let pack: PolicyPackHandle;

    const check = async (stack: "dev" | "staging" | "prod", resources: Rec[]) => {
        await pack.configure(CONFIG(stack));
        return [...await pack.analyze(resources), ...await pack.analyzeStack(resources)];
    };

    before(async () => {
        pack = await startPolicyPack(POLICY_DIR, { stack: "prod", project: "ai-platform", organization: "organization" });
    });

    after(async () => {
        const pid = pack?.pid;
        await pack?.close();
        if (pid) {
            assert.throws(() => process.kill(pid, 0), /ESRCH/, "the pack process is gone after close()");
        }
    });

    it("loads like the engine loads it and reports its policies", () => {
        assert.strictEqual(pack.info.name, "ai-platform");
        assert.strictEqual(pack.info.version, "0.1.0");
        assert.ok(pack.info.supportsConfig);
        assert.ok(pack.info.policies.length >= 40, `${pack.info.policies.length} policies`);
        assert.deepStrictEqual(pack.info.policies.map((p) => p.name), allPackPolicies().map((p) => p.name));
        for (const p of pack.info.policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description);
            assert.ok(["advisory", "mandatory", "disabled"].includes(p.enforcementLevel), p.name);
            assert.strictEqual(p.policyType, allPackPolicies().find((x) => x.name === p.name)!.doc.scope, p.name);
        }
        assert.ok(pack.startupMs > 0);
    });

    it("publishes valid config schemas with defaults", () => {
        for (const p of pack.info.policies) {
            assert.ok(p.configSchema, `${p.name} has a config schema`);
            assert.deepStrictEqual(checkConfigSchema(p.configSchema!), [], p.name);
        }
        const budget = pack.info.policies.find((p) => p.name === "stack-resource-budget")!;
        assert.deepStrictEqual(Object.keys(budget.configSchema!.properties).sort(), ["cpu", "daemonSetNodes", "loadBalancers", "memory", "storage"]);
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`configures with policy/config/${stack}.json and the compliant stack has no finding`, async () => {
            const reconciled = await pack.configure(CONFIG(stack));
            assert.deepStrictEqual(reconciled.unknownPolicies, []);
            for (const p of allPackPolicies()) {
                assert.strictEqual(reconciled.config[p.name].enforcementLevel, p.doc.levels[stack], `${p.name}`);
            }
            const ds = await check(stack, compliantStack());
            assert.deepStrictEqual(ds, [], show(ds));
        });
    }

    it("rejects an invalid config before calling Configure", async () => {
        await assert.rejects(pack.configure({ "hpa-sane": { minReplicas: "two" } }), /hpa-sane: minReplicas: Invalid type/);
    });

    it("applies the configured enforcement level: the same violation is advisory in dev and mandatory in prod", async () => {
        const rs = broken("web", (w) => { container(w).securityContext.runAsNonRoot = false; });
        const dev = (await check("dev", rs)).filter((d) => d.policyName === "run-as-non-root");
        const prod = (await check("prod", rs)).filter((d) => d.policyName === "run-as-non-root");
        assert.strictEqual(dev.length, 1, show(dev));
        assert.strictEqual(prod.length, 1, show(prod));
        assert.strictEqual(dev[0].enforcementLevel, "advisory");
        assert.strictEqual(prod[0].enforcementLevel, "mandatory");
        assert.strictEqual(prod[0].urn, rs.find((r) => r.name === "web")!.urn);
        assert.match(prod[0].message, /container "web" \(spec\.template\.spec\.containers\[0\]\.securityContext\.runAsNonRoot\) is false/);
        assert.strictEqual(prod[0].phase, "analyze");
        assert.strictEqual(prod[0].policyPackName, "ai-platform");
    });

    const token = `ghp_${"Zq7".repeat(12)}`;
    const cases: Array<{ title: string; resources: () => Rec[]; policy: string; dev: string; prod: string; text: string; secret?: string }> = [
        { title: "privileged", resources: () => broken("web", (w) => { container(w).securityContext.privileged = true; }), policy: "no-privileged", dev: "mandatory", prod: "mandatory", text: "securityContext.privileged) is true" },
        { title: "root user", resources: () => broken("db", (w) => { container(w).securityContext.runAsUser = 0; }), policy: "run-as-non-root", dev: "advisory", prod: "mandatory", text: "runAsUser) is 0 (root)" },
        { title: "no limits", resources: () => broken("web", (w) => { delete container(w).resources.limits; }), policy: "resources-set", dev: "advisory", prod: "mandatory", text: "resources.limits.memory) is not set" },
        { title: ":latest", resources: () => broken("db-backup", (w) => { container(w).image = "registry.gitlab.com/acme/pg-backup:latest"; }), policy: "image-tag-pinned", dev: "advisory", prod: "mandatory", text: "uses the moving tag \"latest\"" },
        { title: "hostPath", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "sock", hostPath: { path: "/var/run/docker.sock" } }); }), policy: "no-host-path", dev: "advisory", prod: "mandatory", text: "container-runtime socket" },
        { title: "no TLS", resources: () => edit(compliantStack(), "web-ing", (w) => { delete w.spec.tls; }), policy: "ingress-tls", dev: "advisory", prod: "mandatory", text: "has no spec.tls" },
        { title: "externalIPs", resources: () => edit(compliantStack(), "web-svc", (w) => { w.spec.externalIPs = ["198.51.100.7"]; }), policy: "no-external-ips", dev: "mandatory", prod: "mandatory", text: "CVE-2020-8554" },
        { title: "no default-deny", resources: () => without(compliantStack(), "default-deny"), policy: "namespace-default-deny", dev: "advisory", prod: "mandatory", text: "has no default-deny NetworkPolicy" },
        { title: "unprotected database", resources: () => broken("db", (_w, r) => { r.protect = false; }), policy: "prod-stateful-protected", dev: "none", prod: "mandatory", text: "is not protected" },
        { title: "PDB blocking drains", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.maxUnavailable = 0; }), policy: "pdb-allows-eviction", dev: "advisory", prod: "mandatory", text: "maxUnavailable is 0" },
        { title: "unpinned Helm release", resources: () => edit(compliantStack(), "cert-manager", (w) => { delete w.version; }), policy: "helm-release-pinned", dev: "advisory", prod: "mandatory", text: "sets no version" },
        { title: "invalid masked GitLab variable", resources: () => edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "short"; }), policy: "gitlab-masked-var-valid", dev: "advisory", prod: "mandatory", text: "5 characters long" },
        { title: "secret literal in env", resources: () => broken("web", (w) => { container(w).env.push({ name: "DB_PASSWORD", value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "pw-from-config" } }); }), policy: "no-secret-literals", dev: "mandatory", prod: "mandatory", text: "DB_PASSWORD is named like a credential" },
        // The value scanner is asynchronous: the SDK awaits the policy before it answers Analyze.
        { title: "a token recognised by its value alone", resources: () => broken("web", (w) => { container(w).args = [`--token=${token}`]; }), policy: "no-secret-literals", dev: "mandatory", prod: "mandatory",
            text: "args[0]) contains a GitHub token (found by secretlint rule github)", secret: token },
        { title: "a binding to a role that does not exist", resources: () => edit(compliantStack(), "web-rb", (w) => { w.roleRef.name = "web-reeder"; }), policy: "rbac-least-privilege", dev: "advisory", prod: "mandatory",
            text: "names Role shop/web-reeder, which is neither in this stack nor a built-in role" },
        { title: "a PDB the API server rejects", resources: () => edit(compliantStack(), "web-pdb", (w) => { w.spec.minAvailable = 1; }), policy: "pdb-allows-eviction", dev: "advisory", prod: "mandatory",
            text: "sets both minAvailable (1) and maxUnavailable (1)" },
    ];
    for (const c of cases) {
        it(`catches a broken copy (${c.title}) at the configured level in dev and prod`, async () => {
            for (const [stack, level] of [["dev", c.dev], ["prod", c.prod]] as const) {
                const ds = (await check(stack, c.resources())).filter((d) => d.policyName === c.policy);
                if (level === "none") {
                    assert.deepStrictEqual(ds, [], `${stack}: ${show(ds)}`);
                    continue;
                }
                const hit = ds.find((d) => d.message.includes(c.text));
                assert.ok(hit, `${stack}: ${show(ds)}`);
                assert.strictEqual(hit!.enforcementLevel, level, `${stack}: ${show([hit!])}`);
                assert.ok(!hit!.message.includes("pw-from-config"), "secret values are never echoed");
                assert.ok(!c.secret || !ds.some((d) => d.message.includes(c.secret!)), "secret values are never echoed");
            }
        });
    }

    it("the staging issuer is rejected in prod only", async () => {
        const rs = edit(compliantStack(), "web-ing", (w) => { w.metadata.annotations["cert-manager.io/cluster-issuer"] = "letsencrypt-staging"; });
        const prod = (await check("prod", rs)).filter((d) => d.policyName === "ingress-cert-manager");
        assert.strictEqual(prod.length, 1, show(prod));
        assert.strictEqual(prod[0].enforcementLevel, "mandatory");
        assert.match(prod[0].message, /acme-staging-v02.*is a staging endpoint/);
        assert.strictEqual(prod[0].phase, "analyzeStack");
        const staging = (await check("staging", rs)).filter((d) => d.policyName === "ingress-cert-manager");
        assert.deepStrictEqual(staging, [], show(staging));
    });

    it("exemptions apply through gRPC: honoured in dev, refused for never-acceptable checks in prod", async () => {
        const rs = broken("web", (w) => {
            container(w).securityContext.privileged = true;
            w.metadata.annotations = { "policy.ai-platform.io/exempt-no-privileged": "Legacy GPU driver installer, removal tracked in PLAT-88" };
        });
        const dev = (await check("dev", rs)).filter((d) => d.policyName === "no-privileged");
        assert.strictEqual(dev.length, 1, show(dev));
        assert.strictEqual(dev[0].enforcementLevel, "advisory");
        assert.match(dev[0].message, /is exempt from no-privileged .*PLAT-88/);
        const prod = (await check("prod", rs)).filter((d) => d.policyName === "no-privileged");
        assert.strictEqual(prod[0].enforcementLevel, "mandatory");
        assert.match(prod[0].message, /cannot be exempted in this stack/);
    });

    it("values unknown during preview are reported as not checked, never passed or crashed", async () => {
        const rs = broken("web", (w) => {
            container(w).image = UNKNOWN;
            podSpec(w).containers.push({ ...JSON.parse(JSON.stringify(container(w))), name: "sidecar", image: "nginx:latest" });
        });
        const ds = (await check("prod", rs)).filter((d) => d.policyName === "image-tag-pinned");
        assert.strictEqual(ds.length, 2, show(ds));
        const unknown = ds.find((d) => d.message.includes('container "web": the value at `spec.template.spec.containers.0.image` is unknown during preview'));
        assert.ok(unknown && unknown.enforcementLevel === "advisory", show(ds));
        assert.ok(ds.some((d) => d.enforcementLevel === "mandatory" && d.message.includes('container "sidecar"')), show(ds));
        assert.ok(!ds.some((d) => d.message.includes("can't run policy")), "the SDK's whole-policy fallback never triggers");
    });

    it("sends inputs like the engine: secret-wrapped values reach the policies unwrapped, dynamic-provider internals do not", async () => {
        const rs = edit(compliantStack(), "var-kube-token", (w) => { w.value.value = "has space in it"; });
        const variable = rs.find((r) => r.name === "var-kube-token")!;
        assert.ok(typeof variable.wireInputs.__provider === "string" && variable.wireInputs.value["4dabf18193072939515e22adb298388d"]);
        await pack.configure(CONFIG("prod"));
        const stack = await pack.analyzeStackDetailed(rs);
        const masked = stack.diagnostics.filter((d) => d.policyName === "gitlab-masked-var-valid");
        assert.strictEqual(masked.length, 1, show(masked));
        assert.match(masked[0].message, /contains whitespace/);
        assert.ok(!masked[0].message.includes("has space in it"));
        const single = await pack.analyzeResource(variable, rs);
        assert.deepStrictEqual(single.diagnostics, []);
        assert.ok(single.notApplicable.length === 0 || single.notApplicable.every((n) => n.policyName));
    });

    it("a directory without PulumiPolicy.yaml is refused before anything is started", async () => {
        await assert.rejects(startPolicyPack(path.join(__dirname, "no-such-pack")), /no PulumiPolicy\.yaml/);
    });

    it("a pack that does not type-check fails with its compiler output and leaves no process behind", async () => {
        const dir = path.join(__dirname, ".broken-pack");
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        try {
            fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "broken", version: "0.0.1", main: "index.ts" }));
            fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", compilerOptions: { module: "commonjs", moduleResolution: "node" } }));
            fs.writeFileSync(path.join(dir, "index.ts"), 'const port: number = "not a number";\nexport default port;\n');
            await assert.rejects(startPolicyPack(dir), (e: Error) => /exited .* before printing its port/.test(e.message) && /TS2322/.test(e.message));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
