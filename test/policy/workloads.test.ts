/** The secrets, access, image, resource and availability policies' case tables (workloads.cases.ts). */
import { registerSuites } from "./cases";
import { SUITES } from "./workloads.cases";

registerSuites(SUITES);
