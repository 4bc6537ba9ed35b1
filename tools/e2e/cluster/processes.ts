/**
 * Detached component processes: each in its own process group (so one signal reaches anything it
 * forks), output appended to its own log file, and no handle keeping the starting Node process
 * alive, so a cluster can outlive the command that started it.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ProcessSpec {
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly cwd: string;
    readonly logFile: string;
    readonly env?: NodeJS.ProcessEnv;
}

export interface ProcessRecord {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
    /** Start time of the pid (Linux: clock ticks since boot), to tell it from a later process that reuses the pid. */
    readonly startTime?: string;
}

interface Exit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}

/** A component died or a wait gave up; the message carries the end of the component's log. */
export class ComponentError extends Error {
    constructor(readonly component: string, problem: string, logFile?: string) {
        super(`${component}: ${problem}${logFile ? `\n--- last lines of ${logFile} ---\n${tailLog(logFile)}` : ""}`);
        this.name = "ComponentError";
    }
}

export function tailLog(file: string, lines = 25): string {
    try {
        const text = fs.readFileSync(file, "utf8").trimEnd();
        return text === "" ? "(empty)" : text.split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

/**
 * Watches the processes of one start: `failed` rejects as soon as any of them exits, so every
 * readiness wait can race it instead of running into its timeout.
 */
export class ProcessMonitor {
    readonly failed: Promise<never>;
    private fail!: (err: Error) => void;
    private stopping = false;

    constructor() {
        this.failed = new Promise<never>((_, reject) => { this.fail = reject; });
        // Nobody may be racing it at the moment a process dies; the rejection is still observed.
        this.failed.catch(() => undefined);
    }

    /** Called before a deliberate stop, after which exits are expected. */
    disarm(): void {
        this.stopping = true;
    }

    start(spec: ProcessSpec): ProcessRecord {
        ensureExecutable(spec.name, spec.command);
        fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
        const fd = fs.openSync(spec.logFile, "a");
        try {
            fs.writeSync(fd, `# ${new Date().toISOString()} ${spec.command} ${spec.args.join(" ")}\n`);
            const child = spawn(spec.command, spec.args, {
                cwd: spec.cwd,
                env: spec.env ?? process.env,
                detached: true,
                stdio: ["ignore", fd, fd],
            });
            if (child.pid === undefined) {
                throw new ComponentError(spec.name, `could not be started (${spec.command})`, spec.logFile);
            }
            child.on("error", (err) => this.fail(new ComponentError(spec.name, `process error: ${err.message}`, spec.logFile)));
            child.on("exit", (code, signal) => {
                if (!this.stopping) {
                    this.fail(new ComponentError(spec.name, `exited during startup (${describeExit({ code, signal })})`, spec.logFile));
                }
            });
            child.unref();
            return { name: spec.name, pid: child.pid, logFile: spec.logFile, startTime: startTime(child.pid) };
        } finally {
            fs.closeSync(fd);
        }
    }
}

function describeExit(e: Exit): string {
    return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

function ensureExecutable(name: string, command: string): void {
    if (!path.isAbsolute(command)) {
        return;
    }
    try {
        fs.accessSync(command, fs.constants.X_OK);
    } catch {
        throw new ComponentError(name, `${command} is missing or not executable`);
    }
}

const hasProc = fs.existsSync("/proc/self/stat");

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces and parens. */
function procStat(pid: number): string[] | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    } catch {
        return undefined;
    }
}

/**
 * Alive and not a zombie: a component whose parent has exited is reparented, and in containers
 * whose PID 1 never reaps, a dead process would otherwise look alive forever.
 */
function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!hasProc) {
        return true;
    }
    const stat = procStat(pid);
    return stat !== undefined && stat[0] !== "Z" && stat[0] !== "X";
}

function startTime(pid: number): string | undefined {
    // Field 22 of /proc/<pid>/stat; procStat starts at field 3.
    return procStat(pid)?.[19];
}

/** Live processes of a process group (Linux: from /proc; elsewhere just the leader). */
function groupMembers(pgid: number): number[] {
    if (!hasProc) {
        return isAlive(pgid) ? [pgid] : [];
    }
    const members: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        const pid = Number(entry);
        if (!Number.isInteger(pid)) {
            continue;
        }
        const stat = procStat(pid);
        // After the name: state, ppid, pgrp.
        if (stat && Number(stat[2]) === pgid && stat[0] !== "Z" && stat[0] !== "X") {
            members.push(pid);
        }
    }
    return members;
}

/**
 * The live processes of a recorded component's process group, or none if the group is not ours
 * any more. While the leader lives, its start time must match the recorded one: a long-dead
 * component's pid may since have gone to an unrelated program. Once the leader is gone, any
 * remaining members are ours, because the kernel does not hand out a pid that is still in use as
 * a process group id.
 */
export function liveProcesses(r: ProcessRecord): number[] {
    const members = groupMembers(r.pid);
    if (members.includes(r.pid) && r.startTime !== undefined && startTime(r.pid) !== r.startTime) {
        return [];
    }
    return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pgid, signal);
    } catch {
        try {
            process.kill(pgid, signal);
        } catch {
            // Already gone.
        }
    }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGone(pgid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
        if (groupMembers(pgid).length === 0) {
            return true;
        }
        if (Date.now() >= deadline) {
            return false;
        }
        await sleep(50);
    }
}

export interface StopOptions {
    readonly graceMs: number;
    readonly log?: (line: string) => void;
}

/**
 * SIGTERM each group in the given order, waiting for it to go before the next (consumers before
 * what they depend on, so nothing logs storms of connection errors), SIGKILL after the grace
 * period. Returns the names of components that survived even SIGKILL.
 */
export async function stopProcesses(records: readonly ProcessRecord[], o: StopOptions): Promise<string[]> {
    const survivors: string[] = [];
    for (const r of records) {
        if (liveProcesses(r).length === 0) {
            continue;
        }
        const t0 = Date.now();
        signalGroup(r.pid, "SIGTERM");
        if (await waitGone(r.pid, o.graceMs)) {
            o.log?.(`stopped ${r.name} (pid ${r.pid}) in ${Date.now() - t0} ms`);
            continue;
        }
        o.log?.(`${r.name} (pid ${r.pid}) ignored SIGTERM for ${o.graceMs / 1000}s, sending SIGKILL`);
        signalGroup(r.pid, "SIGKILL");
        if (!(await waitGone(r.pid, 5000))) {
            survivors.push(`${r.name} (pid ${r.pid})`);
        }
    }
    return survivors;
}
