/**
 * Reading the project's data files (Pulumi.yaml, Pulumi.<stack>.yaml, policy/config/*.json) so that
 * a syntax error names the file, the line and the column: the parsers name only the position, and
 * a person with four stack files open cannot tell which one is meant.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";

/** A data file that cannot be parsed; the message starts with "<file>, line L, column C:". */
export class DataFileError extends Error {
    constructor(message: string, readonly file: string, readonly line?: number, readonly column?: number) {
        super(message);
        this.name = "DataFileError";
    }
}

/** The file as a person would type it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

function located(file: string, line: number | undefined, column: number | undefined, reason: string, excerpt?: string): DataFileError {
    const where = line === undefined ? displayPath(file) : `${displayPath(file)}, line ${line}, column ${column ?? 1}`;
    return new DataFileError(`${where}: ${reason}${excerpt ? `\n${excerpt}` : ""}`, file, line, column);
}

/** The line of `text` at `line` (1-based) with a caret under `column` (nothing past the last line). */
function excerptAt(text: string, line: number, column: number): string | undefined {
    const source = text.split(/\r?\n/)[line - 1] ?? "";
    return source.trim() === "" ? undefined : `  ${source}\n  ${" ".repeat(Math.max(0, column - 1))}^`;
}

/** Parses YAML; throws a DataFileError naming the file, line and column of the first error. */
export function parseYamlText(text: string, file: string): unknown {
    const doc = parseDocument(text, { prettyErrors: true });
    const error = doc.errors[0];
    if (error) {
        const [start] = error.linePos ?? [];
        // The parser's message repeats the position and an excerpt; keep only its reason.
        const reason = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
        throw located(file, start?.line, start?.col, reason, start ? excerptAt(text, start.line, start.col) : undefined);
    }
    return doc.toJS();
}

export function readYamlFile(file: string): unknown {
    return parseYamlText(fs.readFileSync(file, "utf8"), file);
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
    const before = text.slice(0, offset).split("\n");
    return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Parses JSON; throws a DataFileError naming the file, line and column (V8 names only an offset). */
export function parseJsonText(text: string, file: string): unknown {
    try {
        return JSON.parse(text);
    } catch (error) {
        const message = (error as Error).message;
        const offset = /at position (\d+)/.exec(message);
        const end = /Unexpected end of JSON input/.test(message) ? text.length : undefined;
        const at = offset ? Number(offset[1]) : end;
        const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(/^Unexpected end of JSON input$/, "unexpected end of the file");
        if (at === undefined) {
            throw located(file, undefined, undefined, reason);
        }
        const { line, column } = lineColumn(text, at);
        throw located(file, line, column, reason, excerptAt(text, line, column));
    }
}

export function readJsonFile(file: string): unknown {
    return parseJsonText(fs.readFileSync(file, "utf8"), file);
}
