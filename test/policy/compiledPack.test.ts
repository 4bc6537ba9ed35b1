/**
 * The pack the engine runs is compiled JavaScript (policy/bin): it must refuse to run older code than
 * its sources, and its one shared deserialization per request must hand every policy the same values.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { assertBuiltFromCurrentSources, staleSources } from "../../policy/lib/freshness";
import { shareDeserializedProperties } from "../../policy/lib/sharedProps";

describe("compiled policy pack", () => {
    describe("refuses to start when its sources are newer than its output", () => {
        let dir: string;
        const write = (file: string, when: number) => {
            const full = path.join(dir, file);
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, "");
            fs.utimesSync(full, when, when);
        };
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-freshness-"));
            write("index.ts", 1000);
            write("lib/a.ts", 1000);
            write("lib/types.d.ts", 5000);
            write("node_modules/x/index.ts", 5000);
            write("bin/index.js", 2000);
            write("bin/lib/a.js", 2000);
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("accepts output newer than every source (declaration files and node_modules do not count)", () => {
            assert.deepStrictEqual(staleSources(dir, path.join(dir, "bin")), []);
            assertBuiltFromCurrentSources(path.join(dir, "bin", "index.js"));
        });

        it("names an edited source and a source without output, and the command that rebuilds", () => {
            write("lib/a.ts", 3000);
            write("lib/new.ts", 1000);
            assert.deepStrictEqual(staleSources(dir, path.join(dir, "bin")), ["lib/a.ts", "lib/new.ts"]);
            assert.throws(() => assertBuiltFromCurrentSources(path.join(dir, "bin", "index.js")),
                /bin\/ is older than lib\/a\.ts, lib\/new\.ts: run `npm run policy:build`/);
        });

        it("does not check when run from TypeScript, or where no sources are shipped", () => {
            write("lib/a.ts", 3000);
            assertBuiltFromCurrentSources(path.join(dir, "index.ts"));
            fs.rmSync(path.join(dir, "index.ts"));
            assertBuiltFromCurrentSources(path.join(dir, "bin", "index.js"));
        });
    });

    it("deserializes a request's properties once for all policies, except for remediation", () => {
        shareDeserializedProperties();
        shareDeserializedProperties();
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const sdk = require("@pulumi/policy/deserialize");
        const struct = structPb.Struct.fromJavaScript({ metadata: { name: "web", labels: { app: "web" } }, replicas: 2 });
        const first = sdk.deserializeProperties(struct, false);
        assert.deepStrictEqual(first, { metadata: { name: "web", labels: { app: "web" } }, replicas: 2 });
        assert.strictEqual(sdk.deserializeProperties(struct, false), first);
        const other = structPb.Struct.fromJavaScript({ replicas: 3 });
        assert.deepStrictEqual(sdk.deserializeProperties(other, false), { replicas: 3 });
        assert.notStrictEqual(sdk.deserializeProperties(struct, true), first);
    });
});
