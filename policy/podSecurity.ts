/**
 * Pod security: the Pod Security Standards baseline and restricted profiles (PSA `check_*.go`), plus the
 * related Kyverno/Polaris/kube-score checks. Every container type (init, regular, ephemeral) of every
 * pod-bearing kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) is checked.
 */
import { explain, Findings, PackPolicy, Res, resourcePolicy, stackPolicy } from "./lib/core";
import { A_A, A_M, M_M, OFF_A } from "./lib/levels";
import { at, atPod, forEachContainer, forEachPod } from "./lib/podcheck";
import { isPodBearing, PodTemplate } from "./lib/pods";
import { StackIndex } from "./lib/stack";
import { arr, keys, num, obj, quote, str, stringMap } from "./lib/values";

function podSc(pt: PodTemplate): Record<string, any> {
    return obj(pt.spec.securityContext);
}

function containerSc(c: any): Record<string, any> {
    return obj(c?.securityContext);
}

export function noPrivileged(): PackPolicy {
    return resourcePolicy({
        name: "no-privileged",
        description: "Containers must not run privileged (securityContext.privileged unset or false).",
        anchors: "no-privileged: PSS baseline; Kyverno disallow-privileged-containers; Polaris runAsPrivileged; kube-score container-security-context-privileged",
        levels: M_M,
        exemption: "not-in-prod",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            if (containerSc(c.c).privileged === true) {
                out.violation(explain(
                    `${at(res, c, "securityContext.privileged")} is true`,
                    "a privileged container sees every host device and bypasses the kernel's isolation, so whoever controls it controls the node",
                    "remove securityContext.privileged (or set it to false) and add only the specific capability the process needs",
                ));
            }
        }),
    });
}

export function noHostNamespaces(): PackPolicy {
    return resourcePolicy({
        name: "no-host-namespaces",
        description: "Pods must not share the host's network, PID or IPC namespace.",
        anchors: "no-host-namespaces: PSS baseline; Kyverno disallow-host-namespaces; Polaris hostNetworkSet/hostPIDSet/hostIPCSet",
        levels: M_M,
        exemption: "not-in-prod",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachPod(res, out, (pt) => {
            const why: Record<string, string> = {
                hostNetwork: "the pod binds the node's interfaces and can reach or spoof any host-local service, bypassing NetworkPolicies",
                hostPID: "the pod sees and can signal or ptrace every process on the node",
                hostIPC: "the pod can read other workloads' shared memory on the node",
            };
            for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
                out.guard(`${res.label} ${field}`, () => {
                    if (pt.spec[field] === true) {
                        out.violation(explain(`${atPod(res, pt, field)} is true`, why[field],
                            `remove ${field} (or set it to false); expose the workload through a Service instead`));
                    }
                });
            }
        }),
    });
}

const CRI_SOCKET = /(docker|containerd|crio|cri-dockerd)\.sock/;

export function noHostPath(): PackPolicy {
    return resourcePolicy({
        name: "no-host-path",
        description: "Pods must not mount hostPath volumes (this also blocks container-runtime socket mounts).",
        anchors: "no-host-path: PSS baseline; Kyverno disallow-host-path, disallow-cri-sock-mount; Polaris hostPathSet",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachPod(res, out, (pt) => {
            arr(pt.spec.volumes).forEach((v: any, i: number) => out.guard(`${res.label} volume #${i}`, () => {
                const hp = obj(v).hostPath;
                if (hp === undefined || hp === null) return;
                const path = str(obj(hp).path) ?? "";
                const socket = CRI_SOCKET.test(path);
                out.violation(explain(
                    `${atPod(res, pt, `volumes[${i}].hostPath`)}: volume ${quote(obj(v).name)} mounts the node path ${quote(path)}`,
                    socket
                        ? "a container-runtime socket gives full control of every container on the node (it is root on the host)"
                        : "host paths expose the node's filesystem, survive the pod and let a compromised container read or plant files on the host",
                    "use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim; for node agents that truly need it, annotate the workload with policy.ai-platform.io/exempt-no-host-path and the reason",
                ));
            }));
        }),
    });
}

