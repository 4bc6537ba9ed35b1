/**
 * The real stacks through the policy pack, as the engine runs it: the pack started with
 * run-policy-pack, configured with each stack's policy config, every resource of the stack's
 * offline evaluation sent to `analyze` and all of them to `analyzeStack`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PolicyDiagnostic, PolicyPackHandle, startPolicyPack } from "../../tools/policy/analyzer";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { toViolations } from "../../tools/plan/policy";
import { ROOT, stackEvaluation, STACKS } from "../helpers/stacks";

/** The "Deliberate exemptions in our stacks" table of policy/README.md: `policy Kind name` per stack. */
function documentedExemptions(stack: string): string[] {
    const readme = fs.readFileSync(`${ROOT}/policy/README.md`, "utf8");
    const start = readme.indexOf("## Deliberate exemptions in our stacks");
    assert.ok(start >= 0, "policy/README.md has no 'Deliberate exemptions in our stacks' section");
    const end = readme.indexOf("\n## ", start + 1);
    const rows: string[] = [];
    for (const line of readme.slice(start, end < 0 ? undefined : end).split("\n")) {
        const m = /^\| `([a-z0-9-]+)` \| (\w+) `([^`]+)` \| ([a-z, ]+) \|/.exec(line);
        if (m && m[4].split(",").map((x) => x.trim()).includes(stack)) {
            rows.push(`${m[1]} ${m[2]} ${m[3]}`);
        }
    }
    return rows.sort();
}

/** Policies that are mandatory in every stack, dev included (policy/README.md). */
const NEVER_ACCEPTABLE = ["no-privileged", "no-host-namespaces", "no-host-process", "no-external-ips", "no-secret-literals"];

async function analyzeAll(pack: PolicyPackHandle, resources: readonly RecordedResource[]): Promise<PolicyDiagnostic[]> {
    return [...await pack.analyze(resources), ...await pack.analyzeStack(resources)];
}

/** A copy of a real resource with the same change applied to its inputs and its wire form. */
function broken(resource: RecordedResource, change: (inputs: any) => void): RecordedResource {
    const inputs = structuredClone(resource.inputs);
    const wireInputs = structuredClone(resource.wireInputs);
    change(inputs);
    change(wireInputs);
    return { ...resource, inputs, wireInputs };
}

function replace(resources: readonly RecordedResource[], copy: RecordedResource): RecordedResource[] {
    return resources.map((r) => (r.urn === copy.urn ? copy : r));
}

/**
 * The findings of each stack as they stood before the policy pack's speed work: a regression pin, so
 * that making the pack faster cannot change what it reports. A deliberate change of policies or
 * components regenerates it with `npm run policy:snapshot`, and the diff is reviewed like code.
 */
const SNAPSHOT = path.join(__dirname, "fixtures", "stack-findings.json");
const UPDATE_SNAPSHOT = process.env.UPDATE_POLICY_SNAPSHOT === "1";

interface PinnedFinding {
    readonly policy: string;
    readonly urn: string;
    readonly level: string;
    readonly phase: string;
    readonly message: string;
}

function pinned(diagnostics: readonly PolicyDiagnostic[]): PinnedFinding[] {
    return diagnostics
        .map((d) => ({ policy: d.policyName, urn: d.urn, level: d.enforcementLevel, phase: d.phase, message: d.message }))
        .sort((a, b) => a.policy.localeCompare(b.policy) || a.urn.localeCompare(b.urn) || a.message.localeCompare(b.message));
}

function readSnapshot(): Record<string, PinnedFinding[]> {
    return fs.existsSync(SNAPSHOT) ? JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) : {};
}

const mandatory = (diagnostics: PolicyDiagnostic[]) => diagnostics.filter((d) => d.enforcementLevel === "mandatory");
const describeAll = (diagnostics: PolicyDiagnostic[]) =>
    diagnostics.map((d) => `${d.policyName} ${d.urn.split("::").pop()}: ${d.message.slice(0, 160)}`).join("\n");

for (const stack of STACKS) {
    describe(`policy pack over the ${stack} stack (gRPC)`, function () {
        this.timeout(300_000);
        let pack: PolicyPackHandle;
        let ev: StackEvaluation;
        let findings: PolicyDiagnostic[];

        before(async () => {
            ev = await stackEvaluation(stack);
            pack = await startPolicyPack(`${ROOT}/policy`, { stack, project: ev.project });
            await pack.configure(`${ROOT}/policy/config/${stack}.json`);
            findings = await analyzeAll(pack, ev.resources);
        });
        after(async () => {
            await pack?.close();
        });

        if (stack === "dev") {
            it("reports findings at advisory level only (nothing never-acceptable)", () => {
                assert.deepEqual(describeAll(mandatory(findings)), "");
            });
        } else {
            it("has zero mandatory violations", () => {
                assert.deepEqual(describeAll(mandatory(findings)), "");
            });
        }

        it("reports no finding and no stale exemption: only the deliberate exemptions policy/README.md lists", () => {
            const violations = toViolations(findings, ev.resources);
            assert.deepEqual(violations.filter((v) => v.kind !== "exempt").map((v) => `${v.kind} ${v.policy} ${v.resource}: ${v.message.slice(0, 200)}`), []);
            const exempt = violations.map((v) => {
                const [kind, name] = (v.resource ?? "").split(" ");
                return `${v.policy} ${kind} ${name.split("/").pop()}`;
            });
            assert.deepEqual([...new Set(exempt)].sort(), documentedExemptions(stack));
        });

        it("reports exactly the pinned findings (policy, resource, level, message)", () => {
            const actual = pinned(findings);
            if (UPDATE_SNAPSHOT) {
                const all = { ...readSnapshot(), [stack]: actual };
                const ordered = Object.fromEntries(STACKS.filter((s) => s in all).map((s) => [s, all[s]]));
                fs.mkdirSync(path.dirname(SNAPSHOT), { recursive: true });
                fs.writeFileSync(SNAPSHOT, `${JSON.stringify(ordered, null, 2)}\n`);
                return;
            }
            const expected = readSnapshot()[stack];
            assert.ok(expected, `${path.relative(ROOT, SNAPSHOT)} has no ${stack} entry; run npm run policy:snapshot`);
            assert.deepEqual(actual, expected);
        });

        it("checks every resource kind the stack contains without failing on any", () => {
            assert.ok(ev.resources.length > 100);
            assert.ok(!findings.some((d) => /threw|exception|TypeError/i.test(d.message)), describeAll(findings));
        });

        describe("deliberately broken copies of the stack's own resources", () => {
            const expectedLevel = (policy: string) =>
                stack === "dev" && !NEVER_ACCEPTABLE.includes(policy) ? "advisory" : "mandatory";
            /** A Deployment of the stack that carries no exemption from the policy under test. */
            const deployment = (policy: string) => () => ev.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" &&
                !(`policy.ai-platform.io/exempt-${policy}` in (r.inputs.metadata.annotations ?? {})))!;
            const container = (inputs: any) => inputs.spec.template.spec.containers[0];

            const cases: Array<{ title: string; policy: string; target: () => RecordedResource; change: (inputs: any) => void; match: RegExp }> = [
                { title: "a privileged container", policy: "no-privileged", target: deployment("no-privileged"),
                    change: (i) => { container(i).securityContext.privileged = true; }, match: /privileged/ },
                { title: "a container running as root", policy: "run-as-non-root", target: deployment("run-as-non-root"),
                    change: (i) => { container(i).securityContext.runAsUser = 0; container(i).securityContext.runAsNonRoot = false; }, match: /root/i },
                { title: "a container without limits", policy: "resources-set", target: deployment("resources-set"),
                    change: (i) => { delete container(i).resources.limits; }, match: /limits/ },
                { title: "an image tagged latest", policy: "image-tag-pinned", target: deployment("image-tag-pinned"),
                    change: (i) => { container(i).image = container(i).image.replace(/:[^:/]+$/, ":latest"); }, match: /latest/ },
                { title: "a hostPath volume", policy: "no-host-path", target: deployment("no-host-path"),
                    change: (i) => {
                        i.spec.template.spec.volumes = [...(i.spec.template.spec.volumes ?? []), { name: "docker", hostPath: { path: "/var/run/docker.sock" } }];
                    }, match: /hostPath/ },
                { title: "an Ingress without TLS", policy: "ingress-tls",
                    target: () => ev.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!,
                    change: (i) => { delete i.spec.tls; }, match: /tls/i },
            ];
            for (const c of cases) {
                it(`catches ${c.title} (${c.policy}) at the configured level`, async () => {
                    const copy = broken(c.target(), c.change);
                    const result = await analyzeAll(pack, replace(ev.resources, copy));
                    const hit = result.find((d) => d.policyName === c.policy && d.urn === copy.urn && !/is exempt/.test(d.message));
                    assert.ok(hit, `${c.policy} did not fire:\n${describeAll(result.filter((d) => d.urn === copy.urn))}`);
                    assert.equal(hit.enforcementLevel, expectedLevel(c.policy));
                    assert.match(hit.message, c.match);
                });
            }

            it("checks the GitLab variables the stack declares: a masked value GitLab cannot mask is caught", async () => {
                const variable = ev.resources.find((r) => r.type === "pulumi-nodejs:dynamic/gitlab:ProjectVariable" && r.inputs.masked === true)!;
                assert.ok(variable, "the stack declares masked GitLab variables");
                const copy = broken(variable, (i) => {
                    if (typeof i.value === "object" && i.value !== null && "value" in i.value) {
                        i.value.value = "short";
                    } else {
                        i.value = "short";
                    }
                });
                const result = await analyzeAll(pack, replace(ev.resources, copy));
                const hit = result.find((d) => d.policyName === "gitlab-masked-var-valid" && d.urn === copy.urn);
                assert.ok(hit, describeAll(result.filter((d) => d.urn === copy.urn)));
                assert.equal(hit.enforcementLevel, expectedLevel("gitlab-masked-var-valid"));
                assert.ok(!hit.message.includes("short"), "the message must not echo the value");
            });
        });
    });
}
