/**
 * `npm run release -- --product <id> --stack <stack> --tag <tag> [--track blue|green|canary]`,
 * `--switch` and `--rollback`: a release is an edit of Pulumi.<stack>.yaml, shown as the offline
 * plan diff against HEAD. A thin shell around tools/release/index.ts; docs/releases.md.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { consoleProgress, silentProgress } from "./plan/progress";
import { RELEASE_EXIT, ReleaseError } from "./release/exitCodes";
import { releaseJson, renderRelease, runRelease } from "./release/index";
import { Action } from "./release/target";
import { exitAfterStdout, logToStderr, parseCommandLine } from "./plan/commandLine";

interface CliOptions {
    product?: string;
    stack?: string;
    tag?: string;
    track?: string;
    switch?: boolean;
    rollback?: boolean;
    json?: boolean;
    out?: string;
    quiet?: boolean;
}

async function main(argv: string[]): Promise<number> {
    const program = new Command("release")
        .description("Release a product to a stack by editing Pulumi.<stack>.yaml (the stable tag, the canary's tag or the idle " +
            "blue-green color's tag; or the live color with --switch / --rollback), then print the offline plan diff against HEAD.")
        .option("-p, --product <id>", "product id (quickspin-ai, chatbot, soundcore-kcp, harvis-ai, llm-secret-detection)")
        .option("-s, --stack <stack>", "stack (a Pulumi.<stack>.yaml)")
        .option("-t, --tag <tag>", "image tag to release")
        .option("--track <track>", "blue, green (blue-green: default the idle color) or canary (canary: default the stable tag)")
        .option("--switch", "blue-green: make the idle color live")
        .option("--rollback", "blue-green: make the previously live color live again, if it still runs what it ran then")
        .option("--json", "print release.json (with the plan diff) instead of the report")
        .option("-o, --out <dir>", "folder for release.json and the plan's files (default: out/release/<stack>)")
        .option("-q, --quiet", "no progress lines on stderr")
        .addHelpText("after", `
Exit codes: 0 released or nothing to release; 2 bad command line or unknown product; 3 unknown stack;
10 refused (see the message); the plan's own codes when the plan fails (4, 5, 6, 7, 17..47), in
which case the stack file is left as it was. See docs/releases.md.`);
    const stop = parseCommandLine(program, argv, RELEASE_EXIT.usage);
    if (stop !== undefined) {
        return stop;
    }
    const o = program.opts<CliOptions>();
    const missing = [["--product", o.product], ["--stack", o.stack]].filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length > 0) {
        throw new ReleaseError(`${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required`, RELEASE_EXIT.usage);
    }
    if (o.switch && o.rollback) {
        throw new ReleaseError("--switch and --rollback exclude each other: give one", RELEASE_EXIT.usage);
    }
    const action: Action = o.switch ? "switch" : o.rollback ? "rollback" : "release";

    logToStderr();

    const outDir = path.resolve(o.out ?? path.join("out", "release", o.stack!));
    const result = await runRelease({
        product: o.product!, stack: o.stack!, action, tag: o.tag, track: o.track, outDir,
        progress: o.quiet ? silentProgress : consoleProgress(),
    });
    const json = releaseJson(result);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "release.json"), json);
    process.stdout.write(o.json ? json : renderRelease(result));
    return result.exitCode;
}

main(process.argv.slice(2)).then(exitAfterStdout, (error: unknown) => {
    if (error instanceof ReleaseError) {
        process.stderr.write(`release: error: ${error.message}\n`);
        exitAfterStdout(error.code);
    } else {
        process.stderr.write(`release: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        exitAfterStdout(RELEASE_EXIT.internal);
    }
});
