/**
 * A model of the whole stack for stack policies: Kubernetes objects by kind and namespace, workloads
 * with their pod templates, HPAs with their targets, PDBs, Services. Every value that might be unknown
 * during preview is read lazily: reading it rethrows the unknown-value error inside the caller's
 * `out.guard()`, which reports "could not check" for that one item.
 */
import { Res, known, UnknownDependencyError } from "./core";
import { isNamespaced, metadataOf } from "./k8s";
import { podTemplateOf, PodTemplate, POD_KINDS } from "./pods";
import { isEmptySelector, labelSelectorMatches, mapSelectorMatches } from "./selectors";
import { arr, num, obj, str, stringMap } from "./values";

/** Caches a computation, including the error it threw (rethrown on every access). */
export class Lazy<T> {
    private state: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    constructor(private readonly fn: () => T) {}
    get value(): T {
        if (!this.state) {
            try {
                this.state = { ok: true, value: this.fn() };
            } catch (error) {
                this.state = { ok: false, error };
            }
        }
        if (this.state.ok) {
            return this.state.value;
        }
        throw this.state.error;
    }
}

export interface K8sObj extends Res {
    /** metadata.name, or the Pulumi name when it is absent or unknown. */
    readonly objName: string;
    /** false when metadata.name is unknown during preview. */
    readonly nameKnown: boolean;
    /** metadata.namespace or "default" ("" for cluster-scoped kinds, and when unknown). */
    readonly namespace: string;
    /** false when metadata.namespace is unknown during preview. */
    readonly namespaceKnown: boolean;
    readonly labels: Lazy<Record<string, string>>;
    readonly annotations: Lazy<Record<string, string>>;
}

export interface Workload {
    readonly obj: K8sObj;
    readonly pod: PodTemplate;
    /** Labels of the pod template. */
    readonly podLabels: Lazy<Record<string, string>>;
    /** spec.replicas as written (undefined when unset); not meaningful for DaemonSet/Job/CronJob/Pod. */
    readonly replicasField: Lazy<number | undefined>;
}

/**
 * spec.replicas as the program wrote it. During `pulumi up` the engine runs stack policies on the
 * live objects, where the API server has defaulted spec.replicas (to 1, or to what an HPA chose);
 * a live object's managedFields tell whether Pulumi's server-side apply owns the field, i.e.
 * whether the program set it. Without managedFields (preview, and any planned object) the
 * properties are the program's own inputs.
 */
export function writtenReplicas(props: Record<string, unknown>): number | undefined {
    const v = obj(props.spec).replicas;
    if (v === undefined || v === null) {
        return undefined;
    }
    const managedFields = obj(props.metadata).managedFields;
    if (Array.isArray(managedFields)) {
        const ownedByPulumi = managedFields.some((entry) => {
            const e = obj(entry);
            return e.operation === "Apply" && typeof e.manager === "string" && e.manager.startsWith("pulumi-kubernetes")
                && "f:replicas" in obj(obj(e.fieldsV1)["f:spec"]);
        });
        if (!ownedByPulumi) {
            return undefined;
        }
    }
    return Number(v);
}

export interface Hpa {
    readonly obj: K8sObj;
    readonly targetKind: Lazy<string>;
    readonly targetName: Lazy<string>;
    readonly min: Lazy<number>;
    readonly max: Lazy<number | undefined>;
}

export type Resolution<T> = { readonly found: T } | { readonly uncertain: true } | undefined;

/** One index per resource list: the stack policies of a request share their list (core.ts sharedStack). */
const indexOfList = new WeakMap<readonly Res[], StackIndex>();

export class StackIndex {
    /** The index of this list, built on first use; an index only caches what it derives from the list. */
    static of(resources: readonly Res[]): StackIndex {
        let index = indexOfList.get(resources);
        if (index === undefined) {
            index = new StackIndex(resources);
            indexOfList.set(resources, index);
        }
        return index;
    }

    readonly objects: K8sObj[] = [];
    private readonly byKind = new Map<string, K8sObj[]>();
    private readonly byUrn = new Map<string, Res>();
    private workloadsCache?: Workload[];
    private hpasCache?: Hpa[];
    // Per-namespace views, so that a query for one namespace costs what that namespace holds: filtering
    // the whole stack for every workload's namespace made the stack policies grow with its square.
    private readonly byKindNamespace = new Map<string, NamespaceView<K8sObj>>();
    private workloadsByNamespace?: NamespaceView<Workload>;
    private hpasByNamespace?: NamespaceView<Hpa>;

