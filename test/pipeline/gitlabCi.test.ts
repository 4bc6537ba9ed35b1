/**
 * `.gitlab-ci.yml`, checked with gitlab-ci-local (GitLab's CI JSON schema + its rules evaluation).
 *
 * The expected event -> job matrix below is written from the delivery requirements (issues 6 and
 * 11), not captured from the file: merge requests run the offline plan diff of every stack and a
 * note, with no credential and no Pulumi command, and never deploy; develop saves an update plan
 * for staging and deploys it automatically; main saves one for prod and deploys it through a manual,
 * blocking job in the `production` environment; tags deploy nothing; schedules only run drift
 * detection; a branch with an open merge request gets no duplicate branch pipeline; a pipeline
 * trigger (a product pipeline releasing, issue 13) runs the release job and nothing else. plan and drift
 * cover every Pulumi.<stack>.yaml without a list of stacks (issue 12); plan-diff is one job per stack
 * file (one Terraform / Code Quality report per job), checked against the repository's stack files.
 *
 * No Docker, no network: gitlab-ci-local only lists/previews (nothing runs), and the job scripts are
 * exercised in plain bash with stub `npm`, `npx`, `git` and `pulumi` executables.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import {
    CI_FILE,
    CiEvent,
    REPO_ROOT,
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

/** The repository's stacks: one per Pulumi.<stack>.yaml; plan-diff must have a job for each. */
const REPO_STACKS = fs.readdirSync(REPO_ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
/** The stacks of a job script's project folder: the usual three plus one named like no tier. */
const STACKS = ["dev", "staging", "prod", "eu-prod"] as const;
type Stack = (typeof STACKS)[number];
/** Stacks with a policy config of their own (eu-prod uses its tier's, prod.json). */
const OWN_POLICY_CONFIG: readonly Stack[] = ["dev", "staging", "prod"];
const TIER: Record<Stack, string> = { dev: "dev", staging: "staging", prod: "prod", "eu-prod": "prod" };
type When = "on_success" | "manual" | "always";

/** GitLab (and gitlab-ci-local) name `parallel:matrix` jobs `<job>: [<value>]`. */
const perStack = (job: string) => REPO_STACKS.map((stack) => `${job}: [${stack}]`);

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
    ...Object.fromEntries(perStack("plan-diff").map((name) => [name, { stage: "check" }])),
    "plan-diff:note": { stage: "preview" },
    "preview:staging": { stage: "preview" },
    "preview:prod": { stage: "preview" },
    drift: { stage: "preview" },
    "deploy:staging": { stage: "deploy", environment: "staging", resourceGroup: "staging" },
    "deploy:prod": { stage: "deploy", environment: "production", resourceGroup: "prod" },
    // The environment is what scopes RELEASE_GITLAB_TOKEN to this job alone.
    release: { stage: "release", environment: "release", resourceGroup: "release" },
};

const all = (names: string[], when: When): Record<string, When> => Object.fromEntries(names.map((n) => [n, when]));
const CHECKS = all(["typecheck", "tests", "plan"], "on_success");
/** Merge requests: the offline diff per stack, then the note (also when a diff failed). */
const MR_JOBS: Record<string, When> = { ...all(["typecheck", "tests", "plan", ...perStack("plan-diff")], "on_success"), "plan-diff:note": "always" };
const DRIFT = all(["drift"], "on_success");

/** Why a parallel:matrix STACK list differs from the stack files, or undefined when they agree. */
export function stackListProblem(matrix: readonly string[], stackFiles: readonly string[]): string | undefined {
    const missing = stackFiles.filter((s) => !matrix.includes(s));
    const extra = matrix.filter((s) => !stackFiles.includes(s));
    const problems = [
        ...missing.map((s) => `Pulumi.${s}.yaml has no plan-diff job: add ${s} to the STACK list of .per-stack in .gitlab-ci.yml`),
        ...extra.map((s) => `.per-stack lists ${s}, which has no Pulumi.${s}.yaml: remove it`),
    ];
    return problems.length > 0 ? problems.join("; ") : undefined;
}

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

