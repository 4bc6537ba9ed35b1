/**
 * A Helm chart repository on 127.0.0.1 for the e2e tier: Helm (inside the Pulumi kubernetes
 * provider) reads `<repo>/index.yaml` and downloads the archive it names. Two sources:
 * - the stand-ins (generate.ts), whose index.yaml is served as written;
 * - real chart archives in a directory (`helm pull` output), for users who have them: the index is
 *   built from each archive's Chart.yaml, and every pinned chart must be there.
 */
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { CHARTS, ChartPin } from "../../../components/platform/charts";
import { ChartRef, generateStandInCharts, GeneratedChart } from "./generate";
import { IndexEntry, indexYaml, readChartArchive } from "./helmIndex";

export interface ChartRepository {
    /** Base URL, e.g. http://127.0.0.1:41234 (what a Release's repositoryOpts.repo points at). */
    readonly url: string;
    close(): Promise<void>;
}

export interface ServeOptions {
    /**
     * "index" (default): serve the directory's index.yaml as it is, read on each request (so it may
     * be written after the server starts, once its URL is known). "archives": build the index from
     * every `*.tgz` in the directory and require every chart of `charts` to be among them.
     */
    readonly mode?: "index" | "archives";
    /** Charts the archives must include (default: every pin of charts.ts). */
    readonly charts?: ReadonlyArray<ChartRef & Partial<Pick<ChartPin, "repo">>>;
}

const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.tgz$/;

/** The archives of a directory, with their Chart.yaml; fails on unreadable or duplicate charts. */
export async function archivedCharts(dir: string): Promise<IndexEntry[]> {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz")).sort();
    const entries: IndexEntry[] = [];
    const seen = new Map<string, string>();
    for (const file of files) {
        if (!ARCHIVE_NAME.test(file)) {
            throw new Error(`${path.join(dir, file)}: archive names are letters, digits and ._+- only`);
        }
        const { metadata, digest } = await readChartArchive(path.join(dir, file));
        const id = `${metadata.name} ${metadata.version}`;
        const other = seen.get(id);
        if (other) {
            throw new Error(`${dir}: ${file} and ${other} are both ${id}`);
        }
        seen.set(id, file);
        entries.push({ metadata, file, digest });
    }
    return entries;
}

/** The charts of `required` that no entry provides. */
export function missingCharts<T extends ChartRef>(entries: readonly IndexEntry[], required: readonly T[]): T[] {
    const present = new Set(entries.map((e) => `${e.metadata.name} ${e.metadata.version}`));
    return required.filter((c) => !present.has(`${c.chart} ${c.version}`));
}

function missingMessage(dir: string, missing: ReadonlyArray<ChartRef & Partial<Pick<ChartPin, "repo">>>): string {
    const lines = missing.map((c) => `  - ${c.chart} ${c.version} (expected ${c.chart}-${c.version}.tgz)` +
        (c.repo ? `: helm pull ${c.chart} --version ${c.version} --repo ${c.repo} -d ${dir}` : ""));
    return `${dir} lacks ${missing.length} pinned chart${missing.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
}

function listen(server: http.Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

function closer(server: http.Server): () => Promise<void> {
    let closed: Promise<void> | undefined;
    return () => {
        closed ??= new Promise<void>((resolve, reject) => {
            server.close((error) => (error ? reject(error) : resolve()));
            // Helm keeps connections alive; without this close() waits for them to time out.
            server.closeAllConnections();
        });
        return closed;
    };
}

/** Serves a chart repository from `dir` on 127.0.0.1 (a free port). */
export async function serveChartRepository(dir: string, options: ServeOptions = {}): Promise<ChartRepository> {
    const root = path.resolve(dir);
    if (!fs.statSync(root).isDirectory()) {
        throw new Error(`${root} is not a directory`);
    }
    let index: string | undefined;
    const server = http.createServer((req, res) => {
        let name: string;
        try {
            name = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname).replace(/^\/+/, "");
        } catch {
            name = "";
        }
        const send = (status: number, type: string, body?: string | fs.ReadStream) => {
            res.writeHead(status, { "Content-Type": type });
            if (req.method === "HEAD" || body === undefined) {
                res.end();
            } else if (typeof body === "string") {
                res.end(body);
            } else {
                body.pipe(res);
            }
        };
        if (req.method !== "GET" && req.method !== "HEAD") {
            send(405, "text/plain", "method not allowed\n");
        } else if (name === "index.yaml") {
            const file = path.join(root, "index.yaml");
            const body = index ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
            send(body === undefined ? 404 : 200, body === undefined ? "text/plain" : "application/x-yaml", body ?? "no index.yaml\n");
        } else if (ARCHIVE_NAME.test(name) && fs.existsSync(path.join(root, name))) {
            send(200, "application/gzip", fs.createReadStream(path.join(root, name)));
        } else {
            send(404, "text/plain", "not found\n");
        }
    });
    const port = await listen(server);
    const repository = { url: `http://127.0.0.1:${port}`, close: closer(server) };
    if (options.mode === "archives") {
        try {
            const entries = await archivedCharts(root);
            const missing = missingCharts(entries, options.charts ?? Object.values(CHARTS));
            if (missing.length > 0) {
                throw new Error(missingMessage(root, missing));
            }
            index = indexYaml(entries, repository.url);
        } catch (error) {
            await repository.close();
            throw error;
        }
    }
    return repository;
}

/** Generates the stand-ins into `dir` with this server's URL in the index, and serves them. */
export async function serveStandInCharts(
    dir: string,
    options: { readonly charts?: readonly ChartRef[] } = {},
): Promise<ChartRepository & { readonly charts: readonly GeneratedChart[] }> {
    fs.mkdirSync(dir, { recursive: true });
    const repository = await serveChartRepository(dir);
    try {
        const generated = await generateStandInCharts(dir, { baseUrl: repository.url, charts: options.charts });
        return { ...repository, charts: generated.charts };
    } catch (error) {
        await repository.close();
        throw error;
    }
}

export interface StartOptions {
    /** Where the stand-ins are generated. */
    readonly dir: string;
    /** A directory of real chart archives to serve instead of the stand-ins. */
    readonly realCharts?: string;
    /** Charts the run installs (default: every pin of charts.ts). */
    readonly charts?: ReadonlyArray<ChartRef & Partial<Pick<ChartPin, "repo">>>;
}

/** The e2e tier's repository: the real archives when given, else freshly generated stand-ins. */
export async function startChartRepository(options: StartOptions): Promise<ChartRepository & { readonly source: "stand-ins" | "archives" }> {
    if (options.realCharts) {
        const repository = await serveChartRepository(options.realCharts, { mode: "archives", charts: options.charts });
        return { ...repository, source: "archives" };
    }
    const repository = await serveStandInCharts(options.dir, { charts: options.charts });
    return { url: repository.url, close: repository.close, source: "stand-ins" };
}
