/**
 * What `pulumi up --plan` needs from the program. CI's deploy jobs apply the plan their preview
 * saved (`pulumi preview --save-plan`, then `pulumi up --plan`), and the engine refuses any
 * resource whose properties at update differ from the plan beyond values the preview could not
 * know. Two shapes did exactly that under the real engine on a first deployment, and each test
 * below fails on them:
 * - a Secret with `stringData` holding a value generated in the same update: planned as unknown
 *   `stringData`, applied as `data` (the provider moves known stringData into data);
 * - a component registering resource objects as outputs: planned with the resources' unknown ids,
 *   applied with their ids ("properties changed" on the component).
 */
import { strict as assert } from "assert";
import { StackEvaluation } from "../../tools/stack/types";
import { stackEvaluation, STACKS } from "../helpers/stacks";

/** The wire signature of a resource reference (sdk/nodejs/runtime/rpc.ts specialSigKey values). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

function resourceReferences(value: unknown, path: string, found: string[]): string[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => resourceReferences(v, `${path}[${i}]`, found));
    } else if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === RESOURCE_SIG) {
            found.push(`${path} → ${String(record.urn).split("::").pop()}`);
            return found;
        }
        for (const [key, v] of Object.entries(record)) {
            resourceReferences(v, path ? `${path}.${key}` : key, found);
        }
    }
    return found;
}

describe("what pulumi up --plan needs from the program", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            let ev: StackEvaluation;
            before(async () => {
                ev = await stackEvaluation(stack);
            });

            it("sets no Secret's stringData (generated values would be planned as stringData and applied as data)", () => {
                const secrets = ev.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
                assert.ok(secrets.length >= 5, `only ${secrets.length} Secrets evaluated`);
                const withStringData = secrets.filter((s) => s.inputs.stringData !== undefined)
                    .map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`);
                assert.deepEqual(withStringData, [], "set data through components/lib/secretData instead");
            });

            it("registers no resource object as a component output (its id is unknown in the saved plan)", () => {
                const components = ev.resources.filter((r) => !r.custom);
                assert.ok(components.length >= 10, `only ${components.length} components evaluated`);
                const registered = Object.keys(ev.componentOutputs);
                assert.ok(registered.length >= components.length - 1, `only ${registered.length} of ${components.length} components registered outputs`);
                const offenders = Object.entries(ev.componentOutputs).flatMap(([urn, outputs]) =>
                    resourceReferences(outputs, "", []).map((ref) => `${urn.split("::").pop()}: ${ref}`));
                assert.deepEqual(offenders, [], "register names or plain values, not resources");
            });
        });
    }
});
