import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Scheduling priorities of the products' pods, so that under node pressure the scheduler evicts
 * and preempts in a deliberate order: databases last, serving pods next, batch work first (and
 * batch never preempts anything). Values stay far below the system classes (2·10⁹).
 */
export interface PriorityClassesArgs {
    /** Label put on every class. */
    readonly labels: Readonly<Record<string, string>>;
}

export class PriorityClasses extends pulumi.ComponentResource {
    /** Stateful stores: losing a member costs a resync or a failover. */
    public readonly data: k8s.scheduling.v1.PriorityClass;
    /** User-facing services. */
    public readonly serving: k8s.scheduling.v1.PriorityClass;
    /** Backups, init and CI jobs: can wait, and never preempt. */
    public readonly batch: k8s.scheduling.v1.PriorityClass;

    constructor(name: string, args: PriorityClassesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:PriorityClasses", name, {}, opts);
        const priorityClass = (suffix: string, value: number, description: string, preemptionPolicy?: string) =>
            new k8s.scheduling.v1.PriorityClass(`${name}-${suffix}`, {
                metadata: { name: `ai-platform-${suffix}`, labels: args.labels },
                value,
                globalDefault: false,
                description,
                ...(preemptionPolicy ? { preemptionPolicy } : {}),
            }, { parent: this });
        this.data = priorityClass("data", 100_000, "Stateful stores of the AI products: evicted last.");
        this.serving = priorityClass("serving", 50_000, "User-facing services of the AI products.");
        this.batch = priorityClass("batch", 1_000, "Backups and one-off jobs: evicted first, never preempt.", "Never");
        this.registerOutputs({});
    }
}
