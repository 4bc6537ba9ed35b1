/**
 * Builds the stand-in chart repository: for each pin of components/platform/charts.ts (or the pins
 * a run passes, e.g. with a stack's version overrides applied) a chart directory and its archive
 * `<chart>-<version>.tgz`, packaged with the system tar, and an index.yaml naming them.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";
import { CHARTS, ChartPin } from "../../../components/platform/charts";
import { IndexEntry, indexYaml, sha256 } from "./helmIndex";
import { STAND_INS } from "./standIns";
import { chartValues, helpersTemplate, renderTemplate, valuesYaml } from "./template";

const run = promisify(execFile);

export type ChartRef = Pick<ChartPin, "chart" | "version">;

export interface GenerateOptions {
    /** URL the archives will be served from; the index names them relative to it when omitted. */
    readonly baseUrl?: string;
    /** Charts to build (default: every pin of charts.ts). */
    readonly charts?: readonly ChartRef[];
    readonly created?: Date;
}

export interface GeneratedChart {
    readonly chart: string;
    readonly version: string;
    /** The unpacked chart, `<outDir>/<chart>-<version>/<chart>`. */
    readonly directory: string;
    /** The archive, `<outDir>/<chart>-<version>.tgz`. */
    readonly archive: string;
    readonly digest: string;
}

export interface GeneratedRepository {
    readonly charts: readonly GeneratedChart[];
    readonly index: string;
}

/** Marks every stand-in in its Chart.yaml, so nobody mistakes one for the real chart. */
export const STAND_IN_ANNOTATION = "ai-platform.io/stand-in";

let tarFlags: Promise<string[]> | undefined;

/** GNU tar can make the archive byte-for-byte reproducible; other tars package it as is. */
function reproducibleTarFlags(): Promise<string[]> {
    tarFlags ??= run("tar", ["--version"]).then(
        ({ stdout }) => (/GNU tar/.test(stdout) ? ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0"] : []),
        () => [],
    );
    return tarFlags;
}

/** Writes the chart's directory and returns its Chart.yaml, which the index repeats. */
function writeChart(directory: string, ref: ChartRef): IndexEntry["metadata"] {
    const standIn = STAND_INS[ref.chart]?.();
    if (!standIn) {
        throw new Error(`no stand-in for chart ${ref.chart}: add one to tools/e2e/charts/standIns.ts (known: ${Object.keys(STAND_INS).join(", ")})`);
    }
    fs.rmSync(directory, { recursive: true, force: true });
    fs.mkdirSync(path.join(directory, "templates"), { recursive: true });
    const chartYaml = {
        apiVersion: "v2",
        name: ref.chart,
        version: ref.version,
        appVersion: ref.version,
        description: `Stand-in for the e2e tier, not the real chart. ${standIn.description}.`,
        type: "application",
        annotations: { [STAND_IN_ANNOTATION]: "true" },
    };
    fs.writeFileSync(path.join(directory, "Chart.yaml"), stringify(chartYaml, { lineWidth: 0 }));
    const manifests = Object.values(standIn.templates).flat();
    fs.writeFileSync(path.join(directory, "values.yaml"), valuesYaml(chartValues(manifests, ref.chart, standIn.defaults)));
    fs.writeFileSync(path.join(directory, "templates", "_helpers.tpl"), helpersTemplate(standIn.fullnameLength));
    for (const [file, fileManifests] of Object.entries(standIn.templates)) {
        fs.writeFileSync(path.join(directory, "templates", file), renderTemplate(fileManifests));
    }
    return chartYaml;
}

/**
 * Generates the stand-in repository into outDir (created if needed; other files are left alone).
 * A chart may come in several versions (stacks with different version overrides share a run).
 */
export async function generateStandInCharts(outDir: string, options: GenerateOptions = {}): Promise<GeneratedRepository> {
    const refs = options.charts ?? Object.values(CHARTS);
    const unique = [...new Map(refs.map((r) => [`${r.chart}-${r.version}`, { chart: r.chart, version: r.version }])).values()];
    fs.mkdirSync(outDir, { recursive: true });
    const flags = await reproducibleTarFlags();
    const charts: GeneratedChart[] = [];
    const entries: IndexEntry[] = [];
    for (const { chart, version } of unique) {
        // <outDir>/<chart>-<version>/<chart>: the archive's top directory must be the chart's name.
        const parent = path.join(outDir, `${chart}-${version}`);
        const directory = path.join(parent, chart);
        const metadata = writeChart(directory, { chart, version });
        const file = `${chart}-${version}.tgz`;
        const archive = path.join(outDir, file);
        await run("tar", [...flags, "-czf", archive, "-C", parent, chart]);
        const digest = sha256(archive);
        charts.push({ chart, version, directory, archive, digest });
        entries.push({ metadata, file, digest });
    }
    const index = path.join(outDir, "index.yaml");
    fs.writeFileSync(index, indexYaml(entries, options.baseUrl, options.created));
    return { charts, index };
}
