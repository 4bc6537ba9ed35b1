/**
 * The secret values the e2e tier sets with `pulumi config set --secret`: they must pass the
 * program's own validation (or `pulumi up` fails for the wrong reason), and be unique to the run
 * (or the search of the state for them could find something else).
 */
import { strict as assert } from "assert";
import { CONFIG_KEYS } from "../../components/config/keys";
import { leakForms, secretValuesForRun } from "../../tools/e2e/secrets";
import { evaluateWith, STACKS } from "../helpers/stacks";

const SECRET_KEYS = Object.entries(CONFIG_KEYS).filter(([, spec]) => (spec as { secret?: boolean }).secret).map(([key]) => key).sort();

describe("e2e secret values", () => {
    it("covers every declared secret, each with a value no earlier run had", () => {
        const first = secretValuesForRun();
        const second = secretValuesForRun();
        assert.deepEqual(first.map((s) => s.key).sort(), SECRET_KEYS);
        for (const [i, { key, value }] of first.entries()) {
            assert.notEqual(value, second[i].value, `${key} is the same in two runs`);
            assert.doesNotMatch(value, /offline|placeholder/i, `${key} still carries the offline placeholder's words`);
        }
    });

    for (const stack of STACKS) {
        it(`passes the program's validation on ${stack}`, async () => {
            const overrides = Object.fromEntries(secretValuesForRun().map(({ key, value }) => [key, value]));
            const evaluation = await evaluateWith(stack, overrides);
            assert.ok(evaluation.resources.length > 100, `${stack} registered only ${evaluation.resources.length} resources`);
        });
    }

    it("looks for a leak as the value itself, base64 and URL-encoded", () => {
        const forms = leakForms("a b/c");
        assert.deepEqual(forms.sort(), ["YSBiL2M=", "a b/c", "a%20b%2Fc"].sort());
    });
});
