/**
 * What a release request means for one stack: which configuration key changes to which value, or
 * why the request is refused. Pure over the stack's configuration values (as tools/stack/projectConfig
 * builds them), so every refusal is tested without a plan. The tag rules are the config module's own
 * (the key's schema and tierTagProblem), never a second copy.
 */
import { CONFIG_KEYS, tierTagProblem } from "../../components/config";
import { PRODUCT_IDS, ProductId, Tier, TIERS } from "../../components/products/catalog";
import { Color, COLORS, RELEASE_KEYS, RELEASE_STRATEGIES, ReleaseKeys, ReleaseStrategy } from "../../components/products/settings";
import { RELEASE_EXIT, ReleaseError } from "./exitCodes";

export const TRACKS = ["blue", "green", "canary"] as const;
export type Track = (typeof TRACKS)[number];
export type Action = "release" | "switch" | "rollback";

export interface ReleaseRequest {
    readonly product: string;
    readonly stack: string;
    readonly action: Action;
    /** release only. */
    readonly tag?: string;
    /** release only; absent: the stable tag (rolling, canary) or the idle color (blue-green). */
    readonly track?: string;
}

/** The stack as the release sees it: its name, short key → wire value (Pulumi.yaml defaults applied). */
export interface StackValues {
    readonly project: string;
    readonly stack: string;
    readonly values: Readonly<Record<string, string>>;
}

/** The color that was live before the current one, from the stack file's history (rollback). */
export interface PreviousColor {
    readonly color: Color;
    /** That color's tag when it was last live. */
    readonly tag: string;
    /** The commit where the live color last changed away from it. */
    readonly commit: string;
}

export interface ReleaseTarget {
    readonly product: ProductId;
    readonly stack: string;
    readonly tier: Tier;
    readonly strategy: ReleaseStrategy;
    readonly action: Action;
    /** "stable", "canary", "blue", "green" (release), or the color switched to. */
    readonly track: string;
    /** Short configuration key that changes. */
    readonly key: string;
    /** Its current value ("" when unset). */
    readonly from: string;
    readonly to: string;
    /** Keys of the same product, to place `key` after when the file lacks it. */
    readonly siblings: readonly string[];
    /** false: the stack already has this value (nothing to release). */
    readonly changed: boolean;
}

const refuse = (message: string): never => {
    throw new ReleaseError(message, RELEASE_EXIT.refused);
};
const usage = (message: string): never => {
    throw new ReleaseError(message, RELEASE_EXIT.usage);
};

export function checkProduct(product: string): ProductId {
    if (!(PRODUCT_IDS as readonly string[]).includes(product)) {
        usage(`unknown product "${product}": the products are ${PRODUCT_IDS.join(", ")}`);
    }
    return product as ProductId;
}

function stackProducts(s: StackValues): string[] {
    try {
        const parsed: unknown = JSON.parse(s.values.products ?? "[]");
        return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
        return [];
    }
}

function stackTier(s: StackValues): Tier {
    const tier = s.values.tier;
    if (!(TIERS as readonly string[]).includes(tier)) {
        throw new ReleaseError(`Pulumi.${s.stack}.yaml: ${s.project}:tier = ${JSON.stringify(tier)}: must be one of ${TIERS.join(", ")}`, RELEASE_EXIT.refused);
    }
    return tier as Tier;
}

function orderedKeys(keys: ReleaseKeys): string[] {
    return [keys.imageTag, keys.canaryImageTag, keys.canaryWeight, keys.blueImageTag, keys.greenImageTag, keys.activeColor]
        .filter((k): k is string => k !== undefined);
}

/** Why `tag` cannot go into `key` in `tier` (the key's own rule, then the tier's), or undefined. */
export function tagProblem(key: string, tier: Tier, tag: string): string | undefined {
    const spec = (CONFIG_KEYS as Record<string, { schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ message: string }> } } } }>)[key];
    const parsed = spec.schema.safeParse(tag);
    if (!parsed.success) {
        return parsed.error!.issues[0].message;
    }
    return tierTagProblem(tier, tag);
}

const other = (color: Color): Color => (color === "blue" ? "green" : "blue");

function activeColor(s: StackValues, keys: ReleaseKeys): Color {
    const value = s.values[keys.activeColor!];
    if (!(COLORS as readonly string[]).includes(value)) {
        refuse(`Pulumi.${s.stack}.yaml: ${s.project}:${keys.activeColor} = ${JSON.stringify(value ?? "")}: must be one of ${COLORS.join(", ")} before a release can use it`);
    }
    return value as Color;
}

