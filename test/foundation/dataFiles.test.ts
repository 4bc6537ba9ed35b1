/**
 * A syntax error in a data file names the file, the line and the column: Pulumi.yaml, every stack
 * file (readStackFile, which the plan, the tests and the e2e tier read stacks through) and every
 * policy config file (the driver's loader and the budget reader). Positions are those of the
 * broken text written here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readBudgetSettings } from "../../tools/plan/budget";
import { loadPolicyConfigFile } from "../../tools/policy/config";
import { loadStackConfig, policyConfigPath, readProjectFile } from "../../tools/stack/projectConfig";
import { ROOT } from "../helpers/stacks";

describe("data files: syntax errors name file, line and column", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-files-"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.mkdirSync(path.join(dir, "policy", "config"), { recursive: true });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const thrown = (f: () => unknown): string => {
        try {
            f();
        } catch (error) {
            return (error as Error).message;
        }
        return assert.fail("expected an error");
    };

    it("Pulumi.yaml", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: ai-platform\nconfig:\n  tier:\n    type: string\n   description: misplaced\n");
        const message = thrown(() => readProjectFile(dir));
        assert.match(message, /Pulumi\.yaml, line 5, column \d+: All mapping items must start at the same column\n {5}description: misplaced\n/);
    });

    it("a stack file, through the stack loader", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), 'config:\n  ai-platform:environment: qa\n  ai-platform:alertSlackChannel: "#alerts-qa\n');
        const message = thrown(() => loadStackConfig("qa", { projectDir: dir }));
        // The parser reports where the quoted value runs out: the end of this file.
        assert.match(message, /^(\S*\/)?Pulumi\.qa\.yaml, line 4, column 1: Missing closing "quote$/);
    });

    it("a policy config file, for the policy driver and for the budget", () => {
        const file = path.join(dir, "policy", "config", "qa.json");
        fs.writeFileSync(file, '{\n    "all": "mandatory"\n    "stack-resource-budget": { "cpu": "4" }\n}\n');
        for (const message of [thrown(() => loadPolicyConfigFile(file)), thrown(() => readBudgetSettings("qa", dir))]) {
            assert.match(message, /qa\.json, line 3, column 5: Expected ',' or '}' after property value\n {6}"stack-resource-budget".*\n {6}\^$/);
        }
    });

    it("a policy config file cut short", () => {
        const file = path.join(dir, "policy", "config", "qa.json");
        fs.writeFileSync(file, '{\n  "all": "advisory",\n');
        assert.match(thrown(() => loadPolicyConfigFile(file)), /qa\.json, line 3, column 1: /);
    });

    it("a stack without a policy config of its own uses its tier's", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "config:\n  ai-platform:environment: qa\n  ai-platform:tier: staging\n");
        fs.writeFileSync(path.join(dir, "policy", "config", "staging.json"), "{}\n");
        assert.equal(policyConfigPath("qa", dir), path.join(dir, "policy", "config", "staging.json"));
        fs.writeFileSync(path.join(dir, "policy", "config", "qa.json"), "{}\n");
        assert.equal(policyConfigPath("qa", dir), path.join(dir, "policy", "config", "qa.json"));
    });
});
