/**
 * A loopback stand-in for GitLab's project variables API
 * (`/api/v4/projects/:id/variables[/:key]`), served by a real `http` server on
 * 127.0.0.1 so gitbeaker talks to it exactly as it would to GitLab.
 *
 * It models the server, not our provider: its rules are written from GitLab's
 * Rails/Grape behaviour (GitLab's REST API documentation for project variables)
 * and deliberately share no code with components/gitlab, so a provider bug
 * cannot be mirrored by the double and pass unnoticed.
 *
 * Modelled behaviour:
 *  - defaults and the full attribute set in every response;
 *  - uniqueness per (key, scope), key / scope / description validation, Grape
 *    "is missing" / type errors;
 *  - masking: raw=true needs `\A\S{8,}\z` (Ruby's \s), raw=false needs
 *    `\A[a-zA-Z0-9_+=/@:.~-]{8,}\z`;
 *  - hidden via `masked_and_hidden` on POST only, value read back as null,
 *    PUT may not change `masked` of a hidden variable;
 *  - `filter[environment_scope]` from the query string and from a JSON or form
 *    body (body wins, as in Rack), matched literally; 404 / 409 on lookup;
 *  - PUT may move a variable to another scope; DELETE is 204 then 404;
 *  - offset pagination with Link and x-* headers;
 *  - 401 (no or unknown token), 404 project, 403 (role below Maintainer), in
 *    GitLab's order: authenticate, find project, authorize;
 *  - an opt-in fault switch; it never answers 429/502 unless told to, because
 *    gitbeaker silently retries those;
 *  - merge-request notes (`/projects/:id/merge_requests/:iid/notes[/:note_id]`): list with
 *    offset pagination, create, update; any role may comment, only a note's author may edit it
 *    (403), `body` is required (400), unknown notes are 404;
 *  - a repository (GitLab's Commits and Merge requests APIs, what a release pushes):
 *    `POST /projects/:id/repository/commits` with `actions` (create/update), `branch`,
 *    `commit_message`, `start_branch`/`start_sha` to start a new branch (400 when it exists), the
 *    `last_commit_id` check (400 "changed since you started editing"), protected branches (push
 *    only for Maintainer and Owner: 403), roles below Developer 403;
 *    `POST /projects/:id/merge_requests` (title, existing source branch, 409 for a second open
 *    merge request of the same branches).
 */
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";

export type Role = "owner" | "maintainer" | "developer" | "reporter";

export interface DoubleProject {
    id: number;
    /** Full path, e.g. `ai-platform/quickspin-ai`. */
    path: string;
}

/** A variable as the double stores it (GitLab's attribute names). */
export interface StoredVariable {
    key: string;
    value: string;
    variable_type: "env_var" | "file";
    protected: boolean;
    masked: boolean;
    hidden: boolean;
    raw: boolean;
    environment_scope: string;
    description: string | null;
}

export interface LoggedRequest {
    method: string;
    /** Raw (still percent-encoded) path. */
    path: string;
    rawQuery: string;
    /** Decoded query pairs, keys as sent (e.g. `filter[environment_scope]`). */
    query: Record<string, string>;
    /** Raw request body. */
    body: string;
    /** Parsed JSON body, if it was JSON. */
    json: unknown;
    headers: http.IncomingHttpHeaders;
    /** Status the double answered with. */
    status?: number;
}

/** A merge-request note as the double stores it. */
export interface StoredNote {
    id: number;
    body: string;
    /** The token that wrote it (the double's stand-in for the author). */
    author: string;
    created_at: string;
    updated_at: string;
}

/** A commit of the double's repository: the whole tree, and each file's last commit. */
export interface StoredCommit {
    id: string;
    message: string;
    parent?: string;
    files: Record<string, { content: string; lastCommit: string }>;
}

export interface StoredMergeRequest {
    iid: number;
    source_branch: string;
    target_branch: string;
    title: string;
    description: string;
    remove_source_branch: boolean;
    state: "opened" | "merged" | "closed";
}

export interface Fault {
    status: number;
    /** How many matching requests fail; default 1. */
    times?: number;
    /** Only requests with this method fail; default any. */
    method?: string;
    /** Response body; default `{"message":"<status> Internal Server Error"}`-style. */
    body?: unknown;
}

