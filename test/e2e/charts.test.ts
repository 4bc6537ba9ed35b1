/**
 * The e2e tier's chart repository: stand-in charts for every pin of components/platform/charts.ts,
 * served on 127.0.0.1, and the same server for real chart archives. Expectations come from the
 * pins, from what the stacks create and refer to (evaluated offline), and from the rules the
 * apiserver applies (structural CRD schemas, the restricted Pod Security profile); the charts are
 * read back from their archives and rendered by test/e2e/helmSubset.ts, never taken from the
 * generator's own model.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS } from "../../components/platform/charts";
import { generateStandInCharts } from "../../tools/e2e/charts/generate";
import { serveChartRepository, serveStandInCharts } from "../../tools/e2e/charts/repository";
import { RecordedResource, StackEvaluation } from "../../tools/stack/types";
import { configured, ofType, RELEASE, stackEvaluation, STACKS, StackName } from "../helpers/stacks";
import { renderChart, RenderedChart } from "./helmSubset";

const PINS = Object.values(CHARTS);

/** Which real chart provides the CRDs of each API group the stacks use. */
const CRD_PROVIDER: Record<string, string> = {
    "cert-manager.io": "cert-manager",
    "acme.cert-manager.io": "cert-manager",
    "monitoring.coreos.com": "prometheus-operator-crds",
};

/**
 * Kinds the program needs without creating them: cert-manager turns every Ingress annotated with
 * an issuer into a Certificate, which goes through a CertificateRequest and, with ACME, an Order
 * and its Challenges.
 */
const ISSUANCE_KINDS = ["cert-manager.io/v1/Certificate", "cert-manager.io/v1/CertificateRequest", "acme.cert-manager.io/v1/Order", "acme.cert-manager.io/v1/Challenge"];