/**
 * Resolves a request against the stack's values.
 * @param previous for --rollback: the color live before the current one, or undefined when the history has none.
 * @throws ReleaseError (usage or refused) naming the problem and what is allowed.
 */
export function resolveTarget(request: ReleaseRequest, s: StackValues, previous?: () => PreviousColor | undefined): ReleaseTarget {
    const product = checkProduct(request.product);
    const tier = stackTier(s);
    const deployed = stackProducts(s);
    if (!deployed.includes(product)) {
        refuse(`stack ${s.stack} does not deploy ${product} (its products: ${deployed.join(", ") || "none"}); release it to a stack that lists it`);
    }
    const strategy = RELEASE_STRATEGIES[product][tier];
    const keys = RELEASE_KEYS[product];
    const siblings = orderedKeys(keys);
    const base = { product, stack: s.stack, tier, strategy, action: request.action, siblings };
    const current = (key: string) => s.values[key] ?? "";

    if (request.action === "switch" || request.action === "rollback") {
        if (request.tag !== undefined || request.track !== undefined) {
            usage(`--${request.action} changes only the live color: give it no --tag or --track (release the tag to the idle color first)`);
        }
        if (strategy !== "blue-green") {
            refuse(`--${request.action}: ${product} uses the ${strategy} strategy in the ${tier} tier (stack ${s.stack}); only blue-green releases have a live color to switch`);
        }
        const live = activeColor(s, keys);
        const idle = other(live);
        const idleTagKey = idle === "blue" ? keys.blueImageTag! : keys.greenImageTag!;
        if (request.action === "rollback") {
            const before = previous?.();
            if (before === undefined) {
                refuse(`--rollback: nothing to roll back to: ${keys.activeColor} has been ${live} in every commit of Pulumi.${s.stack}.yaml (use --switch to make ${idle} live)`);
            }
            if (before!.tag !== current(idleTagKey)) {
                refuse(`--rollback: ${before!.color} ran ${before!.tag} when it was last live (until ${before!.commit}), but it has been retagged to ${current(idleTagKey)} since, ` +
                    `so switching back would not restore what ran; release ${before!.tag} to ${before!.color} and --switch, or --switch to go live with ${current(idleTagKey)}`);
            }
        }
        return { ...base, track: idle, key: keys.activeColor!, from: live, to: idle, changed: true };
    }

    if (request.tag === undefined || request.tag === "") {
        usage("--tag <tag> is required to release (or give --switch / --rollback)");
    }
    const tag = request.tag!;
    let track: string;
    let key: string;
    const tracks = strategy === "rolling" ? [] : strategy === "canary" ? ["canary"] : ["blue", "green"];
    if (request.track !== undefined && !(TRACKS as readonly string[]).includes(request.track)) {
        usage(`--track ${request.track}: must be one of ${TRACKS.join(", ")}`);
    }
    if (request.track !== undefined && !tracks.includes(request.track)) {
        refuse(`--track ${request.track}: ${product} uses the ${strategy} strategy in the ${tier} tier (stack ${s.stack}), which has ` +
            `${tracks.length === 0 ? "no tracks (leave --track out)" : `the tracks ${tracks.join(", ")} (or none for the ${strategy === "canary" ? "stable tag" : "idle color"})`}`);
    }
    if (strategy === "rolling") {
        track = "stable";
        key = keys.imageTag;
    } else if (strategy === "canary") {
        track = request.track ?? "stable";
        key = track === "canary" ? keys.canaryImageTag! : keys.imageTag;
    } else {
        const live = activeColor(s, keys);
        const color = (request.track ?? other(live)) as Color;
        if (color === live) {
            refuse(`--track ${color}: ${color} is the live color of ${product} on stack ${s.stack} (${keys.activeColor}); retagging it would change what serves traffic without a switch. ` +
                `Release to the idle color (--track ${other(live)}, or no --track), then --switch`);
        }
        track = color;
        key = color === "blue" ? keys.blueImageTag! : keys.greenImageTag!;
    }
    const problem = tagProblem(key, tier, tag);
    if (problem !== undefined) {
        refuse(`--tag ${JSON.stringify(tag)} for ${key} on stack ${s.stack} (${tier} tier): ${problem}`);
    }
    return { ...base, track, key, from: current(key), to: tag, changed: current(key) !== tag };
}
