/** Networking: NetworkPolicies, Services, Ingresses, namespaces, certificates. */
import { explain, known, PackPolicy, resourcePolicy, stackPolicy, UnknownDependencyError } from "./lib/core";
import { A_M, M_M } from "./lib/levels";
import { hasKind, labelsOf } from "./lib/k8s";
import { isEmptySelector, selectorToString } from "./lib/selectors";
import { ingressBackends, isCanaryIngress, isHeadless, K8sObj, serviceSelector, StackIndex } from "./lib/stack";
import { arr, deepEqual, num, obj, quote, str } from "./lib/values";

/** The directions a NetworkPolicy isolates (policyTypes, or the API default). */
export function policyTypes(np: K8sObj): Set<string> {
    const spec = obj(np.props.spec);
    const declared = arr(spec.policyTypes).map(String);
    if (declared.length > 0) {
        return new Set(declared);
    }
    const types = new Set(["Ingress"]);
    if (spec.egress !== undefined) types.add("Egress");
    return types;
}

/** An egress rule that only opens DNS (every port is 53 / a dns-named port). */
export function isDnsRule(rule: unknown, dnsPorts: number[]): boolean {
    const ports = arr(obj(rule).ports);
    return ports.length > 0 && ports.every((p: any) => {
        const port = obj(p).port;
        return (typeof port === "number" && dnsPorts.includes(port)) || (typeof port === "string" && /^dns(-tcp)?$/.test(port));
    });
}

/** podSelector {} with both directions isolated and no allow rule except DNS egress. */
export function isDefaultDeny(np: K8sObj, dnsPorts: number[]): boolean {
    const spec = obj(np.props.spec);
    const types = policyTypes(np);
    return isEmptySelector(spec.podSelector) && types.has("Ingress") && types.has("Egress") &&
        arr(spec.ingress).length === 0 && arr(spec.egress).every((r) => isDnsRule(r, dnsPorts));
}

/** podSelector {} whose only rules allow DNS egress. */
export function isDnsAllowAll(np: K8sObj, dnsPorts: number[]): boolean {
    const spec = obj(np.props.spec);
    return isEmptySelector(spec.podSelector) && arr(spec.ingress).length === 0 &&
        arr(spec.egress).length > 0 && arr(spec.egress).every((r) => isDnsRule(r, dnsPorts));
}

const DNS_PORTS_CONFIG = { type: "array" as const, items: { type: "integer" as const }, default: [53], description: "DNS ports." };

export function netpolCoverage(): PackPolicy {
    return stackPolicy<{ dnsPorts: number[] }>({
        name: "netpol-coverage",
        description: "Every pod template is selected by NetworkPolicies isolating both Ingress and Egress; every NetworkPolicy selects a pod of the stack; an empty podSelector is only used for default-deny (and DNS egress).",
        anchors: "netpol-coverage: kube-score pod-networkpolicy, networkpolicy-targets-pod; Polaris missingNetworkPolicy; Kyverno require-netpol, restrict-networkpolicy-empty-podselector",
        levels: A_M,
        exemption: "yes",
        config: { dnsPorts: DNS_PORTS_CONFIG },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const w of index.workloads()) {
                if (w.obj.kind === "PodTemplate") continue;
                out.guard(`the NetworkPolicy coverage of ${w.obj.label}`, () => {
                    const nps = index.inNamespace(w.obj.namespace, "NetworkPolicy");
                    const selecting = nps.filter((np) => index.workloadsSelectedBy(np.namespace, obj(np.props.spec).podSelector)
                        .some((x) => x.obj.urn === w.obj.urn));
                    const types = new Set(selecting.flatMap((np) => [...policyTypes(np)]));
                    const missing = ["Ingress", "Egress"].filter((t) => !types.has(t));
                    if (missing.length > 0) {
                        out.violation(explain(
                            `${w.obj.label}: no NetworkPolicy in namespace ${w.obj.namespace} isolates its pods for ${missing.join(" and ")}`,
                            "non-isolated pods accept connections from, and can connect to, any pod in the cluster, so one compromised workload can reach them or exfiltrate through them",
                            "add the namespace's default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress]) plus explicit allows for this workload"), w.obj.urn);
                    }
                }, w.obj.urn);
            }
            for (const np of index.ofKind("NetworkPolicy")) {
                out.guard(np.label, () => {
                    const spec = obj(np.props.spec);
                    if (isEmptySelector(spec.podSelector)) {
                        if (!isDefaultDeny(np, cfg.dnsPorts) && !isDnsAllowAll(np, cfg.dnsPorts)) {
                            out.violation(explain(`${np.label} (spec.podSelector) is empty but the policy allows more than DNS egress`,
                                "an allow rule with an empty podSelector opens that traffic to every pod of the namespace, including ones added later",
                                "select the pods the rule is for (by their app labels); keep podSelector {} for default-deny and DNS only"), np.urn);
                        }
                    } else if (index.workloadsSelectedBy(np.namespace, spec.podSelector).length === 0) {
                        out.violation(explain(`${np.label} (spec.podSelector ${selectorToString(spec.podSelector)}) selects no pod template of the stack in ${np.namespace}`,
                            "a policy that selects nothing usually means a label typo, and the pods it was meant for are not protected as intended",
                            "fix the selector to the workload's pod labels, or remove the policy"), np.urn);
                    }
                }, np.urn);
            }
        },
    });
}

