/**
 * Reusable validation rules for configuration values. Each rule's message says what is allowed,
 * because it is printed next to the offending key and value.
 */
import { z } from "zod";
import { parseBytes, parseCpu } from "../lib/quantity";

export const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const DNS_SUBDOMAIN_PATTERN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const EXACT_VERSION_PATTERN = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: () => `must be one of ${values.join(", ")}` });
}

export function integer(min: number, max: number) {
    return z.number().refine((v) => Number.isInteger(v) && v >= min && v <= max, {
        error: `must be an integer from ${min} to ${max}`,
    });
}

export const hostname = z.string().regex(HOSTNAME_PATTERN, {
    error: "must be a lower-case DNS host name with at least one dot, such as grafana.example.com",
});

export const dnsSubdomain = z.string().regex(DNS_SUBDOMAIN_PATTERN, {
    error: "must be a Kubernetes object name: lower-case letters, digits, '-' and '.'",
});

/**
 * An environment's name: it becomes part of namespace names (soundcore-kcp-<name> must stay a
 * 63-character DNS label), labels, dashboard uids and GitLab environment scopes.
 */
export const environmentName = z.string().regex(/^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/, {
    error: "must be a lower-case name of 1 to 20 letters, digits and '-' starting with a letter, such as dev, qa or eu-prod",
});

/**
 * Where clients reach a cluster's API server: https, a host, an optional port, nothing after (a
 * kubeconfig's server names the API root; a path or credentials there break every request).
 */
export const apiServerUrl = z.string().refine((v) => {
    try {
        const url = new URL(v);
        return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === ""
            && (url.pathname === "/" || url.pathname === "") && url.search === "" && url.hash === "" && !v.endsWith("/");
    } catch {
        return false;
    }
}, {
    error: "must be the https URL of the cluster's API server, host and optional port only, such as https://api.example.com:6443",
});

export const nonEmpty = z.string().min(1, { error: "must not be empty" });

export const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, {
    error: "must be an email address such as platform@example.com",
});

export const cpu = z.string().refine((v) => (parseCpu(v) ?? 0) > 0, {
    error: "must be a positive CPU quantity such as 250m, 1 or 1.5",
});

export const bytes = z.string().refine((v) => (parseBytes(v) ?? 0) > 0, {
    error: "must be a positive byte quantity such as 512Mi, 10Gi or 1G",
});

/** A byte quantity, or "" to mean "no persistent volume". */
export const optionalBytes = z.string().refine((v) => v === "" || (parseBytes(v) ?? 0) > 0, {
    error: "must be a positive byte quantity such as 10Gi, or empty for no volume",
});

/** Prometheus duration, e.g. 12h, 15d, 2w. */
export const prometheusDuration = z.string().regex(/^[1-9]\d*(ms|s|m|h|d|w|y)$/, {
    error: "must be a Prometheus duration such as 12h, 15d or 2w",
});

/** Prometheus-operator ByteSize (e.g. 18GiB, 500MB) or "" for no size cap. */
export const prometheusByteSize = z.string().regex(/^$|^\d+(\.\d+)?(K|M|G|T|P|E)i?B$/, {
    error: "must be a Prometheus byte size such as 18GiB or 500MB, or empty",
});

/** Loki's compactor deletes in whole days, so retention is a multiple of 24h. */
export const lokiRetention = z.string().refine((v) => {
    const match = /^(\d+)h$/.exec(v);
    return match !== null && Number(match[1]) > 0 && Number(match[1]) % 24 === 0;
}, { error: "must be a number of hours that is a positive multiple of 24, such as 72h or 720h" });

export const slackChannel = z.string().regex(/^#[a-z0-9][a-z0-9_-]{0,79}$/, {
    error: "must be a Slack channel such as #alerts-prod (lower-case, starting with #)",
});

