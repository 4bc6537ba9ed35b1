/** Images: pinned tags, allowed registries, pull policy. */
import { explain, PackPolicy, resourcePolicy } from "./lib/core";
import { A_M, OFF_A } from "./lib/levels";
import { at, forEachContainer } from "./lib/podcheck";
import { isPodBearing } from "./lib/pods";
import { quote, str } from "./lib/values";

export interface ImageRef {
    /** As written. */
    readonly raw: string;
    /** Registry host (docker.io when omitted). */
    readonly registry: string;
    /** Repository path inside the registry (library/ added for Docker Hub official images). */
    readonly path: string;
    /** `registry/path`, e.g. docker.io/library/postgres. */
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Parses an image reference the way container runtimes resolve it. */
export function parseImage(raw: string): ImageRef {
    let rest = raw.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    if (colon > lastSlash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const parts = rest.split("/");
    let registry = "docker.io";
    if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
        registry = parts.shift()!;
    }
    if (registry === "index.docker.io" || registry === "registry-1.docker.io") {
        registry = "docker.io";
    }
    let path = parts.join("/");
    if (registry === "docker.io" && parts.length === 1) {
        path = `library/${path}`;
    }
    return { raw, registry, path, repository: `${registry}/${path}`, tag, digest };
}

/** Does an allowlist entry (`ghcr.io`, `docker.io/library`, `registry.gitlab.com/group/`) cover the repository? */
export function registryAllowed(repository: string, entry: string): boolean {
    const e = entry.replace(/\/+$/, "");
    return repository === e || repository.startsWith(`${e}/`);
}

export function imageTagPinned(): PackPolicy {
    return resourcePolicy<{ forbiddenTagPatterns: string[]; requireDigest: boolean }>({
        name: "image-tag-pinned",
        description: "Images name an explicit, immutable version: a tag that is not latest (or a moving alias), or better a digest.",
        anchors: "image-tag-pinned: Kyverno disallow-latest-tag, require-image-checksum; Polaris tagNotSpecified; kube-score container-image-tag",
        levels: A_M,
        exemption: "yes",
        config: {
            forbiddenTagPatterns: {
                type: "array", items: { type: "string" },
                default: ["^latest$", "[-_.]latest$", "^latest[-_.]"],
                description: "Regular expressions for moving tags that are not accepted (a digest always passes).",
            },
            requireDigest: { type: "boolean", default: false, description: "Require every image to be pinned by digest (@sha256:…)." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => {
            const patterns = cfg.forbiddenTagPatterns.map((p) => new RegExp(p));
            forEachContainer(res, out, (c) => {
                const image = str(c.c.image);
                if (image === undefined) return;
                const ref = parseImage(image);
                const why = "a moving tag makes every node pull whatever was pushed last, so rollbacks, reproducible previews and drift detection stop working";
                if (ref.digest) return;
                if (cfg.requireDigest) {
                    out.violation(explain(`${at(res, c, "image")} ${quote(image)} is not pinned by digest`, why,
                        `reference it as ${ref.repository}@sha256:<digest>`));
                    return;
                }
                if (!ref.tag) {
                    out.violation(explain(`${at(res, c, "image")} ${quote(image)} has no tag, so it means :latest`, why,
                        `add an explicit version tag (e.g. ${ref.path.split("/").pop()}:1.2.3) or a digest`));
                } else if (patterns.some((p) => p.test(ref.tag!))) {
                    out.violation(explain(`${at(res, c, "image")} ${quote(image)} uses the moving tag ${quote(ref.tag)}`, why,
                        "pin a released version tag (semantic version or commit SHA) or a digest"));
                }
            });
        },
    });
}

export const DEFAULT_REGISTRIES = [
    "registry.gitlab.com", "ghcr.io", "docker.io/library", "docker.io/ollama", "docker.io/n8nio", "docker.io/qdrant",
    "docker.io/chromadb", "docker.io/grafana", "quay.io/jetstack", "quay.io/prometheus", "quay.io/prometheus-operator",
    "registry.k8s.io",
];

export function imageRegistryAllowlist(): PackPolicy {
    return resourcePolicy<{ allowedRegistries: string[] }>({
        name: "image-registry-allowlist",
        description: "Images come from an allowed registry or repository prefix.",
        anchors: "image-registry-allowlist: Kyverno restrict-image-registries",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedRegistries: {
                type: "array", items: { type: "string" }, default: DEFAULT_REGISTRIES,
                description: "Registry hosts or repository prefixes (docker.io/library covers official images such as postgres).",
            },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachContainer(res, out, (c) => {
            const image = str(c.c.image);
            if (image === undefined) return;
            const ref = parseImage(image);
            if (!cfg.allowedRegistries.some((e) => registryAllowed(ref.repository, e))) {
                out.violation(explain(
                    `${at(res, c, "image")} ${quote(image)} resolves to ${ref.repository}, which is not in the allowed registries`,
                    "images from unvetted registries bypass the scanning, signing and retention the platform applies, and a typo-squatted name pulls someone else's code",
                    `use an image from ${cfg.allowedRegistries.join(", ")}, or add the registry to image-registry-allowlist.allowedRegistries in policy/config/<stack>.json after review`));
            }
        }),
    });
}

export function imagePullAlways(): PackPolicy {
    return resourcePolicy<{ acceptDigestWithoutAlways: boolean; onlyWithPullSecrets: boolean }>({
        name: "image-pull-always",
        description: "imagePullPolicy is Always for images pulled with a pull secret (so the registry checks the credentials on every start), unless the image is pinned by digest.",
        anchors: "image-pull-always: Polaris pullPolicyNotAlways; kube-score container-image-pull-policy; Kyverno imagepullpolicy-always",
        levels: OFF_A,
        exemption: "yes",
        config: {
            acceptDigestWithoutAlways: {
                type: "boolean", default: true,
                description: "A digest-pinned image is immutable, so any pull policy is accepted for it.",
            },
            onlyWithPullSecrets: {
                type: "boolean", default: true,
                description: "Only pods with imagePullSecrets must pull Always: the credential re-check is the point, and " +
                    "public images pulled anonymously have none; IfNotPresent keeps them restartable while their registry is down " +
                    "(moving tags are image-tag-pinned's concern).",
            },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachContainer(res, out, (c, pt) => {
            const image = str(c.c.image);
            if (image === undefined) return;
            if (cfg.acceptDigestWithoutAlways && parseImage(image).digest) return;
            const pullSecrets = Array.isArray(pt.spec.imagePullSecrets) ? pt.spec.imagePullSecrets.length : 0;
            if (cfg.onlyWithPullSecrets && pullSecrets === 0) return;
            const policy = str(c.c.imagePullPolicy);
            if (policy !== "Always") {
                out.violation(explain(
                    `${at(res, c, "imagePullPolicy")} is ${policy ?? "not set (IfNotPresent for tagged images)"}` +
                        (pullSecrets > 0 ? ` while the pod pulls with imagePullSecrets` : ""),
                    "with a cached image, a pod can start from an image its pull secret no longer grants, and a re-pushed tag is not picked up",
                    "set imagePullPolicy: Always, or pin the image by digest"));
            }
        }),
    });
}
