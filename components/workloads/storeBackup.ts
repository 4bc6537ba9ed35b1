import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import type { ProductId } from "../products/catalog";
import { objectLabels, selectorLabels } from "./labels";
import { PodGroup } from "./networkPolicies";
import { containerSecurityContext, podSecurityContext, resourceRequirements, Resources, RunAs, writablePaths } from "./security";

export interface StoreBackupArgs {
    readonly namespace: k8s.core.v1.Namespace;
    readonly product: ProductId;
    readonly environment: string;
    /** Name of the store being backed up; the CronJob and claim are `<store>-backup`. */
    readonly storeName: string;
    /** Image with the engine's client tools (the store's own image). */
    readonly image: string;
    readonly version: string;
    /** Shell command that writes one backup into /backups and prunes old ones. */
    readonly command: pulumi.Input<string[]>;
    readonly env: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    readonly runAs: RunAs;
    /** Cron schedule in UTC. */
    readonly schedule: string;
    readonly storageSize: string;
    readonly storageClass: string;
    /** Protect the backup claim (prod): a destroy must not take the backups with the data. */
    readonly protect: boolean;
    /** PriorityClass of the backup pods (the platform's `batch` class). */
    readonly priorityClassName: pulumi.Input<string>;
    /** @default 100m/256Mi requests, 1/1Gi limits */
    readonly resources?: Resources;
}

/**
 * A daily logical backup of one store into its own PersistentVolumeClaim. The Soundcore KCP deployment documentation asks for daily
 * backups to S3; no object store or credentials for one exist on this platform, so backups land on
 * a separate claim of the stack's (Retain) storage class, where an off-site copy job can pick them
 * up. Runs never overlap, a missed run is skipped rather than started hours late, and a failed
 * run retries in place.
 */
export class StoreBackup extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;
    public readonly claim: k8s.core.v1.PersistentVolumeClaim;
    /** The backup pods, for the NetworkPolicy that lets them reach the store. */
    public readonly pods: PodGroup;

    constructor(name: string, args: StoreBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:workloads:StoreBackup", name, {}, opts);
        const namespace = args.namespace.metadata.name;
        const identity = {
            name: `${args.storeName}-backup`, product: args.product, environment: args.environment, component: "backup",
        };
        const selector = selectorLabels(identity);
        const labels = objectLabels(identity, args.version);
        this.pods = { name: identity.name, selector, ports: {} };

        this.claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
            metadata: { name: identity.name, namespace, labels: objectLabels(identity) },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClass,
                resources: { requests: { storage: args.storageSize } },
            },
        }, { ...childOptions(this, opts), protect: args.protect });

        const scratch = writablePaths(["/tmp"]);
        const resources = args.resources ?? { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
        this.cronJob = new k8s.batch.v1.CronJob(`${name}-cronjob`, {
            metadata: { name: identity.name, namespace, labels },
            spec: {
                schedule: args.schedule,
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 1800,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 3 * 3600,
                        template: {
                            metadata: { labels: { ...selector, "app.kubernetes.io/version": labels["app.kubernetes.io/version"] } },
                            spec: {
                                restartPolicy: "OnFailure",
                                automountServiceAccountToken: false,
                                priorityClassName: args.priorityClassName,
                                securityContext: podSecurityContext(args.runAs),
                                volumes: [
                                    ...scratch.volumes,
                                    { name: "backups", persistentVolumeClaim: { claimName: this.claim.metadata.name } },
                                ],
                                containers: [{
                                    name: "backup",
                                    image: args.image,
                                    imagePullPolicy: "IfNotPresent",
                                    command: args.command,
                                    env: args.env,
                                    resources: resourceRequirements(resources, scratch),
                                    securityContext: containerSecurityContext(args.runAs),
                                    volumeMounts: [...scratch.mounts, { name: "backups", mountPath: "/backups" }],
                                }],
                            },
                        },
                    },
                },
            },
        }, childOptions(this, opts));
        this.registerOutputs({ schedule: args.schedule });
    }
}