/** An https URL on one of the given hosts (used for secrets, so the message never echoes it). */
export function httpsUrlOn(hosts: readonly string[]) {
    return z.string().refine((v) => {
        try {
            const url = new URL(v);
            return url.protocol === "https:" && hosts.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`));
        } catch {
            return false;
        }
    }, { error: `must be an https URL on ${hosts.join(" or ")}` });
}

/**
 * A Helm repository URL, or "" for none. http is allowed (internal mirrors, the e2e tier's loopback
 * repository); credentials are not, because stack configuration and Release inputs are plain text.
 */
export const optionalHelmRepositoryUrl = z.string().refine((v) => {
    if (v === "") {
        return true;
    }
    try {
        const url = new URL(v);
        return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" &&
            url.username === "" && url.password === "" && url.search === "" && url.hash === "";
    } catch {
        return false;
    }
}, {
    error: "must be the http(s) URL of a Helm repository that serves every pinned chart, such as https://charts.example.com/helm " +
        "(no user:password@, query or #fragment), or empty for each chart's own repository",
});

/** "<chart>=<exact version>" pins; ranges such as ^1.2 or 1.x are refused so a stack never floats. */
export function chartVersionOverrides(knownCharts: readonly string[]) {
    return z.array(z.string()).superRefine((entries, ctx) => {
        const seen = new Set<string>();
        for (const entry of entries) {
            const [chart, version, ...rest] = entry.split("=");
            if (rest.length > 0 || version === undefined || !knownCharts.includes(chart)) {
                ctx.addIssue({
                    code: "custom",
                    message: `entry "${entry}" must be "<chart>=<version>" with chart one of ${knownCharts.join(", ")}`,
                });
            } else if (!EXACT_VERSION_PATTERN.test(version)) {
                ctx.addIssue({ code: "custom", message: `entry "${entry}" must pin an exact version such as 1.2.3 (no ranges)` });
            } else if (seen.has(chart)) {
                ctx.addIssue({ code: "custom", message: `chart ${chart} is pinned twice` });
            }
            seen.add(chart);
        }
    });
}

/** GitLab project paths (group[/subgroup]/project) or numeric project IDs. */
const GITLAB_PROJECT_PATTERN = /^(\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+)$/;

/** "<product>=<GitLab project>" entries, one per product. */
export function gitlabProjectMappings<const P extends string>(products: readonly P[]) {
    return z.array(z.string()).superRefine((entries, ctx) => {
        const seen = new Set<string>();
        for (const entry of entries) {
            const [product, project, ...rest] = entry.split("=");
            if (rest.length > 0 || project === undefined || !(products as readonly string[]).includes(product)) {
                ctx.addIssue({ code: "custom", message: `entry "${entry}" must be "<product>=<project>" with product one of ${products.join(", ")}` });
            } else if (!GITLAB_PROJECT_PATTERN.test(project)) {
                ctx.addIssue({ code: "custom", message: `entry "${entry}": the project must be a path such as group/project or a numeric project ID` });
            } else if (seen.has(product)) {
                ctx.addIssue({ code: "custom", message: `product ${product} is mapped twice` });
            }
            seen.add(product);
        }
    }).transform((entries) => entries.map((entry) => {
        const [product, project] = entry.split("=");
        return { product: product as P, project };
    }));
}

/** A list of distinct values from a fixed set. */
export function distinctSubsetOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.array(z.string()).superRefine((entries, ctx) => {
        for (const entry of entries) {
            if (!(values as readonly string[]).includes(entry)) {
                ctx.addIssue({ code: "custom", message: `"${entry}" is unknown: allowed are ${values.join(", ")}` });
            }
        }
        const duplicates = entries.filter((e, i) => entries.indexOf(e) !== i);
        if (duplicates.length > 0) {
            ctx.addIssue({ code: "custom", message: `lists ${duplicates.join(", ")} more than once` });
        }
    }).transform((entries) => entries as unknown as Array<T[number]>);
}
