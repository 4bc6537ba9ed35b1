/**
 * The baseline for `npm run bench`: a program that registers a single resource, evaluated with the
 * same SDK, mocks and stack configuration as the real program. What the real plan costs beyond this
 * is the program itself (and the plan's checks), not the SDK's fixed start-up work.
 */
import * as k8s from "@pulumi/kubernetes";

new k8s.core.v1.Namespace("bench", { metadata: { name: "bench" } });
