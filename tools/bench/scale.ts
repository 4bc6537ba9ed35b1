/**
 * The benchmark's scale check: a synthetic stack with about `factor` times the resources of a real
 * one, made of copies of its namespaced Kubernetes objects (the products and add-ons) in namespaces
 * of their own, `<namespace>-x<copy>`, with their Namespace objects. Copies keep their references
 * (selectors, Service names, roles) because everything they point at is copied into the same
 * namespace, so the policies find the same kind of stack, only larger.
 */
import { toK8sObject } from "../plan/k8s";
import type { RecordedResource, StackEvaluation } from "../stack/types";

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/** The namespace a namespaced object sets (a cluster-scoped one has none, whatever it states). */
function namespaceOf(r: RecordedResource): string | undefined {
    const stated = r.inputs?.metadata?.namespace;
    const namespace = toK8sObject(r)?.namespace;
    return typeof stated === "string" && stated !== "" && namespace ? namespace : undefined;
}

function renamed(r: RecordedResource, copy: number, namespaces: ReadonlySet<string>): RecordedResource {
    const suffix = `-x${copy}`;
    const edit = (inputs: Record<string, any>) => {
        const out = structuredClone(inputs);
        if (r.type === NAMESPACE_TYPE) {
            out.metadata.name = `${out.metadata.name}${suffix}`;
        } else if (namespaces.has(out.metadata?.namespace)) {
            out.metadata.namespace = `${out.metadata.namespace}${suffix}`;
        }
        return out;
    };
    const cut = r.urn.lastIndexOf("::");
    return {
        ...r,
        urn: `${r.urn.slice(0, cut)}::${r.name}${suffix}`,
        name: `${r.name}${suffix}`,
        inputs: edit(r.inputs),
        wireInputs: edit(r.wireInputs),
    };
}

/** The evaluation with enough copies of its namespaced objects to have ≈ `factor` × its resources. */
export function scaledStack(evaluation: StackEvaluation, factor: number): StackEvaluation {
    const namespaces = new Set(evaluation.resources.map(namespaceOf).filter((n): n is string => n !== undefined));
    const copyable = evaluation.resources.filter((r) => namespaceOf(r) !== undefined ||
        (r.type === NAMESPACE_TYPE && namespaces.has(r.inputs?.metadata?.name)));
    const copies = Math.max(0, Math.round(((factor - 1) * evaluation.resources.length) / copyable.length));
    const resources = [...evaluation.resources];
    for (let copy = 1; copy <= copies; copy++) {
        resources.push(...copyable.map((r) => renamed(r, copy, namespaces)));
    }
    return { ...evaluation, resources };
}
