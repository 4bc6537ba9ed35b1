/** Object hygiene and wiring: selectors, StatefulSet services, strategies, CronJobs, env, labels, namespaces, API versions. */
import { explain, PackPolicy, resourcePolicy, stackPolicy } from "./lib/core";
import { A_A, A_M } from "./lib/levels";
import { at, forEachContainer, forEachPod } from "./lib/podcheck";
import { isPodBearing } from "./lib/pods";
import { isNamespaced, isK8sObjectType, k8sType, labelsOf, metadataOf } from "./lib/k8s";
import { labelSelectorMatches, selectorToString } from "./lib/selectors";
import { isHeadless, StackIndex } from "./lib/stack";
import { arr, isObject, num, obj, quote, str, stringMap } from "./lib/values";

export function workloadWiring(): PackPolicy {
    return stackPolicy({
        name: "workload-wiring",
        description: "Workload selectors match their pod template labels; StatefulSet serviceName names a headless Service of the stack; Deployments use RollingUpdate (Recreate only when the pod mounts a PersistentVolumeClaim).",
        anchors: "workload-wiring: kube-score *-selector-labels-match-template-metadata-labels, statefulset-has-servicename, deployment-strategy",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.workloads()) {
                if (!["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(w.obj.kind)) continue;
                const spec = () => obj(w.obj.props.spec);
                out.guard(`the selector of ${w.obj.label}`, () => {
                    const selector = spec().selector;
                    const labels = w.podLabels.value;
                    if (!isObject(selector) || !labelSelectorMatches(selector, labels) ||
                        (Object.keys(stringMap(selector.matchLabels)).length === 0 && arr(selector.matchExpressions).length === 0)) {
                        out.violation(explain(
                            `${w.obj.label} (spec.selector) ${selectorToString(selector)} does not select its own pod template labels ${JSON.stringify(labels)}`,
                            "the API server rejects a selector that does not match the template, and an empty selector would adopt other workloads' pods",
                            "derive spec.selector.matchLabels and spec.template.metadata.labels from the same label set"), w.obj.urn);
                    }
                }, w.obj.urn);
                if (w.obj.kind === "StatefulSet") {
                    out.guard(`the serviceName of ${w.obj.label}`, () => {
                        const serviceName = str(spec().serviceName);
                        if (!serviceName) {
                            out.violation(explain(`${w.obj.label} (spec.serviceName) is not set`,
                                "StatefulSet pods get their stable DNS names (pod-0.service) only through a governing headless Service",
                                "create a headless Service (clusterIP: None) selecting the pods and set spec.serviceName to its name"), w.obj.urn);
                            return;
                        }
                        const svc = index.resolve("Service", w.obj.namespace, serviceName);
                        if (svc && "uncertain" in svc) {
                            out.note(`Could not check the governing Service ${w.obj.namespace}/${serviceName} of ${w.obj.label}: a Service name in the namespace is unknown during preview.`, w.obj.urn);
                        } else if (!svc) {
                            out.violation(explain(`${w.obj.label} (spec.serviceName) names Service ${w.obj.namespace}/${serviceName}, which is not in this stack`,
                                "without the governing Service the pods' stable DNS names do not resolve and peers cannot find each other",
                                `create the headless Service ${serviceName} in ${w.obj.namespace}`), w.obj.urn);
                        } else if (!isHeadless(svc.found)) {
                            out.violation(explain(`${w.obj.label} (spec.serviceName) names ${svc.found.label}, which is not headless (spec.clusterIP is not None)`,
                                "per-pod DNS records are only published for headless Services",
                                `set clusterIP: None on ${svc.found.objName} (keep a separate ClusterIP Service for clients if needed)`), w.obj.urn);
                        }
                    }, w.obj.urn);
                }
                if (w.obj.kind === "Deployment") {
                    out.guard(`the strategy of ${w.obj.label}`, () => {
                        const type = str(obj(spec().strategy).type);
                        if (type !== undefined && type !== "RollingUpdate") {
                            const hasPvc = arr(w.pod.spec.volumes).some((v: any) => obj(v).persistentVolumeClaim !== undefined);
                            if (!(type === "Recreate" && hasPvc)) {
                                out.violation(explain(`${w.obj.label} (spec.strategy.type) is ${type}`,
                                    "Recreate stops every pod before starting the new version, so each deployment is an outage",
                                    "use RollingUpdate (Recreate is accepted only for pods that mount a ReadWriteOnce PersistentVolumeClaim)"), w.obj.urn);
                            }
                        }
                    }, w.obj.urn);
                }
            }
        },
    });
}

