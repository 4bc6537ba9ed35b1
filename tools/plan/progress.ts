/**
 * Progress on stderr while the plan works. On an interactive terminal (and not in CI) the current
 * step is one line rewritten in place with a live count; otherwise each step is a plain line, so CI
 * logs stay readable. stdout is never touched (it carries the report or `--json`).
 */
export interface Progress {
    /** A step starts. */
    start(step: string): void;
    /** Live detail of the running step (throttled; ignored when not interactive). */
    tick(detail: string): void;
    /** The running step finished. */
    done(summary: string): void;
    /** Something worth a line of its own. */
    note(line: string): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, done() {}, note() {} };

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)}s`;
}

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Progress {
    const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
    const interactive = stream.isTTY === true && !ci && env.TERM !== "dumb";
    let step = "";
    let started = 0;
    let lastTick = 0;
    const clear = () => {
        if (interactive) {
            stream.write("\r\x1b[2K");
        }
    };
    return {
        start(name) {
            step = name;
            started = Date.now();
            if (interactive) {
                clear();
                stream.write(`plan: ${name}…`);
            } else {
                stream.write(`plan: ${name}…\n`);
            }
        },
        tick(detail) {
            const now = Date.now();
            if (!interactive || now - lastTick < 80) {
                return;
            }
            lastTick = now;
            clear();
            stream.write(`plan: ${step}… ${detail}`);
        },
        done(summary) {
            clear();
            stream.write(`plan: ${step}: ${summary} (${seconds(Date.now() - started)})\n`);
        },
        note(line) {
            clear();
            stream.write(`plan: ${line}\n`);
        },
    };
}
