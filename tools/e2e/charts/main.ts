/**
 * Command line for the e2e chart repository:
 *   ts-node --transpile-only tools/e2e/charts/main.ts generate <dir> [--base-url <url>]
 *   ts-node --transpile-only tools/e2e/charts/main.ts serve <dir> [--archives]
 * `serve` prints the repository URL and runs until interrupted; with --archives it serves the real
 * chart archives in <dir> (helm pull output) instead of generating stand-ins there.
 */
import { Command } from "commander";
import { generateStandInCharts } from "./generate";
import { ChartRepository, serveChartRepository, serveStandInCharts } from "./repository";

async function serve(dir: string, archives: boolean): Promise<void> {
    const repository: ChartRepository = archives
        ? await serveChartRepository(dir, { mode: "archives" })
        : await serveStandInCharts(dir);
    process.stdout.write(`${repository.url}\n`);
    await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
    });
    await repository.close();
}

const program = new Command("e2e-charts").description("Helm chart repository for the e2e tier");
program.command("generate <dir>")
    .description("write the stand-in charts, their archives and index.yaml into <dir>")
    .option("--base-url <url>", "URL the archives will be served from (default: relative URLs)")
    .action(async (dir: string, opts: { baseUrl?: string }) => {
        const { charts } = await generateStandInCharts(dir, { baseUrl: opts.baseUrl });
        for (const c of charts) {
            process.stdout.write(`${c.archive} sha256:${c.digest}\n`);
        }
    });
program.command("serve <dir>")
    .description("serve a chart repository on 127.0.0.1 and print its URL")
    .option("--archives", "serve the real chart archives found in <dir> instead of stand-ins")
    .action((dir: string, opts: { archives?: boolean }) => serve(dir, opts.archives === true));

program.parseAsync().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
