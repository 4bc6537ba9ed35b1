/** The exemption checker: validates every policy.ai-platform.io annotation. */
import { explain, Exemptability, PackPolicy, resourcePolicy } from "./lib/core";
import { EXEMPTION_DOMAIN, EXEMPTION_PREFIX, isValidReason, MIN_REASON_LENGTH } from "./lib/exemptions";
import { annotationsOf, isK8sObjectType } from "./lib/k8s";
import { A_M } from "./lib/levels";

function distance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

export function policyExemptions(policies: ReadonlyArray<{ name: string; exemption: Exemptability }>): PackPolicy {
    const byName = new Map(policies.map((p) => [p.name, p.exemption]));
    return resourcePolicy({
        name: "policy-exemptions",
        description: `Exemption annotations (${EXEMPTION_PREFIX}<policy>: "<reason>") name an existing, exemptable policy and give a reason of at least ${MIN_REASON_LENGTH} characters.`,
        anchors: "policy-exemptions: this pack's exemption scheme (pulumi-policy#225, #438)",
        levels: A_M,
        exemption: "no",
        appliesTo: isK8sObjectType,
        check: (res, _cfg, out) => {
            for (const [key, value] of Object.entries(annotationsOf(res.props))) {
                if (!key.startsWith(`${EXEMPTION_DOMAIN}/`)) continue;
                if (!key.startsWith(EXEMPTION_PREFIX)) {
                    out.violation(explain(`${res.label} has the annotation ${key}, which is not an exemption`,
                        `the ${EXEMPTION_DOMAIN} domain is reserved for exemptions`, `use ${EXEMPTION_PREFIX}<policy-name>: "<reason>"`));
                    continue;
                }
                const name = key.slice(EXEMPTION_PREFIX.length);
                const exemption = byName.get(name);
                if (exemption === undefined) {
                    const closest = [...byName.keys()].sort((a, b) => distance(a, name) - distance(b, name))[0];
                    out.violation(explain(`${res.label} annotation ${key} names no policy of this pack`,
                        "a misspelt exemption exempts nothing, so the finding it was meant for is still reported (or the intent is lost)",
                        `use the exact policy name${closest ? ` (did you mean ${EXEMPTION_PREFIX}${closest}?)` : ""}`));
                    continue;
                }
                if (exemption === "no") {
                    out.violation(explain(`${res.label} annotation ${key} tries to exempt ${name}, which cannot be exempted by annotation`,
                        "that policy does not check this object's annotations (or is the exemption checker itself)", "remove the annotation and fix the finding"));
                }
                if (!isValidReason(String(value))) {
                    out.violation(explain(`${res.label} annotation ${key} gives no reason (${JSON.stringify(String(value))})`,
                        "an exemption without a reason cannot be reviewed or revisited, so it is ignored and the policy still reports",
                        `write why the exemption is needed (at least ${MIN_REASON_LENGTH} characters, e.g. the constraint and a ticket)`));
                }
            }
        },
    });
}