export function noHostPorts(): PackPolicy {
    return resourcePolicy({
        name: "no-host-ports",
        description: "Containers must not bind host ports (hostPort unset or 0).",
        anchors: "no-host-ports: PSS baseline; Kyverno disallow-host-ports; Polaris hostPortSet",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            arr(c.c.ports).forEach((p: any, i: number) => {
                const hostPort = num(obj(p).hostPort);
                if (hostPort !== undefined && hostPort !== 0) {
                    out.violation(explain(
                        `${at(res, c, `ports[${i}].hostPort`)} is ${hostPort}`,
                        "a host port bypasses Services and NetworkPolicies, pins the pod to nodes where the port is free and exposes it on the node's address",
                        "remove hostPort and expose the port through a Service (and an Ingress for HTTP)",
                    ));
                }
            });
        }),
    });
}

export function noHostProcess(): PackPolicy {
    return resourcePolicy({
        name: "no-host-process",
        description: "Windows HostProcess containers are not allowed (windowsOptions.hostProcess unset or false).",
        anchors: "no-host-process: PSS baseline; Kyverno disallow-host-process; Polaris hostProcess",
        levels: M_M,
        exemption: "not-in-prod",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => {
            const why = "a HostProcess container runs directly on the Windows host with its privileges; it is the Windows equivalent of a privileged container";
            const fix = "remove windowsOptions.hostProcess (or set it to false)";
            forEachPod(res, out, (pt) => {
                if (obj(podSc(pt).windowsOptions).hostProcess === true) {
                    out.violation(explain(`${atPod(res, pt, "securityContext.windowsOptions.hostProcess")} is true`, why, fix));
                }
            });
            forEachContainer(res, out, (c) => {
                if (obj(containerSc(c.c).windowsOptions).hostProcess === true) {
                    out.violation(explain(`${at(res, c, "securityContext.windowsOptions.hostProcess")} is true`, why, fix));
                }
            });
        },
    });
}

/** PSS baseline: capabilities that may be added. */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];

function capName(c: unknown): string {
    return String(c).toUpperCase().replace(/^CAP_/, "");
}

export function capabilities(): PackPolicy {
    return resourcePolicy<{ allowedAdd: string[]; requireDropAll: boolean }>({
        name: "capabilities",
        description: "Containers drop ALL capabilities and add back at most the allowed ones (restricted: only NET_BIND_SERVICE).",
        anchors: "capabilities: PSS baseline + restricted; Kyverno disallow-capabilities(-strict), require-drop-all, require-drop-cap-net-raw; Polaris dangerousCapabilities, insecureCapabilities",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedAdd: {
                type: "array", items: { type: "string" }, default: ["NET_BIND_SERVICE"],
                description: `Capabilities a container may add (restricted: NET_BIND_SERVICE; baseline: ${BASELINE_CAPABILITIES.join(", ")}).`,
            },
            requireDropAll: { type: "boolean", default: true, description: "Require capabilities.drop to contain ALL." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachContainer(res, out, (c) => {
            const caps = obj(containerSc(c.c).capabilities);
            const allowed = new Set(cfg.allowedAdd.map(capName));
            for (const added of arr(caps.add).map(capName)) {
                if (!allowed.has(added)) {
                    out.violation(explain(
                        `${at(res, c, "securityContext.capabilities.add")} adds ${added}`,
                        added === "ALL" || added === "SYS_ADMIN" || added === "NET_ADMIN" || added === "SYS_PTRACE"
                            ? `${added} gives near-root power over the kernel or the node's network, enough to escape the container`
                            : `only ${[...allowed].join(", ") || "no capabilities"} may be added here; every extra capability widens what a compromised process can do to the kernel`,
                        `remove ${added} from capabilities.add (allowed: ${[...allowed].join(", ") || "none"})`,
                    ));
                }
            }
            if (cfg.requireDropAll && !arr(caps.drop).map(capName).includes("ALL")) {
                out.violation(explain(
                    `${at(res, c, "securityContext.capabilities.drop")} does not contain ALL`,
                    "the runtime's default set (NET_RAW, CHOWN, SETUID, …) stays granted; NET_RAW alone allows ARP and DNS spoofing inside the cluster",
                    "set securityContext.capabilities.drop: [ALL] and add back only NET_BIND_SERVICE if the process binds a port below 1024",
                ));
            }
        }),
    });
}

export function noPrivilegeEscalation(): PackPolicy {
    return resourcePolicy({
        name: "no-priv-escalation",
        description: "Containers must set allowPrivilegeEscalation: false explicitly.",
        anchors: "no-priv-escalation: PSS restricted; Kyverno disallow-privilege-escalation; Polaris privilegeEscalationAllowed",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            const v = containerSc(c.c).allowPrivilegeEscalation;
            if (v !== false) {
                out.violation(explain(
                    `${at(res, c, "securityContext.allowPrivilegeEscalation")} is ${v === true ? "true" : "not set (it defaults to true)"}`,
                    "setuid binaries and file capabilities can then raise the process's privileges above what the container started with (no_new_privs is off)",
                    "set securityContext.allowPrivilegeEscalation: false",
                ));
            }
        }),
    });
}

