import { arr, isObject, str, stringMap } from "./values";

/**
 * Does a LabelSelector (`{matchLabels, matchExpressions}`) select these labels? An empty selector
 * selects everything (NetworkPolicy/PDB semantics); `undefined` selects nothing.
 */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    if (!isObject(selector)) {
        return false;
    }
    const matchLabels = stringMap(selector.matchLabels);
    for (const [k, v] of Object.entries(matchLabels)) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const expr of arr(selector.matchExpressions)) {
        const key = str(expr?.key) ?? "";
        const op = str(expr?.operator) ?? "";
        const values = arr(expr?.values).map(String);
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (op) {
            case "In":
                if (!has || !values.includes(labels[key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false;
        }
    }
    return true;
}

/** Is this LabelSelector empty (`{}`: selects every pod of the namespace)? */
export function isEmptySelector(selector: unknown): boolean {
    if (selector === undefined || selector === null) {
        return true;
    }
    if (!isObject(selector)) {
        return false;
    }
    return Object.keys(stringMap(selector.matchLabels)).length === 0 && arr(selector.matchExpressions).length === 0;
}

/** Service-style selector (a plain map): selects labels that contain every pair. Empty selects nothing. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector);
    if (entries.length === 0) {
        return false;
    }
    return entries.every(([k, v]) => labels[k] === v);
}

export function selectorToString(selector: unknown): string {
    if (!isObject(selector)) {
        return "{}";
    }
    if (selector.matchLabels === undefined && selector.matchExpressions === undefined) {
        return JSON.stringify(stringMap(selector));
    }
    return JSON.stringify({ matchLabels: stringMap(selector.matchLabels), matchExpressions: arr(selector.matchExpressions) });
}