/** A product pipeline's release trigger (`trigger:` job: source "pipeline"; trigger API: "trigger"). */
const trigger = (source: "trigger" | "pipeline", branch: string, release: Record<string, string>): CiEvent => ({
    variables: { CI_PIPELINE_SOURCE: source, CI_COMMIT_BRANCH: branch, CI_COMMIT_REF_NAME: branch, ...release },
    unset: [],
});

const SCENARIOS: Scenario[] = [
    {
        title: "merge request (feature -> develop): checks and the collision-checking plan, the offline plan diff per stack and the note; no preview, no deploy",
        event: mergeRequest("feature/gpu-pool", "develop"),
        expected: { ...MR_JOBS },
    },
    {
        title: "merge request develop -> main: still offline only, merge requests never deploy",
        event: mergeRequest("develop", "main"),
        expected: { ...MR_JOBS },
    },
    {
        title: "push to develop: checks, the staging update plan, then deploy:staging automatically",
        event: push("develop"),
        expected: { ...CHECKS, "preview:staging": "on_success", "deploy:staging": "on_success" },
    },
    {
        title: "push to develop while a develop -> main merge request is open: still deploys staging",
        event: push("develop", { CI_OPEN_MERGE_REQUESTS: "platform/ai-platform!7" }),
        expected: { ...CHECKS, "preview:staging": "on_success", "deploy:staging": "on_success" },
    },
    {
        title: "push to main: checks, the prod update plan, then deploy:prod as a manual, blocking job",
        event: push("main"),
        expected: { ...CHECKS, "preview:prod": "on_success", "deploy:prod": "manual" },
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
        title: "schedule on main: drift detection (every stack) only",
        event: { variables: { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" }, unset: [] },
        expected: { ...DRIFT },
    },
    {
        title: "pipeline trigger on develop (trigger API) with RELEASE_* variables: the release job only, no checks, no preview, no deploy",
        event: trigger("trigger", "develop", { RELEASE_PRODUCT: "quickspin-ai", RELEASE_STACK: "staging", RELEASE_TAG: "4e0d3bc2" }),
        expected: { release: "on_success" },
    },
    {
        title: "multi-project trigger (a product's trigger: job) on main: the release job only, deploy:prod does not start",
        event: trigger("pipeline", "main", { RELEASE_PRODUCT: "chatbot", RELEASE_STACK: "prod", RELEASE_ACTION: "switch" }),
        expected: { release: "on_success" },
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
    artifacts?: { paths?: string[]; when?: string; reports?: Record<string, string> };
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
/** `plan: [dev]` -> `plan` */
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

    describe("merge requests get no credential (issue 11)", () => {
        /** Jobs that reach the state backend or a cluster: their setup logs in with pulumi. */
        const usesCredentials = (name: string) => /^pulumi login /m.test(lines(previewJob(baseName(name)), "before_script"));
        const unprotectedRefs = SCENARIOS.filter((s) =>
            s.event.variables.CI_PIPELINE_SOURCE === "merge_request_event" ||
            (s.event.variables.CI_PIPELINE_SOURCE === "push" && !["develop", "main"].includes(s.event.variables.CI_COMMIT_BRANCH ?? "")));

        it("the jobs that use credentials run only on the protected branches and in schedules", () => {
            assert.ok(unprotectedRefs.length >= 4, "merge requests, feature branches and tags are covered");
            for (const s of unprotectedRefs) {
                const r = results.get(s.title)!;
                if (r.workflowWhen === "never") continue;
                const active = r.jobs.filter((j) => j.when !== "never").map((j) => j.name);
                assert.deepEqual(active.filter(usesCredentials), [], s.title);
            }
            // ... and they are exactly the Pulumi jobs (the check is not vacuous).
            const all = Object.keys(JOBS).filter(usesCredentials).map(baseName);
            assert.deepEqual([...new Set(all)].sort(), ["deploy:prod", "deploy:staging", "drift", "preview:prod", "preview:staging"]);
        });

        it("merge-request jobs run no pulumi command, have no environment, and drop credentials before npm ci", () => {
            for (const s of SCENARIOS.filter((x) => x.event.variables.CI_PIPELINE_SOURCE === "merge_request_event")) {
                for (const j of results.get(s.title)!.jobs.filter((x) => x.when !== "never")) {
                    const job = previewJob(baseName(j.name));
                    const text = [lines(job, "before_script"), lines(job, "script"), lines(job, "after_script")].join("\n");
                    assert.doesNotMatch(text, /(^|[\s;&|(])pulumi\s/m, `${j.name} runs pulumi`);
                    assert.equal(job.environment, undefined, `${j.name}: an environment would give it environment-scoped variables`);
                    const setup = lines(job, "before_script");
                    assert.ok(setup.indexOf("unset ") >= 0 && setup.indexOf("unset ") < setup.search(/^npm ci\b/m), `${j.name}: credentials dropped first`);
                }
            }
        });
    });

    describe("job definitions", () => {
        const pulumiJobs = ["preview:staging", "preview:prod", "drift", "deploy:staging", "deploy:prod"];
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

        it("typecheck, tests and the offline plan run the repository's commands; tests publish JUnit XML", () => {
            assert.match(lines(previewJob("typecheck"), "script"), /^npx tsc --noEmit -p \.$/m);
            const tests = previewJob("tests");
            assert.match(lines(tests, "script"), /^npm test -- --reporter \.\/tools\/ci\/junitReporter\.ts --reporter-option output=out\/junit\.xml$/m);
            assert.deepEqual(tests.artifacts?.reports, { junit: "out/junit.xml" });
            assert.equal(tests.artifacts?.when, "always", "the report of a failed run is the useful one");
            const plan = previewJob("plan");
            assert.match(lines(plan, "script"), /^npm run plan -- --stack all$/m);
            assert.deepEqual(plan.artifacts?.paths, ["out/plan/"]);
            assert.equal(plan.artifacts?.when, "always");
        });

        it("merge requests: the plan diff against the merge base, publishing the Terraform and Code Quality reports", () => {
            const job = previewJob("plan-diff");
            assert.match(lines(job, "script"), /^npm run plan -- --stack "\$STACK" --baseline "\$base"$/m);
            assert.match(lines(job, "script"), /CI_MERGE_REQUEST_DIFF_BASE_SHA/);
            assert.equal(job.variables?.GIT_DEPTH, "0", "the merge base must be in the clone");
            assert.deepEqual(job.artifacts?.reports, {
                terraform: "out/plan/$STACK/gitlab-terraform-report.json",
                codequality: "out/plan/$STACK/gitlab-code-quality.json",
            });
            assert.deepEqual(job.artifacts?.paths, ["out/plan/$STACK/"]);
            assert.equal(job.artifacts?.when, "always");
            assert.match(lines(previewJob("plan-diff:note"), "script"), /^npx ts-node --transpile-only tools\/ci\/mrNote\.ts out\/plan$/m);
        });

        it("plan-diff has one job per stack file: its matrix lists exactly the repository's Pulumi.<stack>.yaml", () => {
            const matrix = previewJob("plan-diff").parallel?.matrix;
            assert.equal(matrix?.length, 1, "one matrix entry");
            const listed = [matrix![0].STACK].flat().map(String);
            assert.ok(REPO_STACKS.length >= 3, `stack files found: ${REPO_STACKS.join(", ")}`);
            assert.equal(stackListProblem(listed, REPO_STACKS), undefined, stackListProblem(listed, REPO_STACKS));
            // The check names what to do when a stack file is added or removed.
            assert.match(stackListProblem(listed, [...REPO_STACKS, "qa"]) ?? "", /Pulumi\.qa\.yaml has no plan-diff job: add qa to the STACK list of \.per-stack/);
            assert.match(stackListProblem([...listed, "qa"], REPO_STACKS) ?? "", /lists qa, which has no Pulumi\.qa\.yaml/);
            assert.equal(ciText.match(/^\s*- STACK: \[/gm)?.length, 1, "one list of stacks");
        });

        it("names no stack for plan and drift: they cover every Pulumi.<stack>.yaml", () => {
            for (const name of ["plan", "drift"]) {
                assert.equal(previewJob(name).parallel, undefined, `${name}: no matrix`);
                assert.equal(previewJob(name).variables?.STACK, undefined, name);
            }
            assert.match(lines(previewJob("drift"), "script"), /^\s*for stack in \$\(stacks\); do$/m);
            assert.doesNotMatch(ciText, /\bcase "\$STACK"/);
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

        it("protected branches save an update plan with the policy pack, kept for developers only", () => {
            for (const [name, stack] of [["preview:staging", "staging"], ["preview:prod", "prod"]] as const) {
                const job = previewJob(name);
                assert.equal(job.variables?.STACK, stack, name);
                const script = flat(lines(job, "script"));
                assert.match(lines(job, "script"), /^use_stack "\$STACK"$/m, name);
                assert.match(script, /pulumi preview --diff .*--stack "\$STACK" --policy-pack policy --policy-pack-config "\$POLICY_CONFIG" --save-plan "out\/preview\/\$STACK\/update-plan\.json"/);
                assert.deepEqual(job.artifacts?.paths, ["out/preview/$STACK/"]);
                assert.equal(job.artifacts?.when, "always", "keep the preview when policy fails");
                assert.equal((job.artifacts as Record<string, unknown>).access, "developer");
            }
        });

        it("deploys apply their pipeline's saved plan (pulumi up --plan) with the policy pack and the stack's config", () => {
            for (const [name, stack] of [["deploy:staging", "staging"], ["deploy:prod", "prod"]] as const) {
                const job = previewJob(name) as PreviewJob & { dependencies?: string[] };
                assert.equal(job.variables?.STACK, stack, name);
                assert.match(
                    flat(lines(job, "script")),
                    /pulumi up --yes .*--stack "\$STACK" --plan "out\/preview\/\$STACK\/update-plan\.json" --policy-pack policy --policy-pack-config "\$POLICY_CONFIG"/,
                    name,
                );
                assert.deepEqual(job.dependencies, [`preview:${stack}`], `${name} takes the plan of its own preview`);
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

    describe("job scripts (bash, stub npm/npx/git/pulumi)", () => {
        let bin: string;

        before(() => {
            bin = makeTempDir("gitlab-ci-stubs");
            const stub = (name: string, body: string) => {
                fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
            };
            // npm, npx and git record their arguments and the environment they were given.
            for (const tool of ["npm", "npx", "git"]) {
                stub(tool, `echo "${tool} $*" >> "$STUB_LOG"\nenv >> "$STUB_LOG.env"\necho "---" >> "$STUB_LOG.env"`);
            }
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
echo "Previewing update ($stack):"
echo "    ~ kubernetes:apps/v1:Deployment api update [diff: ~spec]"
echo ""
if [ "$1" = "\${FAKE_PULUMI_FAIL:-none}" ] && { [ -z "\${FAKE_FAIL_STACK:-}" ] || [ "$stack" = "\${FAKE_FAIL_STACK:-}" ]; }; then
  echo "Policies:"
  echo "    x ai-platform-policies@v0.1.0 (local: policy)"
  echo "        - [mandatory]  no-latest-image-tag  (kubernetes:apps/v1:Deployment: api)"
  echo ""
  exit 255
fi
prev=""
for arg in "$@"; do
  if [ "$prev" = "--save-plan" ]; then echo '{"resourcePlans":{}}' > "$arg"; fi
  prev="$arg"
done
echo "Resources:"
echo "    ~ 1 to update"
exit 0`,
            );
        });

        interface Job {
            work: string;
            log: () => string;
            envLog: () => string;
            env: NodeJS.ProcessEnv;
        }

        /** Sentinel credentials, as a project that (wrongly) left them unprotected would hand them out. */
        const SENTINELS = {
            PULUMI_BACKEND_URL: "s3://state-bucket/ai-platform",
            PULUMI_CONFIG_PASSPHRASE: "sentinel-passphrase-0451",
            GITLAB_TOKEN: "glpat-sentinel-maintainer-token",
            AWS_SECRET_ACCESS_KEY: "sentinel-aws-secret-key",
        };

        const kubeconfigVar = (stack: Stack) => `KUBECONFIG_${stack.toUpperCase().replace(/-/g, "_")}`;
        const policyConfigOf = (stack: Stack) => `policy/config/${OWN_POLICY_CONFIG.includes(stack) ? stack : TIER[stack]}.json`;

        /**
         * A fresh project dir with a stack file per stack (and policy configs of its own for some),
         * plus the variables GitLab would give a job of `stack`: one kubeconfig File variable per stack.
         */
        const job = (stack: Stack, extra: Record<string, string | undefined> = {}): Job => {
            const work = makeTempDir("gitlab-ci-job");
            const kubeconfigs: Record<string, string> = {};
            fs.mkdirSync(path.join(work, "policy", "config"), { recursive: true });
            for (const s of STACKS) {
                fs.writeFileSync(path.join(work, `Pulumi.${s}.yaml`), `config:\n  ai-platform:environment: ${s}\n  ai-platform:tier: ${TIER[s]}\n`);
                kubeconfigs[kubeconfigVar(s)] = path.join(work, `.kubeconfig-${s}`);
                fs.writeFileSync(kubeconfigs[kubeconfigVar(s)], `apiVersion: v1\nkind: Config\n# sentinel-kubeconfig-${s}\n`);
            }
            for (const s of OWN_POLICY_CONFIG) fs.writeFileSync(path.join(work, "policy", "config", `${s}.json`), "{}\n");
            const stubLog = path.join(work, ".stub.log");
            fs.writeFileSync(stubLog, "");
            fs.writeFileSync(`${stubLog}.env`, "");
            const env: NodeJS.ProcessEnv = {
                PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
                HOME: work,
                STUB_LOG: stubLog,
                STACK: stack,
                ...kubeconfigs,
                ...SENTINELS,
                CI_API_V4_URL: "https://gitlab.example.invalid/api/v4",
                CI_PROJECT_ID: "123",
                CI_MERGE_REQUEST_IID: "42",
                CI_MERGE_REQUEST_DIFF_BASE_SHA: "0123456789abcdef0123456789abcdef01234567",
                CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main",
                CI_COMMIT_SHORT_SHA: "0123abcd",
                ...extra,
            };
            for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
            return { work, env, log: () => fs.readFileSync(stubLog, "utf8"), envLog: () => fs.readFileSync(`${stubLog}.env`, "utf8") };
        };

        /** GitLab Runner's bash: before_script + script in one `set -eo pipefail` shell. */
        const runMain = (name: string, j: Job) => {
            const expanded = previewJob(name);
            const text = [...(expanded.before_script ?? []), ...(expanded.script ?? [])].join("\n");
            return run("bash", ["-c", `set -eo pipefail\n${text}`], { cwd: j.work, env: j.env });
        };

        it("merge-request jobs: no credential reaches npm, npx or git, and the kubeconfig files are gone", async () => {
            const mrJobs = [...new Set(Object.keys(MR_JOBS).map(baseName))];
            for (const name of mrJobs) {
                const j = job("prod");
                const result = await runMain(name, j);
                assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
                const seen = j.envLog();
                assert.match(seen, /^STACK=prod$/m, `${name}: the stubs recorded their environment`);
                for (const [key, value] of Object.entries(SENTINELS)) {
                    assert.doesNotMatch(seen, new RegExp(`^${key}=`, "m"), `${name}: ${key} reached a child process`);
                    assert.ok(!seen.includes(value), `${name}: the value of ${key} reached a child process`);
                }
                assert.doesNotMatch(seen, /^KUBECONFIG(_[A-Z_]+)?=/m, `${name}: a kubeconfig variable reached a child process`);
                for (const s of STACKS) assert.ok(!fs.existsSync(path.join(j.work, `.kubeconfig-${s}`)), `${name}: the ${s} kubeconfig file was deleted`);
                assert.doesNotMatch(j.log(), /^pulumi /m, `${name} ran pulumi`);
            }
        });

        it("plan-diff: plans the stack against the merge base GitLab names", async () => {
            const j = job("staging");
            assert.equal((await runMain("plan-diff", j)).code, 0);
            assert.match(j.log(), /^npm run plan -- --stack staging --baseline 0123456789abcdef0123456789abcdef01234567$/m);
            assert.doesNotMatch(j.log(), /^git fetch/m);
            // Without the predefined variable, the merge base is computed from the fetched target branch.
            const computed = job("staging", { CI_MERGE_REQUEST_DIFF_BASE_SHA: undefined });
            assert.equal((await runMain("plan-diff", computed)).code, 0);
            assert.match(computed.log(), /^git fetch --quiet origin main$/m);
            assert.match(computed.log(), /^git merge-base FETCH_HEAD HEAD$/m);
        });

        it("preview: logs in, exports the stack's kubeconfig, saves the update plan with the policy pack", async () => {
            const j = job("prod");
            const result = await runMain("preview:prod", j);
            assert.equal(result.code, 0, result.stdout + result.stderr);
            const calls = j.log().trim().split("\n");
            assert.match(calls[0], /^npm ci\b/);
            assert.ok(calls.some((c) => c.startsWith("pulumi login s3://state-bucket/ai-platform ")), calls.join("\n"));
            const previewCall = calls.find((c) => c.startsWith("pulumi preview"));
            assert.ok(previewCall);
            assert.match(previewCall, /--stack prod --policy-pack policy --policy-pack-config policy\/config\/prod\.json --save-plan out\/preview\/prod\/update-plan\.json/);
            assert.ok(previewCall.endsWith(`[KUBECONFIG=${j.env.KUBECONFIG_PROD}]`));
            assert.ok(fs.existsSync(path.join(j.work, "out/preview/prod/update-plan.json")));
            assert.match(fs.readFileSync(path.join(j.work, "out/preview/prod/preview.txt"), "utf8"), /Resources:/);
        });

        it("preview: a mandatory policy violation (pulumi exits non-zero) fails the job, output kept", async () => {
            const j = job("staging", { FAKE_PULUMI_FAIL: "preview" });
            const result = await runMain("preview:staging", j);
            assert.notEqual(result.code, 0, "the job must fail");
            assert.match(result.stdout, /\[mandatory\]/, "the output is printed to the job log");
            assert.match(fs.readFileSync(path.join(j.work, "out/preview/staging/preview.txt"), "utf8"), /\[mandatory\]/);
        });

        it("preview: without a kubeconfig for the stack the job fails before pulumi runs", async () => {
            const j = job("prod", { KUBECONFIG_PROD: undefined });
            const result = await runMain("preview:prod", j);
            assert.notEqual(result.code, 0);
            assert.match(result.stderr, /no kubeconfig for stack 'prod': define the File-type CI\/CD variable KUBECONFIG_PROD/);
            assert.doesNotMatch(j.log(), /^pulumi preview/m);
        });

        it("previews need no GitLab token (the variables provider's check and diff never call GitLab)", async () => {
            const tokenless = job("prod", { GITLAB_TOKEN: undefined });
            const result = await runMain("preview:prod", tokenless);
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.match(tokenless.log(), /^pulumi preview .*--stack prod/m);
        });

        it("deploy jobs: pulumi up --plan with their preview's plan; no plan, no token or a failed update fail the job", async () => {
            for (const [name, stack] of [["deploy:staging", "staging"], ["deploy:prod", "prod"]] as const) {
                const withPlan = (extra: Record<string, string | undefined> = {}) => {
                    const j = job(stack, { STACK: previewJob(name).variables?.STACK, ...extra });
                    fs.mkdirSync(path.join(j.work, "out/preview", stack), { recursive: true });
                    fs.writeFileSync(path.join(j.work, "out/preview", stack, "update-plan.json"), '{"resourcePlans":{}}');
                    return j;
                };
                const ok = withPlan();
                const result = await runMain(name, ok);
                assert.equal(result.code, 0, result.stdout + result.stderr);
                assert.match(ok.log(), new RegExp(`^pulumi up --yes .*--stack ${stack} --plan out/preview/${stack}/update-plan\\.json --policy-pack policy --policy-pack-config policy/config/${stack}\\.json \\[KUBECONFIG=${ok.env[kubeconfigVar(stack)]}\\]$`, "m"));
                assert.equal(ok.log().split("\n").filter((c) => c.startsWith("pulumi up")).length, 1, "one stack only");
                const unconfigured = withPlan({ [kubeconfigVar(stack)]: undefined });
                assert.notEqual((await runMain(name, unconfigured)).code, 0);
                assert.doesNotMatch(unconfigured.log(), /^pulumi up/m);
                assert.notEqual((await runMain(name, withPlan({ FAKE_PULUMI_FAIL: "up" }))).code, 0, `${name} must fail when pulumi up fails`);
                // No saved plan (the preview did not run or failed): nothing is applied.
                const planless = job(stack, { STACK: previewJob(name).variables?.STACK });
                const refusedPlan = await runMain(name, planless);
                assert.notEqual(refusedPlan.code, 0);
                assert.match(refusedPlan.stderr, /no update plan at out\/preview\/.+\/update-plan\.json/);
                assert.doesNotMatch(planless.log(), /^pulumi up/m);
                // The stacks write GitLab variables: without a token the job stops before pulumi up.
                const tokenless = withPlan({ GITLAB_TOKEN: undefined });
                const refused = await runMain(name, tokenless);
                assert.notEqual(refused.code, 0);
                assert.match(refused.stdout + refused.stderr, /GITLAB_TOKEN is not set/);
                assert.doesNotMatch(tokenless.log(), /^pulumi up/m);
            }
        });

        describe("release (pipeline triggers)", () => {
            const RELEASE_TOKEN = "glpat-sentinel-release-token-7781";
            const releaseJob = (extra: Record<string, string | undefined>) =>
                job("prod", { RELEASE_GITLAB_TOKEN: RELEASE_TOKEN, CI_COMMIT_BRANCH: "main", ...extra });
            /** Each stub call's environment, in call order (the .env log holds one block per call). */
            const envBlocks = (j: Job) => j.envLog().split("---\n").filter((b) => b.trim() !== "");

            it("runs npm run release with the trigger's variables, then the push step; only the push step gets the token", async () => {
                const j = releaseJob({ RELEASE_PRODUCT: "chatbot", RELEASE_STACK: "prod", RELEASE_TAG: "v1.2.0", RELEASE_TRACK: "green" });
                const result = await runMain("release", j);
                assert.equal(result.code, 0, result.stdout + result.stderr);
                const calls = j.log().trim().split("\n");
                assert.match(calls[0], /^npm ci\b/);
                assert.deepEqual(calls.slice(1), [
                    "npm run release -- --product chatbot --stack prod --tag v1.2.0 --track green",
                    "npx ts-node --transpile-only tools/release/push.ts out/release/prod/release.json",
                ]);
                const blocks = envBlocks(j);
                assert.equal(blocks.length, 3);
                for (const b of blocks.slice(0, 2)) assert.ok(!b.includes(RELEASE_TOKEN), "npm ci and npm run release run without the token");
                assert.match(blocks[2], new RegExp(`^RELEASE_GITLAB_TOKEN=${RELEASE_TOKEN}$`, "m"), "the push step gets it");
                for (const [key, value] of Object.entries(SENTINELS)) assert.ok(!blocks.some((b) => b.includes(value)), `${key} reached a child process`);
            });

            it("switch and rollback take no tag", async () => {
                for (const action of ["switch", "rollback"]) {
                    const j = releaseJob({ RELEASE_PRODUCT: "chatbot", RELEASE_STACK: "prod", RELEASE_ACTION: action });
                    const result = await runMain("release", j);
                    assert.equal(result.code, 0, result.stdout + result.stderr);
                    assert.match(j.log(), new RegExp(`^npm run release -- --product chatbot --stack prod --${action}$`, "m"));
                }
            });

            it("missing RELEASE_* variables, an unknown RELEASE_ACTION or no token fail before anything is installed", async () => {
                const cases: Array<[Record<string, string | undefined>, RegExp]> = [
                    [{ RELEASE_STACK: "prod", RELEASE_TAG: "v1.2.0" }, /this release trigger lacks RELEASE_PRODUCT: pass RELEASE_PRODUCT, RELEASE_STACK and RELEASE_TAG/],
                    [{ RELEASE_PRODUCT: "chatbot" }, /lacks RELEASE_STACK RELEASE_TAG/],
                    [{ RELEASE_PRODUCT: "chatbot", RELEASE_STACK: "prod", RELEASE_ACTION: "promote" }, /RELEASE_ACTION=promote: must be release \(the default\), switch or rollback/],
                    [{ RELEASE_PRODUCT: "chatbot", RELEASE_STACK: "prod", RELEASE_TAG: "v1.2.0", RELEASE_GITLAB_TOKEN: undefined }, /RELEASE_GITLAB_TOKEN is not set/],
                ];
                for (const [vars, message] of cases) {
                    const j = releaseJob(vars);
                    const result = await runMain("release", j);
                    assert.notEqual(result.code, 0, JSON.stringify(vars));
                    assert.match(result.stderr, message);
                    assert.equal(j.log(), "", "nothing ran");
                }
            });

            it("other jobs drop the release token (safety net), and only the release job names the release environment", async () => {
                const j = job("prod", { RELEASE_GITLAB_TOKEN: RELEASE_TOKEN });
                assert.equal((await runMain("plan", j)).code, 0);
                assert.ok(!j.envLog().includes(RELEASE_TOKEN));
                const named = Object.keys(JOBS).map(baseName).filter((n) => {
                    const env = previewJob(n).environment;
                    return (typeof env === "string" ? env : env?.name) === "release";
                });
                assert.deepEqual([...new Set(named)], ["release"]);
            });
        });

        it("drift: checks every stack file's stack with its kubeconfig and policy config (its tier's when it has none); one drifted stack fails the job", async () => {
            const clean = job("dev");
            assert.equal((await runMain("drift", clean)).code, 0, clean.log());
            for (const stack of STACKS) {
                assert.match(clean.log(), new RegExp(`^pulumi refresh --preview-only .*--stack ${stack} `, "m"));
                assert.match(clean.log(), new RegExp(`^pulumi preview .*--expect-no-changes .*--stack ${stack} .*--policy-pack-config ${policyConfigOf(stack).replace(/\./g, "\\.")} \\[KUBECONFIG=${clean.env[kubeconfigVar(stack)]}\\]$`, "m"));
            }
            assert.match(clean.log(), /^pulumi config get tier --stack eu-prod /m);
            const drifted = job("dev", { FAKE_PULUMI_FAIL: "preview", FAKE_FAIL_STACK: "dev" });
            assert.notEqual((await runMain("drift", drifted)).code, 0);
            assert.match(drifted.log(), /^pulumi preview .*--expect-no-changes .*--stack staging /m);
            const unconfigured = job("dev", { KUBECONFIG_EU_PROD: undefined });
            const result = await runMain("drift", unconfigured);
            assert.notEqual(result.code, 0);
            assert.match(result.stderr, /KUBECONFIG_EU_PROD/);
            assert.match(unconfigured.log(), /^pulumi preview .*--stack prod /m);
        });
    });
});
