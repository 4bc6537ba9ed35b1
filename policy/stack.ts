/** Stack-wide budget: what the stack asks the cluster for at full scale. */
import { explain, PackPolicy, stackPolicy } from "./lib/core";
import { A_M } from "./lib/levels";
import { allContainers, containerList, PodTemplate } from "./lib/pods";
import { formatBytes, formatCpu, parseQuantity } from "./lib/quantity";
import { StackIndex, Workload } from "./lib/stack";
import { arr, num, obj, str } from "./lib/values";

interface BudgetConfig {
    cpu: string | number;
    memory: string | number;
    storage: string | number;
    loadBalancers: number;
    daemonSetNodes: number;
}

/** Effective requests of one pod: max(sum of containers, largest init container). */
export function podRequests(pt: PodTemplate): { cpu: number; memory: number } {
    const sum = { cpu: 0, memory: 0 };
    for (const c of containerList(pt, "containers", "container")) {
        const r = obj(obj(c.c.resources).requests);
        sum.cpu += parseQuantity(r.cpu) ?? 0;
        sum.memory += parseQuantity(r.memory) ?? 0;
    }
    for (const c of containerList(pt, "initContainers", "initContainer")) {
        const r = obj(obj(c.c.resources).requests);
        sum.cpu = Math.max(sum.cpu, parseQuantity(r.cpu) ?? 0);
        sum.memory = Math.max(sum.memory, parseQuantity(r.memory) ?? 0);
    }
    return sum;
}

/** Pods a workload runs at full scale. */
export function fullScalePods(index: StackIndex, w: Workload, daemonSetNodes: number): number {
    const spec = obj(w.obj.props.spec);
    switch (w.obj.kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
            return index.replicas(w, "max");
        case "ReplicationController":
            return num(spec.replicas) ?? 1;
        case "DaemonSet":
            return daemonSetNodes;
        case "Job":
            return num(spec.parallelism) ?? 1;
        case "CronJob":
            return num(obj(obj(spec.jobTemplate).spec).parallelism) ?? 1;
        default:
            return 1;
    }
}

function budgetOf(v: string | number, parse: (q: unknown) => number | undefined): number | undefined {
    return parse(v);
}

export function stackResourceBudget(): PackPolicy {
    return stackPolicy<BudgetConfig>({
        name: "stack-resource-budget",
        description: "At full scale (HPA maxReplicas where an HPA targets the workload), the stack's CPU and memory requests, PVC storage and LoadBalancer count stay within the stack's budget.",
        anchors: "stack-resource-budget: stack-level (catalogue, second table)",
        levels: A_M,
        exemption: "no",
        config: {
            cpu: { type: ["string", "number"], default: "64", description: "CPU budget (cores or a quantity such as 64 or 64000m)." },
            memory: { type: ["string", "number"], default: "256Gi", description: "Memory budget (quantity)." },
            storage: { type: ["string", "number"], default: "2Ti", description: "PersistentVolumeClaim storage budget (quantity)." },
            loadBalancers: { type: "integer", minimum: 0, default: 1, description: "Maximum number of LoadBalancer Services." },
            daemonSetNodes: { type: "integer", minimum: 1, default: 3, description: "Node count used to cost DaemonSets." },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            const totals = { cpu: 0, memory: 0, storage: 0 };
            const contrib: Record<"cpu" | "memory" | "storage", Array<{ label: string; v: number }>> = { cpu: [], memory: [], storage: [] };
            for (const w of index.workloads()) {
                if (w.obj.kind === "PodTemplate") continue;
                out.guard(`the requests of ${w.obj.label}`, () => {
                    allContainers(w.pod); // reads the lists so unknown ones are reported here
                    const pods = fullScalePods(index, w, cfg.daemonSetNodes);
                    const r = podRequests(w.pod);
                    totals.cpu += r.cpu * pods;
                    totals.memory += r.memory * pods;
                    contrib.cpu.push({ label: `${w.obj.label} (${pods}×${formatCpu(r.cpu)})`, v: r.cpu * pods });
                    contrib.memory.push({ label: `${w.obj.label} (${pods}×${formatBytes(r.memory)})`, v: r.memory * pods });
                    if (w.obj.kind === "StatefulSet") {
                        for (const t of arr(obj(w.obj.props.spec).volumeClaimTemplates)) {
                            const s = parseQuantity(obj(obj(obj(obj(t).spec).resources).requests).storage) ?? 0;
                            totals.storage += s * pods;
                            contrib.storage.push({ label: `${w.obj.label} ${str(obj(obj(t).metadata).name) ?? "claim"} (${pods}×${formatBytes(s)})`, v: s * pods });
                        }
                    }
                }, w.obj.urn);
            }
            for (const pvc of index.ofKind("PersistentVolumeClaim")) {
                out.guard(`the size of ${pvc.label}`, () => {
                    const s = parseQuantity(obj(obj(obj(pvc.props.spec).resources).requests).storage) ?? 0;
                    totals.storage += s;
                    contrib.storage.push({ label: `${pvc.label} (${formatBytes(s)})`, v: s });
                }, pvc.urn);
            }
            const lbs: string[] = [];
            for (const svc of index.ofKind("Service")) {
                out.guard(`the type of ${svc.label}`, () => {
                    if (str(obj(svc.props.spec).type) === "LoadBalancer") lbs.push(svc.label);
                }, svc.urn);
            }
            const report = (dim: "cpu" | "memory" | "storage", total: number, budget: number | undefined, fmt: (n: number) => string) => {
                if (budget === undefined) {
                    out.violation(`stack-resource-budget.${dim} in the policy config is not a valid quantity; fix policy/config/<stack>.json.`);
                    return;
                }
                if (total > budget + 1e-9) {
                    const top = contrib[dim].sort((a, b) => b.v - a.v).slice(0, 5).map((c) => c.label).join(", ");
                    out.violation(explain(`The stack requests ${fmt(total)} at full scale, above its budget of ${fmt(budget)} (largest: ${top})`,
                        "the cluster cannot schedule everything at peak load (or the environment costs more than planned), so pods stay Pending exactly when traffic is highest",
                        `lower requests, replicas or HPA maxReplicas, or raise stack-resource-budget.${dim} in policy/config/<stack>.json after a capacity review`));
                }
            };
            report("cpu", totals.cpu, budgetOf(cfg.cpu, parseQuantity), (n) => `${+n.toFixed(2)} CPU cores`);
            report("memory", totals.memory, budgetOf(cfg.memory, parseQuantity), (n) => `${formatBytes(n)} of memory`);
            report("storage", totals.storage, budgetOf(cfg.storage, parseQuantity), (n) => `${formatBytes(n)} of persistent storage`);
            if (lbs.length > cfg.loadBalancers) {
                out.violation(explain(`The stack creates ${lbs.length} LoadBalancer Services (${lbs.join(", ")}), above its budget of ${cfg.loadBalancers}`,
                    "each LoadBalancer is a paid cloud load balancer and public address", "route HTTP through the ingress controller, or raise stack-resource-budget.loadBalancers"));
            }
        },
    });
}