export interface GitlabDoubleOptions {
    /** token -> role. Tokens not listed get 401. */
    tokens: Record<string, Role>;
    projects: DoubleProject[];
    /** GitLab's plan limit per project; default 8000. */
    maxVariablesPerProject?: number;
    /**
     * false models GitLab < 17.4: `masked_and_hidden` is an unknown parameter
     * (ignored) and responses carry no `hidden` attribute. Default true.
     */
    hiddenSupported?: boolean;
    /**
     * Serve HTTPS with this key and certificate (PEM) instead of plain HTTP, for callers that, like
     * the stacks' `gitlabUrl`, accept only https URLs. Clients must trust the certificate.
     */
    tls?: { key: string; cert: string };
}

type Params = Record<string, unknown>;

class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly body: unknown,
    ) {
        super(typeof body === "string" ? body : JSON.stringify(body));
    }
}

const KEY_FORMAT = /^[a-zA-Z0-9_]+$/;
const SCOPE_FORMAT = /^[a-zA-Z0-9_/${}. *-]+$/;
// Ruby's \s is ASCII whitespace only; JavaScript's would also reject e.g. U+00A0.
const MASKED_RAW_FORMAT = /^[^ \t\r\n\f\v]{8,}$/;
const MASKED_EXPANDED_FORMAT = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
const TRUE_STRINGS = ["1", "t", "true", "y", "yes", "on"];
const FALSE_STRINGS = ["0", "f", "false", "n", "no", "off"];

/** Parses `a[b]=c` query/form pairs the way Rack does, one level deep (all GitLab uses here). */
function parsePairs(pairs: Iterable<[string, string]>): Params {
    const out: Params = {};
    for (const [k, v] of pairs) {
        const m = /^([^[\]]+)\[([^[\]]+)\]$/.exec(k);
        if (m) {
            const inner = (typeof out[m[1]] === "object" && out[m[1]] !== null ? out[m[1]] : {}) as Params;
            inner[m[2]] = v;
            out[m[1]] = inner;
        } else {
            out[k] = v;
        }
    }
    return out;
}

export class GitlabDouble {
    readonly requests: LoggedRequest[] = [];
    private readonly store = new Map<number, StoredVariable[]>();
    /** "<project id>!<iid>" -> notes in creation order. */
    private readonly noteStore = new Map<string, StoredNote[]>();
    private nextNoteId = 1000;
    private readonly faults: Array<Required<Pick<Fault, "status" | "times">> & Fault> = [];
    /** project id -> repository. */
    private readonly repos = new Map<number, { commits: Map<string, StoredCommit>; branches: Map<string, string>; protected: Set<string>; mrs: StoredMergeRequest[] }>();
    private commitCounter = 0;
    private server?: http.Server;
    private port = 0;

    constructor(readonly options: GitlabDoubleOptions) {
        for (const p of options.projects) {
            this.store.set(p.id, []);
        }
    }

