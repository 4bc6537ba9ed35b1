/** The pack's catalogue: names, docs, schemas, per-stack config files, README, and test coverage. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { countCases } from "./cases";
import { SUITES as POD_SECURITY } from "./podSecurity.cases";
import { SUITES as STACK } from "./stack.cases";
import { SUITES as WORKLOADS } from "./workloads.cases";
import { allPackPolicies, stackConfig } from "./harness";
import { checkConfigSchema, loadPolicyConfigFile, parsePolicyConfig, reconcilePolicyConfig } from "../../tools/policy/config";

const POLICY_DIR = path.join(__dirname, "../../policy");
const policies = allPackPolicies();

describe("policy pack catalogue", () => {
    it("has at least 40 policies with unique kebab-case names and descriptions", () => {
        assert.ok(policies.length >= 40, `${policies.length} policies`);
        const names = policies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length, "unique names");
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
            assert.ok(p.description.length > 20, `${p.name} has a description`);
            assert.ok(p.doc.anchors.length > 0, `${p.name} has anchors`);
        }
    });

    it("covers every catalogue check marked mandatory or advisory in prod, and the stack-level ones", () => {
        const catalogue = [
            "no-privileged", "no-host-namespaces", "no-host-path", "no-host-ports", "no-host-process", "capabilities", "no-priv-escalation",
            "run-as-non-root", "non-root-groups", "seccomp", "apparmor", "selinux", "proc-mount", "safe-sysctls", "volume-types", "no-probe-host",
            "read-only-rootfs", "no-sa-token-automount", "no-secret-literals", "rbac-least-privilege", "image-tag-pinned", "image-registry-allowlist",
            "image-pull-always", "resources-set", "resources-extra", "probes", "no-bare-pods", "min-replicas", "no-replicas-with-hpa", "pdb-required",
            "pdb-allows-eviction", "hpa-sane", "spread", "priority-class", "workload-wiring", "cronjob-safety", "env-no-dup-keys", "netpol-coverage",
            "service-targets-pod", "service-type", "no-external-ips", "ingress-targets-service", "ingress-tls", "ingress-hosts", "labels",
            "no-default-namespace", "stable-apis",
            "stack-resource-budget", "namespace-default-deny", "namespace-pss-label", "exposed-needs-pdb", "hpa-min-prod", "prod-stateful-protected",
            "ingress-cert-manager", "config-refs-resolve", "helm-release-pinned", "gitlab-masked-var-valid",
        ];
        const names = new Set(policies.map((p) => p.name));
        assert.deepStrictEqual(catalogue.filter((c) => !names.has(c)), []);
    });

    it("config schemas are valid and every default satisfies its schema", () => {
        for (const p of policies) {
            const schema = { properties: p.configSchema?.properties ?? {}, required: p.configSchema?.required ?? [] };
            assert.deepStrictEqual(checkConfigSchema(schema), [], p.name);
            assert.ok(!("enforcementLevel" in schema.properties), p.name);
            assert.strictEqual("allowExemptions" in schema.properties, p.doc.exemption !== "no", `${p.name} allowExemptions`);
        }
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`policy/config/${stack}.json reconciles like the CLI to exactly the documented levels`, () => {
            const file = loadPolicyConfigFile(path.join(POLICY_DIR, "config", `${stack}.json`));
            const reconciled = stackConfig(stack);
            assert.deepStrictEqual(reconciled.unknownPolicies, [], "keys naming no policy");
            for (const p of policies) {
                assert.strictEqual(reconciled.config[p.name].enforcementLevel, p.doc.levels[stack], `${p.name} in ${stack}`);
            }
            assert.ok("all" in file, "uses the all key");
            const mandatoryInDev = policies.filter((p) => p.doc.levels.dev === "mandatory").map((p) => p.name).sort();
            if (stack === "dev") {
                assert.deepStrictEqual(mandatoryInDev, ["no-external-ips", "no-host-namespaces", "no-host-process", "no-privileged", "no-secret-literals"]);
            }
            for (const p of policies.filter((x) => x.doc.exemption === "not-in-prod")) {
                assert.strictEqual(reconciled.config[p.name].properties.allowExemptions, stack === "dev", `${p.name} allowExemptions in ${stack}`);
            }
        });
    }

    it("reconciliation follows the CLI: `all` sets levels only, schema defaults are filled, bad values are rejected", () => {
        const metas = policies.map((p) => ({ name: p.name, enforcementLevel: p.enforcementLevel!, configSchema: { properties: p.configSchema!.properties, required: [] } }));
        const r = reconcilePolicyConfig(metas, { all: { enforcementLevel: "advisory", minReplicas: 7 } as any, "hpa-sane": "disabled" });
        assert.strictEqual(r.config["no-privileged"].enforcementLevel, "advisory");
        assert.strictEqual(r.config["hpa-sane"].enforcementLevel, "disabled");
        assert.strictEqual(r.config["hpa-sane"].properties.minReplicas, 2, "all does not carry properties");
        assert.deepStrictEqual(r.config["image-registry-allowlist"].properties.allowedRegistries, (policies.find((p) => p.name === "image-registry-allowlist")!.configSchema!.properties.allowedRegistries as any).default);
        assert.throws(() => reconcilePolicyConfig(metas, { "hpa-sane": { minReplicas: "two" } as any }), /hpa-sane: minReplicas: Invalid type/);
        assert.throws(() => reconcilePolicyConfig(metas, { "hpa-sane": "blocking" as any }), /not a valid enforcement level/);
        assert.throws(() => parsePolicyConfig({ x: 3 as any }), /must be a string or object/);
        assert.deepStrictEqual(reconcilePolicyConfig(metas, { "no-such-policy": "advisory" }).unknownPolicies, ["no-such-policy"]);
    });

    it("README documents every policy with its levels, the exemption scheme and how to run the pack", () => {
        const readme = fs.readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
        for (const p of policies) {
            const row = readme.split("\n").find((l) => l.startsWith(`| \`${p.name}\` |`));
            assert.ok(row, `README row for ${p.name}`);
            const short = (l: string) => (l === "mandatory" ? "M" : l === "advisory" ? "A" : "–");
            assert.ok(row!.includes(`| ${short(p.doc.levels.dev)} | ${short(p.doc.levels.staging)} | ${short(p.doc.levels.prod)} |`), `levels of ${p.name} in README: ${row}`);
        }
        assert.match(readme, /policy\.ai-platform\.io\/exempt-<policy-name>/);
        assert.match(readme, /pulumi preview --policy-pack policy --policy-pack-config policy\/config\/<stack>\.json/);
    });

    it("every policy has in-process tests: the compliant stack passes and at least one breakage is caught", () => {
        const covered = countCases([...POD_SECURITY, ...WORKLOADS, ...STACK]);
        const missing = policies.filter((p) => (covered.get(p.name)?.fail ?? 0) < 1).map((p) => p.name);
        assert.deepStrictEqual(missing, []);
    });

    it("policy/package.json keeps its name, version and pinned SDKs (the pack reads its version from it)", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
        assert.strictEqual(pkg.name, "ai-platform-policy");
        assert.strictEqual(pkg.version, "0.1.0");
        assert.strictEqual(pkg.dependencies["@pulumi/policy"], "1.21.0");
        assert.strictEqual(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
        const yaml = fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8");
        assert.match(yaml, /^runtime: nodejs$/m);
        assert.match(yaml, /^description: /m);
    });
});
