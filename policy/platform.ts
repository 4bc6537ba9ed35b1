/** Platform plumbing: Helm releases and the Kubernetes provider. */
import { explain, PackPolicy, resourcePolicy } from "./lib/core";
import { A_M, PROD_ONLY } from "./lib/levels";
import { obj, str } from "./lib/values";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

export const DEFAULT_HELM_REPOSITORIES = [
    "https://charts.jetstack.io",
    "https://kubernetes.github.io/ingress-nginx",
    "https://prometheus-community.github.io/helm-charts",
    "https://grafana-community.github.io/helm-charts",
    "https://grafana.github.io/helm-charts",
    "https://charts.gitlab.io",
];

function normalizeRepo(url: string): string {
    return url.trim().replace(/\/+$/, "").toLowerCase();
}

/** An exact chart version: semver without range operators or wildcards. */
export function isExactVersion(v: string): boolean {
    return /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v.trim());
}

export function helmReleasePinned(): PackPolicy {
    return resourcePolicy<{ allowedRepositories: string[]; forbidSkipAwait: boolean; allowLocalCharts: boolean }>({
        name: "helm-release-pinned",
        description: "Helm releases (helm.sh/v3 Release) pin an exact chart version, come from an allowlisted repository (repositoryOpts.repo or an oci:// chart), and do not skipAwait where forbidden (prod).",
        anchors: "helm-release-pinned: stack-level (catalogue, second table); Release children are invisible to policies",
        levels: A_M,
        exemption: "no",
        config: {
            allowedRepositories: { type: "array", items: { type: "string" }, default: DEFAULT_HELM_REPOSITORIES, description: "Chart repositories (https:// or oci://) releases may use." },
            forbidSkipAwait: { type: "boolean", default: true, description: "Reject skipAwait: true (the release would be reported ready before its workloads are)." },
            allowLocalCharts: { type: "boolean", default: false, description: "Accept charts from a local path in the repository." },
        },
        appliesTo: (type) => type === RELEASE_TYPE,
        check: (res, cfg, out) => {
            const props = res.props;
            const chart = str(props.chart) ?? "";
            const label = `Helm release ${str(props.name) ?? res.name} (chart ${chart || "?"})`;
            const local = /^(\.{1,2}\/|\/)/.test(chart);
            out.guard(`${label} version`, () => {
                const version = str(props.version);
                if (!local && (!version || version.trim() === "")) {
                    out.violation(explain(`${label} sets no version`,
                        "Helm then installs whatever the repository serves as latest, so two previews of the same commit can deploy different charts",
                        "set version to the exact chart version pinned in the platform's versions module"));
                } else if (version && !isExactVersion(version)) {
                    out.violation(explain(`${label} version ${JSON.stringify(version)} is not an exact version`,
                        "a range resolves to a different chart whenever the repository publishes one", "pin an exact version such as 1.16.2"));
                }
            });
            out.guard(`${label} repository`, () => {
                if (local) {
                    if (!cfg.allowLocalCharts) {
                        out.violation(explain(`${label} uses a local chart path`, "local charts are not versioned or scanned like published charts",
                            "publish the chart to an allowed repository, or set helm-release-pinned.allowLocalCharts"));
                    }
                    return;
                }
                let repo = str(obj(props.repositoryOpts).repo);
                if (!repo && /^(oci|https?):\/\//.test(chart)) {
                    repo = chart.slice(0, chart.lastIndexOf("/"));
                }
                const allowed = cfg.allowedRepositories.map(normalizeRepo);
                if (!repo) {
                    out.violation(explain(`${label} has no repositoryOpts.repo`,
                        chart.includes("/") ? "the chart name relies on a `helm repo add` alias that exists only on someone's machine"
                            : "Helm cannot know where to fetch the chart from, so the result depends on local Helm repository state",
                        `set repositoryOpts.repo to one of ${cfg.allowedRepositories.join(", ")}`));
                } else if (!allowed.includes(normalizeRepo(repo))) {
                    out.violation(explain(`${label} comes from ${repo}, which is not an allowed Helm repository`,
                        "unreviewed repositories can serve charts with privileged workloads that no policy in this pack can see (Release children are invisible)",
                        `use one of ${cfg.allowedRepositories.join(", ")}, or add the repository to helm-release-pinned.allowedRepositories after review`));
                }
            });
            out.guard(`${label} skipAwait`, () => {
                if (cfg.forbidSkipAwait && props.skipAwait === true) {
                    out.violation(explain(`${label} sets skipAwait: true`,
                        "Pulumi then reports the release ready before its pods are, so dependents (issuers, ingresses) are created against a broken release and failures surface later",
                        "remove skipAwait and set a timeout that fits the chart"));
                }
            });
        },
    });
}

export const K8S_PROVIDER_TYPE = "pulumi:providers:kubernetes";

export function providerTargeting(): PackPolicy {
    return resourcePolicy<{ allowedContexts: string[]; allowedClusters: string[] }>({
        name: "provider-targeting",
        description: "Kubernetes providers name their target explicitly (kubeconfig or context, never the ambient current-context) and, when configured, only the stack's allowed contexts and clusters.",
        anchors: "provider-targeting: stack-level (catalogue, second table)",
        levels: PROD_ONLY,
        exemption: "no",
        config: {
            allowedContexts: { type: "array", items: { type: "string" }, default: [], description: "kubeconfig contexts this stack may deploy to (empty: any explicit target)." },
            allowedClusters: { type: "array", items: { type: "string" }, default: [], description: "kubeconfig clusters this stack may deploy to (empty: any)." },
        },
        appliesTo: (type) => type === K8S_PROVIDER_TYPE,
        check: (res, cfg, out) => {
            const p = res.props;
            if (p.renderYamlToDirectory !== undefined) return; // renders YAML, deploys nothing
            const context = str(p.context);
            const cluster = str(p.cluster);
            const hasKubeconfig = p.kubeconfig !== undefined && p.kubeconfig !== "";
            const why = "the target then depends on whatever kubeconfig the machine running `pulumi up` has selected, so a prod update can land on another cluster";
            if (!context && !hasKubeconfig) {
                out.violation(explain(`${res.label} sets neither kubeconfig nor context (default provider or ambient kubeconfig)`, why,
                    "build one explicit Provider from stack config (kubeconfig and context) and pass it to every resource"));
            }
            if (cfg.allowedContexts.length > 0 && (!context || !cfg.allowedContexts.includes(context))) {
                out.violation(explain(`${res.label} context is ${context ? JSON.stringify(context) : "not set"}, allowed: ${cfg.allowedContexts.join(", ")}`,
                    why, "set context to this stack's cluster context"));
            }
            if (cfg.allowedClusters.length > 0 && (!cluster || !cfg.allowedClusters.includes(cluster))) {
                out.violation(explain(`${res.label} cluster is ${cluster ? JSON.stringify(cluster) : "not set"}, allowed: ${cfg.allowedClusters.join(", ")}`,
                    why, "set cluster to this stack's cluster"));
            }
        },
    });
}