    /** Base URL to hand to the provider, e.g. `http://127.0.0.1:41234`. */
    get url(): string {
        return `${this.options.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
    }

    async start(): Promise<this> {
        const listener: http.RequestListener = (req, res) => {
            this.handle(req, res).catch((err) => {
                res.writeHead(500, { "content-type": "application/json" });
                res.end(JSON.stringify({ message: `double crashed: ${String(err)}` }));
            });
        };
        this.server = this.options.tls ? https.createServer(this.options.tls, listener) : http.createServer(listener);
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        return this;
    }

    async stop(): Promise<void> {
        const server = this.server;
        if (!server) {
            return;
        }
        this.server = undefined;
        // fetch (undici) keeps connections alive; close() alone would wait for them.
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    /** Makes the next matching request(s) fail with `status`. */
    injectFault(fault: Fault): void {
        this.faults.push({ times: 1, ...fault });
    }

    clearFaults(): void {
        this.faults.length = 0;
    }

    /** Forgets variables, notes, faults and the request log. */
    reset(): void {
        for (const id of this.store.keys()) {
            this.store.set(id, []);
        }
        this.noteStore.clear();
        this.repos.clear();
        this.clearFaults();
        this.requests.length = 0;
    }

    /** A copy of the project's variables, in creation order. */
    variables(project: number | string): StoredVariable[] {
        return this.projectVars(project).map((v) => ({ ...v }));
    }

    /** A copy of a merge request's notes, in creation order. */
    notes(project: number | string, mergeRequestIid: number | string): StoredNote[] {
        const p = this.findProject(String(project));
        if (!p) {
            throw new Error(`no project ${project} in the double`);
        }
        return (this.noteStore.get(`${p.id}!${mergeRequestIid}`) ?? []).map((n) => ({ ...n }));
    }

    /** Puts a note straight into the store, written by `author` (a token): test setup only. */
    seedNote(project: number | string, mergeRequestIid: number | string, body: string, author: string): StoredNote {
        const p = this.findProject(String(project))!;
        const key = `${p.id}!${mergeRequestIid}`;
        const now = new Date().toISOString();
        const note = { id: this.nextNoteId++, body, author, created_at: now, updated_at: now };
        this.noteStore.set(key, [...(this.noteStore.get(key) ?? []), note]);
        return { ...note };
    }

    /**
     * Gives the project a repository: one commit holding `files` on each of `branches`, of which
     * `protectedBranches` (default main and develop) take pushes from Maintainers only; `commit` names
     * the commit (a local clone's id, so a client's `last_commit_id` can match). Returns the commit id.
     */
    seedRepository(project: number | string, files: Record<string, string>, options: { commit?: string; branches?: string[]; protectedBranches?: string[] } = {}): string {
        const p = this.findProject(String(project))!;
        const branches = options.branches ?? ["main", "develop"];
        const repo = {
            commits: new Map<string, StoredCommit>(), branches: new Map<string, string>(),
            protected: new Set(options.protectedBranches ?? ["main", "develop"]), mrs: [] as StoredMergeRequest[],
        };
        this.repos.set(p.id, repo);
        const id = options.commit ?? this.newCommitId();
        repo.commits.set(id, { id, message: "seed", files: Object.fromEntries(Object.entries(files).map(([f, content]) => [f, { content, lastCommit: id }])) });
        for (const b of branches) repo.branches.set(b, id);
        return id;
    }

    /** Commits a change to `branch` as someone else would (test setup: a concurrent push). */
    seedCommit(project: number | string, branch: string, files: Record<string, string>): string {
        const repo = this.repos.get(this.findProject(String(project))!.id)!;
        const parent = repo.commits.get(repo.branches.get(branch)!)!;
        const id = this.newCommitId();
        const tree = { ...parent.files };
        for (const [f, content] of Object.entries(files)) tree[f] = { content, lastCommit: id };
        repo.commits.set(id, { id, message: "seeded", parent: parent.id, files: tree });
        repo.branches.set(branch, id);
        return id;
    }

    /** The file's content at the tip of `branch` (undefined: no such branch or file). */
    fileAt(project: number | string, branch: string, file: string): string | undefined {
        const repo = this.repos.get(this.findProject(String(project))!.id);
        const tip = repo?.branches.get(branch);
        return tip === undefined ? undefined : repo!.commits.get(tip)!.files[file]?.content;
    }

    branchTip(project: number | string, branch: string): StoredCommit | undefined {
        const repo = this.repos.get(this.findProject(String(project))!.id);
        const tip = repo?.branches.get(branch);
        return tip === undefined ? undefined : { ...repo!.commits.get(tip)! };
    }

    mergeRequests(project: number | string): StoredMergeRequest[] {
        return (this.repos.get(this.findProject(String(project))!.id)?.mrs ?? []).map((m) => ({ ...m }));
    }

    private newCommitId(): string {
        this.commitCounter += 1;
        // 40 hex digits, like a git commit id.
        return (this.commitCounter.toString(16).padStart(8, "0") + "c0ffee".repeat(6)).slice(0, 40);
    }

    /** Puts variables straight into the store (no validation): test setup only. */
    seed(project: number | string, vars: Array<Partial<StoredVariable> & { key: string; value: string }>): void {
        const list = this.projectVars(project);
        for (const v of vars) {
            list.push({
                variable_type: "env_var",
                protected: false,
                masked: false,
                hidden: false,
                raw: false,
                environment_scope: "*",
                description: null,
                ...v,
            });
        }
    }

    private projectVars(project: number | string): StoredVariable[] {
        const p = this.findProject(String(project));
        if (!p) {
            throw new Error(`no project ${project} in the double`);
        }
        return this.store.get(p.id)!;
    }

    private findProject(id: string): DoubleProject | undefined {
        if (/^\d+$/.test(id)) {
            return this.options.projects.find((p) => p.id === Number(id));
        }
        return this.options.projects.find((p) => p.path === id);
    }

    /** GitLab's order on every project route: authenticate! (401), then user_project (404); authorize! is the caller's. */
    private authenticate(req: http.IncomingMessage, projectId: string): { token: string; role: Role; project: DoubleProject } {
        const token = req.headers["private-token"];
        const role = typeof token === "string" ? this.options.tokens[token] : undefined;
        if (typeof token !== "string" || !role) {
            throw new HttpError(401, { message: "401 Unauthorized" });
        }
        const project = this.findProject(projectId);
        if (!project) {
            throw new HttpError(404, { message: "404 Project Not Found" });
        }
        return { token, role, project };
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) {
            chunks.push(chunk as Buffer);
        }
        const body = Buffer.concat(chunks).toString("utf8");
        const rawUrl = req.url ?? "/";
        const q = rawUrl.indexOf("?");
        const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
        const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
        const query = Object.fromEntries(new URLSearchParams(rawQuery));
        const entry: LoggedRequest = {
            method: req.method ?? "GET",
            path,
            rawQuery,
            query,
            body,
            json: undefined,
            headers: { ...req.headers },
        };
        this.requests.push(entry);

        const send = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
            entry.status = status;
            if (status === 204) {
                res.writeHead(204, headers);
                res.end();
                return;
            }
            res.writeHead(status, { "content-type": "application/json", ...headers });
            res.end(JSON.stringify(payload));
        };

        try {
            const fault = this.faults.find((f) => f.times > 0 && (!f.method || f.method === entry.method));
            if (fault) {
                fault.times -= 1;
                throw new HttpError(fault.status, fault.body ?? { message: `${fault.status} Internal Server Error` });
            }

            const contentType = String(req.headers["content-type"] ?? "").split(";")[0].trim();
            let bodyParams: Params = {};
            if (body !== "" && contentType === "application/json") {
                try {
                    entry.json = JSON.parse(body);
                } catch {
                    throw new HttpError(400, { error: "The provided content-type 'application/json' is not supported." });
                }
                if (typeof entry.json === "object" && entry.json !== null && !Array.isArray(entry.json)) {
                    bodyParams = entry.json as Params;
                }
            } else if (body !== "" && contentType === "application/x-www-form-urlencoded") {
                bodyParams = parsePairs(new URLSearchParams(body));
            }
            const queryParams = parsePairs(new URLSearchParams(rawQuery));
            const params: Params = { ...queryParams, ...bodyParams };
            if (typeof queryParams.filter === "object" && typeof bodyParams.filter === "object") {
                params.filter = { ...(queryParams.filter as Params), ...(bodyParams.filter as Params) };
            }

            const segments = path.split("/");
            if (segments[5] === "repository" || (segments[5] === "merge_requests" && segments.length === 6)) {
                return this.handleRepository(req, entry, segments, params, send);
            }
            if (segments[5] === "merge_requests") {
                return this.handleNotes(req, entry, segments, params, send);
            }
            // ["", "api", "v4", "projects", ":id", "variables", ":key"?]
            if (
                segments.length < 6 ||
                segments.length > 7 ||
                segments[1] !== "api" ||
                segments[2] !== "v4" ||
                segments[3] !== "projects" ||
                segments[5] !== "variables" ||
                (segments.length === 7 && segments[6] === "")
            ) {
                throw new HttpError(404, { error: "404 Not Found" });
            }
            let projectId: string;
            let key: string | undefined;
            try {
                projectId = decodeURIComponent(segments[4]);
                key = segments.length === 7 ? decodeURIComponent(segments[6]) : undefined;
            } catch {
                throw new HttpError(400, { error: "invalid percent-encoding" });
            }

            const { role, project } = this.authenticate(req, projectId);
            if (role !== "maintainer" && role !== "owner") {
                throw new HttpError(403, { message: "403 Forbidden" });
            }
            const vars = this.store.get(project.id)!;

            const method = entry.method;
            if (key === undefined && method === "GET") {
                return this.list(req, segments[4], vars, params, send);
            }
            if (key === undefined && method === "POST") {
                return send(201, this.represent(this.create(vars, params)));
            }
            if (key !== undefined && method === "GET") {
                return send(200, this.represent(this.lookup(vars, key, params)));
            }
            if (key !== undefined && method === "PUT") {
                return send(200, this.represent(this.update(vars, this.lookup(vars, key, params), params)));
            }
            if (key !== undefined && method === "DELETE") {
                const found = this.lookup(vars, key, params);
                vars.splice(vars.indexOf(found), 1);
                return send(204);
            }
            throw new HttpError(405, { error: "405 Not Allowed" });
        } catch (err) {
            if (err instanceof HttpError) {
                return send(err.status, err.body);
            }
            throw err;
        }
    }

    /** ["", "api", "v4", "projects", ":id", "merge_requests", ":iid", "notes", ":note_id"?] */
    private handleNotes(
        req: http.IncomingMessage,
        entry: LoggedRequest,
        segments: string[],
        params: Params,
        send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    ): void {
        if (segments.length < 8 || segments.length > 9 || segments[1] !== "api" || segments[2] !== "v4" || segments[3] !== "projects" ||
            segments[7] !== "notes" || !/^\d+$/.test(segments[6]) || (segments.length === 9 && !/^\d+$/.test(segments[8]))) {
            throw new HttpError(404, { error: "404 Not Found" });
        }
        const { token, project } = this.authenticate(req, decodeURIComponent(segments[4]));
        const key = `${project.id}!${segments[6]}`;
        const notes = this.noteStore.get(key) ?? [];
        this.noteStore.set(key, notes);
        const represent = (n: StoredNote) => ({
            id: n.id, body: n.body, author: { username: `user-${n.author.slice(-6)}` }, created_at: n.created_at, updated_at: n.updated_at,
            system: false, noteable_type: "MergeRequest", noteable_iid: Number(segments[6]),
        });
        const body = (): string => {
            if (typeof params.body !== "string" || params.body === "") {
                throw new HttpError(400, { error: "body is missing" });
            }
            return params.body;
        };
        const method = entry.method;
        if (segments.length === 8 && method === "GET") {
            const int = (v: unknown, d: number) => (typeof v === "string" && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : d);
            const perPage = Math.min(int(params.per_page, 20), 100);
            const page = int(params.page, 1);
            const totalPages = Math.max(1, Math.ceil(notes.length / perPage));
            // GitLab lists notes newest first unless sort=asc.
            const ordered = params.sort === "asc" ? [...notes] : [...notes].reverse();
            return send(200, ordered.slice((page - 1) * perPage, page * perPage).map(represent), {
                "x-page": String(page), "x-per-page": String(perPage), "x-total": String(notes.length), "x-total-pages": String(totalPages),
                "x-next-page": page < totalPages ? String(page + 1) : "", "x-prev-page": page > 1 ? String(page - 1) : "",
            });
        }
        if (segments.length === 8 && method === "POST") {
            const now = new Date().toISOString();
            const note: StoredNote = { id: this.nextNoteId++, body: body(), author: token, created_at: now, updated_at: now };
            notes.push(note);
            return send(201, represent(note));
        }
        const note = segments.length === 9 ? notes.find((n) => n.id === Number(segments[8])) : undefined;
        if (segments.length === 9 && !note) {
            throw new HttpError(404, { message: "404 Note Not Found" });
        }
        if (note && method === "GET") {
            return send(200, represent(note));
        }
        if (note && method === "PUT") {
            if (note.author !== token) {
                throw new HttpError(403, { message: "403 Forbidden" });
            }
            note.body = body();
            note.updated_at = new Date().toISOString();
            return send(200, represent(note));
        }
        throw new HttpError(405, { error: "405 Not Allowed" });
    }

    /** ["", "api", "v4", "projects", ":id", "repository", "commits"] and [..., ":id", "merge_requests"] (POST). */
    private handleRepository(
        req: http.IncomingMessage,
        entry: LoggedRequest,
        segments: string[],
        params: Params,
        send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    ): void {
        const commitsRoute = segments.length === 7 && segments[5] === "repository" && segments[6] === "commits";
        const mrRoute = segments.length === 6 && segments[5] === "merge_requests";
        if (segments[1] !== "api" || segments[2] !== "v4" || segments[3] !== "projects" || !(commitsRoute || mrRoute)) {
            throw new HttpError(404, { error: "404 Not Found" });
        }
        const { role, project } = this.authenticate(req, decodeURIComponent(segments[4]));
        const repo = this.repos.get(project.id);
        if (!repo) {
            throw new HttpError(404, { message: "404 Project Not Found" });
        }
        if (entry.method !== "POST") {
            throw new HttpError(405, { error: "405 Not Allowed" });
        }
        if (role === "reporter") {
            throw new HttpError(403, { message: "403 Forbidden" });
        }
        const missing = (names: string[]) => names.filter((n) => params[n] === undefined || params[n] === null || params[n] === "");
        if (mrRoute) {
            const absent = missing(["source_branch", "target_branch", "title"]);
            if (absent.length > 0) {
                throw new HttpError(400, { error: absent.map((n) => `${n} is missing`).join(", ") });
            }
            const source = String(params.source_branch);
            const target = String(params.target_branch);
            if (!repo.branches.has(source) || !repo.branches.has(target)) {
                throw new HttpError(400, { message: [`${repo.branches.has(source) ? "Target" : "Source"} branch "${repo.branches.has(source) ? target : source}" does not exist`] });
            }
            const open = repo.mrs.find((m) => m.state === "opened" && m.source_branch === source && m.target_branch === target);
            if (open) {
                throw new HttpError(409, { message: [`Another open merge request already exists for this source branch: !${open.iid}`] });
            }
            const mr: StoredMergeRequest = {
                iid: repo.mrs.length + 1, source_branch: source, target_branch: target, title: String(params.title),
                description: typeof params.description === "string" ? params.description : "",
                remove_source_branch: params.remove_source_branch === true || params.remove_source_branch === "true", state: "opened",
            };
            repo.mrs.push(mr);
            return send(201, { id: 9000 + mr.iid, project_id: project.id, ...mr, web_url: `${this.url}/${project.path}/-/merge_requests/${mr.iid}` });
        }

        const absent = missing(["branch", "commit_message", "actions"]);
        if (absent.length > 0) {
            throw new HttpError(400, { error: absent.map((n) => `${n} is missing`).join(", ") });
        }
        if (!Array.isArray(params.actions)) {
            throw new HttpError(400, { error: "actions is invalid" });
        }
        const branch = String(params.branch);
        const startBranch = params.start_branch === undefined ? undefined : String(params.start_branch);
        const startSha = params.start_sha === undefined ? undefined : String(params.start_sha);
        if (startBranch !== undefined && startSha !== undefined) {
            throw new HttpError(400, { error: "start_branch, start_sha are mutually exclusive" });
        }
        let baseId: string | undefined;
        if (startBranch !== undefined || startSha !== undefined) {
            if (repo.branches.has(branch)) {
                throw new HttpError(400, { message: `A branch called '${branch}' already exists. Switch to that branch in order to make changes` });
            }
            baseId = startSha ?? repo.branches.get(startBranch!);
            if (baseId === undefined || !repo.commits.has(baseId)) {
                throw new HttpError(400, { message: startSha ? `Invalid start_sha: ${startSha}` : `Invalid reference name: ${startBranch}` });
            }
        } else {
            baseId = repo.branches.get(branch);
            if (baseId === undefined) {
                throw new HttpError(400, { message: "You can only create or edit files when you are on a branch" });
            }
        }
        // Pushing to a protected branch (an existing one, or a new one matching a protected name).
        if (repo.protected.has(branch) && role !== "maintainer" && role !== "owner") {
            throw new HttpError(403, { message: "403 Forbidden - You are not allowed to push into this branch" });
        }
        const base = repo.commits.get(baseId)!;
        const id = this.newCommitId();
        const tree = { ...base.files };
        for (const raw of params.actions as Params[]) {
            const filePath = typeof raw?.file_path === "string" ? raw.file_path : undefined;
            const action = raw?.action;
            if (filePath === undefined || (action !== "create" && action !== "update")) {
                throw new HttpError(400, { error: "actions[file_path] is missing, actions[action] does not have a valid value" });
            }
            if (typeof raw.content !== "string") {
                throw new HttpError(400, { message: `You must provide content for ${filePath}` });
            }
            const existing = tree[filePath];
            if (action === "create" && existing) {
                throw new HttpError(400, { message: "A file with this name already exists" });
            }
            if (action === "update" && !existing) {
                throw new HttpError(400, { message: "A file with this name doesn't exist" });
            }
            if (action === "update" && raw.last_commit_id !== undefined && raw.last_commit_id !== null && raw.last_commit_id !== existing.lastCommit) {
                throw new HttpError(400, { message: "You are attempting to update a file that has changed since you started editing it." });
            }
            tree[filePath] = { content: raw.content, lastCommit: id };
        }
        const message = String(params.commit_message);
        repo.commits.set(id, { id, message, parent: base.id, files: tree });
        repo.branches.set(branch, id);
        return send(201, {
            id, short_id: id.slice(0, 8), title: message.split("\n")[0], message, parent_ids: [base.id],
            web_url: `${this.url}/${project.path}/-/commit/${id}`,
        });
    }

    private represent(v: StoredVariable): Record<string, unknown> {
        const out: Record<string, unknown> = {
            variable_type: v.variable_type,
            key: v.key,
            value: v.hidden ? null : v.value,
            hidden: v.hidden,
            protected: v.protected,
            masked: v.masked,
            raw: v.raw,
            environment_scope: v.environment_scope,
            description: v.description,
        };
        if (this.options.hiddenSupported === false) {
            delete out.hidden;
        }
        return out;
    }

    private list(
        req: http.IncomingMessage,
        rawProjectId: string,
        vars: StoredVariable[],
        params: Params,
        send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    ): void {
        const int = (v: unknown, d: number): number => {
            const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
            return Number.isFinite(n) && n > 0 ? n : d;
        };
        const perPage = Math.min(int(params.per_page, 20), 100);
        const page = int(params.page, 1);
        const total = vars.length;
        const totalPages = Math.max(1, Math.ceil(total / perPage));
        const slice = vars.slice((page - 1) * perPage, page * perPage);
        const link = (p: number): string =>
            `http://${req.headers.host}/api/v4/projects/${rawProjectId}/variables?page=${p}&per_page=${perPage}`;
        const links: string[] = [];
        if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
        if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
        links.push(`<${link(1)}>; rel="first"`, `<${link(totalPages)}>; rel="last"`);
        send(200, slice.map((v) => this.represent(v)), {
            link: links.join(", "),
            "x-page": String(page),
            "x-per-page": String(perPage),
            "x-total": String(total),
            "x-total-pages": String(totalPages),
            "x-next-page": page < totalPages ? String(page + 1) : "",
            "x-prev-page": page > 1 ? String(page - 1) : "",
        });
    }

