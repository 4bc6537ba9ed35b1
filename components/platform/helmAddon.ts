import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/options";
import { ChartPin } from "./charts";

export interface HelmAddonArgs {
    /** Chart coordinates, release name and timeout (from charts.ts, after stack overrides). */
    readonly pin: ChartPin;
    /** Namespace the release installs into; created beforehand, never by Helm. */
    readonly namespace: k8s.core.v1.Namespace;
    /** Chart values. Never put secret values here: Release values are stored in plain text. */
    readonly values: pulumi.Input<Record<string, unknown>>;
}

/**
 * One Helm add-on as a helm.v3.Release. Release (not Chart v4) because cert-manager,
 * ingress-nginx and kube-prometheus-stack rely on Helm hooks, which Chart v4 drops; the same
 * resource for every add-on keeps upgrades and rollbacks uniform. Helm waits for readiness (no
 * skipAwait), so `dependsOn: [addon]` really means "after it is up".
 */
export class HelmAddon extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Release name: prefix of the chart's object names and its `release` label. */
    public readonly releaseName: string;

    constructor(name: string, args: HelmAddonArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ai-platform:platform:HelmAddon", name, {}, opts);
        const { pin } = args;
        this.releaseName = pin.releaseName;
        this.release = new k8s.helm.v3.Release(name, {
            name: pin.releaseName,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
            namespace: args.namespace.metadata.name,
            createNamespace: false,
            values: args.values,
            timeout: pin.timeoutSeconds,
            // A failed upgrade is rolled back instead of leaving a half-applied release behind.
            atomic: true,
            cleanupOnFail: true,
            maxHistory: 10,
        }, childOptions(this, opts));
        this.registerOutputs({ status: this.release.status });
    }
}