export function runAsNonRoot(): PackPolicy {
    return resourcePolicy({
        name: "run-as-non-root",
        description: "Containers must run as a non-root user: runAsNonRoot true on the pod or every container, never overridden to false, and runAsUser not 0.",
        anchors: "run-as-non-root: PSS restricted; Kyverno require-run-as-nonroot, require-run-as-non-root-user; Polaris runAsRootAllowed",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => {
            const why = "a process running as root in the container is root on the host as soon as it escapes (kernel bug, mount, or misconfiguration), and can modify the image's files";
            forEachPod(res, out, (pt) => {
                out.guard(`${res.label} pod securityContext`, () => {
                    if (num(podSc(pt).runAsUser) === 0) {
                        out.violation(explain(`${atPod(res, pt, "securityContext.runAsUser")} is 0 (root)`, why,
                            "set securityContext.runAsUser to the image's non-root UID (e.g. 10001) and runAsNonRoot: true"));
                    }
                });
            });
            forEachContainer(res, out, (c, pt) => {
                const psc = podSc(pt);
                const csc = containerSc(c.c);
                if (csc.runAsNonRoot === false) {
                    out.violation(explain(`${at(res, c, "securityContext.runAsNonRoot")} is false`, why,
                        "remove the override or set it to true; build the image with a non-root USER"));
                } else if (csc.runAsNonRoot !== true && psc.runAsNonRoot !== true) {
                    out.violation(explain(
                        `${at(res, c, "securityContext.runAsNonRoot")} is not true, and the pod's securityContext.runAsNonRoot is not true either`,
                        why,
                        "set runAsNonRoot: true in the pod's securityContext (it applies to every container) with a non-zero runAsUser",
                    ));
                }
                if (num(csc.runAsUser) === 0) {
                    out.violation(explain(`${at(res, c, "securityContext.runAsUser")} is 0 (root)`, why,
                        "set runAsUser to a non-zero UID (e.g. 10001)"));
                }
            });
        },
    });
}

