/** Readiness waits that give up early when a component dies and name the component when they time out. */
import * as http from "http";
import * as https from "https";
import { ComponentError } from "./processes";

export interface WaitContext {
    /** Absolute time (ms since epoch) at which every wait of the start gives up. */
    readonly deadline: number;
    /** Rejects when any component process exits (ProcessMonitor.failed). */
    readonly failed: Promise<never>;
    readonly logFileOf: (component: string) => string | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns true. Anything else it returns (or throws) is remembered as the
 * current state and reported if the deadline passes.
 */
export async function waitUntil(
    ctx: WaitContext, component: string, what: string, check: () => Promise<true | string>, intervalMs = 200,
): Promise<void> {
    let last = "not checked yet";
    for (;;) {
        try {
            const result = await Promise.race([check(), ctx.failed]);
            if (result === true) {
                return;
            }
            last = result;
        } catch (err) {
            if (err instanceof ComponentError) {
                throw err;
            }
            last = (err as Error).message;
        }
        if (Date.now() >= ctx.deadline) {
            throw new ComponentError(component, `timed out waiting for ${what} (last state: ${last})`, ctx.logFileOf(component));
        }
        await Promise.race([sleep(intervalMs), ctx.failed]);
    }
}

export interface ProbeOptions {
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    /** For the self-signed serving certificates of the controller-manager and the scheduler. */
    readonly insecure?: boolean;
}

/** GET a health endpoint: true for 200, else a short description of what came back. */
export function probe(url: string, o: ProbeOptions = {}): Promise<true | string> {
    const u = new URL(url);
    const lib = u.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
        const req = lib.request(u, {
            method: "GET",
            timeout: 3000,
            agent: false,
            ...(u.protocol === "https:" ? { ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: !o.insecure } : {}),
        }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => { body += c; });
            res.on("end", () => resolve(res.statusCode === 200 ? true : `HTTP ${res.statusCode} ${body.trim().split("\n").slice(-3).join(" | ")}`));
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 3s")));
        req.on("error", (err) => resolve(err.message));
        req.end();
    });
}
