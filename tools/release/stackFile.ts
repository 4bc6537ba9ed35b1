/**
 * Setting one key of a Pulumi.<stack>.yaml in place. The yaml package's Document API finds the key
 * and the exact source range of its value; the new value is spliced into the original text at that
 * range, so comments, order, blank lines and every other byte stay as they were (re-serialising the
 * whole document would re-wrap long values and re-indent lists).
 */
import { isMap, isScalar, parse, parseDocument, Scalar } from "yaml";
import { displayPath, parseYamlText } from "../stack/files";

export interface ScalarEdit {
    /** The file's new text. */
    readonly text: string;
    /** The value before (undefined: the key was added). */
    readonly previous?: string;
    /** 1-based line of the key in the new text. */
    readonly line: number;
}

/** A value as YAML source: plain when it reads back as the same string, else in the quotes the old value had (double by default). */
function render(value: string, style: Scalar.Type | undefined): string {
    if (style === Scalar.QUOTE_SINGLE) {
        return `'${value.replace(/'/g, "''")}'`;
    }
    let plainReadsBack = false;
    try {
        plainReadsBack = style !== Scalar.QUOTE_DOUBLE && parse(value) === value && !/[#:\s]/.test(value);
    } catch {
        plainReadsBack = false;
    }
    return plainReadsBack ? value : JSON.stringify(value);
}

function lineOf(text: string, offset: number): number {
    return text.slice(0, offset).split("\n").length;
}

/**
 * Sets `config.<fullKey>` to the string `value`. A missing key is added on a line of its own right
 * after the last present key of `after` (the keys it belongs with), else at the end of the config map.
 * @throws Error naming the file when it has no `config:` map or the key holds something other than a scalar.
 */
export function setConfigScalar(text: string, file: string, fullKey: string, value: string, after: readonly string[] = []): ScalarEdit {
    parseYamlText(text, file);
    const doc = parseDocument(text, { keepSourceTokens: true });
    const config = doc.get("config", true);
    if (!isMap(config)) {
        throw new Error(`${displayPath(file)} has no config: map to set ${fullKey} in`);
    }
    const pair = config.items.find((p) => isScalar(p.key) && p.key.value === fullKey);
    let next: string;
    let line: number;
    let previous: string | undefined;
    if (pair) {
        const node = pair.value;
        if (!isScalar(node) || node.range === undefined || node.range === null) {
            throw new Error(`${displayPath(file)}: ${fullKey} is not a single value (it is ${node === null ? "empty" : "a list or map"}); set it by hand`);
        }
        previous = node.value === null || node.value === undefined ? undefined : String(node.value);
        const [start, end] = node.range;
        next = `${text.slice(0, start)}${render(value, node.type)}${text.slice(end)}`;
        line = lineOf(text, start);
    } else {
        const anchors = config.items.filter((p) => isScalar(p.key) && after.includes(String(p.key.value)));
        const anchor = anchors.length > 0 ? anchors[anchors.length - 1] : config.items[config.items.length - 1];
        const keyNode = anchor && isScalar(anchor.key) ? anchor.key : undefined;
        if (!anchor || !keyNode?.range) {
            throw new Error(`${displayPath(file)}: the config: map is empty; add ${fullKey} by hand`);
        }
        const lineStart = text.lastIndexOf("\n", keyNode.range[0] - 1) + 1;
        const indent = text.slice(lineStart, keyNode.range[0]);
        // After the anchor pair's value: its own line end (comments on that line stay with it).
        const valueEnd = (anchor.value as Scalar | null)?.range?.[2] ?? keyNode.range[2];
        const eol = text.indexOf("\n", Math.max(valueEnd - 1, 0));
        const at = eol < 0 ? text.length : eol + 1;
        const newline = `${indent}${fullKey}: ${render(value, undefined)}\n`;
        next = `${text.slice(0, at)}${eol < 0 ? "\n" : ""}${newline}${text.slice(at)}`;
        line = lineOf(next, at + (eol < 0 ? 1 : 0));
    }
    // The edit must read back as exactly this change (a splice in the wrong place would not).
    const before = (parseYamlText(text, file) as { config: Record<string, unknown> }).config;
    const after2 = (parseYamlText(next, file) as { config: Record<string, unknown> }).config;
    const expected = { ...before, [fullKey]: value };
    if (JSON.stringify(Object.keys(after2).sort()) !== JSON.stringify(Object.keys(expected).sort()) ||
        Object.keys(expected).some((k) => JSON.stringify(after2[k]) !== JSON.stringify(expected[k]))) {
        throw new Error(`internal: editing ${fullKey} in ${displayPath(file)} would change more than that key`);
    }
    return { text: next, previous, line };
}