    constructor(readonly resources: readonly Res[]) {
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            if (!r.k8s || r.k8s.patch || r.kind.endsWith("List")) {
                continue;
            }
            const nameValue = known<string | undefined | null>(() => str(metadataOf(r.props).name), null);
            const ns = isNamespaced(r.kind)
                ? known<string | null>(() => str(metadataOf(r.props).namespace) || "default", null)
                : "";
            const o: K8sObj = {
                ...r,
                objName: nameValue ?? r.name,
                nameKnown: nameValue !== null,
                namespace: ns ?? "",
                namespaceKnown: ns !== null,
                labels: new Lazy(() => stringMap(metadataOf(r.props).labels)),
                annotations: new Lazy(() => stringMap(metadataOf(r.props).annotations)),
            };
            this.objects.push(o);
            const list = this.byKind.get(r.kind) ?? [];
            list.push(o);
            this.byKind.set(r.kind, list);
        }
    }

    resource(urn: string): Res | undefined {
        return this.byUrn.get(urn);
    }

    ofKind(...kinds: string[]): K8sObj[] {
        return kinds.flatMap((k) => this.byKind.get(k) ?? []);
    }

    /**
     * Objects of these kinds in a namespace. Throws UnknownDependencyError when an object of these kinds
     * has a namespace that is unknown during preview (it might belong here).
     */
    inNamespace(ns: string, ...kinds: string[]): K8sObj[] {
        requireNamespace(ns);
        const views = kinds.map((k) => this.kindView(k));
        for (const view of views) {
            assertNamespacesKnown(view.unknownNamespace ? [view.unknownNamespace] : [], ns);
        }
        return views.flatMap((view) => view.byNamespace.get(ns) ?? []);
    }

    private kindView(kind: string): NamespaceView<K8sObj> {
        let view = this.byKindNamespace.get(kind);
        if (view === undefined) {
            view = namespaceView(this.byKind.get(kind) ?? [], (o) => o);
            this.byKindNamespace.set(kind, view);
        }
        return view;
    }

    /**
     * Finds an object by kind, namespace and name. `uncertain` when it is not found but an object of that
     * kind in that namespace has a name that is unknown during preview (it might be the one).
     */
    resolve(kind: string, ns: string, name: string): Resolution<K8sObj> {
        const candidates = isNamespaced(kind) ? this.inNamespace(ns, kind) : this.ofKind(kind);
        const hit = candidates.find((o) => o.nameKnown && o.objName === name);
        if (hit) {
            return { found: hit };
        }
        if (candidates.some((o) => !o.nameKnown)) {
            return { uncertain: true };
        }
        return undefined;
    }

    workloads(): Workload[] {
        if (!this.workloadsCache) {
            this.workloadsCache = this.ofKind(...POD_KINDS).map((o) => {
                const pod = podTemplateOf(o.kind, o.props)!;
                return {
                    obj: o,
                    pod,
                    podLabels: new Lazy(() => stringMap(pod.metadata.labels)),
                    replicasField: new Lazy(() => writtenReplicas(o.props)),
                };
            });
        }
        return this.workloadsCache;
    }

    /** Deployments, StatefulSets and ReplicaSets: the kinds with a `replicas` field and HPA targets. */
    scalableWorkloads(): Workload[] {
        return this.workloads().filter((w) => ["Deployment", "StatefulSet", "ReplicaSet"].includes(w.obj.kind));
    }

    hpas(): Hpa[] {
        if (!this.hpasCache) {
            this.hpasCache = this.ofKind("HorizontalPodAutoscaler").map((o) => {
                const spec = () => obj(o.props.spec);
                return {
                    obj: o,
                    targetKind: new Lazy(() => str(obj(spec().scaleTargetRef).kind) ?? ""),
                    targetName: new Lazy(() => str(obj(spec().scaleTargetRef).name) ?? ""),
                    min: new Lazy(() => num(spec().minReplicas) ?? 1),
                    max: new Lazy(() => num(spec().maxReplicas)),
                };
            });
        }
        return this.hpasCache;
    }

    /**
     * The HPA whose scaleTargetRef names this workload. Throws the unknown-value error when an HPA of the
     * namespace has an unknown target (it might be this workload's).
     */
    hpaFor(w: Workload): Hpa | undefined {
        this.hpasByNamespace ??= namespaceView(this.hpas(), (h) => h.obj);
        const unknown = this.hpasByNamespace.unknownNamespace;
        assertNamespacesKnown(unknown ? [w.obj, unknown] : [w.obj], w.obj.namespace);
        return (this.hpasByNamespace.byNamespace.get(w.obj.namespace) ?? []).find((h) =>
            h.targetKind.value === w.obj.kind && h.targetName.value === w.obj.objName);
    }

    /** The workload an HPA targets, if it is in the stack. */
    hpaTarget(h: Hpa): Workload | undefined {
        const kind = h.targetKind.value;
        const name = h.targetName.value;
        const candidates = this.workloadsIn(h.obj.namespace).filter((w) => w.obj.kind === kind);
        const hit = candidates.find((w) => w.obj.nameKnown && w.obj.objName === name);
        if (!hit && candidates.some((w) => !w.obj.nameKnown)) {
            throw new UnknownDependencyError(`a ${kind} name in namespace ${h.obj.namespace} is unknown during preview, so it may be the target`);
        }
        return hit;
    }

    /** PodDisruptionBudgets in the workload's namespace whose selector matches its pod labels. */
    pdbsFor(w: Workload): K8sObj[] {
        const labels = w.podLabels.value;
        return this.inNamespace(w.obj.namespace, "PodDisruptionBudget").filter((p) => pdbSelects(p, labels));
    }

    /** Workloads (not PodTemplates) of a namespace; throws when a workload's namespace is unknown. */
    workloadsIn(ns: string): Workload[] {
        requireNamespace(ns);
        this.workloadsByNamespace ??= namespaceView(this.workloads().filter((w) => w.obj.kind !== "PodTemplate"), (w) => w.obj);
        const unknown = this.workloadsByNamespace.unknownNamespace;
        assertNamespacesKnown(unknown ? [unknown] : [], ns);
        return [...this.workloadsByNamespace.byNamespace.get(ns) ?? []];
    }

    /** Workloads in the namespace whose pod labels a Service-style selector matches. */
    workloadsSelectedByService(ns: string, selector: Record<string, string>): Workload[] {
        return this.workloadsIn(ns).filter((w) => mapSelectorMatches(selector, w.podLabels.value));
    }

    /** Workloads in the namespace whose pod labels a LabelSelector matches (empty selector: all). */
    workloadsSelectedBy(ns: string, selector: unknown): Workload[] {
        return this.workloadsIn(ns).filter((w) => labelSelectorMatches(selector ?? {}, w.podLabels.value));
    }

    /** Effective replica count: HPA max (budget) or min (availability) when an HPA targets it. */
    replicas(w: Workload, mode: "max" | "min"): number {
        const hpa = this.hpaFor(w);
        if (hpa) {
            return mode === "max" ? (hpa.max.value ?? hpa.min.value) : hpa.min.value;
        }
        return w.replicasField.value ?? 1;
    }
}

