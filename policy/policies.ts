/**
 * Every policy of the pack, in catalogue order. Importing this module has no side effect (index.ts
 * creates the PolicyPack, which starts the gRPC server), so tests and tools can use it in-process.
 */
import { PackPolicy } from "./lib/core";
import {
    apparmor, capabilities, noHostNamespaces, noHostPath, noHostPorts, noHostProcess, noPrivileged,
    noPrivilegeEscalation, noProbeHost, noSaTokenAutomount, nonRootGroups, procMount, readOnlyRootFilesystem,
    runAsNonRoot, safeSysctls, seccomp, selinux, volumeTypes,
} from "./podSecurity";
import { noSecretLiterals, productRbacScope, rbacLeastPrivilege } from "./secrets";
import { imagePullAlways, imageRegistryAllowlist, imageTagPinned } from "./images";
import { resourcesExtra, resourcesSet } from "./resources";
import {
    exposedNeedsPdb, hpaMinProd, hpaSane, minReplicas, noBarePods, noReplicasWithHpa, pdbAllowsEviction, pdbRequired,
    priorityClass, probes, spread,
} from "./availability";
import { cronjobSafety, envNoDupKeys, labels, noDefaultNamespace, stableApis, workloadWiring } from "./hygiene";
import {
    ingressCertManager, ingressHosts, ingressTargetsService, ingressTls, namespaceDefaultDeny, namespacePssLabel,
    netpolCoverage, noExternalIps, serviceTargetsPod, serviceType,
} from "./networking";
import { configRefsResolve, prodStatefulProtected } from "./dataProtection";
import { helmReleasePinned, providerTargeting } from "./platform";
import { stackResourceBudget } from "./stack";
import { gitlabMaskedVarValid, gitlabSecretVarProtected } from "./gitlab";
import { policyExemptions } from "./meta";

export const PACK_NAME = "ai-platform";

export function allPolicies(): PackPolicy[] {
    const policies: PackPolicy[] = [
        // Pod security (PSS baseline/restricted and friends)
        noPrivileged(), noHostNamespaces(), noHostPath(), noHostPorts(), noHostProcess(), capabilities(),
        noPrivilegeEscalation(), runAsNonRoot(), nonRootGroups(), seccomp(), apparmor(), selinux(), procMount(),
        safeSysctls(), volumeTypes(), noProbeHost(), readOnlyRootFilesystem(), noSaTokenAutomount(),
        // Secrets and access
        noSecretLiterals(), rbacLeastPrivilege(), productRbacScope(),
        // Images
        imageTagPinned(), imageRegistryAllowlist(), imagePullAlways(),
        // Resources
        resourcesSet(), resourcesExtra(),
        // Availability
        probes(), noBarePods(), minReplicas(), noReplicasWithHpa(), pdbRequired(), pdbAllowsEviction(), hpaSane(),
        spread(), priorityClass(),
        // Wiring and hygiene
        workloadWiring(), cronjobSafety(), envNoDupKeys(),
        // Networking
        netpolCoverage(), serviceTargetsPod(), serviceType(), noExternalIps(), ingressTargetsService(), ingressTls(),
        ingressHosts(),
        // Hygiene
        labels(), noDefaultNamespace(), stableApis(),
        // Stack-level checks no single-object tool has
        stackResourceBudget(), namespaceDefaultDeny(), namespacePssLabel(), exposedNeedsPdb(), hpaMinProd(),
        prodStatefulProtected(), ingressCertManager(), configRefsResolve(), helmReleasePinned(),
        gitlabMaskedVarValid(), gitlabSecretVarProtected(), providerTargeting(),
    ];
    policies.push(policyExemptions(policies.map((p) => ({ name: p.name, exemption: p.doc.exemption }))));
    return policies;
}
