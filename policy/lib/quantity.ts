/**
 * Kubernetes resource quantities (`500m`, `2`, `1Gi`, `1.5G`, `1e3`) as numbers: CPU in cores, memory and
 * storage in bytes.
 *
 * The pack keeps its own parser (rather than importing components/lib/quantity.ts) because
 * `pulumi policy publish` uploads only this directory: the pack must not import from outside it.
 */

const BINARY: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
    n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** Parses a quantity; returns undefined when it is not a valid Kubernetes quantity. */
export function parseQuantity(q: unknown): number | undefined {
    if (typeof q === "number") {
        return Number.isFinite(q) ? q : undefined;
    }
    if (typeof q !== "string") {
        return undefined;
    }
    const m = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?)|[eE]([+-]?[0-9]+))$/.exec(q.trim());
    if (!m) {
        return undefined;
    }
    const base = Number(m[1]);
    if (m[2]) {
        return base * BINARY[m[2]];
    }
    if (m[4] !== undefined) {
        return base * 10 ** Number(m[4]);
    }
    return base * DECIMAL[m[3] ?? ""];
}

export function formatCpu(cores: number): string {
    return cores >= 1 ? `${+cores.toFixed(2)}` : `${Math.round(cores * 1000)}m`;
}

export function formatBytes(bytes: number): string {
    const units = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let v = bytes;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${+v.toFixed(2)}${units[i]}`;
}