export function nonRootGroups(): PackPolicy {
    return resourcePolicy<{ minimumId: number }>({
        name: "non-root-groups",
        description: "runAsGroup, fsGroup and supplementalGroups must not be the root group (0).",
        anchors: "non-root-groups: PSS restricted (optional); Kyverno require-non-root-groups; kube-score container-security-context-user-group-id",
        levels: A_A,
        exemption: "yes",
        config: {
            minimumId: {
                type: "integer", minimum: 1, default: 1,
                description: "Lowest acceptable group id (kube-score recommends > 10000).",
            },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => {
            const why = "files created with group 0 are writable by root-group processes on the node, and many images grant group 0 write access to their binaries";
            const fix = `use a dedicated group id ≥ ${cfg.minimumId} (e.g. 10001)`;
            forEachPod(res, out, (pt) => {
                const psc = podSc(pt);
                for (const field of ["runAsGroup", "fsGroup"]) {
                    const v = num(psc[field]);
                    if (v !== undefined && v < cfg.minimumId) {
                        out.violation(explain(`${atPod(res, pt, `securityContext.${field}`)} is ${v}`, why, fix));
                    }
                }
                arr(psc.supplementalGroups).forEach((g: unknown, i: number) => {
                    const v = num(g);
                    if (v !== undefined && v < cfg.minimumId) {
                        out.violation(explain(`${atPod(res, pt, `securityContext.supplementalGroups[${i}]`)} is ${v}`, why, fix));
                    }
                });
            });
            forEachContainer(res, out, (c) => {
                const v = num(containerSc(c.c).runAsGroup);
                if (v !== undefined && v < cfg.minimumId) {
                    out.violation(explain(`${at(res, c, "securityContext.runAsGroup")} is ${v}`, why, fix));
                }
            });
        },
    });
}

export function seccomp(): PackPolicy {
    return resourcePolicy<{ allowedTypes: string[] }>({
        name: "seccomp",
        description: "A seccomp profile of type RuntimeDefault or Localhost applies to every container (set on the pod or on each container); never Unconfined.",
        anchors: "seccomp: PSS baseline + restricted; Kyverno restrict-seccomp(-strict); kube-score container-seccomp-profile; Polaris linuxHardening",
        levels: A_M,
        exemption: "yes",
        config: {
            allowedTypes: {
                type: "array", items: { type: "string", enum: ["RuntimeDefault", "Localhost", "Unconfined"] },
                default: ["RuntimeDefault", "Localhost"], description: "Accepted seccompProfile.type values.",
            },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => {
            const why = "without a seccomp filter every system call of the kernel is reachable from the container, including the rarely used ones most kernel exploits need";
            forEachPod(res, out, (pt) => {
                const t = str(obj(podSc(pt).seccompProfile).type);
                if (t !== undefined && !cfg.allowedTypes.includes(t)) {
                    out.violation(explain(`${atPod(res, pt, "securityContext.seccompProfile.type")} is ${t}`, why,
                        `set it to ${cfg.allowedTypes.join(" or ")}`));
                }
            });
            forEachContainer(res, out, (c, pt) => {
                const own = str(obj(containerSc(c.c).seccompProfile).type);
                const podType = str(obj(podSc(pt).seccompProfile).type);
                const effective = own ?? podType;
                if (effective === undefined) {
                    out.violation(explain(
                        `${at(res, c, "securityContext.seccompProfile")} is not set, and the pod sets no securityContext.seccompProfile`,
                        why, "set securityContext.seccompProfile.type: RuntimeDefault on the pod (it applies to every container)"));
                } else if (own !== undefined && !cfg.allowedTypes.includes(own)) {
                    out.violation(explain(`${at(res, c, "securityContext.seccompProfile.type")} is ${own}`, why,
                        `set it to ${cfg.allowedTypes.join(" or ")} or remove it to inherit the pod's profile`));
                }
            });
        },
    });
}

export function apparmor(): PackPolicy {
    const allowedTypes = ["RuntimeDefault", "Localhost"];
    const prefix = "container.apparmor.security.beta.kubernetes.io/";
    return resourcePolicy({
        name: "apparmor",
        description: "AppArmor profiles, when set, are RuntimeDefault or Localhost (legacy annotation: runtime/default or localhost/*); never Unconfined.",
        anchors: "apparmor: PSS baseline; Kyverno restrict-apparmor-profiles",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => {
            const why = "an unconfined AppArmor profile removes the mandatory-access-control layer that limits what a compromised process may touch on the host";
            const fix = "use appArmorProfile.type: RuntimeDefault (or a Localhost profile), or remove the override";
            forEachPod(res, out, (pt) => {
                const t = str(obj(podSc(pt).appArmorProfile).type);
                if (t !== undefined && !allowedTypes.includes(t)) {
                    out.violation(explain(`${atPod(res, pt, "securityContext.appArmorProfile.type")} is ${t}`, why, fix));
                }
                out.guard(`${res.label} pod template annotations`, () => {
                    for (const [k, v] of Object.entries(stringMap(pt.metadata.annotations))) {
                        if (k.startsWith(prefix) && v !== "runtime/default" && !v.startsWith("localhost/")) {
                            out.violation(explain(
                                `${res.label} pod template annotation ${k} is ${quote(v)}`, why,
                                "set it to runtime/default or localhost/<profile>, or better use securityContext.appArmorProfile"));
                        }
                    }
                });
            });
            forEachContainer(res, out, (c) => {
                const t = str(obj(containerSc(c.c).appArmorProfile).type);
                if (t !== undefined && !allowedTypes.includes(t)) {
                    out.violation(explain(`${at(res, c, "securityContext.appArmorProfile.type")} is ${t}`, why, fix));
                }
            });
        },
    });
}

export function selinux(): PackPolicy {
    const allowedTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
    return resourcePolicy({
        name: "selinux",
        description: "seLinuxOptions.type is empty or a container type (container_t, container_init_t, container_kvm_t, container_engine_t); user and role are unset.",
        anchors: "selinux: PSS baseline; Kyverno disallow-selinux",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => {
            const why = "a custom SELinux type, user or role can lift the label confinement that keeps container processes away from host files";
            const checkOpts = (where: (field: string) => string, se: Record<string, any>) => {
                const t = str(se.type);
                if (t !== undefined && !allowedTypes.includes(t)) {
                    out.violation(explain(`${where("type")} is ${quote(t)}`, why,
                        "remove seLinuxOptions.type or use container_t / container_init_t / container_kvm_t"));
                }
                for (const f of ["user", "role"]) {
                    if (se[f] !== undefined && se[f] !== "") {
                        out.violation(explain(`${where(f)} is set to ${quote(se[f])}`, why, `remove seLinuxOptions.${f}`));
                    }
                }
            };
            forEachPod(res, out, (pt) => checkOpts((f) => atPod(res, pt, `securityContext.seLinuxOptions.${f}`), obj(podSc(pt).seLinuxOptions)));
            forEachContainer(res, out, (c) => checkOpts((f) => at(res, c, `securityContext.seLinuxOptions.${f}`), obj(containerSc(c.c).seLinuxOptions)));
        },
    });
}

export function procMount(): PackPolicy {
    return resourcePolicy({
        name: "proc-mount",
        description: "securityContext.procMount is unset or Default.",
        anchors: "proc-mount: PSS baseline; Kyverno disallow-proc-mount; Polaris procMount",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            const pm = containerSc(c.c).procMount;
            if (pm !== undefined && pm !== null && pm !== "Default") {
                out.violation(explain(`${at(res, c, "securityContext.procMount")} is ${quote(pm)}`,
                    "an Unmasked /proc exposes kernel and host information (and writable sysctls) that the default mask hides",
                    "remove procMount or set it to Default"));
            }
        }),
    });
}