export function cronjobSafety(): PackPolicy {
    return resourcePolicy({
        name: "cronjob-safety",
        description: "CronJobs set startingDeadlineSeconds; Job and CronJob pods set restartPolicy OnFailure or Never.",
        anchors: "cronjob-safety: kube-score cronjob-has-deadline, cronjob-restartpolicy",
        levels: A_M,
        exemption: "yes",
        appliesTo: (type) => { const t = k8sType(type); return t !== undefined && !t.patch && ["CronJob", "Job"].includes(t.kind); },
        check: (res, _cfg, out) => {
            if (res.kind === "CronJob") {
                out.guard(`${res.label} spec.startingDeadlineSeconds`, () => {
                    const d = num(obj(res.props.spec).startingDeadlineSeconds);
                    if (d === undefined || d <= 0) {
                        out.violation(explain(`${res.label} (spec.startingDeadlineSeconds) is not set`,
                            "after a controller outage of more than 100 missed schedules the CronJob stops scheduling for good, and without a deadline late runs pile up",
                            "set startingDeadlineSeconds (e.g. 300) so a missed run is skipped rather than started late"));
                    }
                });
            }
            forEachPod(res, out, (pt) => {
                const rp = str(pt.spec.restartPolicy);
                if (rp !== "OnFailure" && rp !== "Never") {
                    out.violation(explain(`${res.label} (${pt.specPath}.restartPolicy) is ${rp ?? "not set"}`,
                        "Job pods must end: the API server rejects Always, and an explicit choice decides whether a failed run retries in place (OnFailure) or in a new pod (Never)",
                        "set restartPolicy: OnFailure or Never"));
                }
            });
        },
    });
}

export function envNoDupKeys(): PackPolicy {
    return resourcePolicy({
        name: "env-no-dup-keys",
        description: "A container does not define the same environment variable twice.",
        anchors: "env-no-dup-keys: kube-score environment-variable-key-duplication",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            const seen = new Map<string, number>();
            arr(c.c.env).forEach((e: any, i: number) => {
                const name = str(obj(e).name) ?? "";
                if (seen.has(name)) {
                    out.violation(explain(`${at(res, c, `env[${i}].name`)} ${quote(name)} repeats env[${seen.get(name)}]`,
                        "only the last definition takes effect, so the value the code reads depends on list order and a later edit silently changes behaviour",
                        `keep a single ${name} entry`));
                } else {
                    seen.set(name, i);
                }
            });
        }),
    });
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function labels(): PackPolicy {
    return resourcePolicy<{ requiredLabels: string[] }>({
        name: "labels",
        description: "Workloads carry the recommended app.kubernetes.io labels (name, instance, version, part-of), consistent with their pod template; every label key and value is valid.",
        anchors: "labels: Kyverno require-labels; Polaris metadataAndInstanceMismatched; kube-score label-values; Pulumi configure-recommended-labels",
        levels: A_A,
        exemption: "yes",
        config: {
            requiredLabels: {
                type: "array", items: { type: "string" },
                default: ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/part-of"],
                description: "Labels every workload must carry.",
            },
        },
        appliesTo: isK8sObjectType,
        check: (res, cfg, out) => {
            const checkValues = (where: string, map: Record<string, string>) => {
                for (const [k, v] of Object.entries(map)) {
                    if (!LABEL_NAME.test(k) || k.length > 316) {
                        out.violation(explain(`${where} key ${quote(k)} is not a valid label name`, "the API server rejects the object",
                            "use [prefix/]name with at most 63 characters of letters, digits, '-', '_' and '.'"));
                    }
                    if (v.length > 63 || !LABEL_VALUE.test(v)) {
                        out.violation(explain(`${where} ${k}=${quote(v)} is not a valid label value`, "the API server rejects the object",
                            "use at most 63 characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric"));
                    }
                }
            };
            out.guard(`${res.label} metadata.labels`, () => checkValues(`${res.label} metadata.labels`, labelsOf(res.props)));
            if (!isPodBearing(res.type)) return;
            forEachPod(res, out, (pt) => {
                const own = labelsOf(res.props);
                const tpl = stringMap(pt.metadata.labels);
                if (res.kind !== "Pod") {
                    checkValues(`${res.label} ${pt.specPath.replace(/\.spec$/, ".metadata")}.labels`, tpl);
                }
                const missing = cfg.requiredLabels.filter((l) => own[l] === undefined || own[l] === "");
                if (missing.length > 0) {
                    out.violation(explain(`${res.label} (metadata.labels) lacks ${missing.join(", ")}`,
                        "dashboards, cost reports, NetworkPolicies and `kubectl get -l` rely on the recommended labels to tell which app, instance and version a pod belongs to",
                        "add them from the workload's single label set (the same one that feeds selectors)"));
                }
                if (res.kind !== "Pod") {
                    for (const l of ["app.kubernetes.io/name", "app.kubernetes.io/instance"]) {
                        if (own[l] !== undefined && tpl[l] !== undefined && own[l] !== tpl[l]) {
                            out.violation(explain(`${res.label} label ${l} is ${quote(own[l])} on the object but ${quote(tpl[l])} on its pod template`,
                                "metrics and logs of the pods are then attributed to a different app than the workload", "use one label set for both"));
                        }
                    }
                }
            });
        },
    });
}

