/**
 * What the offline evaluation of a stack records for each resource: exactly what the Pulumi engine
 * would receive in its RegisterResource request, so that tests, the policy driver and the offline
 * plan all look at the same data.
 */
export interface RecordedResource {
    /** Full URN, as the engine would build it (parent type chain included). */
    readonly urn: string;
    /** Type token, e.g. `kubernetes:apps/v1:Deployment`, `kubernetes:helm.sh/v3:Release`. */
    readonly type: string;
    /** Logical Pulumi name. */
    readonly name: string;
    /** true for custom (provider) resources, false for components. */
    readonly custom: boolean;
    /** URN of the parent ("" for the stack root). */
    readonly parent: string;
    /** Provider reference (`<urn>::<id>`) for custom resources, "" otherwise. */
    readonly provider: string;
    /**
     * Inputs with secrets unwrapped to their plain values (what a policy reads through the SDK).
     * Tests assert on this; secretness is in `secretPaths`.
     */
    readonly inputs: Record<string, any>;
    /**
     * Inputs exactly as serialized on the wire: secrets are `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value}`.
     * The policy driver sends these to the Analyzer, as the engine does.
     */
    readonly wireInputs: Record<string, any>;
    /** Dotted paths (e.g. `stringData.password`) of input values that are secret on the wire. */
    readonly secretPaths: readonly string[];
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    /** URNs of explicit and implicit dependencies (dependsOn plus inputs' resources). */
    readonly dependencies: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
    readonly ignoreChanges: readonly string[];
}

/** The outcome of evaluating one stack offline. */
export interface StackEvaluation {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly RecordedResource[];
    /** Stack outputs with secrets unwrapped. */
    readonly outputs: Record<string, any>;
    /** Top-level output names whose value is secret. */
    readonly secretOutputs: readonly string[];
    /**
     * What each component passed to registerOutputs, by URN, exactly as serialized on the wire
     * (resource references and secrets in their wire forms): `pulumi up --plan` checks these too.
     */
    readonly componentOutputs: Readonly<Record<string, Record<string, unknown>>>;
}