export function namespaceDefaultDeny(): PackPolicy {
    return stackPolicy<{ requireDnsEgress: boolean; dnsPorts: number[] }>({
        name: "namespace-default-deny",
        description: "Every Namespace of the stack has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no allow rules) and allows DNS egress.",
        anchors: "namespace-default-deny: stack-level (Kyverno only generates one: add-network-policy)",
        levels: A_M,
        exemption: "yes",
        config: {
            requireDnsEgress: { type: "boolean", default: true, description: "Also require a podSelector {} policy allowing egress to DNS." },
            dnsPorts: DNS_PORTS_CONFIG,
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const ns of index.ofKind("Namespace")) {
                out.guard(`the NetworkPolicies of ${ns.label}`, () => {
                    if (!ns.nameKnown) {
                        throw new UnknownDependencyError("the Namespace's name is unknown during preview");
                    }
                    const nps = index.inNamespace(ns.objName, "NetworkPolicy");
                    const deny = triState(nps, (np) => isDefaultDeny(np, cfg.dnsPorts));
                    if (deny === "unknown") {
                        out.note(`Could not check that ${ns.label} has a default-deny NetworkPolicy: a NetworkPolicy of the namespace has values unknown during preview. This is not a pass: the check runs again during \`pulumi up\`.`, ns.urn);
                    } else if (!deny) {
                        out.violation(explain(`${ns.label} has no default-deny NetworkPolicy`,
                            "without it every pod in the namespace accepts traffic from the whole cluster and can reach anything, unless each workload remembers its own policy",
                            `add a NetworkPolicy in ${ns.objName} with podSelector {}, policyTypes [Ingress, Egress] and no ingress/egress rules`), ns.urn);
                    }
                    if (!cfg.requireDnsEgress) return;
                    const dns = triState(nps, (np) => isEmptySelector(obj(np.props.spec).podSelector) &&
                        arr(obj(np.props.spec).egress).some((r) => isDnsRule(r, cfg.dnsPorts)));
                    if (dns === "unknown") {
                        out.note(`Could not check that ${ns.label} allows DNS egress: a NetworkPolicy of the namespace has values unknown during preview. This is not a pass: the check runs again during \`pulumi up\`.`, ns.urn);
                    } else if (!dns) {
                        out.violation(explain(`${ns.label} has no NetworkPolicy allowing DNS egress for its pods`,
                            "with egress denied, pods cannot resolve Service names and fail in confusing ways",
                            `add a NetworkPolicy with podSelector {} allowing egress on UDP and TCP port ${cfg.dnsPorts.join("/")} to kube-system's DNS pods`), ns.urn);
                    }
                }, ns.urn);
            }
        },
    });
}

