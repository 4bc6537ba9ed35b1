/**
 * Mocha reporter for CI: mocha's `spec` output in the job log, plus a JUnit XML file for
 * `artifacts:reports:junit` (GitLab reads testsuite/testcase with classname, name, file, time and
 * failure/skipped children). Mocha runs one reporter at a time, so this one is both.
 *
 *     mocha --reporter ./tools/ci/junitReporter.ts --reporter-option output=out/junit.xml
 *
 * Hook failures ("before all" hook …) are reported as failed test cases: they stop the tests that
 * follow, and a report without them would pass a broken run.
 */
import * as fs from "fs";
import * as path from "path";
import Mocha = require("mocha");
import { Case, junitXml } from "./junit";

const { EVENT_RUN_END, EVENT_TEST_FAIL, EVENT_TEST_PASS, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/**
 * The error's class name. Under `mocha --parallel` errors reach the reporter as plain objects without
 * a name, so the name is read from the stack's first line ("AssertionError [ERR_ASSERTION]: …").
 */
function errorType(error: any): string {
    if (typeof error.name === "string" && error.name !== "") {
        return error.name;
    }
    const fromStack = /^([A-Za-z_$][\w$]*)(?: \[[^\]]*\])?:/.exec(String(error.stack ?? ""));
    if (fromStack) {
        return fromStack[1];
    }
    const constructor = error.constructor?.name;
    return typeof constructor === "string" && constructor !== "Object" ? constructor : "Error";
}

class JunitReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options: Mocha.MochaOptions & { reporterOption?: Record<string, string>; reporterOptions?: Record<string, string> }) {
        super(runner, options);
        const output = options.reporterOption?.output ?? options.reporterOptions?.output ?? process.env.MOCHA_JUNIT_FILE;
        if (!output) {
            throw new Error("junitReporter: say where to write the XML: --reporter-option output=<file> (or MOCHA_JUNIT_FILE)");
        }
        const cases: Case[] = [];
        const record = (test: Mocha.Runnable, outcome: Case["outcome"], error?: any) => {
            const titles = test.titlePath();
            cases.push({
                file: path.relative(process.cwd(), test.file ?? "(unknown file)"),
                classname: titles.slice(0, -1).join(" › ") || "(root)",
                name: titles[titles.length - 1] ?? test.title,
                seconds: (test.duration ?? 0) / 1000,
                outcome,
                ...(error ? { error: {
                    message: String(error.message ?? error).split("\n")[0],
                    type: errorType(error),
                    stack: String(error.stack ?? error.message ?? error),
                } } : {}),
            });
        };
        runner.on(EVENT_TEST_PASS, (test) => record(test, "passed"));
        runner.on(EVENT_TEST_FAIL, (test, error) => record(test, "failed", error));
        runner.on(EVENT_TEST_PENDING, (test) => record(test, "skipped"));
        runner.once(EVENT_RUN_END, () => {
            fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
            fs.writeFileSync(output, junitXml(cases));
        });
    }
}

export = JunitReporter;
