/**
 * Exemption scheme.
 *
 * A Kubernetes object opts out of ONE named policy with an annotation on its own metadata:
 *
 *     metadata:
 *       annotations:
 *         policy.ai-platform.io/exempt-no-host-path: "Alloy tails /var/log/pods on each node (OPS-142)"
 *
 * - The key is `policy.ai-platform.io/exempt-<policy-name>`; the value is the reason.
 * - A reason is mandatory: at least 10 characters of text, not a bare yes/true/1. Without one, the
 *   annotation is ignored (the policy still reports) and `policy-exemptions` reports the annotation.
 * - An honoured exemption is still reported, as an advisory note quoting the reason and the suppressed
 *   findings; an exemption on a compliant resource is reported as stale. The engine carries only text,
 *   so both notices are written and recognised here (`exemptionNotice`, `staleExemptionNotice`,
 *   `classifyNotice`): the plan counts them apart from findings and fails on a stale one.
 * - Whether exemptions are honoured is the policy's `allowExemptions` config: never-acceptable policies
 *   (privileged, host namespaces, hostProcess, externalIPs, secret literals) default to false and only
 *   dev.json turns them on.
 * - Pod-template annotations do not count: the annotation sits on the object the policy reports.
 */
import { annotationsOf } from "./k8s";
import { isUnknownValueError } from "./unknown";

export const EXEMPTION_DOMAIN = "policy.ai-platform.io";
export const EXEMPTION_PREFIX = `${EXEMPTION_DOMAIN}/exempt-`;
export const MIN_REASON_LENGTH = 10;

export function exemptionKey(policyName: string): string {
    return `${EXEMPTION_PREFIX}${policyName}`;
}

export type Exemption =
    | { readonly present: false }
    | { readonly present: true; readonly valid: boolean; readonly reason: string };

const PLACEHOLDER_REASONS = new Set(["true", "yes", "1", "y", "on", "exempt", "ok", "todo", "n/a", "na", "-"]);

/** Whether an exemption reason is acceptable. */
export function isValidReason(reason: string): boolean {
    const r = reason.trim();
    return r.length >= MIN_REASON_LENGTH && !PLACEHOLDER_REASONS.has(r.toLowerCase());
}

/** Reads the exemption annotation for a policy; an unknown annotations map counts as no exemption. */
export function readExemption(props: any, policyName: string): Exemption {
    let annotations: Record<string, string>;
    try {
        annotations = annotationsOf(props);
    } catch (e) {
        if (isUnknownValueError(e)) {
            return { present: false };
        }
        throw e;
    }
    const key = exemptionKey(policyName);
    if (!Object.prototype.hasOwnProperty.call(annotations, key)) {
        return { present: false };
    }
    const reason = String(annotations[key] ?? "").trim();
    return { present: true, valid: isValidReason(reason), reason };
}

/** The note an honoured exemption reports instead of its findings. */
export function exemptionNotice(objectLabel: string, policyName: string, reason: string, suppressed: readonly string[]): string {
    return `${objectLabel} is exempt from ${policyName} by its annotation ${exemptionKey(policyName)}: "${reason}". ` +
        `Suppressed finding(s): ${suppressed.join(" | ")}`;
}

/** The note an exemption on a compliant object reports. */
export function staleExemptionNotice(objectLabel: string, policyName: string): string {
    return `${objectLabel} carries the exemption annotation ${exemptionKey(policyName)} but complies with ${policyName}; ` +
        `remove the stale exemption so a future regression is caught.`;
}

export type NoticeKind = "finding" | "exempt" | "stale";

const EXEMPT_NOTICE = / is exempt from (\S+) by its annotation (\S+): "/;
const STALE_NOTICE = / carries the exemption annotation (\S+) but complies with (\S+); remove the stale exemption/;

/** What a reported message is: a finding, an honoured exemption, or a stale one (with the annotation to remove). */
export function classifyNotice(policyName: string, message: string): { kind: NoticeKind; annotation?: string; reason?: string } {
    const key = exemptionKey(policyName);
    const stale = STALE_NOTICE.exec(message);
    if (stale && stale[1] === key && stale[2] === policyName) {
        return { kind: "stale", annotation: key };
    }
    const exempt = EXEMPT_NOTICE.exec(message);
    if (exempt && exempt[1] === policyName && exempt[2] === key) {
        const start = exempt.index + exempt[0].length;
        const end = message.indexOf('". Suppressed finding(s): ', start);
        return { kind: "exempt", annotation: key, ...(end > start ? { reason: message.slice(start, end) } : {}) };
    }
    return { kind: "finding" };
}