/** true if the predicate holds for some item, false if for none, "unknown" if none holds but some could not be evaluated. */
function triState<T>(items: readonly T[], pred: (t: T) => boolean): boolean | "unknown" {
    let unknown = false;
    for (const item of items) {
        const v = known<boolean | null>(() => pred(item), null);
        if (v === true) return true;
        if (v === null) unknown = true;
    }
    return unknown ? "unknown" : false;
}

export function namespacePssLabel(): PackPolicy {
    return resourcePolicy<{ allowedLevels: string[] }>({
        name: "namespace-pss-label",
        description: "Namespaces set pod-security.kubernetes.io/enforce to an allowed Pod Security Standard (restricted unless the stack's config allows more).",
        anchors: "namespace-pss-label: stack-level (catalogue, second table); Pod Security Admission",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedLevels: {
                type: "array", items: { type: "string", enum: ["restricted", "baseline", "privileged"] }, default: ["restricted"],
                description: "Accepted values of pod-security.kubernetes.io/enforce.",
            },
        },
        appliesTo: (type) => hasKind(type, "Namespace"),
        check: (res, cfg, out) => {
            const level = labelsOf(res.props)["pod-security.kubernetes.io/enforce"];
            if (level === undefined) {
                out.violation(explain(`${res.label} (metadata.labels) has no pod-security.kubernetes.io/enforce label`,
                    "Pod Security Admission then enforces nothing in the namespace, so a privileged pod is admitted even if this policy pack is bypassed",
                    `label it pod-security.kubernetes.io/enforce: ${cfg.allowedLevels[0] ?? "restricted"}`));
            } else if (!cfg.allowedLevels.includes(level)) {
                out.violation(explain(`${res.label} enforces the Pod Security Standard ${quote(level)}`,
                    `this stack only accepts ${cfg.allowedLevels.join(" or ")}: weaker levels admit pods that can escape to the node`,
                    `set pod-security.kubernetes.io/enforce: ${cfg.allowedLevels[0]}, or exempt the Namespace with a reason if its workloads truly need more`));
            }
        },
    });
}

export function serviceTargetsPod(): PackPolicy {
    return stackPolicy({
        name: "service-targets-pod",
        description: "A Service's selector matches a pod template of the stack, and no two non-headless Services of a namespace share a selector.",
        anchors: "service-targets-pod: kube-score service-targets-pod; Kyverno require-unique-service-selector",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            const seen: Array<{ svc: K8sObj; selector: Record<string, string> }> = [];
            for (const svc of index.ofKind("Service")) {
                out.guard(svc.label, () => {
                    const spec = obj(svc.props.spec);
                    if (str(spec.type) === "ExternalName") return;
                    const selector = serviceSelector(svc);
                    if (Object.keys(selector).length === 0) return;
                    if (index.workloadsSelectedByService(svc.namespace, selector).length === 0) {
                        out.violation(explain(`${svc.label} (spec.selector ${JSON.stringify(selector)}) matches no pod template of the stack in ${svc.namespace}`,
                            "the Service has no endpoints, so clients get connection refused",
                            "use the workload's pod labels as the selector (from the same label set)"), svc.urn);
                    }
                    if (!isHeadless(svc)) {
                        const dup = seen.find((s) => s.svc.namespace === svc.namespace && deepEqual(s.selector, selector));
                        if (dup) {
                            out.violation(explain(`${svc.label} has the same selector as ${dup.svc.label}`,
                                "two Services over the same pods duplicate endpoints and confuse monitoring and NetworkPolicies",
                                "keep one ClusterIP Service per pod set (a headless Service for a StatefulSet is fine)"), svc.urn);
                        } else {
                            seen.push({ svc, selector });
                        }
                    }
                }, svc.urn);
            }
        },
    });
}

