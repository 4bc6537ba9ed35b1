/**
 * state.json: what a later `stopCluster(stateDir)` (another process, maybe much later) needs to
 * find and stop the cluster. Rewritten after every process start, so a start that fails half way
 * can still be cleaned up.
 */
import * as fs from "fs";
import * as path from "path";
import { ProcessRecord } from "./processes";

export const STATE_FILE = "state.json";

export interface ClusterState {
    readonly version: 1;
    readonly stateDir: string;
    /** Whether stopping removes the state dir (true for a temp dir made by startCluster). */
    readonly removeStateDir: boolean;
    readonly server: string;
    readonly kubeconfig: string;
    readonly contexts: readonly string[];
    readonly ports: Readonly<Record<string, number>>;
    /** In start order; stopped in reverse. */
    readonly processes: readonly ProcessRecord[];
    readonly startedAt: string;
    readonly readyAt?: string;
}

export function writeState(state: ClusterState): void {
    const file = path.join(state.stateDir, STATE_FILE);
    // Write-then-rename: a reader never sees half a file.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + "\n");
    fs.renameSync(`${file}.tmp`, file);
}

/** undefined when there is no state file (never started, or already stopped and removed). */
export function readState(stateDir: string): ClusterState | undefined {
    const file = path.join(stateDir, STATE_FILE);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            return undefined;
        }
        throw err;
    }
    const state = JSON.parse(text) as ClusterState;
    if (state.version !== 1 || !Array.isArray(state.processes)) {
        throw new Error(`${file} is not a cluster state file of this version`);
    }
    return state;
}
