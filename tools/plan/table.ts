/** Plain-text tables for the report (no colors, no box drawing: it must read well in CI logs). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]) => indent + cells.map((c, i) => {
        const cell = c ?? "";
        // Right-align columns that are numbers/quantities in every row.
        const numeric = i > 0 && rows.every((r) => /^[\d.~+-]/.test(r[i] ?? "") || (r[i] ?? "") === "");
        return numeric ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
    }).join("  ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}
