/** The Pod Security policies' case tables (podSecurity.cases.ts). */
import { registerSuites } from "./cases";
import { SUITES } from "./podSecurity.cases";

registerSuites(SUITES);
