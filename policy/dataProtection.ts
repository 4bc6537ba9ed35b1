/** Data protection: stateful data survives `pulumi destroy`/replacements; references resolve inside the stack. */
import { explain, Findings, PackPolicy, stackPolicy } from "./lib/core";
import { A_M, PROD_DATA } from "./lib/levels";
import { CONTAINER_LISTS, containerList } from "./lib/pods";
import { K8sObj, StackIndex, Workload } from "./lib/stack";
import { arr, keys, obj, str } from "./lib/values";

function checkStorageClass(index: StackIndex, out: Findings, owner: K8sObj, where: string, className: string | undefined,
    verified: string[]): void {
    const key = className ?? "(default)";
    if (className) {
        const sc = index.resolve("StorageClass", "", className);
        if (sc && "found" in sc) {
            const policy = str(sc.found.props.reclaimPolicy) ?? "Delete";
            if (policy !== "Retain") {
                out.violation(explain(`${sc.found.label} (reclaimPolicy) is ${policy}, and ${owner.label} (${where}) stores data on it`,
                    "when the claim is deleted the volume and its data are deleted with it", "set reclaimPolicy: Retain on the StorageClass used for production data"), sc.found.urn);
            }
            return;
        }
    }
    if (!verified.includes(key)) {
        out.note(`Could not verify that StorageClass ${key} used by ${owner.label} (${where}) retains volumes: it is not part of this stack. ` +
            `Check its reclaimPolicy is Retain and list it in prod-stateful-protected.verifiedRetainStorageClasses.`, owner.urn);
    }
}

function requireProtect(o: K8sObj, out: Findings, what: string): void {
    if (!o.protect) {
        out.violation(explain(`${o.label} is not protected (resource option protect: true is missing)`,
            `${what}; a \`pulumi destroy\`, a stack rename or a replacement caused by an immutable field would delete it without further confirmation`,
            "pass { protect: true } in the resource options for the prod stack (from stack config, not an if on the stack name)"), o.urn);
    }
}

export function prodStatefulProtected(): PackPolicy {
    return stackPolicy<{ verifiedRetainStorageClasses: string[] }>({
        name: "prod-stateful-protected",
        description: "In prod, StatefulSets with volumeClaimTemplates, PersistentVolumeClaims and their Namespaces are `protect: true`; StatefulSets set persistentVolumeClaimRetentionPolicy.whenDeleted: Retain; StorageClasses used retain volumes.",
        anchors: "prod-stateful-protected: stack-level (catalogue, second table; retainOnDelete is not visible to policies)",
        levels: PROD_DATA,
        exemption: "yes",
        config: {
            verifiedRetainStorageClasses: {
                type: "array", items: { type: "string" }, default: [],
                description: "StorageClasses outside the stack known to have reclaimPolicy Retain (\"(default)\" for the cluster default).",
            },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            const dataNamespaces = new Map<string, K8sObj>();
            for (const ss of index.ofKind("StatefulSet")) {
                out.guard(`the data protection of ${ss.label}`, () => {
                    const spec = obj(ss.props.spec);
                    const vcts = arr(spec.volumeClaimTemplates);
                    if (vcts.length === 0) return;
                    dataNamespaces.set(ss.namespace, ss);
                    requireProtect(ss, out, "it owns persistent data");
                    const whenDeleted = str(obj(spec.persistentVolumeClaimRetentionPolicy).whenDeleted);
                    if (whenDeleted !== "Retain") {
                        out.violation(explain(`${ss.label} (spec.persistentVolumeClaimRetentionPolicy.whenDeleted) is ${whenDeleted ?? "not set"}`,
                            whenDeleted === "Delete" ? "deleting the StatefulSet deletes every claim and its data"
                                : "the retention of the claims then depends on cluster defaults instead of being stated where it matters",
                            "set persistentVolumeClaimRetentionPolicy: { whenDeleted: Retain, whenScaled: Retain }"), ss.urn);
                    }
                    vcts.forEach((t: any, i: number) => checkStorageClass(index, out, ss, `spec.volumeClaimTemplates[${i}]`,
                        str(obj(obj(t).spec).storageClassName), cfg.verifiedRetainStorageClasses));
                }, ss.urn);
            }
            for (const pvc of index.ofKind("PersistentVolumeClaim")) {
                out.guard(`the data protection of ${pvc.label}`, () => {
                    dataNamespaces.set(pvc.namespace, pvc);
                    requireProtect(pvc, out, "it holds persistent data");
                    checkStorageClass(index, out, pvc, "spec.storageClassName", str(obj(pvc.props.spec).storageClassName),
                        cfg.verifiedRetainStorageClasses);
                }, pvc.urn);
            }
            for (const [ns, holder] of dataNamespaces) {
                const nsObj = index.resolve("Namespace", "", ns);
                if (nsObj && "found" in nsObj && !nsObj.found.protect) {
                    requireProtect(nsObj.found, out, `deleting it deletes ${holder.label} and its volumes`);
                }
            }
        },
    });
}

