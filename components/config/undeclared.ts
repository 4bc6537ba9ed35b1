/**
 * Keys a stack sets in the project's namespace that Pulumi.yaml does not declare.
 *
 * The Pulumi CLI accepts them silently (it checks declared keys for type and presence, never the
 * other way round), so a typo such as `ingresReplicas` would leave `ingressReplicas` at its
 * default in production. The program refuses them instead, under the real engine and in the
 * offline evaluation alike, naming the closest declared key.
 */

/** Edit distance, for "did you mean": small keys, so the quadratic table is cheap. */
function distance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
    for (let i = 1; i <= x.length; i++) {
        const current = [i];
        for (let j = 1; j <= y.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[y.length];
}

/** The declared key nearest to `key`, when it is near enough to be a likely typo. */
export function closestKey(key: string, declared: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of declared) {
        const d = distance(key, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * One problem line per key of `config` (full "project:key" names, as the engine passes them) in
 * the project's namespace that is not in `declared`. Keys of other namespaces (provider settings
 * such as `kubernetes:context`) belong to their packages and are left alone.
 */
export function undeclaredKeyProblems(project: string, config: Record<string, string>, declared: readonly string[]): string[] {
    const prefix = `${project}:`;
    const known = new Set(declared);
    return Object.keys(config)
        .filter((fullKey) => fullKey.startsWith(prefix) && !known.has(fullKey.slice(prefix.length)))
        .sort()
        .map((fullKey) => {
            const key = fullKey.slice(prefix.length);
            const suggestion = closestKey(key, declared);
            return `${fullKey} is not a configuration key of this project` +
                (suggestion ? `: did you mean ${prefix}${suggestion}?` : "") +
                " (every key is declared in Pulumi.yaml; remove it or declare it there)";
        });
}
