/**
 * Dev runs on one 4-CPU / 8-GiB machine next to the platform add-ons (about 650m CPU / 1.66Gi of
 * requests in dev): the products' requests at minimum scale must stay within 3 CPU and 6 GiB.
 * Summed from the rendered objects: requests × replicas (the HPA minimum where an HPA scales the
 * Deployment), a pod counting the larger of its containers' sum and its biggest init container.
 */
import { strict as assert } from "assert";
import { formatBytes, formatCpu } from "../../components/lib/quantity";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { stackEvaluation } from "../helpers/stacks";
import { bytes, cpu, hpaFor, objects, podTemplate, T } from "./render";

const BUDGET = { cpu: cpu("3"), memory: bytes("6Gi") };

function podRequests(r: RecordedResource): { cpu: number; memory: number } {
    const spec = podTemplate(r).spec;
    const sum = (list: any[]) => list.reduce((acc, c) => ({
        cpu: acc.cpu + cpu(c.resources.requests.cpu),
        memory: acc.memory + bytes(c.resources.requests.memory),
    }), { cpu: 0, memory: 0 });
    const main = sum(spec.containers);
    const init = (spec.initContainers ?? []).map((c: any) => sum([c]));
    return {
        cpu: Math.max(main.cpu, ...init.map((i: any) => i.cpu)),
        memory: Math.max(main.memory, ...init.map((i: any) => i.memory)),
    };
}

function minimumPods(ev: StackEvaluation, r: RecordedResource): number {
    if (r.type === T.deployment) {
        const hpa = hpaFor(ev, r);
        return hpa ? hpa.inputs.spec.minReplicas : r.inputs.spec.replicas ?? 1;
    }
    return r.inputs.spec.replicas ?? 1;
}

describe("dev capacity", () => {
    it("fits the products into 3 CPU and 6 GiB of requests at minimum scale", async () => {
        const ev = await stackEvaluation("dev");
        const running = [...objects(ev, T.deployment), ...objects(ev, T.statefulSet)];
        assert.ok(running.length >= 10);
        let total = { cpu: 0, memory: 0 };
        const lines: string[] = [];
        for (const r of running) {
            const pods = minimumPods(ev, r);
            const each = podRequests(r);
            total = { cpu: total.cpu + pods * each.cpu, memory: total.memory + pods * each.memory };
            lines.push(`${r.inputs.metadata.namespace}/${r.inputs.metadata.name}: ${pods} × ${formatCpu(each.cpu)} / ${formatBytes(each.memory)}`);
        }
        const summary = `total ${formatCpu(total.cpu)} CPU / ${formatBytes(total.memory)}:\n  ${lines.join("\n  ")}`;
        assert.ok(total.cpu <= BUDGET.cpu, `CPU over budget, ${summary}`);
        assert.ok(total.memory <= BUDGET.memory, `memory over budget, ${summary}`);
        // Scheduled but not running all the time; none exists in dev today.
        assert.equal(objects(ev, T.cronJob).length + objects(ev, T.job).length, 0);
    });
});
