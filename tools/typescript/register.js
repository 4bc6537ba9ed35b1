"use strict";
// `node -r ./tools/typescript/register.js <file.ts>`: ts-node in transpile-only mode with the on-disk
// transpile cache (cachedTranspiler.js). The npm scripts, mocha and every TypeScript process the
// tools and tests start load TypeScript through it. (`pulumi up` does not: the Pulumi CLI registers
// ts-node itself, with type checking.)
require("ts-node").register({ transpileOnly: true, transpiler: require.resolve("./cachedTranspiler.js") });