    /** GitLab's find_variable: key plus optional exact scope filter; 404 for none, 409 for several. */
    private lookup(vars: StoredVariable[], key: string, params: Params): StoredVariable {
        let found = vars.filter((v) => v.key === key);
        const filter = params.filter;
        if (typeof filter === "object" && filter !== null && "environment_scope" in filter) {
            const scope = String((filter as Params).environment_scope);
            found = found.filter((v) => v.environment_scope === scope);
        }
        if (found.length === 0) {
            throw new HttpError(404, { message: "404 Variable Not Found" });
        }
        if (found.length > 1) {
            throw new HttpError(409, {
                message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
            });
        }
        return found[0];
    }

    /** Grape's declared-params coercion; collects Grape-style errors ("x is invalid"). */
    private coerce(params: Params, errors: string[]): Partial<StoredVariable> & { masked_and_hidden?: boolean } {
        const out: Partial<StoredVariable> & { masked_and_hidden?: boolean } = {};
        const bool = (name: "protected" | "masked" | "raw" | "masked_and_hidden"): void => {
            const v = params[name];
            if (v === undefined || v === null) return;
            if (typeof v === "boolean") {
                out[name] = v;
            } else if (TRUE_STRINGS.includes(String(v).toLowerCase())) {
                out[name] = true;
            } else if (FALSE_STRINGS.includes(String(v).toLowerCase())) {
                out[name] = false;
            } else {
                errors.push(`${name} is invalid`);
            }
        };
        const str = (v: unknown): string | undefined =>
            v === undefined || v === null ? undefined : typeof v === "object" ? undefined : String(v);
        if (params.value !== undefined && params.value !== null) {
            const s = str(params.value);
            if (s === undefined) errors.push("value is invalid");
            else out.value = s;
        }
        if (params.variable_type !== undefined && params.variable_type !== null) {
            if (params.variable_type === "env_var" || params.variable_type === "file") out.variable_type = params.variable_type;
            else errors.push("variable_type does not have a valid value");
        }
        bool("protected");
        bool("masked");
        bool("raw");
        bool("masked_and_hidden");
        if (params.environment_scope !== undefined && params.environment_scope !== null) {
            out.environment_scope = str(params.environment_scope);
        }
        if (params.description !== undefined) {
            out.description = params.description === null ? null : (str(params.description) ?? null);
        }
        return out;
    }

