/** The exemption scheme end to end (in-process, with the real stack configs). */
import * as assert from "assert";
import { broken, compliantStack, container, edit, podSpec } from "./fixtures";
import { run, summarize } from "./harness";
import { classifyNotice } from "../../policy/lib/exemptions";

const KEY = (p: string) => `policy.ai-platform.io/exempt-${p}`;
const REASON = "Grafana Alloy tails /var/log/pods on every node (OPS-142)";
const annotate = (w: any, p: string, reason = REASON) => { w.metadata.annotations = { ...(w.metadata.annotations ?? {}), [KEY(p)]: reason }; };
const hostPath = (w: any) => { podSpec(w).volumes.push({ name: "logs", hostPath: { path: "/var/log/pods" } }); };

describe("exemptions", () => {
    it("an exemption with a reason turns the finding into an advisory note quoting the reason", async () => {
        const ds = await run("no-host-path", broken("web", (w) => { hostPath(w); annotate(w, "no-host-path"); }));
        assert.strictEqual(ds.length, 1, summarize(ds));
        assert.strictEqual(ds[0].enforcementLevel, "advisory");
        assert.ok(ds[0].message.includes(`is exempt from no-host-path by its annotation ${KEY("no-host-path")}: "${REASON}"`), ds[0].message);
        assert.ok(ds[0].message.includes("/var/log/pods"), "the suppressed finding is named");
    });

    it("an exemption on a compliant resource is reported as stale", async () => {
        const ds = await run("no-host-path", broken("web", (w) => annotate(w, "no-host-path")));
        assert.strictEqual(ds.length, 1, summarize(ds));
        assert.strictEqual(ds[0].enforcementLevel, "advisory");
        assert.match(ds[0].message, /complies with no-host-path; remove the stale exemption/);
    });

    it("an exemption only covers the policy it names", async () => {
        const ds = await run("volume-types", broken("web", (w) => { hostPath(w); annotate(w, "no-host-path"); }));
        assert.strictEqual(ds.length, 1);
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
    });

    it("an exemption without a reason is ignored, and is itself a violation", async () => {
        const rs = broken("web", (w) => { hostPath(w); annotate(w, "no-host-path", "  "); });
        const ds = await run("no-host-path", rs);
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        assert.match(ds[0].message, /is ignored: it gives no reason/);
        const meta = await run("policy-exemptions", rs);
        assert.strictEqual(meta.length, 1);
        assert.strictEqual(meta[0].enforcementLevel, "mandatory");
        assert.match(meta[0].message, /gives no reason/);
    });

    for (const [policy, breakIt] of [
        ["no-privileged", (w: any) => { container(w).securityContext.privileged = true; }],
        ["no-host-namespaces", (w: any) => { podSpec(w).hostNetwork = true; }],
        ["no-host-process", (w: any) => { podSpec(w).securityContext.windowsOptions = { hostProcess: true }; }],
        ["no-secret-literals", (w: any) => { container(w).env.push({ name: "DB_PASSWORD", value: "literal-password" }); }],
    ] as const) {
        it(`${policy} cannot be exempted in prod or staging, but can in dev`, async () => {
            const rs = broken("web", (w) => { breakIt(w); annotate(w, policy); });
            for (const stack of ["prod", "staging"] as const) {
                const ds = await run(policy, rs, { stack });
                assert.ok(ds.length >= 1 && ds.every((d) => d.enforcementLevel === "mandatory"), `${stack}: ${summarize(ds)}`);
                assert.match(ds[0].message, new RegExp(`${policy} cannot be exempted in this stack`));
            }
            const dev = await run(policy, rs, { stack: "dev" });
            assert.strictEqual(dev.length, 1, summarize(dev));
            assert.strictEqual(dev[0].enforcementLevel, "advisory");
            assert.match(dev[0].message, /is exempt from/);
        });
    }

    it("no-external-ips cannot be exempted in prod", async () => {
        const rs = edit(compliantStack(), "web-svc", (w) => { w.spec.externalIPs = ["203.0.113.1"]; annotate(w, "no-external-ips"); });
        const ds = await run("no-external-ips", rs);
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        assert.match(ds[0].message, /cannot be exempted in this stack/);
    });

    it("stack policies honour exemptions on the resource a finding is about", async () => {
        const rs = edit(edit(compliantStack(), "web-pdb", (w) => { w.spec.maxUnavailable = 0; annotate(w, "pdb-allows-eviction", "Singleton leader election must not be drained (ARCH-9)"); }),
            "web", () => undefined);
        const ds = await run("pdb-allows-eviction", rs);
        assert.strictEqual(ds.length, 1, summarize(ds));
        assert.strictEqual(ds[0].enforcementLevel, "advisory");
        assert.match(ds[0].message, /PodDisruptionBudget shop\/web is exempt from pdb-allows-eviction .*Singleton leader election/);
        assert.strictEqual(ds[0].urn, rs.find((r) => r.name === "web-pdb")!.urn);
    });

    it("pod-template annotations do not exempt", async () => {
        const ds = await run("no-host-path", broken("web", (w) => { hostPath(w); w.spec.template.metadata.annotations = { [KEY("no-host-path")]: REASON }; }));
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
    });

    describe("telling exemption notices from findings (what the plan counts apart)", () => {
        it("recognises the notice of an honoured exemption, with its annotation and reason", async () => {
            const ds = await run("no-host-path", broken("web", (w) => { hostPath(w); annotate(w, "no-host-path"); }));
            assert.deepStrictEqual(classifyNotice("no-host-path", ds[0].message), { kind: "exempt", annotation: KEY("no-host-path"), reason: REASON });
        });
        it("recognises a stale exemption and names the annotation to remove", async () => {
            const ds = await run("no-host-path", broken("web", (w) => annotate(w, "no-host-path")));
            assert.deepStrictEqual(classifyNotice("no-host-path", ds[0].message), { kind: "stale", annotation: KEY("no-host-path") });
        });
        it("keeps a real finding a finding, also when it quotes an ignored annotation or another policy's notice", async () => {
            const ds = await run("no-host-path", broken("web", (w) => { hostPath(w); annotate(w, "no-host-path", "yes"); }));
            assert.strictEqual(classifyNotice("no-host-path", ds[0].message).kind, "finding", ds[0].message);
            const other = `Deployment shop/web is exempt from no-host-path by its annotation ${KEY("no-host-path")}: "${REASON}". Suppressed finding(s): x`;
            assert.strictEqual(classifyNotice("run-as-non-root", other).kind, "finding");
        });
    });
});
