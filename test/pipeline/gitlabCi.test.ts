/**
 * `.gitlab-ci.yml`, checked with gitlab-ci-local (GitLab's CI JSON schema + its rules evaluation).
 *
 * The expected event -> job matrix below is written from the delivery requirements (issue 6), not
 * captured from the file: plan, preview and drift cover every Pulumi.<stack>.yaml (issue 12: no list
 * of stacks in the file, so a new stack file needs no pipeline change); merge requests preview every
 * stack and never deploy; develop deploys
 * staging automatically; main deploys prod through a manual, blocking job in the `production`
 * environment; tags deploy nothing; schedules only run drift detection; a branch with an open merge
 * request gets no duplicate branch pipeline.
 *
 * No Docker, no network: gitlab-ci-local only lists/previews (nothing runs), and the job scripts are
 * exercised in plain bash with stub `npm`, `pulumi` and `curl` executables.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import {
    CI_FILE,
    CiEvent,
    GCL_VERSION,
    ListedJob,
    gitlabCiLocal,
    listJson,
    makeTempDir,
    makeTempRepo,
    mapLimit,
    removeTempRepos,
    run,
} from "./gitlabCiLocal";

// ------------------------------------------------------------------------------------------------
// The specification
// ------------------------------------------------------------------------------------------------

/** The stacks of a job's project folder: this repository's, plus one named like no tier. */
const STACKS = ["dev", "staging", "prod", "eu-prod"] as const;
type Stack = (typeof STACKS)[number];
/** Stacks with a policy config of their own (eu-prod uses its tier's, prod.json). */
const OWN_POLICY_CONFIG: readonly Stack[] = ["dev", "staging", "prod"];
const TIER: Record<Stack, string> = { dev: "dev", staging: "staging", prod: "prod", "eu-prod": "prod" };
type When = "on_success" | "manual";

interface JobSpec {
    stage: string;
    environment?: string;
    resourceGroup?: string;
}

/** Every job the pipeline may contain, with what must hold whenever it runs. */
const JOBS: Record<string, JobSpec> = {
    typecheck: { stage: "lint" },
    tests: { stage: "test" },
    plan: { stage: "check" },
    preview: { stage: "preview" },
    drift: { stage: "preview" },
    "deploy:staging": { stage: "deploy", environment: "staging", resourceGroup: "staging" },
    "deploy:prod": { stage: "deploy", environment: "production", resourceGroup: "prod" },
};

const all = (names: string[], when: When): Record<string, When> => Object.fromEntries(names.map((n) => [n, when]));
const CHECKS = all(["typecheck", "tests", "plan"], "on_success");
const PREVIEWS = all(["preview"], "on_success");
const DRIFT = all(["drift"], "on_success");

const push = (branch: string, extra: Record<string, string> = {}): CiEvent => ({
    variables: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: branch, CI_COMMIT_REF_NAME: branch, ...extra },
    unset: [],
});
const mergeRequest = (source: string, target: string): CiEvent => ({
    variables: {
        CI_PIPELINE_SOURCE: "merge_request_event",
        CI_MERGE_REQUEST_IID: "42",
        CI_MERGE_REQUEST_ID: "4242",
        CI_MERGE_REQUEST_PROJECT_ID: "123",
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: source,
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: target,
        CI_MERGE_REQUEST_EVENT_TYPE: "detached",
        CI_COMMIT_REF_NAME: source,
    },
    // Merge-request pipelines have no CI_COMMIT_BRANCH.
    unset: ["CI_COMMIT_BRANCH"],
});

interface Scenario {
    title: string;
    event: CiEvent;
    /** Active jobs and their `when`; `null`: workflow:rules create no pipeline at all. */
    expected: Record<string, When> | null;
}

