/** The merge-request note (tools/ci/mrNote.ts) against the loopback GitLab double. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { composeNote, marker, readDiffs, upsertNote } from "../../tools/ci/mrNote";
import { runScript, ScriptRun } from "../helpers/runScript";
import { GitlabDouble, startGitlabDouble, stopGitlabDouble, testFixture } from "../gitlab/gitlabDouble";

const ROOT = path.resolve(__dirname, "..", "..");

function writeDiff(dir: string, stack: string, summary: string, text: string): void {
    fs.mkdirSync(path.join(dir, stack), { recursive: true });
    fs.writeFileSync(path.join(dir, stack, "diff.json"), JSON.stringify({ stack, summary }));
    fs.writeFileSync(path.join(dir, stack, "diff.txt"), text);
}

function run(args: string[], env: Record<string, string | undefined>): Promise<ScriptRun> {
    // Only what the job would have: no credential of the machine running the tests leaks in.
    const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    return runScript(path.join(ROOT, "tools", "ci", "mrNote.ts"), args, { cwd: ROOT, env: clean });
}

describe("merge-request note (tools/ci/mrNote.ts)", function () {
    this.timeout(60_000);
    const f = testFixture();
    const iid = 42;
    let double: GitlabDouble;
    let dir: string;
    const target = () => ({ apiUrl: `${double.url}/api/v4`, projectId: String(f.projectId), mergeRequestIid: String(iid), token: f.reporterToken });

    before(async () => {
        double = await startGitlabDouble(f.options);
    });
    after(() => stopGitlabDouble(double));
    beforeEach(() => {
        double.reset();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "mr-note-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("composes one note from every stack's diff found in the artifacts, stacks sorted, summaries first", () => {
        writeDiff(dir, "prod", "prod: 0 to create, 1 to update, 0 to delete; capacity +0 CPU, +0 memory (requests)", "~ Service chatbot-prod/x\n```inner```\n");
        writeDiff(dir, "dev", "dev: 2 to create, 0 to update, 0 to delete; capacity +0.5 CPU, +1Gi memory (requests)", "+ Deployment a/b\n");
        fs.mkdirSync(path.join(dir, "staging"));
        const diffs = readDiffs(dir);
        assert.deepStrictEqual(diffs.map((d) => d.stack), ["dev", "prod"]);
        const body = composeNote(diffs, { pipelineId: "777", commit: "abc123" });
        assert.ok(body.startsWith(marker("777")));
        assert.ok(body.indexOf("- `dev: 2 to create") < body.indexOf("- `prod: 0 to create"));
        assert.ok(body.indexOf("- `prod") < body.indexOf("<details><summary>dev</summary>"), "summaries before the details");
        // The diff's own backticks cannot close the fence around it.
        assert.match(body, /````text\n~ Service chatbot-prod\/x\n```inner```\n````/);
    });

    it("posts the pipeline's note once, then updates it in place: never a duplicate", async () => {
        const first = await upsertNote(target(), "777", `${marker("777")}\nfirst`);
        assert.strictEqual(first.action, "created");
        const second = await upsertNote(target(), "777", `${marker("777")}\nsecond`);
        assert.deepStrictEqual(second, { action: "updated", id: first.id });
        const notes = double.notes(f.projectId, iid);
        assert.deepStrictEqual(notes.map((n) => n.body), [`${marker("777")}\nsecond`]);
        // Another pipeline gets its own note.
        await upsertNote(target(), "778", `${marker("778")}\nother pipeline`);
        assert.strictEqual(double.notes(f.projectId, iid).length, 2);
    });

    it("finds its note beyond the first page of notes", async () => {
        for (let i = 0; i < 130; i++) double.seedNote(f.projectId, iid, `comment ${i}`, f.maintainerToken);
        double.seedNote(f.projectId, iid, `${marker("9")}\nold`, f.reporterToken);
        const result = await upsertNote(target(), "9", `${marker("9")}\nnew`);
        assert.strictEqual(result.action, "updated");
        assert.strictEqual(double.notes(f.projectId, iid).filter((n) => n.body.includes(marker("9"))).length, 1);
        assert.ok(double.requests.some((r) => r.method === "GET" && r.query.page === "2"), "read the second page");
    });

    it("posts its own note when the marked note belongs to someone else (403 on edit)", async () => {
        double.seedNote(f.projectId, iid, `quoting ${marker("5")}`, f.maintainerToken);
        const result = await upsertNote(target(), "5", `${marker("5")}\nours`);
        assert.strictEqual(result.action, "created");
        assert.deepStrictEqual(double.notes(f.projectId, iid).map((n) => n.author), [f.maintainerToken, f.reporterToken]);
    });

    const ciEnv = (token?: string) => ({
        CI_API_V4_URL: `${double.url}/api/v4`, CI_PROJECT_ID: String(f.projectId), CI_MERGE_REQUEST_IID: String(iid), CI_PIPELINE_ID: "31",
        CI_COMMIT_SHORT_SHA: "0123abcd", GITLAB_API_TOKEN: token,
    });

    it("CLI: posts with GITLAB_API_TOKEN and keeps the note as note.md; run again, it updates", async () => {
        writeDiff(dir, "prod", "prod: 0 to create, 1 to update, 0 to delete; capacity +0 CPU, +0 memory (requests)", "~ x\n");
        const first = await run([dir], ciEnv(f.reporterToken));
        assert.strictEqual(first.status, 0, first.stderr);
        assert.match(first.stdout, /Posted note \d+ on merge request !42 \(1 stacks\)/);
        const again = await run([dir], ciEnv(f.reporterToken));
        assert.match(again.stdout, /Updated note \d+/);
        const notes = double.notes(f.projectId, iid);
        assert.strictEqual(notes.length, 1);
        assert.strictEqual(notes[0].body, fs.readFileSync(path.join(dir, "note.md"), "utf8"));
        assert.ok(double.requests.every((r) => r.headers["private-token"] === f.reporterToken));
    });

    it("CLI: without GITLAB_API_TOKEN it says so, calls nothing and succeeds", async () => {
        const result = await run([dir], ciEnv(undefined));
        assert.strictEqual(result.status, 0);
        assert.match(result.stdout, /GITLAB_API_TOKEN is not set/);
        assert.deepStrictEqual(double.requests, []);
    });

    it("CLI: a failing API warns and succeeds (the reports are what the pipeline publishes)", async () => {
        double.injectFault({ status: 500, times: 5 });
        const result = await run([dir], ciEnv(f.reporterToken));
        assert.strictEqual(result.status, 0);
        assert.match(result.stdout, /WARNING: could not post the merge-request note: listing the merge request's notes: GitLab answered 500/);
    });
});
