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
    const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let step = "";
    let detail = "";
    let started = 0;
    let frame = 0;
    let timer: NodeJS.Timeout | undefined;
    const clear = () => {
        if (interactive) {
            stream.write("\r\x1b[2K");
        }
    };
    const render = () => {
        clear();
        const line = `${frames[frame++ % frames.length]} plan: ${step}… ${seconds(Date.now() - started)}${detail ? ` ${detail}` : ""}`;
        stream.write(line.length > (stream.columns ?? 120) - 1 ? `${line.slice(0, (stream.columns ?? 120) - 2)}…` : line);
    };
    const stop = () => {
        if (timer) {
            clearInterval(timer);
            timer = undefined;
        }
    };
    return {
        start(name) {
            stop();
            step = name;
            detail = "";
            started = Date.now();
            if (interactive) {
                render();
                // Redrawn while the step runs, so a long one (the policy pack type-checking) visibly progresses.
                timer = setInterval(render, 100);
                timer.unref();
            } else {
                stream.write(`plan: ${name}…\n`);
            }
        },
        tick(text) {
            detail = text;
        },
        done(summary) {
            stop();
            clear();
            stream.write(`plan: ${step}: ${summary} (${seconds(Date.now() - started)})\n`);
        },
        note(line) {
            clear();
            stream.write(`plan: ${line}\n`);
            if (timer) {
                render();
            }
        },
    };
}
