import type { StackLevels } from "./core";

/** Catalogue column "dev/prod" A/M: advisory in dev, mandatory in staging and prod. */
export const A_M: StackLevels = { dev: "advisory", staging: "mandatory", prod: "mandatory" };
/** Never acceptable, even in dev (M/M). */
export const M_M: StackLevels = { dev: "mandatory", staging: "mandatory", prod: "mandatory" };
/** Best practice everywhere (A/A). */
export const A_A: StackLevels = { dev: "advisory", staging: "advisory", prod: "advisory" };
/** Off in dev, advisory in staging and prod (–/A). */
export const OFF_A: StackLevels = { dev: "disabled", staging: "advisory", prod: "advisory" };
/** Off in dev, mandatory in staging and prod (–/M). */
export const OFF_M: StackLevels = { dev: "disabled", staging: "mandatory", prod: "mandatory" };
/** Production-only protections: off in dev, advisory in staging, mandatory in prod. */
export const PROD_ONLY: StackLevels = { dev: "disabled", staging: "advisory", prod: "mandatory" };
/**
 * Protections of production data: prod only. Staging's stores are rebuilt rather than restored, and
 * `protect` there would turn every routine teardown into a manual unprotect.
 */
export const PROD_DATA: StackLevels = { dev: "disabled", staging: "disabled", prod: "mandatory" };