interface Ref {
    readonly kind: "ConfigMap" | "Secret" | "PersistentVolumeClaim" | "ServiceAccount";
    readonly name: string;
    readonly key?: string;
    readonly optional: boolean;
    readonly path: string;
}

function refsOf(w: Workload, out: Findings): Ref[] {
    const refs: Ref[] = [];
    const spec = w.pod.spec;
    const p = w.pod.specPath;
    out.guard(`the references of ${w.obj.label}`, () => {
        for (const { field, kind } of CONTAINER_LISTS) {
            for (const c of containerList(w.pod, field, kind)) {
                arr(c.c.env).forEach((e: any, i: number) => {
                    const vf = obj(obj(e).valueFrom);
                    for (const [refField, refKind] of [["configMapKeyRef", "ConfigMap"], ["secretKeyRef", "Secret"]] as const) {
                        const r = vf[refField];
                        if (r !== undefined) {
                            refs.push({ kind: refKind, name: str(obj(r).name) ?? "", key: str(obj(r).key), optional: obj(r).optional === true,
                                path: `${c.path}.env[${i}].valueFrom.${refField}` });
                        }
                    }
                });
                arr(c.c.envFrom).forEach((e: any, i: number) => {
                    for (const [refField, refKind] of [["configMapRef", "ConfigMap"], ["secretRef", "Secret"]] as const) {
                        const r = obj(e)[refField];
                        if (r !== undefined) {
                            refs.push({ kind: refKind, name: str(obj(r).name) ?? "", optional: obj(r).optional === true,
                                path: `${c.path}.envFrom[${i}].${refField}` });
                        }
                    }
                });
            }
        }
        arr(spec.volumes).forEach((v: any, i: number) => {
            const vol = obj(v);
            if (vol.configMap !== undefined) {
                refs.push({ kind: "ConfigMap", name: str(obj(vol.configMap).name) ?? "", optional: obj(vol.configMap).optional === true, path: `${p}.volumes[${i}].configMap` });
            }
            if (vol.secret !== undefined) {
                refs.push({ kind: "Secret", name: str(obj(vol.secret).secretName) ?? "", optional: obj(vol.secret).optional === true, path: `${p}.volumes[${i}].secret` });
            }
            if (vol.persistentVolumeClaim !== undefined) {
                refs.push({ kind: "PersistentVolumeClaim", name: str(obj(vol.persistentVolumeClaim).claimName) ?? "", optional: false, path: `${p}.volumes[${i}].persistentVolumeClaim` });
            }
            arr(obj(vol.projected).sources).forEach((s: any, j: number) => {
                if (obj(s).configMap !== undefined) {
                    refs.push({ kind: "ConfigMap", name: str(obj(obj(s).configMap).name) ?? "", optional: obj(obj(s).configMap).optional === true, path: `${p}.volumes[${i}].projected.sources[${j}].configMap` });
                }
                if (obj(s).secret !== undefined) {
                    refs.push({ kind: "Secret", name: str(obj(obj(s).secret).name) ?? "", optional: obj(obj(s).secret).optional === true, path: `${p}.volumes[${i}].projected.sources[${j}].secret` });
                }
            });
        });
        arr(spec.imagePullSecrets).forEach((s: any, i: number) => {
            refs.push({ kind: "Secret", name: str(obj(s).name) ?? "", optional: false, path: `${p}.imagePullSecrets[${i}]` });
        });
        const sa = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
        if (sa && sa !== "default") {
            refs.push({ kind: "ServiceAccount", name: sa, optional: false, path: `${p}.serviceAccountName` });
        }
    }, w.obj.urn);
    return refs;
}

