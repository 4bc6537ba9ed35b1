/**
 * The value scanner behind no-secret-literals (policy/lib/secretScan.ts) on its own: what it finds,
 * that it never hands back the value, and that a long-lived pack does not slow down or grow with it.
 */
import * as assert from "assert";
import { scannable, scanValues } from "../../policy/lib/secretScan";

const token = (prefix: string, n: number) => prefix + "Zq7xK2".repeat(Math.ceil(n / 6)).slice(0, n);

describe("secret value scanner", () => {
    it("finds each shape in place, by secretlint's rules or the pack's own patterns", async () => {
        const values = [
            token("ghp_", 36),
            `AKIA${"QWERTYUIOPASDFGH"}`,
            `xoxb-${"1234567890"}-${"1234567890123"}-${token("", 24)}`,
            `glpat-${token("", 20)}`,
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + token("", 86) + "==",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: x\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
            "https://api.example.com/v1",
            "--listen=0.0.0.0:8080",
        ];
        const found = await scanValues(values);
        assert.deepStrictEqual(found.map((f) => f.map((k) => k.kind)), [
            ["a GitHub token"], ["an AWS access key"], ["a Slack token or webhook URL"], ["a GitLab token"],
            ["an Azure storage or Service Bus key"], ["a PEM private key"], [], [],
        ]);
        assert.match(found[0][0].by, /^secretlint rule github$/);
        assert.strictEqual(found[3][0].by, "ai-platform pattern");
    });

    it("never returns the value or a part of it", async () => {
        const secret = token("ghp_", 36);
        const [found] = await scanValues([`prefix ${secret} suffix`]);
        assert.ok(found.length > 0);
        assert.ok(!JSON.stringify(found).includes(secret.slice(4, 12)), JSON.stringify(found));
    });

    it("skips references and strings too short to hold a credential", async () => {
        const found = await scanValues(["$(GITHUB_TOKEN)", "mongodb://root:$MONGO_PASSWORD@db:27017/", "https://$(USER):$(PASS)@example.com/", "4096", "true"]);
        assert.deepStrictEqual(found, [[], [], [], [], []]);
        assert.strictEqual(scannable("short"), false);
        assert.strictEqual(scannable("1234567890"), false);
        assert.strictEqual(scannable("a longer value"), true);
    });

    it("leaves nothing on the global performance timeline and stays fast over many scans", async () => {
        await scanValues(["warm-up value"]);
        const marksBefore = performance.getEntriesByType("mark").length;
        const values = Array.from({ length: 200 }, (_, i) => `https://svc-${i}.shop.svc.cluster.local:8080/path`);
        const first = performance.now();
        await scanValues(values);
        const firstMs = performance.now() - first;
        for (let i = 0; i < 10; i++) {
            await scanValues(values);
            await new Promise((resolve) => setImmediate(resolve));
        }
        const last = performance.now();
        await scanValues(values);
        const lastMs = performance.now() - last;
        assert.strictEqual(performance.getEntriesByType("mark").length, marksBefore, "secretlint's profiler marks are switched off");
        // Unbounded profiler entries made each scan slower than the one before; allow generous noise.
        assert.ok(lastMs < firstMs * 5 + 50, `first ${firstMs.toFixed(1)} ms, after 2,000 scans ${lastMs.toFixed(1)} ms`);
    });
});
