import { caseSuites, defineCases } from "./cases";
import { broken, container, edit, podSpec, secureContainerContext } from "./fixtures";

/** Registered by the test file of the same name; counted by the coverage check in config.test.ts. */
const { suites, suite } = caseSuites();
export const SUITES = suites;

const EXEMPT = (policy: string, reason = "Node agent reads host logs; reviewed in OPS-142") =>
    (w: any) => { w.metadata.annotations = { ...(w.metadata.annotations ?? {}), [`policy.ai-platform.io/exempt-${policy}`]: reason }; };

const initContainer = (extra: Record<string, any> = {}) => ({
    name: "migrate", image: "registry.gitlab.com/acme/shop-web:1.4.2", imagePullPolicy: "Always",
    resources: { requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "1Gi" }, limits: { memory: "128Mi", "ephemeral-storage": "1Gi" } },
    securityContext: { ...secureContainerContext(), ...extra },
});

suite("pod security policies", () => {
    defineCases("no-privileged", [
        { title: "privileged container in a Deployment", resources: () => broken("web", (w) => { container(w).securityContext.privileged = true; }),
            expect: ['Deployment shop/web, container "web"', "spec.template.spec.containers[0].securityContext.privileged", "is true"], on: "web" },
        { title: "privileged init container", resources: () => broken("web", (w) => { podSpec(w).initContainers = [initContainer({ privileged: true })]; }),
            expect: ['initContainer "migrate"', "initContainers[0].securityContext.privileged"] },
        { title: "privileged ephemeral container in a StatefulSet", resources: () => broken("db", (w) => { podSpec(w).ephemeralContainers = [{ name: "debug", image: "busybox:1.36", securityContext: { privileged: true } }]; }),
            expect: ['StatefulSet shop/db, ephemeralContainer "debug"'] },
        { title: "privileged CronJob container", resources: () => broken("db-backup", (w) => { container(w).securityContext.privileged = true; }),
            expect: ["CronJob shop/db-backup", "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"] },
        { title: "mandatory even in dev", stack: "dev", level: "mandatory", resources: () => broken("web", (w) => { container(w).securityContext.privileged = true; }),
            expect: ["securityContext.privileged"] },
        { title: "an exemption is not honoured in prod", resources: () => broken("web", (w) => { container(w).securityContext.privileged = true; EXEMPT("no-privileged")(w); }),
            expect: ["securityContext.privileged", "cannot be exempted in this stack"], level: "mandatory" },
    ]);
    defineCases("no-host-namespaces", [
        { title: "hostPID", resources: () => broken("web", (w) => { podSpec(w).hostPID = true; }), expect: ["spec.template.spec.hostPID", "is true"] },
        { title: "hostNetwork on a CronJob", resources: () => broken("db-backup", (w) => { podSpec(w).hostNetwork = true; }), expect: ["CronJob shop/db-backup", "hostNetwork"] },
        { title: "hostIPC, mandatory in dev", stack: "dev", level: "mandatory", resources: () => broken("db", (w) => { podSpec(w).hostIPC = true; }), expect: ["hostIPC"] },
    ]);
    defineCases("no-host-path", [
        { title: "docker socket mount", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "sock", hostPath: { path: "/var/run/docker.sock" } }); }),
            expect: ["volumes[1].hostPath", "\"/var/run/docker.sock\"", "container-runtime socket"] },
        { title: "host log directory", resources: () => broken("db", (w) => { podSpec(w).volumes.push({ name: "logs", hostPath: { path: "/var/log" } }); }),
            expect: ["\"/var/log\"", "node's filesystem"] },
        { title: "advisory in dev", stack: "dev", level: "advisory", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "h", hostPath: { path: "/etc" } }); }), expect: ["\"/etc\""] },
        { title: "exempted with a reason: reported as an advisory note", level: "advisory",
            resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "logs", hostPath: { path: "/var/log" } }); EXEMPT("no-host-path")(w); }),
            expect: ["is exempt from no-host-path", "Node agent reads host logs; reviewed in OPS-142", "Suppressed finding(s)", "\"/var/log\""] },
        { title: "an exemption without a reason is ignored", level: "mandatory",
            resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "logs", hostPath: { path: "/var/log" } }); EXEMPT("no-host-path", "yes")(w); }),
            expect: ["\"/var/log\"", "is ignored: it gives no reason"] },
    ]);
    defineCases("no-host-ports", [
        { title: "hostPort", resources: () => broken("web", (w) => { container(w).ports[0].hostPort = 8080; }), expect: ["ports[0].hostPort", "is 8080"] },
        { title: "hostPort 0 is fine", resources: () => broken("web", (w) => { container(w).ports[0].hostPort = 0; }) },
    ]);
    defineCases("no-host-process", [
        { title: "pod-level hostProcess", resources: () => broken("web", (w) => { podSpec(w).securityContext.windowsOptions = { hostProcess: true }; }),
            expect: ["securityContext.windowsOptions.hostProcess", "is true"] },
        { title: "container-level hostProcess", resources: () => broken("web", (w) => { container(w).securityContext.windowsOptions = { hostProcess: true }; }),
            expect: ['container "web"', "windowsOptions.hostProcess"] },
    ]);
    defineCases("capabilities", [
        { title: "adds SYS_ADMIN", resources: () => broken("web", (w) => { container(w).securityContext.capabilities.add = ["SYS_ADMIN"]; }),
            expect: ["securityContext.capabilities.add", "adds SYS_ADMIN", "near-root"] },
        { title: "adds a baseline capability beyond NET_BIND_SERVICE", resources: () => broken("web", (w) => { container(w).securityContext.capabilities.add = ["CHOWN"]; }),
            expect: ["adds CHOWN"] },
        { title: "does not drop ALL", resources: () => broken("db", (w) => { delete container(w).securityContext.capabilities; }),
            expect: ['container "postgres"', "capabilities.drop", "does not contain ALL"] },
        { title: "NET_BIND_SERVICE may be added", resources: () => broken("web", (w) => { container(w).securityContext.capabilities.add = ["NET_BIND_SERVICE"]; }) },
        { title: "baseline set allowed by config", config: { allowedAdd: ["CHOWN", "NET_BIND_SERVICE"] }, resources: () => broken("web", (w) => { container(w).securityContext.capabilities.add = ["CAP_CHOWN"]; }) },
    ]);
    defineCases("no-priv-escalation", [
        { title: "not set", resources: () => broken("web", (w) => { delete container(w).securityContext.allowPrivilegeEscalation; }),
            expect: ["allowPrivilegeEscalation", "not set (it defaults to true)"] },
        { title: "true in an init container", resources: () => broken("web", (w) => { podSpec(w).initContainers = [initContainer({ allowPrivilegeEscalation: true })]; }),
            expect: ['initContainer "migrate"', "is true"] },
    ]);
    defineCases("run-as-non-root", [
        { title: "container overrides runAsNonRoot to false", resources: () => broken("web", (w) => { container(w).securityContext.runAsNonRoot = false; }),
            expect: ["securityContext.runAsNonRoot", "is false"] },
        { title: "neither pod nor container sets runAsNonRoot", resources: () => broken("web", (w) => { delete container(w).securityContext.runAsNonRoot; delete podSpec(w).securityContext.runAsNonRoot; }),
            expect: ['container "web"', "is not true, and the pod's securityContext.runAsNonRoot is not true either"] },
        { title: "runAsUser 0 on the container", resources: () => broken("db", (w) => { container(w).securityContext.runAsUser = 0; }), expect: ["runAsUser", "is 0 (root)"] },
        { title: "runAsUser 0 on the pod", resources: () => broken("web", (w) => { podSpec(w).securityContext.runAsUser = 0; }), expect: ["spec.template.spec.securityContext.runAsUser", "is 0"] },
        { title: "advisory in dev", stack: "dev", level: "advisory", resources: () => broken("web", (w) => { container(w).securityContext.runAsNonRoot = false; }), expect: ["is false"] },
        { title: "pod-level runAsNonRoot covers the containers", resources: () => broken("web", (w) => { delete container(w).securityContext.runAsNonRoot; }) },
    ]);
    defineCases("non-root-groups", [
        { title: "fsGroup 0", resources: () => broken("web", (w) => { podSpec(w).securityContext.fsGroup = 0; }), expect: ["securityContext.fsGroup", "is 0"], level: "advisory" },
        { title: "supplementalGroups contains 0", resources: () => broken("web", (w) => { podSpec(w).securityContext.supplementalGroups = [10001, 0]; }), expect: ["supplementalGroups[1]"] },
        { title: "container runAsGroup 0", resources: () => broken("web", (w) => { container(w).securityContext.runAsGroup = 0; }), expect: ['container "web"', "runAsGroup"] },
    ]);
    defineCases("seccomp", [
        { title: "no profile anywhere", resources: () => broken("web", (w) => { delete podSpec(w).securityContext.seccompProfile; }),
            expect: ["seccompProfile", "is not set, and the pod sets no securityContext.seccompProfile"] },
        { title: "container Unconfined", resources: () => broken("web", (w) => { container(w).securityContext.seccompProfile = { type: "Unconfined" }; }),
            expect: ['container "web"', "seccompProfile.type", "is Unconfined"] },
        { title: "pod Unconfined", resources: () => broken("db", (w) => { podSpec(w).securityContext.seccompProfile = { type: "Unconfined" }; }), expect: ["spec.template.spec.securityContext.seccompProfile.type"] },
        { title: "per-container RuntimeDefault", resources: () => broken("web", (w) => { delete podSpec(w).securityContext.seccompProfile; container(w).securityContext.seccompProfile = { type: "RuntimeDefault" }; }) },
    ]);
    defineCases("apparmor", [
        { title: "container Unconfined", resources: () => broken("web", (w) => { container(w).securityContext.appArmorProfile = { type: "Unconfined" }; }), expect: ["appArmorProfile.type", "is Unconfined"] },
        { title: "legacy annotation unconfined", resources: () => broken("web", (w) => { w.spec.template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined" }; }),
            expect: ["container.apparmor.security.beta.kubernetes.io/web", "\"unconfined\""] },
        { title: "Localhost profile", resources: () => broken("web", (w) => { container(w).securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "k8s-web" }; }) },
    ]);
    defineCases("selinux", [
        { title: "spc_t type", resources: () => broken("web", (w) => { container(w).securityContext.seLinuxOptions = { type: "spc_t" }; }), expect: ["securityContext.seLinuxOptions.type) is \"spc_t\""] },
        { title: "custom user on the pod", resources: () => broken("web", (w) => { podSpec(w).securityContext.seLinuxOptions = { user: "system_u" }; }), expect: ["spec.template.spec.securityContext.seLinuxOptions.user) is set to \"system_u\""] },
        { title: "container_t is fine", resources: () => broken("web", (w) => { container(w).securityContext.seLinuxOptions = { type: "container_t", level: "s0:c123,c456" }; }) },
    ]);
    defineCases("proc-mount", [
        { title: "Unmasked", resources: () => broken("web", (w) => { container(w).securityContext.procMount = "Unmasked"; }), expect: ["securityContext.procMount", "\"Unmasked\""] },
    ]);
    defineCases("safe-sysctls", [
        { title: "unsafe sysctl", resources: () => broken("web", (w) => { podSpec(w).securityContext.sysctls = [{ name: "net.ipv4.tcp_syncookies", value: "1" }, { name: "kernel.msgmax", value: "65536" }]; }),
            expect: ["securityContext.sysctls[1]", "\"kernel.msgmax\""] },
        { title: "safe sysctls", resources: () => broken("web", (w) => { podSpec(w).securityContext.sysctls = [{ name: "net.ipv4.ip_local_port_range", value: "1024 65000" }]; }) },
    ]);
    defineCases("volume-types", [
        { title: "nfs volume", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "share", nfs: { server: "nfs", path: "/x" } }); }),
            expect: ["volumes[1].nfs", "is of type nfs"] },
        { title: "hostPath volume", resources: () => broken("db", (w) => { podSpec(w).volumes.push({ name: "h", hostPath: { path: "/" } }); }), expect: ["is of type hostPath"] },
        { title: "projected and downwardAPI are fine", resources: () => broken("web", (w) => { podSpec(w).volumes.push({ name: "p", projected: { sources: [] } }, { name: "d", downwardAPI: { items: [] } }); }) },
    ]);
    defineCases("no-probe-host", [
        { title: "readiness probe to the metadata service", resources: () => broken("web", (w) => { container(w).readinessProbe.httpGet.host = "169.254.169.254"; }),
            expect: ["readinessProbe.httpGet.host", "\"169.254.169.254\"", "SSRF"] },
        { title: "preStop tcpSocket host", resources: () => broken("web", (w) => { container(w).lifecycle = { preStop: { tcpSocket: { port: 80, host: "example.com" } } }; }),
            expect: ["lifecycle.preStop.tcpSocket.host"] },
    ]);
    defineCases("read-only-rootfs", [
        { title: "writable root filesystem", level: "advisory", resources: () => broken("web", (w) => { container(w).securityContext.readOnlyRootFilesystem = false; }),
            expect: ["readOnlyRootFilesystem", "is not true", "emptyDir"] },
    ]);
    defineCases("no-sa-token-automount", [
        { title: "pod mounts a token explicitly", level: "advisory", resources: () => broken("web", (w) => { podSpec(w).automountServiceAccountToken = true; }),
            expect: ["automountServiceAccountToken) is true"], on: "web" },
        { title: "neither the pod nor its ServiceAccount disables it", resources: () => edit(broken("web", (w) => { delete podSpec(w).automountServiceAccountToken; }), "web-sa", (w) => { delete w.automountServiceAccountToken; }),
            expect: ["ServiceAccount shop/web does not set automountServiceAccountToken: false"] },
        { title: "default ServiceAccount not in the stack", resources: () => broken("db", (w) => { delete podSpec(w).automountServiceAccountToken; }),
            expect: ["ServiceAccount shop/default is not in this stack"] },
        { title: "the ServiceAccount disables it", resources: () => broken("web", (w) => { delete podSpec(w).automountServiceAccountToken; }) },
    ]);
});