function allowlisted(allowed: string[], kind: string, ns: string, name: string): boolean {
    return allowed.includes(`${kind}/${ns}/${name}`) || allowed.includes(`${kind}/*/${name}`);
}

export function configRefsResolve(): PackPolicy {
    return stackPolicy<{ external: string[] }>({
        name: "config-refs-resolve",
        description: "Every ConfigMap, Secret, PersistentVolumeClaim and ServiceAccount a pod references (env, envFrom, volumes, imagePullSecrets) exists in the same namespace in the stack (with the referenced key), or is allowlisted.",
        anchors: "config-refs-resolve: stack-level (catalogue, second table)",
        levels: A_M,
        exemption: "yes",
        config: {
            external: {
                type: "array", items: { type: "string" }, default: ["ConfigMap/*/kube-root-ca.crt"],
                description: "Objects created outside the stack, as <Kind>/<namespace or *>/<name>.",
            },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.workloads()) {
                if (w.obj.kind === "PodTemplate") continue;
                for (const ref of refsOf(w, out)) {
                    out.guard(`${w.obj.label} ${ref.path}`, () => {
                        const found = index.resolve(ref.kind, w.obj.namespace, ref.name);
                        if (found && "uncertain" in found) {
                            out.note(`Could not check that ${ref.kind} ${w.obj.namespace}/${ref.name} referenced by ${w.obj.label} (${ref.path}) exists: a ${ref.kind} name in the namespace is unknown during preview.`, w.obj.urn);
                            return;
                        }
                        if (!found) {
                            if (ref.optional || allowlisted(cfg.external, ref.kind, w.obj.namespace, ref.name)) return;
                            out.violation(explain(`${w.obj.label} (${ref.path}) references ${ref.kind} ${w.obj.namespace}/${ref.name || "(no name)"}, which is not in this stack`,
                                ref.kind === "PersistentVolumeClaim" ? "the pod stays Pending until the claim exists"
                                    : ref.kind === "ServiceAccount" ? "the workload's pods are rejected until the ServiceAccount exists"
                                        : "the pod fails with CreateContainerConfigError (or cannot pull its image) until the object exists",
                                `create it in ${w.obj.namespace} in this stack and pass the object (not a name string), or list ${ref.kind}/${w.obj.namespace}/${ref.name} in config-refs-resolve.external`), w.obj.urn);
                            return;
                        }
                        if (ref.key !== undefined && !ref.optional) {
                            const target = found.found.props;
                            const dataKeys = [...keys(target.data), ...keys(target.stringData), ...keys(target.binaryData)];
                            const hasData = target.data !== undefined || target.stringData !== undefined || target.binaryData !== undefined;
                            if (hasData && !dataKeys.includes(ref.key)) {
                                out.violation(explain(`${w.obj.label} (${ref.path}.key) reads key ${JSON.stringify(ref.key)} of ${found.found.label}, which has only ${dataKeys.join(", ") || "no keys"}`,
                                    "the container fails to start with CreateContainerConfigError", "use an existing key or add it to the object"), w.obj.urn);
                            }
                        }
                    }, w.obj.urn);
                }
            }
        },
    });
}