/** Items grouped by their object's namespace (in stack order), and the first whose namespace is unknown. */
interface NamespaceView<T> {
    readonly byNamespace: ReadonlyMap<string, readonly T[]>;
    readonly unknownNamespace?: K8sObj;
}

function namespaceView<T>(items: readonly T[], objectOf: (item: T) => K8sObj): NamespaceView<T> {
    const byNamespace = new Map<string, T[]>();
    let unknownNamespace: K8sObj | undefined;
    for (const item of items) {
        const o = objectOf(item);
        if (!o.namespaceKnown) {
            unknownNamespace ??= o;
            continue;
        }
        const list = byNamespace.get(o.namespace);
        if (list) list.push(item);
        else byNamespace.set(o.namespace, [item]);
    }
    return { byNamespace, unknownNamespace };
}

function requireNamespace(ns: string): void {
    if (ns === "") {
        throw new UnknownDependencyError("the namespace is unknown during preview");
    }
}

function assertNamespacesKnown(objs: readonly K8sObj[], ns: string): void {
    const unknownNs = objs.find((o) => !o.namespaceKnown);
    if (unknownNs) {
        throw new UnknownDependencyError(
            `the namespace of ${unknownNs.kind} ${unknownNs.name} is unknown during preview, so it may or may not be in namespace ${ns}`);
    }
}

/**
 * Does a PodDisruptionBudget select these pod labels? Without a selector it selects nothing; an empty
 * selector selects every pod of the namespace in policy/v1 and none in policy/v1beta1.
 */
export function pdbSelects(pdb: K8sObj, labels: Record<string, string>): boolean {
    const selector = obj(pdb.props.spec).selector;
    if (pdb.k8s?.apiVersion === "policy/v1beta1" && isEmptySelector(selector)) {
        return false;
    }
    return labelSelectorMatches(selector, labels);
}

/** A Service's selector as a map ({} when absent). */
export function serviceSelector(svc: K8sObj): Record<string, string> {
    return stringMap(obj(svc.props.spec).selector);
}

export function isHeadless(svc: K8sObj): boolean {
    return str(obj(svc.props.spec).clusterIP) === "None";
}

/** Ingress backends: `{service, port}` pairs from rules and defaultBackend (networking/v1 and v1beta1). */
export function ingressBackends(ing: K8sObj): Array<{ path: string; service: string; port: string | number | undefined; host?: string }> {
    const spec = obj(ing.props.spec);
    const out: Array<{ path: string; service: string; port: string | number | undefined; host?: string }> = [];
    const add = (backend: any, path: string, host?: string) => {
        const b = obj(backend);
        if (b.service !== undefined) {
            const s = obj(b.service);
            const p = obj(s.port);
            out.push({ path, service: str(s.name) ?? "", port: num(p.number) ?? str(p.name), host });
        } else if (b.serviceName !== undefined) {
            out.push({ path, service: str(b.serviceName) ?? "", port: b.servicePort, host });
        }
    };
    const def = spec.defaultBackend ?? spec.backend;
    if (def !== undefined) {
        add(def, "spec.defaultBackend");
    }
    arr(spec.rules).forEach((rule: any, i: number) => {
        arr(obj(obj(rule).http).paths).forEach((p: any, j: number) => {
            add(obj(p).backend, `spec.rules[${i}].http.paths[${j}].backend`, str(obj(rule).host));
        });
    });
    return out;
}

export function isCanaryIngress(ing: K8sObj): boolean {
    return known(() => ing.annotations.value["nginx.ingress.kubernetes.io/canary"] === "true", false);
}
