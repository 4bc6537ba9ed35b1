// The floor of the Analyzer throughput figure (npm run bench): the same SDK, server and calls as the
// real pack, one resource and one stack policy that do nothing. Plain JavaScript, so run-policy-pack
// starts it without compiling anything.
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("bench-empty", {
    policies: [
        { name: "noop", description: "Does nothing.", enforcementLevel: "advisory", validateResource: () => undefined },
        { name: "noop-stack", description: "Does nothing.", enforcementLevel: "advisory", validateStack: () => undefined },
    ],
});
