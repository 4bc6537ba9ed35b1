/**
 * Data shared by the product definitions: the third-party images (exact tags, from the registries
 * the policy pack allows) and the user the products' own images run as.
 */
import type { Resources, RunAs } from "../workloads/security";

/**
 * The products' own images run as this unprivileged user. The source documents do not say which user their
 * Dockerfiles set; the platform requires a non-root one, so images must run under any non-zero
 * UID (no writes outside /tmp and mounted volumes).
 */
export const APP_USER: RunAs = { user: 10001, group: 10001 };

/** Third-party images, pinned; bump here (one place) after reading the release notes. */
export const IMAGES = {
    postgres: { image: "docker.io/library/postgres:16.4", version: "16.4" },
    mongodb: { image: "docker.io/library/mongo:7.0.14", version: "7.0.14" },
    redis: { image: "docker.io/library/redis:7.4.1", version: "7.4.1" },
    neo4j: { image: "docker.io/library/neo4j:5.24.1-community", version: "5.24.1" },
    qdrant: { image: "docker.io/qdrant/qdrant:v1.12.4-unprivileged", version: "1.12.4" },
    ollama: { image: "docker.io/ollama/ollama", tag: "0.5.7" },
    n8n: { image: "docker.io/n8nio/n8n", tag: "1.74.1" },
} as const;

/** Requests and limits in one line: sizes(cpuRequest, memoryRequest, cpuLimit, memoryLimit). */
export function sizes(cpu: string, memory: string, cpuLimit: string, memoryLimit: string, gpus?: number): Resources {
    return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit }, ...(gpus ? { gpus } : {}) };
}

/** Daily backup times (UTC), before the Soundcore KCP deployment documentation's Saturday 02:00-04:00 maintenance window and staggered per store. */
export const BACKUP_SCHEDULES = {
    postgres: "0 1 * * *",
    mongodb: "15 1 * * *",
    redis: "30 1 * * *",
    neo4j: "45 1 * * *",
} as const;
