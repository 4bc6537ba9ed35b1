/**
 * The release job's push (tools/release/push.ts) against the loopback GitLab double: staging-tier
 * stacks commit straight to develop, prod-tier stacks open a release branch and a merge request to
 * main whose description is the plan diff; a stack file changed since the planned commit, an
 * existing release branch, a token below Developer and a pipeline on the wrong ref fail clearly.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GitlabDouble, startGitlabDouble, stopGitlabDouble } from "../gitlab/gitlabDouble";
import { PushContext, pushRelease, PushError, ReleaseRecord } from "../../tools/release/push";

const PROJECT = 321;
const ORIGINAL = "config:\n  # the chatbot\n  ai-platform:chatbotGreenImageTag: v1.1.0\n  ai-platform:quickspinImageTag: 3f9c2ab1\n";
const EDITED_PROD = ORIGINAL.replace("v1.1.0", "v1.2.0");
const EDITED_STAGING = ORIGINAL.replace("3f9c2ab1", "4e0d3bc2");

function record(over: Partial<ReleaseRecord>): ReleaseRecord {
    return {
        product: "chatbot", stack: "prod", tier: "prod", action: "release", track: "green", key: "chatbotGreenImageTag",
        from: "v1.1.0", to: "v1.2.0", changed: true, file: "Pulumi.prod.yaml",
        fields: [{ object: "Deployment chatbot-prod/chatbot-service-green", path: "spec.template.spec.containers[name=chatbot-service].image", old: "c:v1.1.0", new: "c:v1.2.0" }],
        summary: "prod: 0 to create, 1 to update, 0 to delete", diffText: "Plan diff of stack \"prod\"\n  ~ Deployment chatbot-prod/chatbot-service-green\n", exitCode: 0,
        ...over,
    };
}

describe("release push (tools/release/push.ts) against the GitLab double", function () {
    this.timeout(60_000);
    let double: GitlabDouble;
    let repo: string;
    let sha: string;
    const tokens = { maintainer: "glpat-release-maintainer-1234", developer: "glpat-release-developer-5678", reporter: "glpat-release-reporter-9012" };

    before(async () => {
        double = await startGitlabDouble({
            tokens: { [tokens.maintainer]: "maintainer", [tokens.developer]: "developer", [tokens.reporter]: "reporter" },
            projects: [{ id: PROJECT, path: "platform/ai-platform" }],
        });
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "release-push-"));
        const git = (...args: string[]) => execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
            "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", ...args], { cwd: repo, encoding: "utf8" }).trim();
        fs.writeFileSync(path.join(repo, "Pulumi.prod.yaml"), ORIGINAL);
        fs.writeFileSync(path.join(repo, "Pulumi.staging.yaml"), ORIGINAL);
        git("init", "-q");
        git("add", "-A");
        git("commit", "-q", "-m", "seed");
        sha = git("rev-parse", "HEAD");
    });
    after(async () => {
        await stopGitlabDouble(double);
        fs.rmSync(repo, { recursive: true, force: true });
    });
    beforeEach(() => {
        double.reset();
        double.seedRepository(PROJECT, { "Pulumi.prod.yaml": ORIGINAL, "Pulumi.staging.yaml": ORIGINAL }, { commit: sha });
        fs.writeFileSync(path.join(repo, "Pulumi.prod.yaml"), EDITED_PROD);
        fs.writeFileSync(path.join(repo, "Pulumi.staging.yaml"), EDITED_STAGING);
    });

    const ctx = (over: Partial<PushContext> = {}): PushContext => ({
        serverUrl: double.url, projectId: String(PROJECT), token: tokens.maintainer, commitSha: sha, branch: "main", repoDir: repo,
        pipelineUrl: "https://gitlab.example.invalid/platform/ai-platform/-/pipelines/77", ...over,
    });
    const staging = record({ product: "quickspin-ai", stack: "staging", tier: "staging", track: "stable", key: "quickspinImageTag", from: "3f9c2ab1", to: "4e0d3bc2", file: "Pulumi.staging.yaml" });

    it("staging tier: one commit straight to develop naming the file's last commit; main is untouched", async () => {
        const outcome = await pushRelease(staging, ctx({ branch: "develop" }));
        assert.equal(outcome.kind, "commit");
        assert.equal(double.fileAt(PROJECT, "develop", "Pulumi.staging.yaml"), EDITED_STAGING);
        assert.equal(double.fileAt(PROJECT, "main", "Pulumi.staging.yaml"), ORIGINAL);
        assert.equal(double.branchTip(PROJECT, "develop")!.parent, sha);
        const call = double.requests.find((r) => r.method === "POST" && r.path.endsWith("/repository/commits"))!;
        const body = call.json as { branch: string; actions: Array<Record<string, unknown>> };
        assert.equal(body.branch, "develop");
        assert.deepEqual(body.actions.map((a) => [a.action, a.file_path, a.last_commit_id]), [["update", "Pulumi.staging.yaml", sha]]);
        assert.equal(double.mergeRequests(PROJECT).length, 0);
    });

    it("prod tier: a release branch from the planned commit and a merge request to main whose description is the plan diff", async () => {
        const outcome = await pushRelease(record({}), ctx());
        assert.equal(outcome.kind, "merge-request");
        assert.equal(double.fileAt(PROJECT, "release/chatbot/prod/v1.2.0", "Pulumi.prod.yaml"), EDITED_PROD);
        assert.equal(double.fileAt(PROJECT, "main", "Pulumi.prod.yaml"), ORIGINAL, "nothing lands on main before review");
        const [mr] = double.mergeRequests(PROJECT);
        assert.deepEqual([mr.source_branch, mr.target_branch, mr.title, mr.remove_source_branch], ["release/chatbot/prod/v1.2.0", "main", "Release chatbot v1.2.0 to prod (green)", true]);
        assert.match(mr.description, /`chatbotGreenImageTag` `v1\.1\.0` → `v1\.2\.0`/);
        assert.match(mr.description, /Deployment chatbot-prod\/chatbot-service-green: `spec\.template\.spec\.containers\[name=chatbot-service\]\.image` "c:v1\.1\.0" → "c:v1\.2\.0"/);
        assert.match(mr.description, /```text\nPlan diff of stack "prod"/);
        const call = double.requests.find((r) => r.method === "POST" && r.path.endsWith("/repository/commits"))!;
        assert.equal((call.json as { start_sha?: string }).start_sha, sha);
    });

    it("a stack file changed on develop since the planned commit is a lost update: refused, nothing pushed", async () => {
        const theirs = double.seedCommit(PROJECT, "develop", { "Pulumi.staging.yaml": ORIGINAL.replace("3f9c2ab1", "99999999") });
        await assert.rejects(pushRelease(staging, ctx({ branch: "develop" })), (e: PushError) =>
            /Pulumi\.staging\.yaml changed on develop after the commit this pipeline planned: nothing was pushed\. Trigger the release again/.test(e.message));
        assert.equal(double.branchTip(PROJECT, "develop")!.id, theirs);
    });

    it("an existing release branch is refused (the release is already open); a second merge request of the same branch is 409", async () => {
        await pushRelease(record({}), ctx());
        await assert.rejects(pushRelease(record({}), ctx()), (e: PushError) =>
            /the branch release\/chatbot\/prod\/v1\.2\.0 already exists: this release is already open/.test(e.message));
        const second = await fetch(`${double.url}/api/v4/projects/${PROJECT}/merge_requests`, {
            method: "POST", headers: { "PRIVATE-TOKEN": tokens.maintainer, "content-type": "application/json" },
            body: JSON.stringify({ source_branch: "release/chatbot/prod/v1.2.0", target_branch: "main", title: "again" }),
        });
        assert.equal(second.status, 409);
    });

    it("roles: a Reporter token is refused (403); a Developer may open a prod merge request but not push to protected develop", async () => {
        await assert.rejects(pushRelease(record({}), ctx({ token: tokens.reporter })), (e: PushError) => /RELEASE_GITLAB_TOKEN may not do this .*403/.test(e.message));
        const outcome = await pushRelease(record({}), ctx({ token: tokens.developer }));
        assert.equal(outcome.kind, "merge-request");
        await assert.rejects(pushRelease(staging, ctx({ branch: "develop", token: tokens.developer })), (e: PushError) =>
            /may not do this .*You are not allowed to push into this branch/.test(e.message));
        await assert.rejects(pushRelease(staging, ctx({ branch: "develop", token: "glpat-unknown-0000000" })), (e: PushError) => /was rejected/.test(e.message));
    });

    it("the pipeline's ref must be the stack's release branch; an unchanged release pushes nothing", async () => {
        await assert.rejects(pushRelease(record({}), ctx({ branch: "develop" })), (e: PushError) =>
            /stack prod is a prod-tier stack, released through main, but this pipeline runs on develop: trigger it with ref main/.test(e.message));
        const nothing = await pushRelease(record({ changed: false }), ctx());
        assert.equal(nothing.kind, "nothing");
        assert.equal(double.requests.length, 0, "no API call at all");
    });
});