/** PSS baseline safe sysctls, up to Kubernetes 1.32. */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
];

export function safeSysctls(): PackPolicy {
    return resourcePolicy<{ allowed: string[] }>({
        name: "safe-sysctls",
        description: "Pods set only the namespaced, safe sysctls of the PSS baseline.",
        anchors: "safe-sysctls: PSS baseline; Kyverno restrict-sysctls",
        levels: A_M,
        exemption: "yes",
        config: {
            allowed: { type: "array", items: { type: "string" }, default: SAFE_SYSCTLS, description: "Sysctls a pod may set." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachPod(res, out, (pt) => {
            arr(podSc(pt).sysctls).forEach((s: any, i: number) => {
                const name = str(obj(s).name) ?? "";
                if (!cfg.allowed.includes(name)) {
                    out.violation(explain(`${atPod(res, pt, `securityContext.sysctls[${i}]`)} sets ${quote(name)}`,
                        "unsafe sysctls are not isolated per pod: they change the whole node's kernel behaviour for every other workload",
                        `remove it; allowed: ${cfg.allowed.join(", ")}`));
                }
            });
        }),
    });
}

export const RESTRICTED_VOLUME_TYPES = [
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
];

export function volumeTypes(): PackPolicy {
    return resourcePolicy<{ allowed: string[] }>({
        name: "volume-types",
        description: "Pods use only the volume types of the restricted profile (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret).",
        anchors: "volume-types: PSS restricted; Kyverno restrict-volume-types",
        levels: A_M,
        exemption: "yes",
        config: {
            allowed: { type: "array", items: { type: "string" }, default: RESTRICTED_VOLUME_TYPES, description: "Allowed volume source types." },
        },
        appliesTo: isPodBearing,
        check: (res, cfg, out) => forEachPod(res, out, (pt) => {
            arr(pt.spec.volumes).forEach((v: any, i: number) => {
                for (const type of keys(v).filter((k) => k !== "name")) {
                    if (!cfg.allowed.includes(type)) {
                        out.violation(explain(
                            `${atPod(res, pt, `volumes[${i}].${type}`)}: volume ${quote(obj(v).name)} is of type ${type}`,
                            "other volume types (hostPath, nfs, iscsi, cephfs, …) mount host or network storage directly, bypassing PersistentVolume access control",
                            `use one of ${cfg.allowed.join(", ")}; network storage goes through a PersistentVolumeClaim`));
                    }
                }
            });
        }),
    });
}

export function noProbeHost(): PackPolicy {
    const handlers = ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"];
    return resourcePolicy({
        name: "no-probe-host",
        description: "Probe and lifecycle handlers must not set httpGet.host or tcpSocket.host.",
        anchors: "no-probe-host: PSS baseline (Kubernetes 1.34+)",
        levels: A_M,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            for (const h of handlers) {
                const [a, b] = h.split(".");
                const handler = obj(b ? obj(c.c[a])[b] : c.c[a]);
                for (const kind of ["httpGet", "tcpSocket"]) {
                    const host = str(obj(handler[kind]).host);
                    if (host) {
                        out.violation(explain(`${at(res, c, `${h}.${kind}.host`)} is ${quote(host)}`,
                            "the kubelet sends the request from the node, so a probe host turns it into a confused deputy that can reach any address the node can (SSRF)",
                            `remove ${kind}.host so the kubelet probes the pod's own IP`));
                    }
                }
            }
        }),
    });
}

