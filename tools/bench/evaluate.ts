/**
 * One whole-process evaluation for `npm run bench`: `evaluate.ts <stack> [program]` evaluates the
 * stack (or the given program with the stack's config) under the mocks and exits. The benchmark
 * times the process, so module loading and transpiling count as they do for `npm run plan`.
 */
import { evaluateStack } from "../stack/evaluate";

const [stack, program] = process.argv.slice(2);
evaluateStack(stack, program ? { program } : {}).then((e) => {
    process.stdout.write(`${e.resources.length}\n`);
    process.exit(0);
}, (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
});