/** Volume types the restricted profile allows. */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/** Pods that exist only at run time (cert-manager's HTTP-01 solvers, CI job pods), never in a chart. */
const RUNTIME_POD_LABELS = ["acme.cert-manager.io/http01-solver", "ai-platform.io/ci-job"];

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const tar = (...args: string[]) => execFileSync("tar", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

/** Built-in Kubernetes groups (and the Helm provider's pseudo-group) are not custom resources. */
function customKind(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
    if (!m || !m[1].includes(".") || m[1].endsWith(".k8s.io") || m[1] === "helm.sh") {
        return undefined;
    }
    return { group: m[1], version: m[2], kind: m[3] };
}

const isMap = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where the apiserver would refuse the schema as non-structural (or this repository's subset). */
function structuralProblems(schema: any, at: string, root = false): string[] {
    const problems: string[] = [];
    for (const junctor of ["allOf", "anyOf", "oneOf", "not"]) {
        if (junctor in schema) problems.push(`${at}: ${junctor} is not used by these schemas`);
    }
    if (schema["x-kubernetes-int-or-string"] === true || (schema["x-kubernetes-preserve-unknown-fields"] === true && !schema.type)) {
        return problems;
    }
    if (!["object", "array", "string", "integer", "number", "boolean"].includes(schema.type)) {
        return [...problems, `${at}: no type`];
    }
    if (schema.type === "array") {
        return schema.items ? [...problems, ...structuralProblems(schema.items, `${at}[]`)] : [...problems, `${at}: array without items`];
    }
    if (schema.type === "object") {
        if (schema.properties && schema.additionalProperties) problems.push(`${at}: both properties and additionalProperties`);
        for (const r of schema.required ?? []) {
            if (!schema.properties?.[r]) problems.push(`${at}: requires ${r}, which it does not define`);
        }
        for (const [k, s] of Object.entries<any>(schema.properties ?? {})) {
            if (root && k === "metadata" && Object.keys(s).some((key) => key !== "type")) {
                problems.push(`${at}.metadata: only its type may be set`);
            }
            problems.push(...structuralProblems(s, `${at}.${k}`));
        }
        if (isMap(schema.additionalProperties)) problems.push(...structuralProblems(schema.additionalProperties, `${at}{}`));
    }
    if (root && schema.type !== "object") problems.push(`${at}: the root must be an object`);
    return problems;
}

/** Where an object breaks its CRD schema, including the fields the apiserver would prune. */
function conformanceProblems(value: unknown, schema: any, at: string): string[] {
    if (schema["x-kubernetes-int-or-string"] === true) {
        return Number.isInteger(value) || typeof value === "string" ? [] : [`${at}: must be an integer or a string`];
    }
    if (schema["x-kubernetes-preserve-unknown-fields"] === true && !schema.type) return [];
    switch (schema.type) {
        case "string":
            if (typeof value !== "string") return [`${at}: must be a string`];
            return schema.enum && !schema.enum.includes(value) ? [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`] : [];
        case "integer":
            return Number.isInteger(value) ? [] : [`${at}: must be an integer`];
        case "number":
            return typeof value === "number" ? [] : [`${at}: must be a number`];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${at}: must be a boolean`];
        case "array":
            return Array.isArray(value) ? value.flatMap((v, i) => conformanceProblems(v, schema.items, `${at}[${i}]`)) : [`${at}: must be a list`];
        case "object": {
            if (!isMap(value)) return [`${at}: must be an object`];
            const problems = (schema.required ?? []).filter((r: string) => !(r in value)).map((r: string) => `${at}.${r}: required`);
            for (const [k, v] of Object.entries(value)) {
                // The apiserver validates metadata itself, whatever the CRD says.
                if (at === "" && k === "metadata") continue;
                const sub = schema.properties?.[k] ?? (isMap(schema.additionalProperties) ? schema.additionalProperties : undefined);
                if (sub) problems.push(...conformanceProblems(v, sub, `${at}.${k}`));
                else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) {
                    problems.push(`${at}.${k}: not in the schema, the apiserver would prune it`);
                }
            }
            return problems;
        }
        default:
            return [`${at}: schema without type`];
    }
}

/** The pod template of a workload, or undefined for other kinds. */
function podTemplateOf(obj: Record<string, any>): { metadata?: any; spec: any } | undefined {
    switch (obj.kind) {
        case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job":
            return obj.spec.template;
        case "CronJob":
            return obj.spec.jobTemplate.spec.template;
        case "Pod":
            return { metadata: obj.metadata, spec: obj.spec };
        default:
            return undefined;
    }
}

/** The restricted Pod Security profile's checks, plus requests and limits on every container. */
function restrictedProblems(spec: any, at: string): string[] {
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    for (const host of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (spec[host] === true) problems.push(`${at}: ${host}`);
    }
    for (const volume of spec.volumes ?? []) {
        const types = Object.keys(volume).filter((k) => k !== "name");
        if (!types.every((t) => RESTRICTED_VOLUMES.has(t))) problems.push(`${at}: volume ${volume.name} is ${types.join(", ")}`);
    }
    const containers = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        const where = `${at} container ${c.name}`;
        if (!(sc.runAsNonRoot === true || (pod.runAsNonRoot === true && sc.runAsNonRoot !== false))) problems.push(`${where}: runAsNonRoot is not true`);
        if (sc.runAsUser === 0 || (sc.runAsUser === undefined && pod.runAsUser === 0)) problems.push(`${where}: runs as uid 0`);
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccompProfile is ${seccomp}`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (sc.privileged === true) problems.push(`${where}: privileged`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities do not drop ALL`);
        if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) problems.push(`${where}: adds ${sc.capabilities.add}`);
        if ((c.ports ?? []).some((p: any) => p.hostPort)) problems.push(`${where}: hostPort`);
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
            problems.push(`${where}: needs cpu and memory requests and a memory limit, has ${JSON.stringify(c.resources)}`);
        }
    }
    return problems;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("e2e chart repository", () => {
    let workDir: string;
    let repoDir: string;
    /** Each archive unpacked again with tar, as Helm receives it. */
    let unpacked: string;

    before(async () => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-charts-test-"));
        repoDir = path.join(workDir, "repo");
        unpacked = path.join(workDir, "unpacked");
        await generateStandInCharts(repoDir, { baseUrl: "http://127.0.0.1:1" });
        for (const pin of PINS) {
            const into = path.join(unpacked, `${pin.chart}-${pin.version}`);
            fs.mkdirSync(into, { recursive: true });
            tar("-xzf", path.join(repoDir, `${pin.chart}-${pin.version}.tgz`), "-C", into);
        }
    });

    after(() => {
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    const chartDir = (chart: string) => {
        const pin = PINS.find((p) => p.chart === chart)!;
        return path.join(unpacked, `${pin.chart}-${pin.version}`, pin.chart);
    };

    describe("generated repository", () => {
        it("holds one archive per pin of charts.ts, <chart>-<version>.tgz, whose only top directory is the chart", () => {
            const archives = fs.readdirSync(repoDir).filter((f) => f.endsWith(".tgz")).sort();
            assert.deepEqual(archives, PINS.map((p) => `${p.chart}-${p.version}.tgz`).sort());
            for (const pin of PINS) {
                const entries = tar("-tzf", path.join(repoDir, `${pin.chart}-${pin.version}.tgz`)).split("\n").filter(Boolean);
                const tops = new Set(entries.map((e) => e.replace(/^\.\//, "").split("/")[0]));
                assert.deepEqual([...tops], [pin.chart], `${pin.chart}: top directories`);
                const chartYaml = parse(tar("-xzOf", path.join(repoDir, `${pin.chart}-${pin.version}.tgz`), `${pin.chart}/Chart.yaml`));
                assert.equal(chartYaml.apiVersion, "v2");
                assert.equal(chartYaml.name, pin.chart);
                assert.equal(chartYaml.version, pin.version);
                assert.ok(entries.some((e) => e.startsWith(`${pin.chart}/templates/`)), `${pin.chart} has no templates`);
                assert.ok(!entries.some((e) => e.startsWith(`${pin.chart}/charts/`) || e.startsWith(`${pin.chart}/crds/`)), `${pin.chart}: no dependencies, no crds/ directory`);
            }
        });

        it("indexes exactly the pins (index.yaml apiVersion v1), each with its archive's sha256, its URL and a creation time", () => {
            const index = parse(fs.readFileSync(path.join(repoDir, "index.yaml"), "utf8"));
            assert.equal(index.apiVersion, "v1");
            const listed = Object.entries<any[]>(index.entries).flatMap(([name, versions]) => versions.map((v) => ({ name, ...v })));
            assert.deepEqual(listed.map((e) => `${e.name} ${e.version}`).sort(), PINS.map((p) => `${p.chart} ${p.version}`).sort());
            for (const entry of listed) {
                const file = `${entry.name}-${entry.version}.tgz`;
                assert.equal(entry.digest, sha256(path.join(repoDir, file)), `${file} digest`);
                assert.deepEqual(entry.urls, [`http://127.0.0.1:1/${file}`]);
                assert.equal(entry.apiVersion, "v2", "Helm skips index entries without the chart's apiVersion");
                assert.ok(entry.appVersion, `${entry.name} has no appVersion`);
                assert.ok(!Number.isNaN(Date.parse(entry.created)), `${entry.name} created`);
            }
        });

        it("builds whatever version a stack's override asks for, and several versions of one chart side by side", async () => {
            const dir = path.join(workDir, "override");
            const { charts } = await generateStandInCharts(dir, {
                charts: [CHARTS.loki, { chart: "loki", version: "18.12.0" }, CHARTS["cert-manager"]],
            });
            assert.deepEqual(charts.map((c) => `${c.chart}-${c.version}`), [`loki-${CHARTS.loki.version}`, "loki-18.12.0", `cert-manager-${CHARTS["cert-manager"].version}`]);
            const chartYaml = parse(tar("-xzOf", path.join(dir, "loki-18.12.0.tgz"), "loki/Chart.yaml"));
            assert.equal(chartYaml.version, "18.12.0");
            const index = parse(fs.readFileSync(path.join(dir, "index.yaml"), "utf8"));
            assert.deepEqual(index.entries.loki.map((e: any) => e.urls[0]), [`loki-${CHARTS.loki.version}.tgz`, "loki-18.12.0.tgz"], "relative URLs without a base URL");
        });
    });

    describe("server", () => {
        it("serves index.yaml and the archives on 127.0.0.1, and the index's URLs point at the server", async () => {
            const repository = await serveStandInCharts(path.join(workDir, "served"));
            try {
                const url = new URL(repository.url);
                assert.equal(url.hostname, "127.0.0.1");
                assert.ok(Number(url.port) > 0);
                const response = await fetch(`${repository.url}/index.yaml`);
                assert.equal(response.status, 200);
                const index = parse(await response.text());
                const entries = Object.values<any[]>(index.entries).flat();
                assert.equal(entries.length, PINS.length);
                for (const entry of entries) {
                    assert.ok(entry.urls[0].startsWith(`${repository.url}/`), `${entry.urls[0]} is not on ${repository.url}`);
                }
                const [first] = entries;
                const archive = await fetch(first.urls[0]);
                assert.equal(archive.status, 200);
                const body = Buffer.from(await archive.arrayBuffer());
                assert.equal(createHash("sha256").update(body).digest("hex"), first.digest);
                for (const outside of ["/nope.tgz", "/..%2Fpackage.json", "/index.yaml/../../etc/passwd"]) {
                    assert.equal((await fetch(`${repository.url}${outside}`)).status, 404, outside);
                }
            } finally {
                await repository.close();
            }
            await assert.rejects(fetch(`${repository.url}/index.yaml`), "the server must be closed");
        });

        describe("real chart archives (helm pull output)", () => {
            let realDir: string;
            before(() => {
                realDir = path.join(workDir, "real");
                const src = path.join(workDir, "real-src");
                for (const pin of PINS) {
                    // Shaped like published charts: extra metadata and a dependency with its own Chart.yaml.
                    const root = path.join(src, `${pin.chart}-${pin.version}`);
                    fs.mkdirSync(path.join(root, pin.chart, "charts", "dependency"), { recursive: true });
                    fs.writeFileSync(path.join(root, pin.chart, "Chart.yaml"),
                        `apiVersion: v2\nname: ${pin.chart}\nversion: ${pin.version}\nappVersion: real-app\nkubeVersion: ">=1.25.0-0"\ndescription: the real one\n`);
                    fs.writeFileSync(path.join(root, pin.chart, "charts", "dependency", "Chart.yaml"), "apiVersion: v2\nname: dependency\nversion: 0.0.1\n");
                    fs.mkdirSync(realDir, { recursive: true });
                    tar("-czf", path.join(realDir, `${pin.chart}-${pin.version}.tgz`), "-C", root, pin.chart);
                }
            });

            it("builds the index from each archive's Chart.yaml and serves the archives", async () => {
                const repository = await serveChartRepository(realDir, { mode: "archives" });
                try {
                    const index = parse(await (await fetch(`${repository.url}/index.yaml`)).text());
                    assert.deepEqual(Object.keys(index.entries).sort(), PINS.map((p) => p.chart).sort(), "dependencies are not charts of the repository");
                    for (const pin of PINS) {
                        const [entry] = index.entries[pin.chart];
                        assert.equal(entry.version, pin.version);
                        assert.equal(entry.kubeVersion, ">=1.25.0-0", "the index repeats the chart's metadata");
                        assert.equal(entry.appVersion, "real-app");
                        const file = path.join(realDir, `${pin.chart}-${pin.version}.tgz`);
                        assert.equal(entry.digest, sha256(file));
                        assert.deepEqual(entry.urls, [`${repository.url}/${pin.chart}-${pin.version}.tgz`]);
                    }
                    const archive = await fetch(index.entries.loki[0].urls[0]);
                    assert.equal(archive.status, 200);
                    assert.ok(!fs.existsSync(path.join(realDir, "index.yaml")), "the user's directory is left as it was");
                } finally {
                    await repository.close();
                }
            });

            it("refuses to start when pinned charts are missing, naming each chart and version", async () => {
                const partial = path.join(workDir, "partial");
                fs.mkdirSync(partial);
                const missing = [CHARTS.loki, CHARTS["kube-prometheus-stack"]];
                for (const pin of PINS.filter((p) => !missing.some((m) => m.chart === p.chart))) {
                    fs.copyFileSync(path.join(realDir, `${pin.chart}-${pin.version}.tgz`), path.join(partial, `${pin.chart}-${pin.version}.tgz`));
                }
                await assert.rejects(serveChartRepository(partial, { mode: "archives" }), (error: Error) => {
                    for (const pin of missing) {
                        assert.ok(error.message.includes(`${pin.chart} ${pin.version}`), error.message);
                        assert.ok(error.message.includes(`helm pull ${pin.chart} --version ${pin.version} --repo ${pin.repo}`), error.message);
                    }
                    assert.ok(!error.message.includes(`${CHARTS.alloy.chart} ${CHARTS.alloy.version}`), "only the missing charts are named");
                    return true;
                });
            });
        });
    });

    for (const stack of STACKS) {
        describe(`stand-ins installed with the ${stack} stack's values`, () => {
            let ev: StackEvaluation;
            let releases: RecordedResource[];
            /** Each release rendered as Helm would install it. */
            const rendered = new Map<string, RenderedChart>();
            const objects = () => [...rendered.entries()].flatMap(([chart, r]) => r.objects.map((o) => ({ chart, o })));
            const crdsOf = (chart: string) => (rendered.get(chart)?.objects ?? []).filter((o) => o.kind === "CustomResourceDefinition");
            const crdFor = (group: string, version: string, kind: string) => objects().filter(({ o }) =>
                o.kind === "CustomResourceDefinition" && o.spec.group === group && o.spec.names.kind === kind &&
                o.spec.versions.some((v: any) => v.name === version && v.served));

            before(async () => {
                ev = await stackEvaluation(stack as StackName);
                releases = ofType(ev, RELEASE);
                for (const r of releases) {
                    rendered.set(r.inputs.chart, renderChart(chartDir(r.inputs.chart), { name: r.inputs.name, namespace: r.inputs.namespace }, r.inputs.values));
                }
            });

            it("has a stand-in for every chart the stack installs, in the pinned version", () => {
                for (const r of releases) {
                    const pin = PINS.find((p) => p.chart === r.inputs.chart);
                    assert.ok(pin, `${r.inputs.chart} is not pinned in charts.ts`);
                    assert.equal(rendered.get(r.inputs.chart)!.chartYaml.version, r.inputs.version);
                }
            });

            it("puts the CRD of every custom kind the stack uses in exactly the chart that provides it", () => {
                const kinds = new Set(ev.resources.map((r) => customKind(r.type)).filter((k) => k !== undefined)
                    .map((k) => `${k.group}/${k.version}/${k.kind}`));
                assert.ok(kinds.size >= 3, `expected ClusterIssuers, ServiceMonitors and PrometheusRules, found ${[...kinds].join(", ")}`);
                const issuing = ofType(ev, "kubernetes:networking.k8s.io/v1:Ingress").some((i) => i.inputs.metadata.annotations?.["cert-manager.io/cluster-issuer"]);
                const grafana = releases.find((r) => r.inputs.chart === "kube-prometheus-stack")!.inputs.values.grafana.ingress;
                if (issuing || grafana.annotations?.["cert-manager.io/cluster-issuer"]) {
                    ISSUANCE_KINDS.forEach((k) => kinds.add(k));
                }
                for (const kind of kinds) {
                    const [group, version, name] = kind.split("/");
                    const provider = CRD_PROVIDER[group];
                    assert.ok(provider, `${kind}: no chart is known to provide group ${group}; add it to CRD_PROVIDER`);
                    const found = crdFor(group, version, name);
                    assert.deepEqual(found.map((f) => f.chart), [provider], `${kind}: CRD rendered by ${found.map((f) => f.chart).join(", ") || "no chart"}`);
                }
            });

            it("installs cert-manager's CRDs because the stack enables them (the chart's default does not) and keeps them on uninstall", () => {
                const cm = releases.find((r) => r.inputs.chart === "cert-manager")!;
                assert.equal(cm.inputs.values.crds.enabled, true);
                assert.ok(crdsOf("cert-manager").length > 0);
                for (const crd of crdsOf("cert-manager")) {
                    assert.equal(crd.metadata.annotations?.["helm.sh/resource-policy"], cm.inputs.values.crds.keep ? "keep" : undefined, crd.metadata.name);
                }
                const byDefault = renderChart(chartDir("cert-manager"), { name: "cert-manager", namespace: "cert-manager" });
                assert.deepEqual(byDefault.objects.filter((o) => o.kind === "CustomResourceDefinition"), []);
            });

            it("leaves kube-prometheus-stack without CRDs, as the stack asks", () => {
                assert.equal(releases.find((r) => r.inputs.chart === "kube-prometheus-stack")!.inputs.values.crds.enabled, false);
                assert.deepEqual(crdsOf("kube-prometheus-stack"), []);
            });

            it("gives every CRD a structural schema", () => {
                const crds = objects().filter(({ o }) => o.kind === "CustomResourceDefinition");
                assert.ok(crds.length >= 10);
                for (const { o } of crds) {
                    assert.equal(o.apiVersion, "apiextensions.k8s.io/v1");
                    assert.equal(o.metadata.name, `${o.spec.names.plural}.${o.spec.group}`);
                    assert.equal(o.spec.versions.filter((v: any) => v.storage).length, 1, `${o.metadata.name}: one storage version`);
                    for (const v of o.spec.versions) {
                        const schema = v.schema.openAPIV3Schema;
                        assert.ok(schema.properties?.spec, `${o.metadata.name}: the schema describes spec`);
                        assert.deepEqual(structuralProblems(schema, `${o.metadata.name}/${v.name}`, true), []);
                    }
                }
            });

            it("accepts the stack's custom resources and the stand-ins' own without pruning a field", () => {
                const schemaOf = (apiVersion: string, kind: string) => {
                    const [group, version] = apiVersion.split("/");
                    const [crd] = crdFor(group, version, kind);
                    assert.ok(crd, `no CRD for ${apiVersion} ${kind}`);
                    return crd.o.spec.versions.find((v: any) => v.name === version).schema.openAPIV3Schema;
                };
                const program = ev.resources.filter((r) => customKind(r.type)).map((r) => ({ from: `${r.type} ${r.name}`, obj: r.inputs }));
                const standIns = objects().filter(({ o }) => o.apiVersion.includes(".") && !o.apiVersion.includes("k8s.io"))
                    .map(({ chart, o }) => ({ from: `${chart}: ${o.kind} ${o.metadata.name}`, obj: o }));
                assert.ok(standIns.some((s) => s.obj.kind === "Prometheus") && standIns.some((s) => s.obj.kind === "ServiceMonitor"));
                for (const { from, obj } of [...program, ...standIns]) {
                    assert.deepEqual(conformanceProblems(obj, schemaOf(obj.apiVersion, obj.kind), ""), [], from);
                }
            });

            it("installs every release after the release that provides the CRDs of the custom resources it renders", () => {
                const byUrn = new Map(ev.resources.map((r) => [r.urn, r]));
                const after = (r: RecordedResource): Set<string> => {
                    const seen = new Set<string>();
                    const walk = (urn: string) => {
                        if (seen.has(urn)) return;
                        seen.add(urn);
                        byUrn.get(urn)?.dependencies.forEach(walk);
                    };
                    r.dependencies.forEach(walk);
                    return seen;
                };
                for (const r of releases) {
                    const groups = new Set(rendered.get(r.inputs.chart)!.objects
                        .filter((o) => o.kind !== "CustomResourceDefinition" && CRD_PROVIDER[o.apiVersion.split("/")[0]])
                        .map((o) => o.apiVersion.split("/")[0]));
                    for (const group of groups) {
                        const provider = releases.find((p) => p.inputs.chart === CRD_PROVIDER[group])!;
                        if (provider !== r) {
                            assert.ok(after(r).has(provider.urn), `${r.inputs.chart} renders ${group} objects but is not installed after ${provider.inputs.chart}`);
                        }
                    }
                }
            });

            it("runs every pod under the restricted profile, with requests and limits", () => {
                const pods = objects().map(({ chart, o }) => ({ chart, o, t: podTemplateOf(o) })).filter((p) => p.t);
                assert.ok(pods.length >= 10, `only ${pods.length} pod templates`);
                for (const { chart, o, t } of pods) {
                    assert.deepEqual(restrictedProblems(t!.spec, `${chart} ${o.kind} ${o.metadata.name}`), []);
                }
            });

            it("has a pod for every NetworkPolicy of the release namespaces to select", () => {
                const namespaces = new Set(releases.map((r) => r.inputs.namespace));
                const pods = objects().filter(({ o }) => podTemplateOf(o)).map(({ o }) => ({ namespace: o.metadata.namespace, labels: podTemplateOf(o)!.metadata?.labels }));
                const policies = ofType(ev, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => namespaces.has(p.inputs.metadata.namespace));
                let checked = 0;
                for (const policy of policies) {
                    const selector: Record<string, string> = policy.inputs.spec.podSelector?.matchLabels ?? {};
                    if (Object.keys(selector).length === 0 || RUNTIME_POD_LABELS.some((l) => l in selector)) {
                        continue;
                    }
                    checked++;
                    assert.ok(pods.some((p) => p.namespace === policy.inputs.metadata.namespace && matches(selector, p.labels)),
                        `NetworkPolicy ${policy.inputs.metadata.name} selects ${JSON.stringify(selector)}, which no stand-in pod in ${policy.inputs.metadata.namespace} carries`);
                }
                assert.ok(checked >= 5, `only ${checked} NetworkPolicies select release pods`);
            });

            it("serves Prometheus, Alertmanager, Loki and Grafana where the stack's URLs and Grafana's data source point", () => {
                const kps = releases.find((r) => r.inputs.chart === "kube-prometheus-stack")!;
                const alloy = releases.find((r) => r.inputs.chart === "alloy")!;
                const urls = [
                    ev.outputs.observability.prometheusUrl,
                    ev.outputs.observability.alertmanagerUrl,
                    ev.outputs.observability.lokiUrl,
                    ev.outputs.observability.lokiPushUrl,
                    ev.outputs.observability.grafanaUrl,
                    ...kps.inputs.values.grafana.additionalDataSources.map((d: any) => d.url),
                    /url\s*=\s*"([^"]+)"/.exec(alloy.inputs.values.alloy.configMap.content)![1],
                ];
                for (const url of urls) {
                    const m = /^http:\/\/([^.]+)\.([^.]+)\.svc\.cluster\.local:(\d+)(\/.*)?$/.exec(url);
                    assert.ok(m, `${url} is not an in-cluster Service URL`);
                    const [, name, namespace, port] = m;
                    const services = objects().filter(({ o }) => o.kind === "Service" && o.metadata.name === name && o.metadata.namespace === namespace);
                    assert.equal(services.length, 1, `${url}: no Service ${namespace}/${name}`);
                    const svc = services[0].o;
                    assert.ok(svc.spec.ports.some((p: any) => p.port === Number(port)), `${url}: ${name} has no port ${port}`);
                    assert.ok(objects().some(({ o }) => o.metadata.namespace === namespace && matches(svc.spec.selector, podTemplateOf(o)?.metadata?.labels)),
                        `${url}: Service ${name} selects no pod`);
                }
            });

            it("provides the IngressClass every Ingress and HTTP-01 solver of the stack names", () => {
                const names = new Set<string>([
                    ev.outputs.ingress.className,
                    ...ofType(ev, "kubernetes:networking.k8s.io/v1:Ingress").map((i) => i.inputs.spec.ingressClassName),
                    ...ofType(ev, "kubernetes:cert-manager.io/v1:ClusterIssuer").flatMap((i) => i.inputs.spec.acme.solvers.map((s: any) => s.http01.ingress.ingressClassName)),
                    releases.find((r) => r.inputs.chart === "kube-prometheus-stack")!.inputs.values.grafana.ingress.ingressClassName,
                ]);
                const classes = rendered.get("ingress-nginx")!.objects.filter((o) => o.kind === "IngressClass");
                for (const name of names) {
                    const found = classes.filter((c) => c.metadata.name === name);
                    assert.equal(found.length, 1, `IngressClass ${name}`);
                    assert.equal(found[0].spec.controller, "k8s.io/ingress-nginx");
                }
                const grafana = rendered.get("kube-prometheus-stack")!.objects.find((o) => o.kind === "Ingress")!;
                assert.deepEqual(grafana.spec.rules.map((r: any) => r.host), [configured(stack as StackName, "grafanaHost")]);
                assert.equal(grafana.metadata.annotations["cert-manager.io/cluster-issuer"], configured(stack as StackName, "clusterIssuer"));
            });

            it("runs the replicas, resources and storage the stack configures", () => {
                const s = stack as StackName;
                const workload = (chart: string, kind: string, predicate: (o: any) => boolean) => {
                    const found = rendered.get(chart)!.objects.filter((o) => o.kind === kind && predicate(o));
                    assert.ok(found.length > 0, `${chart}: no ${kind}`);
                    return found;
                };
                const containerOf = (o: any) => o.spec.template.spec.containers[0];
                for (const d of workload("cert-manager", "Deployment", () => true)) {
                    assert.equal(d.spec.replicas, configured(s, "certManagerReplicas"), d.metadata.name);
                }
                assert.equal(rendered.get("cert-manager")!.objects.filter((o) => o.kind === "PodDisruptionBudget").length,
                    configured(s, "certManagerReplicas") > 1 ? 3 : 0);
                const [controller] = workload("ingress-nginx", "Deployment", () => true);
                assert.equal(controller.spec.replicas, configured(s, "ingressReplicas"));
                assert.deepEqual(containerOf(controller).resources, {
                    requests: { cpu: String(configured(s, "ingressCpuRequest")), memory: configured(s, "ingressMemoryRequest") },
                    limits: { memory: configured(s, "ingressMemoryLimit") },
                });
                const service = rendered.get("ingress-nginx")!.objects.find((o) => o.kind === "Service" && o.metadata.name === `${controller.metadata.name}`)!;
                assert.equal(service.spec.type, configured(s, "ingressServiceType"));
                const [prometheus] = workload("kube-prometheus-stack", "StatefulSet", (o) => o.spec.template.metadata.labels["app.kubernetes.io/name"] === "prometheus");
                assert.equal(prometheus.spec.replicas, configured(s, "prometheusReplicas"));
                assert.equal(containerOf(prometheus).resources.limits.memory, configured(s, "prometheusMemoryLimit"));
                const prometheusStorage = configured(s, "prometheusStorageSize");
                assert.equal(prometheus.spec.volumeClaimTemplates?.[0].spec.resources.requests.storage ?? "", prometheusStorage);
                const [alertmanager] = workload("kube-prometheus-stack", "StatefulSet", (o) => o.spec.template.metadata.labels["app.kubernetes.io/name"] === "alertmanager");
                assert.equal(alertmanager.spec.replicas, configured(s, "alertmanagerReplicas"));
                const [loki] = workload("loki", "StatefulSet", () => true);
                assert.equal(containerOf(loki).resources.requests.cpu, String(configured(s, "lokiCpuRequest")));
                assert.equal(loki.spec.volumeClaimTemplates[0].spec.resources.requests.storage, configured(s, "lokiStorageSize"));
                assert.equal(loki.spec.volumeClaimTemplates[0].spec.storageClassName, configured(s, "storageClass"));
                const [alloy] = workload("alloy", "DaemonSet", () => true);
                assert.ok(containerOf(alloy).env.some((e: any) => e.name === "NODE_NAME"), "Alloy's pipeline reads NODE_NAME");
            });
        });
    }
});
