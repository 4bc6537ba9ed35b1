/**
 * `npm run release` (issue 13): which key a request changes, every refusal with its message and
 * exit code, the in-place edit of the stack file, and switch / rollback planned against a git
 * fixture of this project. Expected keys, values and messages are written from the issue and
 * docs/releases.md: the stable tag for rolling and canary, the canary's tag for --track canary,
 * the idle color's tag for blue-green; prod tags are semantic versions.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runScript } from "../helpers/runScript";
import { ROOT } from "../helpers/stacks";
import { GitFixture, gitFixture } from "../plan/gitFixture";
import { RELEASE_EXIT, ReleaseError } from "../../tools/release/exitCodes";
import { previousLiveColor } from "../../tools/release/history";
import { runRelease } from "../../tools/release/index";
import { setConfigScalar } from "../../tools/release/stackFile";
import { ReleaseRequest, resolveTarget, StackValues } from "../../tools/release/target";
import { loadStackConfig } from "../../tools/stack/projectConfig";

function stackOf(stack: string, changes: Record<string, string> = {}): StackValues {
    const config = loadStackConfig(stack, { placeholders: false });
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.values)) values[k.replace(/^ai-platform:/, "")] = v;
    return { project: config.project, stack, values: { ...values, ...changes } };
}

function refusal(request: Omit<ReleaseRequest, "action"> & { action?: ReleaseRequest["action"] }, s: StackValues): ReleaseError {
    try {
        resolveTarget({ action: "release", ...request }, s);
    } catch (error) {
        assert.ok(error instanceof ReleaseError, String(error));
        return error;
    }
    assert.fail(`${JSON.stringify(request)} was not refused`);
}

describe("npm run release: which key a request changes", () => {
    const prod = stackOf("prod", { chatbotActiveColor: "blue", chatbotBlueImageTag: "v1.0.0", chatbotGreenImageTag: "v1.1.0" });

    it("rolling: the product's image tag", () => {
        const t = resolveTarget({ action: "release", product: "quickspin-ai", stack: "prod", tag: "0.2.0" }, stackOf("prod"));
        assert.deepEqual([t.key, t.to, t.track, t.changed], ["quickspinImageTag", "0.2.0", "stable", true]);
    });

    it("canary (chatbot in staging): the stable tag without --track, the canary's with --track canary", () => {
        const staging = stackOf("staging");
        assert.equal(resolveTarget({ action: "release", product: "chatbot", stack: "staging", tag: "sha-1234567" }, staging).key, "chatbotImageTag");
        assert.equal(resolveTarget({ action: "release", product: "chatbot", stack: "staging", tag: "sha-1234567", track: "canary" }, staging).key, "chatbotCanaryImageTag");
    });

    it("blue-green (chatbot in prod): the idle color's tag without --track, the named idle color with it", () => {
        assert.equal(resolveTarget({ action: "release", product: "chatbot", stack: "prod", tag: "v1.2.0" }, prod).key, "chatbotGreenImageTag");
        assert.equal(resolveTarget({ action: "release", product: "chatbot", stack: "prod", tag: "v1.2.0", track: "green" }, prod).key, "chatbotGreenImageTag");
        const greenLive = stackOf("prod", { chatbotActiveColor: "green" });
        assert.equal(resolveTarget({ action: "release", product: "chatbot", stack: "prod", tag: "v1.2.0" }, greenLive).key, "chatbotBlueImageTag");
    });

    it("--switch flips the live color; the same tag again is nothing to release", () => {
        const t = resolveTarget({ action: "switch", product: "chatbot", stack: "prod" }, prod);
        assert.deepEqual([t.key, t.from, t.to], ["chatbotActiveColor", "blue", "green"]);
        const same = resolveTarget({ action: "release", product: "chatbot", stack: "prod", tag: "v1.1.0" }, prod);
        assert.equal(same.changed, false);
    });
});

describe("npm run release: refusals name the problem and what is allowed", () => {
    const cases: Array<{ title: string; request: Omit<ReleaseRequest, "action"> & { action?: ReleaseRequest["action"] }; stack: StackValues; code: number; message: RegExp }> = [
        {
            title: "an unknown product (lists the products)",
            request: { product: "quickspin", stack: "prod", tag: "1.0.0" }, stack: stackOf("prod"), code: RELEASE_EXIT.usage,
            message: /unknown product "quickspin": the products are quickspin-ai, chatbot, soundcore-kcp, harvis-ai, llm-secret-detection/,
        },
        {
            title: "a stack that does not deploy the product (lists its products)",
            request: { product: "soundcore-kcp", stack: "dev", tag: "v1.0.0" }, stack: stackOf("dev"), code: RELEASE_EXIT.refused,
            message: /stack dev does not deploy soundcore-kcp \(its products: [a-z-, ]*chatbot/,
        },
        {
            title: "latest, anywhere (the key's own rule)",
            request: { product: "harvis-ai", stack: "staging", tag: "latest" }, stack: stackOf("staging"), code: RELEASE_EXIT.refused,
            message: /--tag "latest" for harvisImageTag on stack staging \(staging tier\): must be an image tag .* other than latest/,
        },
        {
            title: "a moving tag where the tier requires immutable ones (prod)",
            request: { product: "harvis-ai", stack: "prod", tag: "staging-latest" }, stack: stackOf("prod"), code: RELEASE_EXIT.refused,
            message: /prod images must be pinned to a semantic version such as v1\.2\.3 or 1\.2\.3 \(this is a moving tag/,
        },
        {
            title: "a tag that is no semantic version in prod",
            request: { product: "quickspin-ai", stack: "prod", tag: "sha-3f9c2ab" }, stack: stackOf("prod"), code: RELEASE_EXIT.refused,
            message: /--tag "sha-3f9c2ab" for quickspinImageTag on stack prod \(prod tier\): prod images must be pinned to a semantic version/,
        },
        {
            title: "a tag that is no image tag at all",
            request: { product: "quickspin-ai", stack: "staging", tag: "a b" }, stack: stackOf("staging"), code: RELEASE_EXIT.refused,
            message: /must be an image tag \(letters, digits/,
        },
        {
            title: "a track a rolling product does not have",
            request: { product: "quickspin-ai", stack: "prod", tag: "1.0.1", track: "canary" }, stack: stackOf("prod"), code: RELEASE_EXIT.refused,
            message: /--track canary: quickspin-ai uses the rolling strategy in the prod tier \(stack prod\), which has no tracks/,
        },
        {
            title: "a canary track on a blue-green product",
            request: { product: "chatbot", stack: "prod", tag: "v1.2.0", track: "canary" }, stack: stackOf("prod"), code: RELEASE_EXIT.refused,
            message: /which has the tracks blue, green \(or none for the idle color\)/,
        },
        {
            title: "a color track on a canary product",
            request: { product: "chatbot", stack: "staging", tag: "sha-1", track: "green" }, stack: stackOf("staging"), code: RELEASE_EXIT.refused,
            message: /chatbot uses the canary strategy in the staging tier .* the tracks canary \(or none for the stable tag\)/,
        },
        {
            title: "a track that does not exist",
            request: { product: "chatbot", stack: "prod", tag: "v1.2.0", track: "red" }, stack: stackOf("prod"), code: RELEASE_EXIT.usage,
            message: /--track red: must be one of blue, green, canary/,
        },
        {
            title: "retagging the live color",
            request: { product: "chatbot", stack: "prod", tag: "v1.2.0", track: "blue" }, stack: stackOf("prod", { chatbotActiveColor: "blue" }), code: RELEASE_EXIT.refused,
            message: /blue is the live color of chatbot on stack prod .* Release to the idle color \(--track green, or no --track\), then --switch/,
        },
        {
            title: "--switch on a product that is not blue-green there",
            request: { action: "switch", product: "chatbot", stack: "staging" }, stack: stackOf("staging"), code: RELEASE_EXIT.refused,
            message: /--switch: chatbot uses the canary strategy in the staging tier \(stack staging\); only blue-green releases have a live color/,
        },
        {
            title: "--rollback on a product that is not blue-green there",
            request: { action: "rollback", product: "quickspin-ai", stack: "prod" }, stack: stackOf("prod"), code: RELEASE_EXIT.refused,
            message: /--rollback: quickspin-ai uses the rolling strategy/,
        },
        {
            title: "--switch with a tag",
            request: { action: "switch", product: "chatbot", stack: "prod", tag: "v1.2.0" }, stack: stackOf("prod"), code: RELEASE_EXIT.usage,
            message: /--switch changes only the live color: give it no --tag or --track/,
        },
        {
            title: "a release without a tag",
            request: { product: "chatbot", stack: "prod" }, stack: stackOf("prod"), code: RELEASE_EXIT.usage,
            message: /--tag <tag> is required/,
        },
    ];
    for (const c of cases) {
        it(c.title, () => {
            const error = refusal(c.request, c.stack);
            assert.equal(error.code, c.code, error.message);
            assert.match(error.message, c.message);
        });
    }

    it("--rollback with no earlier live color, and to a color retagged since it was live", () => {
        const s = stackOf("prod", { chatbotActiveColor: "green", chatbotBlueImageTag: "v1.3.0" });
        const none = (() => {
            try {
                resolveTarget({ action: "rollback", product: "chatbot", stack: "prod" }, s, () => undefined);
            } catch (e) {
                return e as ReleaseError;
            }
            return undefined;
        })();
        assert.equal(none?.code, RELEASE_EXIT.refused);
        assert.match(none!.message, /nothing to roll back to: chatbotActiveColor has been green in every commit of Pulumi\.prod\.yaml/);
        const retagged = (() => {
            try {
                resolveTarget({ action: "rollback", product: "chatbot", stack: "prod" }, s, () => ({ color: "blue", tag: "v1.0.0", commit: "0123456789ab" }));
            } catch (e) {
                return e as ReleaseError;
            }
            return undefined;
        })();
        assert.equal(retagged?.code, RELEASE_EXIT.refused);
        assert.match(retagged!.message, /blue ran v1\.0\.0 when it was last live \(until 0123456789ab\), but it has been retagged to v1\.3\.0 since/);
        const ok = resolveTarget({ action: "rollback", product: "chatbot", stack: "prod" }, s, () => ({ color: "blue", tag: "v1.3.0", commit: "0123456789ab" }));
        assert.deepEqual([ok.key, ok.from, ok.to], ["chatbotActiveColor", "green", "blue"]);
    });
});

describe("npm run release: the in-place edit of Pulumi.<stack>.yaml", () => {
    const file = path.join(ROOT, "Pulumi.prod.yaml");
    const text = fs.readFileSync(file, "utf8");

    it("changes only the value's line: comments, order and every other byte stay", () => {
        const edit = setConfigScalar(text, "Pulumi.prod.yaml", "ai-platform:chatbotGreenImageTag", "v1.2.0");
        const before = text.split("\n");
        const after = edit.text.split("\n");
        assert.equal(after.length, before.length);
        const differing = before.map((l, i) => (l === after[i] ? -1 : i)).filter((i) => i >= 0);
        assert.deepEqual(differing, [edit.line - 1]);
        assert.equal(after[edit.line - 1], before[edit.line - 1].replace(/v\d+\.\d+\.\d+$/, "v1.2.0"));
        assert.match(after[edit.line - 1], /^  ai-platform:chatbotGreenImageTag: v1\.2\.0$/);
        assert.equal(edit.previous, "v1.1.0");
        // The comments of the file are all still there.
        assert.deepEqual(after.filter((l) => /^\s*#/.test(l)), before.filter((l) => /^\s*#/.test(l)));
    });

    it("keeps a quoted value quoted and quotes a value that would not read back as a string", () => {
        const quoted = "config:\n  # tag\n  p:tag: \"v1\" # pinned\n  p:other: x\n";
        assert.equal(setConfigScalar(quoted, "f.yaml", "p:tag", "v2").text, "config:\n  # tag\n  p:tag: \"v2\" # pinned\n  p:other: x\n");
        const plain = "config:\n  p:tag: v1\n";
        assert.equal(setConfigScalar(plain, "f.yaml", "p:tag", "1e10").text, "config:\n  p:tag: \"1e10\"\n");
        assert.equal(setConfigScalar(plain, "f.yaml", "p:tag", "1.0.0").text, "config:\n  p:tag: 1.0.0\n");
    });

    it("adds a missing key on its own line after the product's other keys", () => {
        const edit = setConfigScalar(text, "Pulumi.prod.yaml", "ai-platform:chatbotCanaryImageTag", "v1.2.0",
            ["ai-platform:chatbotImageTag", "ai-platform:chatbotBlueImageTag", "ai-platform:chatbotGreenImageTag", "ai-platform:chatbotActiveColor"]);
        const before = text.split("\n");
        const after = edit.text.split("\n");
        assert.equal(after.length, before.length + 1);
        assert.match(after[edit.line - 2], /ai-platform:chatbotActiveColor:/);
        assert.equal(after[edit.line - 1], "  ai-platform:chatbotCanaryImageTag: v1.2.0");
        assert.deepEqual([...after.slice(0, edit.line - 1), ...after.slice(edit.line)], before);
    });
});

describe("npm run release: switch, rollback and a refused plan, against a git fixture of this project", function () {
    this.timeout(600_000);
    let fixture: GitFixture;
    const stackFile = () => fs.readFileSync(path.join(fixture.dir, "Pulumi.prod.yaml"), "utf8");
    const commit = (message: string) => {
        fixture.git("add", "-A");
        fixture.git("commit", "-q", "--no-verify", "-m", message);
    };

    before(() => {
        fixture = gitFixture();
    });
    after(() => fixture?.remove());

    it("--switch then --rollback: each changes only the chatbot Service's selector color, and rollback restores the earlier color", async () => {
        assert.match(stackFile(), /^  ai-platform:chatbotActiveColor: blue$/m, "the fixture starts with blue live");
        // Commits go to a branch of their own: reset() returns to main as copied from this checkout.
        fixture.git("checkout", "-q", "-b", "switch-test");
        const switched = await runRelease({ action: "switch", product: "chatbot", stack: "prod", projectDir: fixture.dir, outDir: path.join(fixture.dir, "out", "release") });
        assert.equal(switched.exitCode, 0, switched.diffText);
        assert.match(stackFile(), /^  ai-platform:chatbotActiveColor: green$/m);
        assert.deepEqual(switched.fields.map((f) => [f.object, f.field.path, f.field.old, f.field.new]),
            [["Service chatbot-prod/chatbot-service", "spec.selector.version", "blue", "green"]]);
        commit("switch chatbot to green");
        assert.deepEqual(previousLiveColor(fixture.dir, "prod", {
            activeColor: "ai-platform:chatbotActiveColor", blue: "ai-platform:chatbotBlueImageTag", green: "ai-platform:chatbotGreenImageTag",
        }, "green"), { color: "blue", tag: "v1.0.0", commit: fixture.git("rev-parse", "HEAD").slice(0, 12) });

        const rolledBack = await runRelease({ action: "rollback", product: "chatbot", stack: "prod", projectDir: fixture.dir, outDir: path.join(fixture.dir, "out", "release") });
        assert.equal(rolledBack.exitCode, 0, rolledBack.diffText);
        assert.match(stackFile(), /^  ai-platform:chatbotActiveColor: blue$/m);
        assert.deepEqual(rolledBack.fields.map((f) => [f.field.path, f.field.old, f.field.new]), [["spec.selector.version", "green", "blue"]]);
        fixture.reset();
    });

    it("a release the program refuses (a moving tag for a product that gives no reason for one) leaves the file as it was", async () => {
        const before = fs.readFileSync(path.join(fixture.dir, "Pulumi.staging.yaml"), "utf8");
        await assert.rejects(
            runRelease({ action: "release", product: "quickspin-ai", stack: "staging", tag: "develop-latest", projectDir: fixture.dir, outDir: path.join(fixture.dir, "out", "release") }),
            (error: ReleaseError) => {
                assert.equal(error.code, 5, error.message);
                assert.match(error.message, /the plan of stack staging with quickspinImageTag = develop-latest failed, so Pulumi\.staging\.yaml is left as it was/);
                assert.match(error.message, /deploys a moving tag but the product gives no reason/);
                return true;
            });
        assert.equal(fs.readFileSync(path.join(fixture.dir, "Pulumi.staging.yaml"), "utf8"), before);
    });

    it("the CLI: exit codes 2 and 3, and a release that prints the image change and writes release.json", async () => {
        const cli = (args: string[]) => runScript(path.join(fixture.dir, "tools", "release.ts"), [...args, "-q"], { cwd: fixture.dir, env: { ...process.env, CI: "true" } });
        const unknownStack = await cli(["--product", "chatbot", "--stack", "qa", "--tag", "v1.2.0"]);
        assert.equal(unknownStack.status, RELEASE_EXIT.unknownStack);
        assert.match(unknownStack.stderr, /unknown stack "qa": there is no Pulumi\.qa\.yaml \(the stacks are dev, prod, staging\)/);
        assert.equal((await cli(["--stack", "prod", "--tag", "v1.2.0"])).status, RELEASE_EXIT.usage);

        const released = await cli(["--product", "chatbot", "--stack", "prod", "--tag", "v1.2.0"]);
        assert.equal(released.status, 0, released.stderr);
        assert.match(released.stdout, /Release: chatbot green tag on stack prod: chatbotGreenImageTag v1\.1\.0 → v1\.2\.0/);
        assert.match(released.stdout, /Deployment chatbot-prod\/chatbot-service-green: spec\.template\.spec\.containers\[name=[a-z-]+\]\.image: "[^"]+:v1\.1\.0" → "[^"]+:v1\.2\.0"/);
        const json = JSON.parse(fs.readFileSync(path.join(fixture.dir, "out", "release", "prod", "release.json"), "utf8"));
        assert.deepEqual([json.key, json.from, json.to, json.changed, json.exitCode], ["chatbotGreenImageTag", "v1.1.0", "v1.2.0", true, 0]);
        assert.match(json.diffText, /Plan diff of stack "prod"/);
        fixture.reset();
    });
});