const SCENARIOS: Scenario[] = [
    {
        title: "merge request (feature -> develop): checks, then a preview per stack; no deploy",
        event: mergeRequest("feature/gpu-pool", "develop"),
        expected: { ...CHECKS, ...PREVIEWS },
    },
    {
        title: "merge request develop -> main: still only previews, merge requests never deploy",
        event: mergeRequest("develop", "main"),
        expected: { ...CHECKS, ...PREVIEWS },
    },
    {
        title: "push to develop: checks, then deploy:staging automatically",
        event: push("develop"),
        expected: { ...CHECKS, "deploy:staging": "on_success" },
    },
    {
        title: "push to develop while a develop -> main merge request is open: still deploys staging",
        event: push("develop", { CI_OPEN_MERGE_REQUESTS: "platform/ai-platform!7" }),
        expected: { ...CHECKS, "deploy:staging": "on_success" },
    },
    {
        title: "push to main: checks, then deploy:prod as a manual, blocking job",
        event: push("main"),
        expected: { ...CHECKS, "deploy:prod": "manual" },
    },
    {
        title: "push to a feature branch without merge request: checks only",
        event: push("feature/gpu-pool"),
        expected: { ...CHECKS },
    },
    {
        title: "push to a feature branch with an open merge request: no duplicate branch pipeline",
        event: push("feature/gpu-pool", { CI_OPEN_MERGE_REQUESTS: "platform/ai-platform!8" }),
        expected: null,
    },
    {
        title: "tag v1.2.3: checks only, tags deploy nothing",
        event: {
            variables: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.3", CI_COMMIT_REF_NAME: "v1.2.3" },
            // Tag pipelines have no CI_COMMIT_BRANCH.
            unset: ["CI_COMMIT_BRANCH"],
        },
        expected: { ...CHECKS },
    },
    {
        title: "schedule on main: drift detection per stack only",
        event: { variables: { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" }, unset: [] },
        expected: { ...DRIFT },
    },
    {
        title: "schedule on develop: drift detection only, the schedule does not deploy staging",
        event: { variables: { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "develop", CI_COMMIT_REF_NAME: "develop" }, unset: [] },
        expected: { ...DRIFT },
    },
];

// ------------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------------

/** A job as printed by `gitlab-ci-local --preview` (defaults, extends and !reference expanded). */
interface PreviewJob {
    stage?: string;
    image?: { name?: string } | string;
    before_script?: string[];
    script?: string[];
    after_script?: string[];
    rules?: Array<Record<string, unknown>>;
    only?: unknown;
    except?: unknown;
    variables?: Record<string, string>;
    environment?: { name?: string; url?: string; action?: string } | string;
    resource_group?: string;
    allow_failure?: unknown;
    interruptible?: boolean;
    parallel?: { matrix?: Array<Record<string, string[] | string>> };
    artifacts?: { paths?: string[]; when?: string };
    cache?: Array<{ key?: { files?: string[] } | string; paths?: string[] }>;
}

interface EventResult {
    workflowWhen: string;
    jobs: ListedJob[];
}

const ciText = fs.readFileSync(CI_FILE, "utf8");
let ciRepo: string;
let preview: Record<string, unknown>;
const results = new Map<string, EventResult>();

const previewJob = (name: string): PreviewJob => {
    const job = preview[name] as PreviewJob | undefined;
    assert.ok(job, `job ${name} missing from the expanded configuration`);
    return job;
};
/** A `parallel:matrix` job `plan: [dev]` -> `plan` (the pipeline has none; kept for the check below). */
const baseName = (name: string) => name.replace(/: \[.*\]$/, "");
const lines = (job: PreviewJob, key: "before_script" | "script" | "after_script") => (job[key] ?? []).join("\n");
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("GitLab pipeline (.gitlab-ci.yml) checked with gitlab-ci-local", function () {
    this.timeout(120_000);

    before(async function () {
        assert.equal(GCL_VERSION, "4.72.0", "gitlab-ci-local is pinned to 4.72.0 (later versions need Node 22)");
        ciRepo = makeTempRepo("gitlab-ci", { ".gitlab-ci.yml": ciText });

        const previewRun = await gitlabCiLocal(ciRepo, ["--preview"]);
        assert.equal(previewRun.code, 0, `gitlab-ci-local --preview failed:\n${previewRun.stdout}\n${previewRun.stderr}`);
        preview = YAML.parse(previewRun.stdout.slice(previewRun.stdout.search(/^---$/m))) as Record<string, unknown>;

        // gitlab-ci-local 4.72.0 evaluates workflow:rules only for their `variables:`; a `when: never`
        // there does not suppress the pipeline. So the workflow rules are evaluated by gitlab-ci-local
        // as the rules of a probe job in a separate repo: same `if:` semantics, same variables.
        const workflow = preview.workflow as { rules?: unknown[] } | undefined;
        assert.ok(workflow && Array.isArray(workflow.rules) && workflow.rules.length > 0, "workflow:rules must be defined");
        const probeRepo = makeTempRepo("gitlab-ci-workflow", {
            ".gitlab-ci.yml": YAML.stringify({
                stages: ["probe"],
                "workflow-probe": { stage: "probe", script: ["true"], rules: workflow.rules },
            }),
        });

        // Two gitlab-ci-local runs per scenario, at most three node processes at a time (2 cores).
        const [probes, jobLists] = await Promise.all([
            mapLimit(SCENARIOS, 1, (s) => listJson(probeRepo, s.event)),
            mapLimit(SCENARIOS, 2, (s) => listJson(ciRepo, s.event)),
        ]);
        SCENARIOS.forEach((s, i) => {
            assert.equal(probes[i].length, 1);
            results.set(s.title, { workflowWhen: probes[i][0].when, jobs: jobLists[i] });
        });
    });

    after(() => removeTempRepos());

    describe("schema", () => {
        it("validates against GitLab's CI schema (gitlab-ci-local --preview)", () => {
            // The before() hook already required exit code 0; the expanded YAML must hold the pipeline.
            assert.ok(Array.isArray(preview.stages));
            for (const name of Object.keys(JOBS)) previewJob(baseName(name));
        });

        const broken: Array<{ title: string; mutate: (text: string) => string; message: RegExp }> = [
            {
                title: "an unknown job keyword (artifact: instead of artifacts:)",
                mutate: (text) => `${text}\nbroken-job:\n  stage: test\n  script: [echo broken]\n  artifact:\n    paths: [out/]\n`,
                message: /'artifact' property is not expected/,
            },
            {
                title: "an invalid rules:when",
                mutate: (text) => {
                    assert.match(text, /when: manual/);
                    return text.replace(/when: manual/, "when: sometimes");
                },
                message: /when/,
            },
            {
                title: "a resource_group that is not a string",
                mutate: (text) => {
                    assert.match(text, /resource_group: prod/);
                    return text.replace(/resource_group: prod/, "resource_group: [prod]");
                },
                message: /resource_group/,
            },
        ];
        for (const b of broken) {
            it(`rejects a deliberately broken copy: ${b.title}`, async () => {
                const dir = makeTempRepo("gitlab-ci-broken", { ".gitlab-ci.yml": b.mutate(ciText) });
                const result = await gitlabCiLocal(dir, ["--preview"]);
                assert.notEqual(result.code, 0, "gitlab-ci-local accepted a broken configuration");
                const output = result.stdout + result.stderr;
                assert.match(output, /Invalid \.gitlab-ci\.yml configuration/);
                assert.match(output, b.message);
            });
        }
    });

    describe("event -> job matrix", () => {
        it("defines exactly the known jobs (a new job needs a line in this spec)", () => {
            for (const s of SCENARIOS) {
                const names = results.get(s.title)!.jobs.map((j) => j.name).sort();
                assert.deepEqual(names, Object.keys(JOBS).sort(), s.title);
            }
        });

        for (const s of SCENARIOS) {
            it(s.title, () => {
                const r = results.get(s.title)!;
                if (s.expected === null) {
                    assert.equal(r.workflowWhen, "never", "workflow:rules should not create a pipeline");
                    return;
                }
                assert.notEqual(r.workflowWhen, "never", "workflow:rules should create a pipeline");

                const active = r.jobs.filter((j) => j.when !== "never");
                assert.deepEqual(
                    Object.fromEntries(active.map((j) => [j.name, j.when])),
                    s.expected,
                    "active jobs and their `when`",
                );
                for (const job of active) {
                    const spec = JOBS[job.name];
                    const expanded = previewJob(baseName(job.name));
                    const environment = typeof expanded.environment === "string" ? expanded.environment : expanded.environment?.name;
                    assert.equal(job.stage, spec.stage, `${job.name}: stage`);
                    assert.equal(job.allow_failure, false, `${job.name}: allow_failure`);
                    assert.equal(environment, spec.environment, `${job.name}: environment`);
                    assert.equal(expanded.resource_group, spec.resourceGroup, `${job.name}: resource_group`);
                }
            });
        }

        it("never deploys outside develop/main branch pipelines", () => {
            for (const s of SCENARIOS) {
                const r = results.get(s.title)!;
                if (r.workflowWhen === "never") continue;
                const deploys = r.jobs.filter((j) => j.stage === "deploy" && j.when !== "never").map((j) => j.name);
                const source = s.event.variables.CI_PIPELINE_SOURCE;
                const branch = s.event.unset.includes("CI_COMMIT_BRANCH") ? undefined : s.event.variables.CI_COMMIT_BRANCH;
                if (source === "push" && branch === "develop") assert.deepEqual(deploys, ["deploy:staging"], s.title);
                else if (source === "push" && branch === "main") assert.deepEqual(deploys, ["deploy:prod"], s.title);
                else assert.deepEqual(deploys, [], s.title);
            }
        });
    });

    describe("job definitions", () => {
        const pulumiJobs = ["preview", "drift", "deploy:staging", "deploy:prod"];
        const allJobs = [...new Set(Object.keys(JOBS).map(baseName))];

        it("orders the stages lint -> test -> check -> preview -> deploy", () => {
            const stages = preview.stages as string[];
            const order = ["lint", "test", "check", "preview", "deploy"].map((s) => stages.indexOf(s));
            assert.ok(order.every((i) => i >= 0), `stages: ${stages.join(", ")}`);
            assert.deepEqual([...order].sort((a, b) => a - b), order);
        });

        it("uses rules:, never only/except", () => {
            for (const name of allJobs) {
                const job = previewJob(name);
                assert.equal(job.only, undefined, name);
                assert.equal(job.except, undefined, name);
            }
            assert.doesNotMatch(ciText, /^\s*(only|except):/m);
        });

        it("pins Pulumi's official Node 20 image by exact version, the same for every job", () => {
            const images = new Set(allJobs.map((name) => {
                const image = previewJob(name).image;
                return typeof image === "string" ? image : image?.name;
            }));
            assert.equal(images.size, 1, `one image for every job: ${[...images].join(", ")}`);
            assert.match([...images][0] ?? "", /^pulumi\/pulumi-nodejs-20:3\.\d+\.\d+$/);
        });

        it("installs with npm ci and caches npm keyed on package-lock.json", () => {
            assert.equal((preview.variables as Record<string, string>).npm_config_cache, "$CI_PROJECT_DIR/.npm");
            for (const name of allJobs) {
                const job = previewJob(name);
                assert.match(lines(job, "before_script"), /^npm ci\b/m, `${name}: npm ci`);
                const cache = job.cache ?? [];
                assert.equal(cache.length, 1, `${name}: one cache`);
                assert.deepEqual(typeof cache[0].key === "object" ? cache[0].key.files : undefined, ["package-lock.json"], name);
                assert.deepEqual(cache[0].paths, [".npm/"], name);
            }
        });

        it("typecheck, tests and the offline plan run the repository's commands", () => {
            assert.match(lines(previewJob("typecheck"), "script"), /^npx tsc --noEmit -p \.$/m);
            assert.match(lines(previewJob("tests"), "script"), /^npm test$/m);
            const plan = previewJob("plan");
            assert.match(lines(plan, "script"), /^npm run plan -- --stack all$/m);
            assert.deepEqual(plan.artifacts?.paths, ["out/plan/"]);
            assert.equal(plan.artifacts?.when, "always");
        });

        it("names no stack for plan, preview and drift: they cover every Pulumi.<stack>.yaml", () => {
            for (const name of ["plan", "preview", "drift"]) {
                assert.equal(previewJob(name).parallel, undefined, `${name}: no matrix (it cannot glob stack files)`);
                assert.equal(previewJob(name).variables?.STACK, undefined, name);
            }
            for (const name of ["preview", "drift"]) {
                assert.match(lines(previewJob(name), "script"), /^\s*for stack in \$\(stacks\); do$/m, name);
            }
            assert.doesNotMatch(ciText, /\bcase "\$STACK"|\[dev, staging, prod\]/);
        });

        it("shares the Pulumi setup (login, kube context) through the .pulumi template", () => {
            const raw = YAML.parseDocument(ciText);
            assert.ok(raw.has(".pulumi"), "hidden .pulumi template");
            assert.ok(raw.hasIn([".pulumi", "before_script"]), ".pulumi before_script");
            for (const name of pulumiJobs) {
                const setup = lines(previewJob(name), "before_script");
                assert.match(setup, /^pulumi login "\$PULUMI_BACKEND_URL"$/m, name);
                assert.match(setup, /^\s*use_stack\(\) \{$/m, name);
                assert.match(setup, /export KUBECONFIG=/, name);
            }
        });

        it("previews each stack with the policy pack and its stack config, keeping the output", () => {
            const job = previewJob("preview");
            const script = flat(lines(job, "script"));
            assert.match(script, /pulumi preview --diff .*--stack "\$stack" .*--policy-pack policy --policy-pack-config "\$POLICY_CONFIG"/);
            assert.deepEqual(job.artifacts?.paths, ["out/preview/"]);
            assert.equal(job.artifacts?.when, "always", "keep the preview when policy fails");
            const note = lines(job, "after_script");
            assert.match(note, /GITLAB_API_TOKEN/);
            assert.match(note, /\/projects\/\$\{CI_PROJECT_ID\}\/merge_requests\/\$\{CI_MERGE_REQUEST_IID\}\/notes/);
        });

        it("deploys with pulumi up --yes, the policy pack and the stack's config", () => {
            for (const [name, stack] of [["deploy:staging", "staging"], ["deploy:prod", "prod"]] as const) {
                const job = previewJob(name);
                assert.equal(job.variables?.STACK, stack, name);
                assert.match(
                    flat(lines(job, "script")),
                    /pulumi up --yes .*--stack "\$STACK" --policy-pack policy --policy-pack-config "\$POLICY_CONFIG"/,
                    name,
                );
                assert.equal(job.interruptible, false, `${name} must not be auto-cancelled mid-update`);
                const env = job.environment;
                assert.ok(env && typeof env === "object" && env.url, `${name}: environment with a url`);
            }
            const prod = previewJob("deploy:prod");
            const mainRule = (prod.rules ?? []).find((r) => r.when === "manual");
            assert.ok(mainRule, "deploy:prod has a manual rule");
            assert.equal(mainRule.allow_failure, false, "the manual prod deploy blocks the pipeline");
        });

        it("detects drift with refresh --preview-only and preview --expect-no-changes", () => {
            const script = flat(lines(previewJob("drift"), "script"));
            assert.match(script, /pulumi refresh --preview-only .*--stack "\$stack"/);
            assert.match(script, /pulumi preview .*--expect-no-changes .*--stack "\$stack" .*--policy-pack policy --policy-pack-config "\$POLICY_CONFIG"/);
        });
    });

    describe("job scripts (bash, stub npm/pulumi/curl)", () => {
        let bin: string;

        before(() => {
            bin = makeTempDir("gitlab-ci-stubs");
            const stub = (name: string, body: string) => {
                fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
            };
            stub("npm", `echo "npm $*" >> "$STUB_LOG"`);
            // The stack a pulumi command is about: the word after --stack.
            stub(
                "pulumi",
                `echo "pulumi $* [KUBECONFIG=$KUBECONFIG]" >> "$STUB_LOG"
stack=""; prev=""
for arg in "$@"; do
  if [ "$prev" = "--stack" ]; then stack="$arg"; fi
  prev="$arg"
done
case "$1" in
  version) echo "v0.0.0-stub"; exit 0 ;;
  login) echo "Logged in to $2"; exit 0 ;;
  config) sed -n 's/^  ai-platform:tier: *//p' "Pulumi.$stack.yaml"; exit 0 ;;
esac
fails=no
if [ "$1" = "\${FAKE_PULUMI_FAIL:-none}" ] && { [ -z "\${FAKE_FAIL_STACK:-}" ] || [ "$stack" = "\${FAKE_FAIL_STACK:-}" ]; }; then fails=yes; fi
echo "Previewing update ($stack):"
echo "    ~ kubernetes:apps/v1:Deployment api update [diff: ~spec]"
echo ""
if [ "$fails" = yes ]; then
  echo "Policies:"
  echo "    x ai-platform-policies@v0.1.0 (local: policy)"
  echo "        - [mandatory]  no-latest-image-tag  (kubernetes:apps/v1:Deployment: api)"
  echo "          Container images must be pinned."
  echo ""
fi
echo "Resources:"
echo "    ~ 1 to update"
echo "    12 unchanged"
echo ""
if [ "$fails" = yes ]; then exit 255; fi
exit 0`,
            );
            stub(
                "curl",
                `echo "curl $*" >> "$STUB_LOG"
prev=""
for arg in "$@"; do
  if [ "$prev" = "--data-urlencode" ]; then cat "\${arg#body@}" > "$STUB_LOG.body"; fi
  prev="$arg"
done
exit "\${FAKE_CURL_EXIT:-0}"`,
            );
        });

        interface Job {
            work: string;
            log: () => string;
            calls: () => string[];
            env: NodeJS.ProcessEnv;
        }

        const kubeconfigVar = (stack: Stack) => `KUBECONFIG_${stack.toUpperCase().replace(/-/g, "_")}`;

        /**
         * A fresh project dir with a stack file per stack (and the repository's policy configs), plus
         * the variables GitLab would give the job: one kubeconfig File variable per stack.
         */
        const job = (extra: Record<string, string | undefined> = {}): Job => {
            const work = makeTempDir("gitlab-ci-job");
            const env: NodeJS.ProcessEnv = {
                PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
                HOME: work,
                PULUMI_BACKEND_URL: "s3://state-bucket/ai-platform",
                PULUMI_CONFIG_PASSPHRASE: "not-a-secret",
                GITLAB_TOKEN: "glpat-not-a-real-token",
                CI_API_V4_URL: "https://gitlab.example.invalid/api/v4",
                CI_PROJECT_ID: "123",
                CI_MERGE_REQUEST_IID: "42",
                CI_COMMIT_SHORT_SHA: "0123abcd",
                CI_JOB_URL: "https://gitlab.example.invalid/platform/ai-platform/-/jobs/1",
            };
            fs.mkdirSync(path.join(work, "policy", "config"), { recursive: true });
            for (const stack of STACKS) {
                fs.writeFileSync(path.join(work, `Pulumi.${stack}.yaml`), `config:\n  ai-platform:environment: ${stack}\n  ai-platform:tier: ${TIER[stack]}\n`);
                const kubeconfig = path.join(work, `.kubeconfig-${stack}`);
                fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n");
                env[kubeconfigVar(stack)] = kubeconfig;
            }
            for (const stack of OWN_POLICY_CONFIG) {
                fs.writeFileSync(path.join(work, "policy", "config", `${stack}.json`), "{}\n");
            }
            const stubLog = path.join(work, ".stub.log");
            fs.writeFileSync(stubLog, "");
            env.STUB_LOG = stubLog;
            Object.assign(env, extra);
            for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
            const log = () => fs.readFileSync(stubLog, "utf8");
            return { work, env, log, calls: () => log().trim().split("\n") };
        };

        /** GitLab Runner's bash: before_script + script in one `set -eo pipefail` shell. */
        const runMain = (name: string, j: Job) => {
            const expanded = previewJob(name);
            const text = [...(expanded.before_script ?? []), ...(expanded.script ?? [])].join("\n");
            return run("bash", ["-c", `set -eo pipefail\n${text}`], { cwd: j.work, env: j.env });
        };
        /** after_script: a separate shell, with CI_JOB_STATUS. */
        const runAfter = (name: string, j: Job, status: "success" | "failed") =>
            run("bash", ["-c", (previewJob(name).after_script ?? []).join("\n")], {
                cwd: j.work,
                env: { ...j.env, CI_JOB_STATUS: status },
            });
        const policyConfigOf = (stack: Stack) => `policy/config/${OWN_POLICY_CONFIG.includes(stack) ? stack : TIER[stack]}.json`;

        it("preview: logs in, then previews every stack file's stack with its kubeconfig and policy config, saving each output", async () => {
            const j = job();
            const result = await runMain("preview", j);
            assert.equal(result.code, 0, result.stdout + result.stderr);
            const calls = j.calls();
            assert.match(calls[0], /^npm ci\b/);
            assert.ok(calls.some((c) => c.startsWith("pulumi login s3://state-bucket/ai-platform")), calls.join("\n"));
            const previews = calls.filter((c) => c.startsWith("pulumi preview"));
            assert.equal(previews.length, STACKS.length, previews.join("\n"));
            for (const stack of STACKS) {
                const call = previews.find((c) => c.includes(`--stack ${stack} `));
                assert.ok(call, `no preview of ${stack}`);
                assert.match(call, /--diff/);
                assert.ok(call.includes(`--policy-pack policy --policy-pack-config ${policyConfigOf(stack)}`), call);
                assert.ok(call.endsWith(`[KUBECONFIG=${j.env[kubeconfigVar(stack)]}]`), call);
                assert.match(fs.readFileSync(path.join(j.work, `out/preview/${stack}/preview.txt`), "utf8"), new RegExp(`Previewing update \\(${stack}\\)`));
            }
        });

        it("preview: a stack without a policy config of its own is checked with its tier's", async () => {
            const j = job();
            assert.equal((await runMain("preview", j)).code, 0);
            assert.ok(j.calls().includes("pulumi config get tier --stack eu-prod [KUBECONFIG=" + j.env.KUBECONFIG_EU_PROD + "]"), j.log());
            assert.match(j.log(), /^pulumi preview .*--stack eu-prod .*--policy-pack-config policy\/config\/prod\.json/m);
        });

        it("preview: a mandatory policy violation in one stack fails the job; every other stack is still previewed", async () => {
            const j = job({ FAKE_PULUMI_FAIL: "preview", FAKE_FAIL_STACK: "staging" });
            const result = await runMain("preview", j);
            assert.notEqual(result.code, 0, "the job must fail");
            assert.match(result.stdout, /\[mandatory\]/, "the output is printed to the job log");
            assert.match(fs.readFileSync(path.join(j.work, "out/preview/staging/preview.txt"), "utf8"), /\[mandatory\]/);
            assert.equal(j.calls().filter((c) => c.startsWith("pulumi preview")).length, STACKS.length);
        });

        it("preview: without a kubeconfig for a stack the job fails naming its variable, and that stack is not previewed", async () => {
            const j = job({ KUBECONFIG_EU_PROD: undefined });
            const result = await runMain("preview", j);
            assert.notEqual(result.code, 0);
            assert.match(result.stderr, /no kubeconfig for stack 'eu-prod': define the File-type CI\/CD variable KUBECONFIG_EU_PROD/);
            assert.doesNotMatch(j.log(), /^pulumi preview .*--stack eu-prod/m);
            assert.match(j.log(), /^pulumi preview .*--stack prod /m);
        });

        it("preview note: one note per merge request, with each stack's verdict and summary, via the Notes API", async () => {
            const j = job({ FAKE_PULUMI_FAIL: "preview", FAKE_FAIL_STACK: "prod", GITLAB_API_TOKEN: "glpat-test-token" });
            await runMain("preview", j);
            const result = await runAfter("preview", j, "failed");
            assert.equal(result.code, 0, result.stdout + result.stderr);
            const curl = j.calls().filter((l) => l.startsWith("curl "));
            assert.equal(curl.length, 1, "one note");
            assert.match(curl[0], /--request POST/);
            assert.match(curl[0], /--header PRIVATE-TOKEN: glpat-test-token/);
            assert.ok(curl[0].endsWith("https://gitlab.example.invalid/api/v4/projects/123/merge_requests/42/notes"), curl[0]);
            const body = fs.readFileSync(`${j.env.STUB_LOG}.body`, "utf8");
            assert.match(body, /#### `prod`: FAILED/);
            for (const stack of ["dev", "staging", "eu-prod"]) assert.match(body, new RegExp(`#### \`${stack}\`: passed`));
            assert.match(body, /\[mandatory\]\s+no-latest-image-tag/);
            assert.match(body, /Resources:\n\s+~ 1 to update/);
        });

        it("preview note: skipped gracefully without GITLAB_API_TOKEN", async () => {
            const j = job();
            await runMain("preview", j);
            const result = await runAfter("preview", j, "success");
            assert.equal(result.code, 0);
            assert.match(result.stdout, /GITLAB_API_TOKEN is not set/);
            assert.doesNotMatch(j.log(), /^curl /m);
        });

        it("preview note: a failing Notes API call does not fail the job", async () => {
            const j = job({ GITLAB_API_TOKEN: "glpat-test-token", FAKE_CURL_EXIT: "22" });
            await runMain("preview", j);
            const result = await runAfter("preview", j, "success");
            assert.equal(result.code, 0);
            assert.match(result.stdout, /WARNING: could not post/);
        });

        it("deploy jobs: pulumi up --yes on their stack; a failed update fails the job", async () => {
            for (const [name, stack] of [["deploy:staging", "staging"], ["deploy:prod", "prod"]] as const) {
                const STACK = previewJob(name).variables?.STACK;
                const ok = job({ STACK });
                const result = await runMain(name, ok);
                assert.equal(result.code, 0, result.stdout + result.stderr);
                assert.match(
                    ok.log(),
                    new RegExp(`^pulumi up --yes .*--stack ${stack} --policy-pack policy --policy-pack-config policy/config/${stack}\\.json \\[KUBECONFIG=${ok.env[kubeconfigVar(stack)]}\\]$`, "m"),
                );
                assert.equal(ok.calls().filter((c) => c.startsWith("pulumi up")).length, 1, "one stack only");
                const failing = job({ STACK, FAKE_PULUMI_FAIL: "up" });
                assert.notEqual((await runMain(name, failing)).code, 0, `${name} must fail when pulumi up fails`);
                // The stacks write GitLab variables: without a token the job stops before pulumi up.
                const tokenless = job({ STACK, GITLAB_TOKEN: undefined });
                const refused = await runMain(name, tokenless);
                assert.notEqual(refused.code, 0);
                assert.match(refused.stdout + refused.stderr, /GITLAB_TOKEN is not set/);
                assert.doesNotMatch(tokenless.log(), /^pulumi up/m);
                const unconfigured = job({ STACK, [kubeconfigVar(stack)]: undefined });
                assert.notEqual((await runMain(name, unconfigured)).code, 0);
                assert.doesNotMatch(unconfigured.log(), /^pulumi up/m);
            }
        });

        it("previews need no GitLab token (the variables provider's check and diff never call GitLab)", async () => {
            const tokenless = job({ GITLAB_TOKEN: undefined });
            const result = await runMain("preview", tokenless);
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.match(tokenless.log(), /^pulumi preview .*--stack prod/m);
        });

        it("drift: checks every stack; fails when one has drifted (preview --expect-no-changes exits non-zero)", async () => {
            const clean = job();
            assert.equal((await runMain("drift", clean)).code, 0);
            for (const stack of STACKS) {
                assert.match(clean.log(), new RegExp(`^pulumi refresh --preview-only .*--stack ${stack} `, "m"));
                assert.match(clean.log(), new RegExp(`^pulumi preview .*--expect-no-changes .*--stack ${stack} .*--policy-pack-config ${policyConfigOf(stack).replace(/\./g, "\\.")}`, "m"));
            }
            const drifted = job({ FAKE_PULUMI_FAIL: "preview", FAKE_FAIL_STACK: "dev" });
            assert.notEqual((await runMain("drift", drifted)).code, 0);
            assert.match(drifted.log(), /^pulumi preview .*--expect-no-changes .*--stack staging /m);
        });
    });
});
