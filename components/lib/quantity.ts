/**
 * Kubernetes resource quantities as numbers, so config validation, capacity reports and budgets
 * all do the same arithmetic. Only the forms Kubernetes itself accepts are parsed.
 */

const BINARY_SUFFIXES: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Record<string, number> = {
    "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

const CPU_PATTERN = /^(\d+(?:\.\d+)?)(m?)$/;
const BYTES_PATTERN = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** CPU quantity ("500m", "2", "0.5") in millicores, or undefined when it is not one. */
export function parseCpu(quantity: string): number | undefined {
    const match = CPU_PATTERN.exec(quantity);
    if (!match) {
        return undefined;
    }
    const value = Number(match[1]);
    return match[2] === "m" ? value : value * 1000;
}

/** Memory or storage quantity ("512Mi", "1Gi", "10G") in bytes, or undefined when it is not one. */
export function parseBytes(quantity: string): number | undefined {
    const match = BYTES_PATTERN.exec(quantity);
    if (!match) {
        return undefined;
    }
    const suffix = match[2] ?? "";
    const factor = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix];
    return Number(match[1]) * factor;
}

/** Millicores as a short human string: 1500 -> "1.5", 250 -> "250m". */
export function formatCpu(millicores: number): string {
    return millicores % 1000 === 0 || millicores >= 1000
        ? `${Number((millicores / 1000).toFixed(2))}`
        : `${Math.round(millicores)}m`;
}

/** Bytes as a short binary-unit string: 1610612736 -> "1.5Gi". */
export function formatBytes(bytes: number): string {
    const units: Array<[string, number]> = [["Ti", 2 ** 40], ["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]];
    for (const [unit, size] of units) {
        if (bytes >= size) {
            return `${Number((bytes / size).toFixed(2))}${unit}`;
        }
    }
    return `${bytes}`;
}
