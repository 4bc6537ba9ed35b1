/**
 * The figures the documentation states (capacity, add-on requests, budgets, counts of policies,
 * checks, variables and classes) are read from the documents' text and recomputed from the code:
 * the dev stack's evaluation, the plan's capacity and add-on estimates, the policy config, the
 * policy pack and the e2e tier's check list. A figure that drifts fails here, naming the document
 * and the sentence. Timings are not recomputed: each is quoted with the command that measured it
 * and the machine it ran on.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONTRACT_VERSION } from "../../components/outputs/contract";
import { allPolicies } from "../../policy/policies";
import { STACK_CHECKS } from "../../tools/e2e/checks";
import { estimateAddons } from "../../tools/plan/addons";
import { readBudgetSettings } from "../../tools/plan/budget";
import { capacityOf } from "../../tools/plan/capacity";
import { StackEvaluation } from "../../tools/stack/types";
import { configured, ofType, ROOT, stackEvaluation } from "../helpers/stacks";

const GI = 2 ** 30;
const MI = 2 ** 20;

function raw(file: string): string {
    return fs.readFileSync(path.join(ROOT, file), "utf8");
}

/** The document's text with line breaks and runs of spaces collapsed, as a reader sees a paragraph. */
function prose(file: string): string {
    return raw(file).replace(/\s+/g, " ");
}

/** The groups of `pattern` in `file`; fails naming the file and the sentence it expected. */
function figures(file: string, pattern: RegExp): string[] {
    const match = prose(file).match(pattern);
    assert.ok(match, `${file} no longer has the sentence ${pattern}: change the figure and this test together`);
    return match.slice(1);
}

/** The body rows of the Markdown table whose header line is `header`. */
function table(file: string, header: string): string[] {
    const lines = raw(file).split("\n");
    const start = lines.indexOf(header);
    assert.ok(start >= 0, `${file} has no table headed ${header}`);
    const body: string[] = [];
    for (const line of lines.slice(start + 2)) {
        if (!line.startsWith("|")) break;
        body.push(line);
    }
    return body;
}

interface Parsed {
    readonly kind: "cpu" | "bytes";
    /** Millicores or bytes. */
    readonly value: number;
    /** Half a unit of the last digit written: what rounding to that many digits allows. */
    readonly tolerance: number;
}

/** A figure as written: "1.85 CPU", "650m", "3", "5.06Gi", "6 GiB", "256Mi". */
export function parseFigure(text: string, kind: "cpu" | "bytes"): Parsed {
    const m = text.trim().match(/^(\d+(?:\.(\d+))?)\s*(m|CPU|Ki|Mi|Gi|Ti)?(?:B)?(?:\s*CPU)?$/);
    assert.ok(m, `"${text}" is not a figure`);
    const digits = m[2]?.length ?? 0;
    const unit = m[3] ?? "";
    const scale = kind === "cpu"
        ? (unit === "m" ? 1 : 1000)
        : ({ Ki: 2 ** 10, Mi: MI, Gi: GI, Ti: 2 ** 40 } as Record<string, number>)[unit];
    assert.ok(scale !== undefined && (kind === "cpu" ? ["", "m", "CPU"].includes(unit) : unit !== "m" && unit !== "CPU"),
        `"${text}" is not a ${kind === "cpu" ? "CPU" : "memory or storage"} figure`);
    return { kind, value: Number(m[1]) * scale, tolerance: (0.5 * scale) / 10 ** digits };
}

/** The written figure equals the computed one, to the precision it is written with. */
function assertFigure(where: string, text: string, kind: "cpu" | "bytes", actual: number): void {
    const f = parseFigure(text, kind);
    const shown = kind === "cpu" ? `${actual}m` : `${(actual / GI).toFixed(4)}Gi`;
    assert.ok(Math.abs(f.value - actual) <= f.tolerance + 1e-9, `${where}: the document says ${text}, the code gives ${shown}`);
}

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };

describe("figures in the documentation", () => {
    describe("the figure parser", () => {
        const cases: Array<[string, "cpu" | "bytes", number, number]> = [
            ["1.85 CPU", "cpu", 1850, 5],
            ["650m", "cpu", 650, 0.5],
            ["3", "cpu", 3000, 500],
            ["0.65", "cpu", 650, 5],
            ["5.06Gi", "bytes", 5.06 * GI, 0.005 * GI],
            ["6 GiB", "bytes", 6 * GI, 0.5 * GI],
            ["256Mi", "bytes", 256 * MI, 0.5 * MI],
        ];
        for (const [text, kind, value, tolerance] of cases) {
            it(`reads "${text}"`, () => {
                const f = parseFigure(text, kind);
                assert.ok(Math.abs(f.value - value) < 1e-6 * Math.max(1, value), `${text}: ${f.value}`);
                assert.ok(Math.abs(f.tolerance - tolerance) < 1e-6 * Math.max(1, tolerance), `${text}: tolerance ${f.tolerance}`);
            });
        }

        it("refuses a figure of the wrong kind or no figure at all", () => {
            assert.throws(() => parseFigure("650m", "bytes"), /not a memory or storage figure/);
            assert.throws(() => parseFigure("1Gi", "cpu"), /not a CPU figure/);
            assert.throws(() => parseFigure("about two", "cpu"), /not a figure/);
        });

        it("fails a figure rounded the wrong way, and passes one rounded right", () => {
            assert.throws(() => assertFigure("x", "5.2Gi", "bytes", 5.0625 * GI), /says 5\.2Gi/);
            assert.doesNotThrow(() => assertFigure("x", "5.1Gi", "bytes", 5.0625 * GI));
            assert.doesNotThrow(() => assertFigure("x", "5.06Gi", "bytes", 5.0625 * GI));
            assert.throws(() => assertFigure("x", "0.8", "cpu", 650), /says 0\.8/);
            assert.doesNotThrow(() => assertFigure("x", "650m", "cpu", 650));
        });
    });

    describe("dev capacity (README.md, docs/plan.md, docs/workloads.md)", () => {
        let ev: StackEvaluation;
        let budget: { cpu: string; memory: string; daemonSetNodes: number; storage: string; loadBalancers: number };
        before(async () => {
            ev = await stackEvaluation("dev");
            budget = readBudgetSettings("dev").entry as typeof budget;
            assert.ok(budget, "policy/config/dev.json has a stack-resource-budget entry");
        });
        const workloads = () => capacityOf(ev.resources, { daemonSetNodes: budget.daemonSetNodes }).total;
        const addons = () => estimateAddons(ev.resources, { daemonSetNodes: budget.daemonSetNodes });

        it("README: the workloads' requests, the budget, what it leaves of the cluster and the add-ons' requests", () => {
            const [clusterCpu, clusterMemory] = figures("README.md", /sized for one \*\*(\d+)-CPU \/ (\d+)-GiB\*\* development cluster/);
            const [cpu, memory, budgetCpu, budgetMemory, leftCpu, leftMemory, addonCpu, addonMemory] = figures("README.md",
                /its workloads request ([\d.]+ CPU) \/ ([\d.]+Gi) at HPA maximum against a ([\d.]+) CPU \/ ([\d.]+Gi) budget, which leaves ([\d.]+) CPU \/ ([\d.]+Gi) of the cluster for the platform add-ons \(≈ ([\d.]+m) CPU \/ ([\d.]+Gi) of requests in dev\)/);
            assertFigure("README workloads CPU", cpu, "cpu", workloads().atMax.cpuRequest);
            assertFigure("README workloads memory", memory, "bytes", workloads().atMax.memoryRequest);
            assertFigure("README budget CPU", budgetCpu, "cpu", parseFigure(budget.cpu, "cpu").value);
            assertFigure("README budget memory", budgetMemory, "bytes", parseFigure(budget.memory, "bytes").value);
            assertFigure("README CPU left", leftCpu, "cpu", Number(clusterCpu) * 1000 - parseFigure(budget.cpu, "cpu").value);
            assertFigure("README memory left", leftMemory, "bytes", Number(clusterMemory) * GI - parseFigure(budget.memory, "bytes").value);
            assertFigure("README add-ons CPU", addonCpu, "cpu", addons().atMin.cpuRequest);
            assertFigure("README add-ons memory", addonMemory, "bytes", addons().atMin.memoryRequest);
        });

        it("README and docs/plan.md: the dev cluster holds the budget plus the add-ons", () => {
            const [readmeCpu, readmeMemory] = figures("README.md", /sized for one \*\*(\d+)-CPU \/ (\d+)-GiB\*\* development cluster/);
            const [planCpu, planMemory] = figures("docs/plan.md", /Dev is one small local cluster: \*\*(\d+) CPU \/ (\d+) GiB\*\*/);
            assert.deepEqual([planCpu, planMemory], [readmeCpu, readmeMemory], "README and docs/plan.md size the dev cluster alike");
            assert.ok(parseFigure(budget.cpu, "cpu").value + addons().atMin.cpuRequest <= Number(planCpu) * 1000, "budget + add-ons CPU fit the cluster");
            assert.ok(parseFigure(budget.memory, "bytes").value + addons().atMin.memoryRequest <= Number(planMemory) * GI, "budget + add-ons memory fit the cluster");
        });

        it("docs/plan.md: the add-ons table, per chart and in total", () => {
            const charts: Record<string, string> = {
                "cert-manager": "cert-manager", "ingress-nginx": "ingress-nginx", "kube-prometheus-stack": "kube-prometheus-stack", Loki: "loki", Alloy: "alloy",
            };
            const estimate = addons();
            const rows = table("docs/plan.md", "| | CPU | Memory | Storage |");
            const cells = (label: string) => {
                const row = rows.find((l) => l.startsWith(`| ${label}`));
                assert.ok(row, `docs/plan.md has no add-on row for ${label}`);
                return row.split("|").slice(2, 5).map((c) => c.replace(/[*≈]/g, "").trim());
            };
            for (const [label, release] of Object.entries(charts)) {
                const own = estimate.rows.filter((r) => r.release === release);
                assert.ok(own.length > 0, `the plan estimates ${release}`);
                const [cpu, memory, storage] = cells(label);
                assertFigure(`${label} CPU`, cpu, "cpu", own.reduce((s, r) => s + r.atMin.cpuRequest, 0));
                assertFigure(`${label} memory`, memory, "bytes", own.reduce((s, r) => s + r.atMin.memoryRequest, 0));
                const stored = own.reduce((s, r) => s + r.storage, 0);
                if (storage) assertFigure(`${label} storage`, storage, "bytes", stored);
                else assert.equal(stored, 0, `${label} has storage the table does not show`);
            }
            const covered = new Set(Object.values(charts));
            const others = estimate.rows.filter((r) => !covered.has(r.release) && (r.atMin.cpuRequest > 0 || r.atMin.memoryRequest > 0));
            assert.deepEqual(others.map((r) => `${r.release}/${r.component}`), [], "every add-on with requests has a row");
            const [cpu, memory, storage] = cells("**Add-ons total");
            assertFigure("add-ons total CPU", cpu, "cpu", estimate.atMin.cpuRequest);
            assertFigure("add-ons total memory", memory, "bytes", estimate.atMin.memoryRequest);
            assertFigure("add-ons total storage", storage, "bytes", estimate.storage);
        });

        it("docs/plan.md: what the dev budget may take, the budget itself and what it leaves", () => {
            const [cluster, addonCpu, maxCpu, clusterMem, addonMem, maxMem] = figures("docs/plan.md",
                /\*\*(\d+) − ([\d.]+) ≈ ([\d.]+) CPU\*\* and \*\*(\d+) − ([\d.]+) ≈ ([\d.]+) GiB\*\*/);
            const estimate = addons();
            assertFigure("add-on CPU subtracted", addonCpu, "cpu", estimate.atMin.cpuRequest);
            assertFigure("add-on memory subtracted", `${addonMem}Gi`, "bytes", estimate.atMin.memoryRequest);
            assertFigure("CPU left for workloads", maxCpu, "cpu", Number(cluster) * 1000 - estimate.atMin.cpuRequest);
            assertFigure("memory left for workloads", `${maxMem}Gi`, "bytes", Number(clusterMem) * GI - estimate.atMin.memoryRequest);
            const [cpu, memory, nodes, restCpu, restMem] = figures("docs/plan.md",
                /`cpu: "([\d.]+)"`, `memory: "(\w+)"`, `daemonSetNodes: (\d+)` keeps the rest \(≈ ?([\d.]+) CPU \/ ([\d.]+) GiB\)/);
            assert.deepEqual([cpu, memory, Number(nodes)], [budget.cpu, budget.memory, budget.daemonSetNodes], "the budget docs/plan.md quotes is policy/config/dev.json's");
            assertFigure("CPU the budget leaves", restCpu, "cpu", Number(cluster) * 1000 - parseFigure(budget.cpu, "cpu").value);
            assertFigure("memory the budget leaves", `${restMem}Gi`, "bytes", Number(clusterMem) * GI - parseFigure(budget.memory, "bytes").value);
            assert.ok(parseFigure(budget.cpu, "cpu").value <= Number(cluster) * 1000 - estimate.atMin.cpuRequest, "the CPU budget fits beside the add-ons");
            assert.ok(parseFigure(budget.memory, "bytes").value <= Number(clusterMem) * GI - estimate.atMin.memoryRequest, "the memory budget fits beside the add-ons");
        });

        it("docs/plan.md: the policy's default node count for DaemonSets", () => {
            const [nodes] = figures("docs/plan.md", /`daemonSetNodes` of the budget config \(the policy's default is (\d+);/);
            const policy = allPolicies().find((p) => p.name === "stack-resource-budget") as any;
            assert.equal(Number(nodes), policy?.configSchema?.properties?.daemonSetNodes?.default);
        });

        it("docs/plan.md: the kind system pods' requests add up to the total it quotes", () => {
            const [list, totalCpu, totalMemory] = figures("docs/plan.md", /on kind, the requests of (.+?) add up to ([\d.]+) CPU \/ (\d+Mi)/);
            let cpu = 0;
            let memory = 0;
            for (const part of list.split(/, | and /)) {
                const m = part.match(/^(two )?[\w-]+(?: pods)? (\d+m)(?: \/ (\d+Mi))?(?: each)?$/);
                assert.ok(m, `cannot read "${part}"`);
                const times = m[1] ? 2 : 1;
                cpu += times * parseFigure(m[2], "cpu").value;
                memory += times * (m[3] ? parseFigure(m[3], "bytes").value : 0);
            }
            assertFigure("kind CPU", totalCpu, "cpu", cpu);
            assertFigure("kind memory", totalMemory, "bytes", memory);
        });

        it("docs/workloads.md: the products at minimum scale, the budget and the add-ons", () => {
            const [addonCpu, addonMemory, cpu, memory] = figures("docs/workloads.md",
                /next to the add-ons \(≈ ([\d.]+m) CPU \/ ([\d.]+Gi) of requests, see \[plan\.md\]\(plan\.md\)\): the products request \*\*([\d.]+) CPU \/ ([\d.]+Gi)\*\* at minimum scale/);
            assertFigure("workloads.md add-ons CPU", addonCpu, "cpu", addons().atMin.cpuRequest);
            assertFigure("workloads.md add-ons memory", addonMemory, "bytes", addons().atMin.memoryRequest);
            assertFigure("workloads.md CPU at minimum", cpu, "cpu", workloads().atMin.cpuRequest);
            assertFigure("workloads.md memory at minimum", memory, "bytes", workloads().atMin.memoryRequest);
            const [budgetCpu, budgetMemory] = figures("docs/workloads.md", /keeps it within (\d+) CPU \/ (\d+) GiB/);
            assertFigure("workloads.md budget CPU", budgetCpu, "cpu", parseFigure(budget.cpu, "cpu").value);
            assertFigure("workloads.md budget memory", `${budgetMemory}Gi`, "bytes", parseFigure(budget.memory, "bytes").value);
        });

        it("README: three PriorityClasses", () => {
            const [count] = figures("README.md", /the platform defines (\w+) PriorityClasses/);
            assert.equal(WORDS[count] ?? Number(count), ofType(ev, "kubernetes:scheduling.k8s.io/v1:PriorityClass").length);
        });
    });

    it("README: QuickSpin AI's GitLab variables, counted over the stacks that write them", async () => {
        const [count] = figures("README.md", /\(QuickSpin AI's (\w+) variables/);
        const keys = new Set<string>();
        for (const stack of ["staging", "prod"] as const) {
            const project = (configured(stack, "gitlabProjects") as string[]).find((p) => p.startsWith("quickspin-ai="))?.split("=")[1];
            assert.ok(project, `${stack} maps quickspin-ai to a GitLab project`);
            for (const r of ofType(await stackEvaluation(stack), "pulumi-nodejs:dynamic/gitlab:ProjectVariable")) {
                if (r.inputs.project === project) keys.add(r.inputs.key);
            }
        }
        assert.equal(WORDS[count] ?? Number(count), keys.size, [...keys].sort().join(", "));
    });

    it("policy/README.md: the number of policies, each of them documented", () => {
        const [count] = figures("policy/README.md", /(\d+) policies; the anchors column/);
        const policies = allPolicies();
        assert.equal(Number(count), policies.length);
        const text = raw("policy/README.md");
        assert.deepEqual(policies.map((p) => p.name).filter((name) => !text.includes(`\`${name}\``)), [], "policies missing from policy/README.md");
    });

    it("docs/e2e.md: the checks it lists and how many ran in the measured run", () => {
        const steps = [...raw("tools/e2e/stackRun.ts").matchAll(/record\("([\w-]+)"/g)].map((m) => m[1]);
        assert.ok(steps.length >= 3, `steps of a stack run: ${steps}`);
        const documented = table("docs/e2e.md", "| Check | What it proves |")
            .flatMap((row) => [...(row.match(/^\| `([\w-]+)`(?:, `([\w-]+)`)?/) ?? [])].slice(1).filter(Boolean));
        assert.deepEqual([...documented].sort(), [...steps, ...STACK_CHECKS.map((c) => c.id)].sort(), "docs/e2e.md's check table lists every check");
        const perStack = (stack: string) => steps.length + STACK_CHECKS.filter((c) => c.appliesTo(stack)).length;
        const [all] = figures("docs/e2e.md", /with `npm run e2e -- --stack all` \(all (\d+) checks passed/);
        assert.equal(Number(all), ["dev", "staging", "prod"].reduce((s, stack) => s + perStack(stack), 0));
        const [dev] = figures("docs/e2e.md", /all (\d+) dev checks pass/);
        assert.equal(Number(dev), perStack("dev"));
    });

    it("docs/outputs.md: the contract version", () => {
        const [version] = figures("docs/outputs.md", /Version of this contract \(currently (\d+)\)/);
        assert.equal(Number(version), CONTRACT_VERSION);
    });
});
