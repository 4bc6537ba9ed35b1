/**
 * Where the e2e tier finds its tools: the toolchain that tools/e2e/toolchain.sh builds into the
 * cache, or, for a user who brings a cluster (`--kube-context`), the Pulumi CLI on PATH.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../stack/projectConfig";

export interface Toolchain {
    /** Directory with pulumi and its plugins (and, when built here, the control plane). */
    readonly binDir: string;
    /** PULUMI_HOME holding the installed resource plugins; undefined keeps the user's own. */
    readonly pulumiHome?: string;
    /** The control-plane binaries exist (a toolchain built here, not a CLI from PATH). */
    readonly hasControlPlane: boolean;
    /** Versions as built (versions.json), when built here. */
    readonly versions?: Record<string, unknown>;
}

const SCRIPT = path.join(REPO_ROOT, "tools", "e2e", "toolchain.sh");
const CONTROL_PLANE = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"];

/** The cached toolchain of the committed recipe, or why it is not there. */
export function builtToolchain(): { toolchain?: Toolchain; missing?: string } {
    const result = spawnSync("bash", [SCRIPT, "--print-bin"], { encoding: "utf8" });
    const binDir = result.stdout.trim();
    if (result.status !== 0 || binDir === "") {
        return { missing: `the e2e toolchain is not built (${binDir || "no cache directory"}): run npm run e2e:toolchain` };
    }
    const root = path.dirname(binDir);
    const versionsFile = path.join(root, "versions.json");
    return {
        toolchain: {
            binDir,
            pulumiHome: path.join(root, "pulumi-home"),
            hasControlPlane: CONTROL_PLANE.every((name) => fs.existsSync(path.join(binDir, name))),
            versions: fs.existsSync(versionsFile) ? JSON.parse(fs.readFileSync(versionsFile, "utf8")) : undefined,
        },
    };
}

/** A Pulumi CLI the user installed, found on PATH. */
export function pathToolchain(): Toolchain | undefined {
    const found = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).stdout.trim();
    return found ? { binDir: path.dirname(found), hasControlPlane: false } : undefined;
}
