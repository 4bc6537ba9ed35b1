/**
 * Credentials recognised by their value alone, whatever the variable or key is called: secretlint's
 * recommended rules (@secretlint/secretlint-rule-preset-recommend: AWS, GCP service-account keys,
 * GitHub, Slack, npm, OpenAI, Anthropic, SendGrid, Shopify, Linear, 1Password, PEM private keys,
 * database and basic-auth URLs) plus a few shapes of the pack's own.
 *
 * secretlint 12 and later require Node 22; 11.7 is the last line that runs on Node 20, and its preset
 * has no GitLab or Azure rule (secretlint has never published an Azure one). `OWN_PATTERNS` covers those,
 * and PEM headers in any spelling (the preset only accepts exact `-----BEGIN RSA|DSA|EC|OPENSSH|PGP
 * PRIVATE KEY-----` blocks with a real-looking body; a truncated or placeholder key is still a key
 * pasted where it does not belong).
 *
 * Results never carry the value or a part of it, only what kind of credential it is and where.
 */
import { createRequire } from "module";
import { pathToFileURL } from "url";

export interface SecretKind {
    /** "a GitHub token": how a message names what was found. */
    readonly kind: string;
    /** Which detector found it: the secretlint rule, or `ai-platform pattern`. */
    readonly by: string;
}

interface LintMessage {
    readonly ruleId: string;
    readonly messageId?: string;
    readonly range: readonly [number, number];
}

type LintSource = (args: {
    source: { content: string; filePath: string; ext: string; contentType: "text" };
    options: { config: { rules: unknown[] }; maskSecrets?: boolean; noPhysicFilePath?: boolean };
}) => Promise<{ messages: LintMessage[] }>;

const RULE_PREFIX = "@secretlint/secretlint-rule-";

/** What each secretlint rule finds, in message words. */
const RULE_KINDS: Record<string, string> = {
    "1password": "a 1Password service-account token",
    anthropic: "an Anthropic API key",
    aws: "an AWS access key",
    basicauth: "a URL with an embedded password",
    "database-connection-string": "a URL with an embedded password",
    gcp: "a GCP service-account key",
    github: "a GitHub token",
    linear: "a Linear API key",
    npm: "an npm token",
    openai: "an OpenAI API key",
    privatekey: "a PEM private key",
    sendgrid: "a SendGrid API key",
    shopify: "a Shopify token",
    slack: "a Slack token or webhook URL",
};

/** secretlint messages that are not credentials. */
const NOT_SECRET_MESSAGES = new Set(["AWSAccountID"]);

/** Shapes the Node-20 line of the preset does not know, and PEM headers in any spelling. */
const OWN_PATTERNS: ReadonlyArray<{ kind: string; re: RegExp }> = [
    { kind: "a PEM private key", re: /-{3,}\s*BEGIN\s+(?:[A-Z0-9]+\s+)*PRIVATE\s+KEY(?:\s+BLOCK)?\s*-{3,}/i },
    { kind: "a PuTTY private key", re: /PuTTY-User-Key-File-\d+:/ },
    // Personal, OAuth, deploy, runner, CI job, trigger, feed, incoming-mail, agent, SCIM, feature-flag and workspace tokens.
    { kind: "a GitLab token", re: /(?<![A-Za-z0-9])(?:glpat|gloas|gldt|glrt|glrtr|glcbt|glptt|glft|glimt|glagent|glsoat|glffct|glwt)-[0-9A-Za-z_-]{20,}/ },
    { kind: "a GitLab runner registration token", re: /(?<![A-Za-z0-9])GR1348941[0-9A-Za-z_-]{20,}/ },
    { kind: "an Azure storage or Service Bus key", re: /(?:^|;)\s*(?:AccountKey|SharedAccessKey)\s*=\s*[A-Za-z0-9+/]{20,}={0,2}/i },
    { kind: "an Azure shared access signature", re: /[?&]sv=\d{4}-\d{2}-\d{2}&(?:[^&\s]*&)*sig=[A-Za-z0-9%+/=]{20,}/ },
    { kind: "a connection string with a password", re: /(?:^|;)\s*(?:Password|Pwd)\s*=\s*[^;\s$][^;]*/i },
    { kind: "a Hugging Face token", re: /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}(?![A-Za-z0-9])/ },
];

