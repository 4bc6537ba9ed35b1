/** Resource requests and limits. */
import { explain, PackPolicy, resourcePolicy } from "./lib/core";
import { A_M, OFF_A } from "./lib/levels";
import { at, forEachContainer } from "./lib/podcheck";
import { isPodBearing } from "./lib/pods";
import { parseQuantity } from "./lib/quantity";
import { obj, quote } from "./lib/values";

/** Why each required field matters when it is missing. */
const MISSING_WHY: Record<string, string> = {
    "requests.cpu": "the scheduler then places the pod as if it needed no CPU, so nodes get overcommitted and the container is starved first under contention",
    "requests.memory": "the scheduler then places the pod as if it needed no memory, so nodes get overcommitted and the pod is first to be evicted",
    "limits.memory": "without a memory limit one leaking container can exhaust the node's memory and get other pods OOM-killed",
    "limits.cpu": "this stack requires CPU limits (resources-set.requireCpuLimit): without one a busy or runaway container takes every idle core of its node, so its neighbours' latency and the node's capacity planning depend on it",
};

export function resourcesSet(): PackPolicy {
    return resourcePolicy<{ requireCpuLimit: boolean }>({
        name: "resources-set",
        description: "Containers set requests.cpu, requests.memory and limits.memory (limits.cpu optional), with valid quantities and requests ≤ limits.",
        anchors: "resources-set: Kyverno require-pod-requests-limits; Polaris cpu/memory Requests/LimitsMissing; kube-score container-resources",
        levels: A_M,
        exemption: "yes",
        config: {
            requireCpuLimit: { type: "boolean", default: false, description: "Also require limits.cpu (CPU limits cause throttling; off by default)." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachContainer(res, out, (c) => {
            const resources = obj(c.c.resources);
            const requests = obj(resources.requests);
            const limits = obj(resources.limits);
            const required: Array<[string, Record<string, any>, string]> = [
                ["requests.cpu", requests, "cpu"], ["requests.memory", requests, "memory"], ["limits.memory", limits, "memory"],
            ];
            if (cfg.requireCpuLimit) {
                required.push(["limits.cpu", limits, "cpu"]);
            }
            for (const [field, map, key] of required) {
                const v = map[key];
                if (v === undefined || v === null || v === "") {
                    out.violation(explain(`${at(res, c, `resources.${field}`)} is not set`, MISSING_WHY[field],
                        `set resources.${field} (e.g. ${key === "cpu" ? "250m" : "512Mi"}) from the workload's measured usage`));
                } else if (parseQuantity(v) === undefined) {
                    out.violation(explain(`${at(res, c, `resources.${field}`)} is ${quote(v)}, not a valid quantity`,
                        "the API server rejects the object", `write a Kubernetes quantity such as ${key === "cpu" ? "500m or 2" : "512Mi or 2Gi"}`));
                }
            }
            for (const key of ["cpu", "memory", "ephemeral-storage"]) {
                const req = parseQuantity(requests[key]);
                const lim = parseQuantity(limits[key]);
                if (req !== undefined && lim !== undefined && req > lim) {
                    out.violation(explain(`${at(res, c, `resources.requests.${key}`)} (${requests[key]}) is above limits.${key} (${limits[key]})`,
                        "the API server rejects a request larger than its limit", `lower the request or raise the limit`));
                }
            }
        }, ["initContainer", "container"]),
    });
}

export function resourcesExtra(): PackPolicy {
    return resourcePolicy<{ requireEphemeralStorage: boolean; equalRequestsAndLimits: string[] }>({
        name: "resources-extra",
        description: "Containers set ephemeral-storage requests and limits, and requests equal limits for the configured resources (memory by default).",
        anchors: "resources-extra: kube-score container-ephemeral-storage-request-and-limit, container-*-requests-equal-limits; Kyverno memory-requests-equal-limits",
        levels: OFF_A,
        exemption: "yes",
        config: {
            requireEphemeralStorage: { type: "boolean", default: true, description: "Require requests/limits for ephemeral-storage." },
            equalRequestsAndLimits: {
                type: "array", items: { type: "string", enum: ["cpu", "memory", "ephemeral-storage"] }, default: ["memory"],
                description: "Resources whose request must equal the limit (Guaranteed QoS for memory avoids OOM kills under pressure).",
            },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachContainer(res, out, (c) => {
            const resources = obj(c.c.resources);
            const requests = obj(resources.requests);
            const limits = obj(resources.limits);
            if (cfg.requireEphemeralStorage) {
                for (const [field, map] of [["requests", requests], ["limits", limits]] as const) {
                    if (map["ephemeral-storage"] === undefined) {
                        out.violation(explain(`${at(res, c, `resources.${field}.ephemeral-storage`)} is not set`,
                            "logs, emptyDirs and writable layers count against node disk; without a request and limit one pod can fill the disk and get the whole node's pods evicted",
                            `set resources.${field}.ephemeral-storage (e.g. 1Gi)`));
                    }
                }
            }
            for (const key of cfg.equalRequestsAndLimits) {
                const req = parseQuantity(requests[key]);
                const lim = parseQuantity(limits[key]);
                if (req !== undefined && lim !== undefined && req !== lim) {
                    out.violation(explain(
                        `${at(res, c, `resources.requests.${key}`)} (${requests[key]}) differs from limits.${key} (${limits[key]})`,
                        key === "memory"
                            ? "memory above the request is not reserved, so under node pressure the container is OOM-killed or evicted first"
                            : "usage above the request is best-effort and is throttled or evicted under contention",
                        `set requests.${key} equal to limits.${key}`));
                }
            }
        }, ["initContainer", "container"]),
    });
}