export function noDefaultNamespace(): PackPolicy {
    return resourcePolicy({
        name: "no-default-namespace",
        description: "Namespaced objects set metadata.namespace, and not to `default`.",
        anchors: "no-default-namespace: Kyverno disallow-default-namespace",
        levels: A_M,
        exemption: "yes",
        appliesTo: (type) => { const t = k8sType(type); return t !== undefined && !t.patch && !t.kind.endsWith("List") && isNamespaced(t.kind); },
        check: (res, _cfg, out) => {
            const ns = str(metadataOf(res.props).namespace);
            if (!ns || ns === "default") {
                out.violation(explain(`${res.label} (metadata.namespace) is ${ns ? "default" : "not set, so it lands in default (or the provider's namespace)"}`,
                    "the default namespace has no Pod Security labels, quotas or default-deny NetworkPolicy, and mixes unrelated apps",
                    "set metadata.namespace to the product's Namespace object (pass the Namespace, not a name string)"));
            }
        },
    });
}

/** API versions removed or deprecated upstream (apiVersion → replacement). */
export const DEPRECATED_APIS: Record<string, string> = {
    "extensions/v1beta1": "apps/v1 or networking.k8s.io/v1",
    "apps/v1beta1": "apps/v1",
    "apps/v1beta2": "apps/v1",
    "networking.k8s.io/v1beta1": "networking.k8s.io/v1",
    "policy/v1beta1": "policy/v1",
    "batch/v1beta1": "batch/v1",
    "batch/v2alpha1": "batch/v1",
    "autoscaling/v2beta1": "autoscaling/v2",
    "autoscaling/v2beta2": "autoscaling/v2",
    "rbac.authorization.k8s.io/v1beta1": "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1": "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1beta1": "storage.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1": "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1": "admissionregistration.k8s.io/v1",
    "scheduling.k8s.io/v1beta1": "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1": "scheduling.k8s.io/v1",
    "certificates.k8s.io/v1beta1": "certificates.k8s.io/v1",
    "coordination.k8s.io/v1beta1": "coordination.k8s.io/v1",
    "discovery.k8s.io/v1beta1": "discovery.k8s.io/v1",
    "events.k8s.io/v1beta1": "events.k8s.io/v1",
    "node.k8s.io/v1beta1": "node.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1": "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta2": "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3": "flowcontrol.apiserver.k8s.io/v1",
    "cert-manager.io/v1alpha2": "cert-manager.io/v1",
    "cert-manager.io/v1alpha3": "cert-manager.io/v1",
    "cert-manager.io/v1beta1": "cert-manager.io/v1",
};

export function stableApis(): PackPolicy {
    return resourcePolicy<{ allowedPreReleaseApis: string[] }>({
        name: "stable-apis",
        description: "Objects use stable API versions: no deprecated or removed apiVersion, no alpha or beta API.",
        anchors: "stable-apis: Kyverno check-deprecated-apis; kube-score stable-version; Pulumi disallow-alpha/beta-resource",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedPreReleaseApis: {
                type: "array", items: { type: "string" }, default: [],
                description: "Pre-release API versions accepted on purpose (e.g. monitoring.coreos.com/v1alpha1).",
            },
        },
        appliesTo: isK8sObjectType,
        check: (res, cfg, out) => {
            const apiVersion = res.k8s!.apiVersion;
            if (cfg.allowedPreReleaseApis.includes(apiVersion)) return;
            const replacement = DEPRECATED_APIS[apiVersion];
            if (replacement) {
                out.violation(explain(`${res.label} uses the deprecated or removed API ${apiVersion}`,
                    "current clusters reject it or will after the next upgrade, breaking deployments on upgrade day",
                    `use ${replacement}`));
            } else if (/^v\d+(alpha|beta)\d+$/.test(res.k8s!.version)) {
                out.violation(explain(`${res.label} uses the pre-release API ${apiVersion}`,
                    "alpha and beta APIs change or disappear between releases and alpha ones are off by default",
                    `use a stable version, or list ${apiVersion} in stable-apis.allowedPreReleaseApis if there is none`));
            }
        },
    });
}
