/** The wiring, networking, data protection, platform and exemption policies' case tables (stack.cases.ts). */
import { registerSuites } from "./cases";
import { SUITES } from "./stack.cases";

registerSuites(SUITES);