/** `$(VAR)`, `${VAR}`, `{{ .Values.x }}` and a shell `:$VAR@` password are references resolved later, not values. */
const REFERENCE = /\$\(|\$\{|\{\{|:\$[A-Za-z_]/;

/** Shorter strings cannot hold any of the shapes above. */
const MIN_LENGTH = 8;

interface Scanner {
    readonly lint: LintSource;
    readonly config: { rules: unknown[] };
}

let loading: Promise<Scanner> | undefined;

// TypeScript compiles `import()` to `require()` in a CommonJS project; secretlint is ESM-only, and a real
// dynamic import loads it on every Node version the project supports (require of ESM needs 20.19/22.12).
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

async function load(): Promise<Scanner> {
    const coreEntry = require.resolve("@secretlint/core");
    const fromCore = createRequire(coreEntry);
    const [core, preset, profiler] = await Promise.all([
        importEsm(pathToFileURL(coreEntry).href),
        importEsm(pathToFileURL(require.resolve("@secretlint/secretlint-rule-preset-recommend")).href),
        importEsm(pathToFileURL(fromCore.resolve("@secretlint/profiler")).href),
    ]);
    // The profiler marks the global performance timeline several dozen times per scan and a
    // PerformanceObserver keeps every entry, searching all of them on each mark: a long-lived pack
    // would slow down quadratically. The pack does not read secretlint's profile.
    profiler.secretLintProfiler.mark = () => undefined;
    const creator = preset.creator;
    return {
        lint: core.lintSource as LintSource,
        config: {
            rules: [{
                id: creator.meta.id,
                rule: creator,
                // Access key IDs (AKIA…/ASIA…) are off by default in the preset; a literal one means its secret is close by.
                rules: [{ id: `${RULE_PREFIX}aws`, options: { enableIDScanRule: true } }],
            }],
        },
    };
}

/** The scanner, loaded once per process on first use (so the pack starts as fast as before). */
function scanner(): Promise<Scanner> {
    loading ??= load().catch((e) => {
        loading = undefined;
        throw new Error(`no-secret-literals: cannot load the secret scanner (@secretlint/core): ${(e as Error).message}`);
    });
    return loading;
}

function ownMatches(value: string): SecretKind[] {
    const found: SecretKind[] = [];
    for (const p of OWN_PATTERNS) {
        const m = p.re.exec(value);
        if (m && !REFERENCE.test(m[0])) {
            found.push({ kind: p.kind, by: "ai-platform pattern" });
        }
    }
    return found;
}

async function lintOne(s: Scanner, value: string): Promise<SecretKind[]> {
    // The GCP rule only looks at JSON documents (it parses them for private_key_id and private_key).
    const ext = /^\s*\{/.test(value) ? ".json" : "";
    const result = await s.lint({
        source: { content: value, filePath: `literal${ext}`, ext, contentType: "text" },
        options: { config: s.config, maskSecrets: true, noPhysicFilePath: true },
    });
    const found: SecretKind[] = [];
    for (const m of result.messages) {
        if (m.messageId && NOT_SECRET_MESSAGES.has(m.messageId)) continue;
        if (REFERENCE.test(value.slice(m.range[0], m.range[1]))) continue;
        const rule = m.ruleId.startsWith(RULE_PREFIX) ? m.ruleId.slice(RULE_PREFIX.length) : m.ruleId;
        found.push({ kind: RULE_KINDS[rule] ?? `a credential (${m.messageId ?? rule})`, by: `secretlint rule ${rule}` });
    }
    return found;
}

/** Worth handing to the scanner: long enough, and not a number or a flag. */
export function scannable(value: string): boolean {
    return value.length >= MIN_LENGTH && !/^[0-9.]+$/.test(value) && !/^(true|false)$/i.test(value);
}

/** The credentials found in each value (same order; an empty list for a clean value), one entry per detector that fired. */
export async function scanValues(values: readonly string[]): Promise<SecretKind[][]> {
    const s = await scanner();
    return Promise.all(values.map(async (value) => {
        if (!scannable(value)) {
            return [];
        }
        return [...ownMatches(value), ...await lintOne(s, value)];
    }));
}