export function serviceType(): PackPolicy {
    return resourcePolicy<{ allowedLoadBalancers: string[] }>({
        name: "service-type",
        description: "No NodePort Services; LoadBalancer Services only on an allowlist (traffic enters through the ingress controller).",
        anchors: "service-type: kube-score service-type; Kyverno restrict-node-port, restrict-loadbalancer; Pulumi disallow-load-balancer, no-public-services",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedLoadBalancers: {
                type: "array", items: { type: "string" }, default: [],
                description: "LoadBalancer Services allowed, as <namespace>/<name>.",
            },
        },
        appliesTo: (type) => hasKind(type, "Service"),
        check: (res, cfg, out) => {
            const spec = obj(res.props.spec);
            const type = str(spec.type);
            if (type === "NodePort") {
                out.violation(explain(`${res.label} (spec.type) is NodePort`,
                    "a NodePort opens the port on every node's address, bypassing the ingress controller's TLS, rate limits and logging",
                    "use a ClusterIP Service behind an Ingress"));
            } else if (type === "LoadBalancer") {
                const name = `${str(obj(res.props.metadata).namespace) ?? "default"}/${str(obj(res.props.metadata).name) ?? res.name}`;
                if (!cfg.allowedLoadBalancers.includes(name)) {
                    out.violation(explain(`${res.label} (spec.type) is LoadBalancer and ${name} is not in service-type.allowedLoadBalancers`,
                        "each LoadBalancer is a paid public endpoint outside the ingress controller's TLS and rate limiting",
                        "use a ClusterIP Service behind an Ingress, or add it to the allowlist in policy/config/<stack>.json after review"));
                }
            }
        },
    });
}

export function noExternalIps(): PackPolicy {
    return resourcePolicy({
        name: "no-external-ips",
        description: "Services must not set spec.externalIPs (CVE-2020-8554).",
        anchors: "no-external-ips: Kyverno restrict-service-external-ips; CVE-2020-8554",
        levels: M_M,
        exemption: "not-in-prod",
        appliesTo: (type) => hasKind(type, "Service"),
        check: (res, _cfg, out) => {
            const ips = arr(obj(res.props.spec).externalIPs);
            if (ips.length > 0) {
                out.violation(explain(`${res.label} (spec.externalIPs) sets ${ips.map(String).join(", ")}`,
                    "anyone who can create a Service with externalIPs can intercept cluster traffic to those addresses (CVE-2020-8554, man-in-the-middle)",
                    "remove spec.externalIPs; expose the Service through the ingress controller"));
            }
        },
    });
}

export function ingressTargetsService(): PackPolicy {
    return stackPolicy({
        name: "ingress-targets-service",
        description: "Every Ingress backend names a Service of the stack in the same namespace, and a port that Service exposes.",
        anchors: "ingress-targets-service: kube-score ingress-targets-service",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            for (const ing of index.ofKind("Ingress")) {
                out.guard(`the backends of ${ing.label}`, () => {
                    for (const b of ingressBackends(ing)) {
                        const svc = index.resolve("Service", ing.namespace, b.service);
                        if (svc && "uncertain" in svc) {
                            out.note(`Could not check backend ${b.path} of ${ing.label}: a Service name in ${ing.namespace} is unknown during preview.`, ing.urn);
                            continue;
                        }
                        if (!svc) {
                            out.violation(explain(`${ing.label} (${b.path}.service.name) names Service ${ing.namespace}/${b.service}, which is not in this stack`,
                                "the ingress controller answers 503 for that path", "point the backend at the Service object of the workload (same namespace)"), ing.urn);
                            continue;
                        }
                        const ports = arr(obj(svc.found.props.spec).ports);
                        const ok = b.port === undefined ? false : ports.some((p: any) =>
                            (typeof b.port === "number" && num(obj(p).port) === b.port) || (typeof b.port === "string" && str(obj(p).name) === b.port));
                        if (!ok) {
                            out.violation(explain(`${ing.label} (${b.path}.service.port) is ${b.port === undefined ? "not set" : quote(b.port)} but ${svc.found.label} exposes ${ports.map((p: any) => `${obj(p).name ?? ""}:${obj(p).port}`).join(", ") || "no ports"}`,
                                "the ingress controller cannot route the path and answers 503",
                                "use the Service port's number or name"), ing.urn);
                        }
                    }
                }, ing.urn);
            }
        },
    });
}

/** Does a TLS host (possibly `*.example.com`) cover a rule host? */
export function tlsCovers(tlsHost: string, host: string): boolean {
    if (tlsHost === host) return true;
    if (tlsHost.startsWith("*.")) {
        const suffix = tlsHost.slice(1);
        return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
    }
    return false;
}

