/** JUnit XML as GitLab reads it (`artifacts:reports:junit`), from a list of test cases. */

export interface Case {
    readonly file: string;
    readonly classname: string;
    readonly name: string;
    readonly seconds: number;
    readonly outcome: "passed" | "failed" | "skipped";
    readonly error?: { readonly message: string; readonly type: string; readonly stack: string };
}

/** XML 1.0 text: escaped, and without the control characters XML cannot carry (ANSI escapes, …). */
export function xmlText(text: string): string {
    return text
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
        .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function attributes(values: Record<string, string | number>): string {
    return Object.entries(values).map(([k, v]) => ` ${k}="${xmlText(String(v))}"`).join("");
}

export function junitXml(cases: readonly Case[], name = "mocha"): string {
    const byFile = new Map<string, Case[]>();
    for (const c of cases) {
        byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
    }
    const count = (list: readonly Case[], outcome: Case["outcome"]) => list.filter((c) => c.outcome === outcome).length;
    const time = (list: readonly Case[]) => list.reduce((t, c) => t + c.seconds, 0).toFixed(3);
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
    lines.push(`<testsuites${attributes({ name, tests: cases.length, failures: count(cases, "failed"), errors: 0, skipped: count(cases, "skipped"), time: time(cases) })}>`);
    for (const [file, list] of byFile) {
        lines.push(`  <testsuite${attributes({ name: file, file, tests: list.length, failures: count(list, "failed"), errors: 0, skipped: count(list, "skipped"), time: time(list) })}>`);
        for (const c of list) {
            const open = `    <testcase${attributes({ classname: c.classname, name: c.name, file: c.file, time: c.seconds.toFixed(3) })}`;
            if (c.outcome === "passed") {
                lines.push(`${open}/>`);
            } else if (c.outcome === "skipped") {
                lines.push(`${open}>`, "      <skipped/>", "    </testcase>");
            } else {
                lines.push(`${open}>`, `      <failure${attributes({ message: c.error!.message, type: c.error!.type })}>${xmlText(c.error!.stack)}</failure>`, "    </testcase>");
            }
        }
        lines.push("  </testsuite>");
    }
    lines.push("</testsuites>");
    return `${lines.join("\n")}\n`;
}