export function readOnlyRootFilesystem(): PackPolicy {
    return resourcePolicy({
        name: "read-only-rootfs",
        description: "Containers run with readOnlyRootFilesystem: true (writable paths come from emptyDir volumes).",
        anchors: "read-only-rootfs: Kyverno require-ro-rootfs; Polaris notReadOnlyRootFilesystem; kube-score container-security-context-readonlyrootfilesystem; Pulumi compliance (high)",
        levels: A_A,
        exemption: "yes",
        appliesTo: isPodBearing,
        check: (res, _cfg, out) => forEachContainer(res, out, (c) => {
            if (containerSc(c.c).readOnlyRootFilesystem !== true) {
                out.violation(explain(`${at(res, c, "securityContext.readOnlyRootFilesystem")} is not true`,
                    "a writable root filesystem lets an attacker drop tools or modify binaries and lets the app write state that is lost on restart",
                    "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at each path the app writes (/tmp, caches)"));
            }
        }),
    });
}

function checkSaToken(index: StackIndex, out: Findings): void {
    for (const w of index.workloads()) {
        if (w.obj.kind === "PodTemplate") continue;
        out.guard(`${w.obj.label} service account token`, () => {
            const spec = w.pod.spec;
            const podSetting = spec.automountServiceAccountToken;
            if (podSetting === false) return;
            const saName = str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? "default";
            const where = `${w.obj.label} (${w.pod.specPath}.automountServiceAccountToken)`;
            const why = "every process in the pod can then read a token for the Kubernetes API; a compromised container can use it to probe or act on the cluster";
            if (podSetting === true) {
                out.violation(explain(`${where} is true`, why,
                    "set it to false unless the workload calls the Kubernetes API, and then document that with a least-privilege Role"), w.obj.urn);
                return;
            }
            const sa = index.resolve("ServiceAccount", w.obj.namespace, saName);
            if (sa && "uncertain" in sa) {
                out.note(`Could not check whether ServiceAccount ${w.obj.namespace}/${saName} of ${w.obj.label} disables token automount: a ServiceAccount name in the namespace is unknown during preview.`, w.obj.urn);
                return;
            }
            const saSetting = sa ? obj(sa.found.props).automountServiceAccountToken : undefined;
            if (saSetting !== false) {
                out.violation(explain(
                    `${where} is not set and its ServiceAccount ${w.obj.namespace}/${saName} ${sa ? "does not set automountServiceAccountToken: false" : "is not in this stack (the namespace's default account mounts a token)"}`,
                    why, "set automountServiceAccountToken: false on the pod spec or on its ServiceAccount"), w.obj.urn);
            }
        }, w.obj.urn);
    }
}

export function noSaTokenAutomount(): PackPolicy {
    return stackPolicy({
        name: "no-sa-token-automount",
        description: "Pods do not mount a service account token: automountServiceAccountToken false on the pod or on its ServiceAccount.",
        anchors: "no-sa-token-automount: Kyverno restrict-automount-sa-token; Polaris automountServiceAccountToken",
        levels: OFF_A,
        exemption: "yes",
        check: (resources: Res[], _cfg, out) => checkSaToken(StackIndex.of(resources), out),
    });
}
