/**
 * What the command-line tools (npm run plan, npm run release) share: commander's errors and help on
 * stderr with usage exit codes, stdout kept for the report, and an exit that lets stdout drain.
 */
import { Command, CommanderError } from "commander";

/**
 * Parses argv. Returns undefined when the tool should go on, otherwise its exit code: 0 after
 * --help or --version, `usageExit` after a bad command line (commander has explained it on stderr).
 */
export function parseCommandLine(program: Command, argv: readonly string[], usageExit: number): number | undefined {
    program
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) })
        .showHelpAfterError();
    try {
        program.parse([...argv], { from: "user" });
    } catch (error) {
        if (error instanceof CommanderError) {
            return error.exitCode === 0 ? 0 : usageExit;
        }
        throw error;
    }
    return undefined;
}

/** stdout carries only the report or the JSON: anything the program logs goes to stderr. */
export function logToStderr(): void {
    const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(" ")}\n`);
    console.log = toStderr;
    console.info = toStderr;
}

/** Exits with the code once stdout has drained (a pipe may be slow). */
export function exitAfterStdout(code: number): void {
    process.stdout.write("", () => process.exit(code));
}