    /** ActiveRecord validations; `self` is excluded from the uniqueness check. */
    private validate(vars: StoredVariable[], v: StoredVariable, self?: StoredVariable): Record<string, string[]> {
        const errors: Record<string, string[]> = {};
        const add = (attr: string, msg: string): void => {
            (errors[attr] ??= []).push(msg);
        };
        if (v.key === "") add("key", "can't be blank");
        if (v.key.length > 255) add("key", "is too long (maximum is 255 characters)");
        if (!KEY_FORMAT.test(v.key)) add("key", "can contain only letters, digits and '_'.");
        if (v.masked) {
            const rule = v.raw ? MASKED_RAW_FORMAT : MASKED_EXPANDED_FORMAT;
            if (!rule.test(v.value)) add("value", "is invalid");
        }
        if (v.environment_scope === "") add("environment_scope", "can't be blank");
        if (!SCOPE_FORMAT.test(v.environment_scope)) {
            add("environment_scope", "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces");
        }
        if (v.description !== null && v.description.length > 255) {
            add("description", "is too long (maximum is 255 characters)");
        }
        if (vars.some((o) => o !== self && o.key === v.key && o.environment_scope === v.environment_scope)) {
            add("key", `(${v.key}) has already been taken`);
        }
        return errors;
    }