export function ingressTls(): PackPolicy {
    return resourcePolicy({
        name: "ingress-tls",
        description: "Ingresses terminate TLS (spec.tls) for every rule host.",
        anchors: "ingress-tls: Polaris tlsSettingsMissing; Kyverno require-ingress-https, ingress-host-match-tls",
        levels: A_M,
        exemption: "yes",
        appliesTo: (type) => hasKind(type, "Ingress"),
        check: (res, _cfg, out) => {
            const spec = obj(res.props.spec);
            const tls = arr(spec.tls);
            const tlsHosts = tls.flatMap((t: any) => arr(obj(t).hosts).map(String));
            if (tls.length === 0) {
                out.violation(explain(`${res.label} has no spec.tls`,
                    "traffic (including credentials and session cookies) then crosses the internet in clear text",
                    "add spec.tls with the rule hosts and a secretName, and the cert-manager.io/cluster-issuer annotation"));
                return;
            }
            arr(spec.rules).forEach((rule: any, i: number) => {
                const host = str(obj(rule).host);
                if (host && !tlsHosts.some((t) => tlsCovers(t, host))) {
                    out.violation(explain(`${res.label} (spec.rules[${i}].host) ${quote(host)} is not listed in any spec.tls[].hosts`,
                        "that host is served with the controller's default certificate (a browser error) or in clear text",
                        `add ${host} to spec.tls[].hosts`));
                }
            });
        },
    });
}

export function ingressHosts(): PackPolicy {
    return stackPolicy({
        name: "ingress-hosts",
        description: "Every Ingress rule has a host without wildcards, no Ingress sets a defaultBackend, and host+path pairs are unique across the stack (canary Ingresses excepted).",
        anchors: "ingress-hosts: Kyverno disallow-empty-ingress-host, restrict-ingress-wildcard, restrict-ingress-defaultbackend, unique-ingress-host-and-path",
        levels: A_M,
        exemption: "yes",
        check: (resources, _cfg, out) => {
            const index = StackIndex.of(resources);
            const claimed = new Map<string, K8sObj>();
            for (const ing of index.ofKind("Ingress")) {
                out.guard(ing.label, () => {
                    const spec = obj(ing.props.spec);
                    if (spec.defaultBackend !== undefined || spec.backend !== undefined) {
                        out.violation(explain(`${ing.label} sets spec.defaultBackend`,
                            "a default backend catches every unmatched host and path on the controller, so this Ingress silently takes over other teams' traffic",
                            "remove spec.defaultBackend and route explicit hosts and paths"), ing.urn);
                    }
                    const canary = isCanaryIngress(ing);
                    arr(spec.rules).forEach((rule: any, i: number) => {
                        const host = str(obj(rule).host);
                        if (!host) {
                            out.violation(explain(`${ing.label} (spec.rules[${i}].host) is empty`,
                                "a rule without host matches every hostname that reaches the controller",
                                "set the host the service is published under"), ing.urn);
                            return;
                        }
                        if (host.includes("*")) {
                            out.violation(explain(`${ing.label} (spec.rules[${i}].host) ${quote(host)} is a wildcard`,
                                "a wildcard host captures every subdomain, including ones other services or teams use",
                                "list the exact hosts"), ing.urn);
                        }
                        if (canary) return;
                        for (const p of arr(obj(obj(rule).http).paths)) {
                            const key = `${host}${str(obj(p).path) ?? "/"}`;
                            const other = claimed.get(key);
                            if (other && other.urn !== ing.urn) {
                                out.violation(explain(`${ing.label} routes ${key}, already routed by ${other.label}`,
                                    "the controller picks one of them arbitrarily, so traffic may go to the wrong service",
                                    "give each host+path to one Ingress (mark canary Ingresses with nginx.ingress.kubernetes.io/canary: \"true\")"), ing.urn);
                            } else {
                                claimed.set(key, ing);
                            }
                        }
                    });
                }, ing.urn);
            }
        },
    });
}

