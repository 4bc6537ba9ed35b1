/**
 * Helm repository index files (index.yaml, apiVersion v1) and the chart archives they describe.
 * Shared by the stand-in generator and by the server's mode for real chart archives.
 */
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { promisify } from "util";
import { parse, stringify } from "yaml";

const run = promisify(execFile);

/** One chart version of an index: its Chart.yaml, its archive's file name and digest. */
export interface IndexEntry {
    /** Chart.yaml as a map: Helm copies it into the index (name, version, appVersion, apiVersion, …). */
    readonly metadata: Record<string, unknown> & { readonly name: string; readonly version: string };
    /** Archive file name, relative to the repository's base URL. */
    readonly file: string;
    /** sha256 of the archive, hex. */
    readonly digest: string;
}

export function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * index.yaml for the given archives. Helm resolves relative URLs against the repository URL, but
 * a base URL makes the index readable by tools that do not.
 */
export function indexYaml(entries: readonly IndexEntry[], baseUrl: string | undefined, created = new Date()): string {
    const base = baseUrl?.replace(/\/+$/, "");
    const byName: Record<string, unknown[]> = {};
    for (const entry of entries) {
        (byName[entry.metadata.name] ??= []).push({
            ...entry.metadata,
            urls: [base ? `${base}/${entry.file}` : entry.file],
            digest: entry.digest,
            created: created.toISOString(),
        });
    }
    return stringify({ apiVersion: "v1", entries: byName, generated: created.toISOString() }, { lineWidth: 0 });
}

/**
 * Chart.yaml of a chart archive and the archive's digest. The chart's directory is the archive's
 * top directory, found by listing (a dependency's Chart.yaml sits deeper, under charts/).
 */
export async function readChartArchive(archive: string): Promise<Omit<IndexEntry, "file">> {
    const { stdout: listing } = await run("tar", ["-tzf", archive], { maxBuffer: 64 * 1024 * 1024 });
    const chartYaml = listing.split("\n").map((l) => l.replace(/^\.\//, "")).find((l) => /^[^/]+\/Chart\.yaml$/.test(l));
    if (!chartYaml) {
        throw new Error(`${archive} is not a chart archive: it has no <chart>/Chart.yaml`);
    }
    const { stdout } = await run("tar", ["-xzOf", archive, chartYaml], { maxBuffer: 16 * 1024 * 1024 });
    const metadata = parse(stdout) as IndexEntry["metadata"];
    if (typeof metadata?.name !== "string" || typeof metadata.version !== "string") {
        throw new Error(`${archive}: ${chartYaml} has no name or version`);
    }
    return { metadata, digest: sha256(archive) };
}