    private create(vars: StoredVariable[], params: Params): StoredVariable {
        const grape: string[] = [];
        if (params.key === undefined || params.key === null) grape.push("key is missing");
        if (params.value === undefined || params.value === null) grape.push("value is missing");
        const c = this.coerce(params, grape);
        if (grape.length > 0) {
            throw new HttpError(400, { error: grape.join(", ") });
        }
        const hidden = c.masked_and_hidden === true && this.options.hiddenSupported !== false;
        const v: StoredVariable = {
            key: String(params.key).trim(),
            value: c.value ?? "",
            variable_type: c.variable_type ?? "env_var",
            protected: c.protected ?? false,
            masked: hidden || (c.masked ?? false),
            hidden,
            raw: c.raw ?? false,
            environment_scope: c.environment_scope ?? "*",
            description: c.description ?? null,
        };
        const errors = this.validate(vars, v);
        const max = this.options.maxVariablesPerProject ?? 8000;
        if (vars.length >= max) {
            (errors.base ??= []).push(`Maximum number of project ci variables (${max}) exceeded`);
        }
        if (Object.keys(errors).length > 0) {
            throw new HttpError(400, { message: errors });
        }
        vars.push(v);
        return v;
    }

    private update(vars: StoredVariable[], current: StoredVariable, params: Params): StoredVariable {
        const grape: string[] = [];
        // `hidden` is not a PUT parameter and `masked_and_hidden` is ignored on PUT: neither is read here.
        const { masked_and_hidden: _ignored, ...c } = this.coerce(params, grape);
        if (grape.length > 0) {
            throw new HttpError(400, { error: grape.join(", ") });
        }
        const next: StoredVariable = { ...current, ...c, key: current.key, hidden: current.hidden };
        const errors = this.validate(vars, next, current);
        if (current.hidden && next.masked !== current.masked) {
            (errors.base ??= []).push("Updating masked attribute is not allowed on updates for hidden variables.");
        }
        if (Object.keys(errors).length > 0) {
            throw new HttpError(400, { message: errors });
        }
        Object.assign(current, next);
        return current;
    }
}

export async function startGitlabDouble(options: GitlabDoubleOptions): Promise<GitlabDouble> {
    return new GitlabDouble(options).start();
}

export async function stopGitlabDouble(double: GitlabDouble | undefined): Promise<void> {
    await double?.stop();
}

/** Tokens and projects most tests use; tokens are random so "never appears" assertions mean something. */
export function testFixture(): {
    maintainerToken: string;
    reporterToken: string;
    projectId: number;
    projectPath: string;
    otherProjectId: number;
    options: GitlabDoubleOptions;
} {
    const rand = (): string => Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    const maintainerToken = `glpat-m${rand()}`;
    const reporterToken = `glpat-r${rand()}`;
    const projectId = 4242;
    const projectPath = "ai-platform/quickspin-ai";
    const otherProjectId = 77;
    return {
        maintainerToken,
        reporterToken,
        projectId,
        projectPath,
        otherProjectId,
        options: {
            tokens: { [maintainerToken]: "maintainer", [reporterToken]: "reporter" },
            projects: [
                { id: projectId, path: projectPath },
                { id: otherProjectId, path: "ai-platform/chatbot" },
            ],
        },
    };
}