export function ingressCertManager(): PackPolicy {
    return stackPolicy<{ allowedIssuers: string[]; forbidStagingIssuers: boolean; stagingServerPattern: string; stagingNamePattern: string }>({
        name: "ingress-cert-manager",
        description: "Each Ingress TLS entry has a secretName and the Ingress names a cert-manager issuer (cert-manager.io/cluster-issuer or issuer) that exists in the stack or is allowlisted; no Let's Encrypt staging issuer where forbidden (prod).",
        anchors: "ingress-cert-manager: stack-level (catalogue, second table)",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedIssuers: { type: "array", items: { type: "string" }, default: [], description: "Issuers created outside this stack (ClusterIssuer names, or <namespace>/<name> for an Issuer)." },
            forbidStagingIssuers: { type: "boolean", default: true, description: "Reject issuers whose ACME server is a staging endpoint (untrusted certificates)." },
            stagingServerPattern: { type: "string", default: "acme-staging", description: "Substring of a staging ACME server URL." },
            stagingNamePattern: { type: "string", default: "staging", description: "Substring of an allowlisted issuer's name that marks it as staging." },
        },
        check: (resources, cfg, out) => {
            const index = StackIndex.of(resources);
            for (const ing of index.ofKind("Ingress")) {
                out.guard(`the certificates of ${ing.label}`, () => {
                    const tls = arr(obj(ing.props.spec).tls);
                    if (tls.length === 0) return; // ingress-tls reports the missing TLS
                    tls.forEach((t: any, i: number) => {
                        if (!str(obj(t).secretName)) {
                            out.violation(explain(`${ing.label} (spec.tls[${i}].secretName) is not set`,
                                "cert-manager has nowhere to store the certificate and the controller serves its default certificate",
                                "set secretName (e.g. <app>-tls)"), ing.urn);
                        }
                    });
                    const ann = ing.annotations.value;
                    const clusterIssuer = ann["cert-manager.io/cluster-issuer"];
                    const issuer = ann["cert-manager.io/issuer"];
                    if (!clusterIssuer && !issuer) {
                        out.violation(explain(`${ing.label} has spec.tls but no cert-manager.io/cluster-issuer or cert-manager.io/issuer annotation`,
                            "nobody issues or renews the certificate: it is missing at first and expires later",
                            "annotate the Ingress with cert-manager.io/cluster-issuer: <the stack's ClusterIssuer>"), ing.urn);
                        return;
                    }
                    const kind = clusterIssuer ? "ClusterIssuer" : "Issuer";
                    const name = (clusterIssuer ?? issuer)!;
                    const allowKey = kind === "ClusterIssuer" ? name : `${ing.namespace}/${name}`;
                    const found = index.resolve(kind, ing.namespace, name);
                    if (found && "uncertain" in found) {
                        out.note(`Could not check issuer ${name} of ${ing.label}: an ${kind} name is unknown during preview.`, ing.urn);
                        return;
                    }
                    if (found) {
                        const server = str(obj(obj(found.found.props.spec).acme).server) ?? "";
                        if (cfg.forbidStagingIssuers && server.includes(cfg.stagingServerPattern)) {
                            out.violation(explain(`${ing.label} uses ${found.found.label}, whose ACME server ${server} is a staging endpoint`,
                                "staging certificates are not trusted by browsers, so every visitor gets a certificate error",
                                "use the production issuer (ACME server https://acme-v02.api.letsencrypt.org/directory) in this stack"), ing.urn);
                        }
                    } else if (cfg.allowedIssuers.includes(allowKey)) {
                        if (cfg.forbidStagingIssuers && cfg.stagingNamePattern && name.includes(cfg.stagingNamePattern)) {
                            out.violation(explain(`${ing.label} uses the issuer ${name}, which is a staging issuer`,
                                "staging certificates are not trusted by browsers", "use the production issuer"), ing.urn);
                        }
                    } else {
                        out.violation(explain(`${ing.label} names ${kind} ${quote(allowKey)}, which is neither in this stack nor in ingress-cert-manager.allowedIssuers`,
                            "cert-manager cannot issue the certificate and the Ingress serves the controller's default certificate",
                            `use an issuer the stack creates${kind === "Issuer" ? " in the same namespace" : ""}, or add it to allowedIssuers`), ing.urn);
                    }
                }, ing.urn);
            }
        },
    });
}
