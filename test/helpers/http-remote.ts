// A real smart-HTTP git remote on 127.0.0.1: `git http-backend` run as a CGI by node:http, behind HTTP Basic
// authentication, the way hosted git servers (and a team's own Apache/nginx + http-backend) serve repositories.
// It can also stop answering, at the points where a real server or a proxy dies mid-sync.
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TestContext } from "node:test";

export interface HttpUser {
  password: string;
  /** false: may fetch, is refused (403) on push, like a read-only deploy token. Default true. */
  write?: boolean;
}

/**
 * answer: serve normally.
 * request: accept every connection, read the request, never answer (a hung server or proxy).
 * after-pack: answer reads; for a push, read the whole pack, then never answer (the pack never lands).
 * after-update: answer reads; for a push, let http-backend apply it (the branch moves), then withhold the reply.
 */
export type StallMode = "answer" | "request" | "after-pack" | "after-update";

export interface RequestRecord {
  method: string;
  path: string;
  service: string;
  /** The Basic user sent, "" when none. */
  user: string;
  status: number | "stalled";
}

export interface HttpRemote {
  port: number;
  /** http://127.0.0.1:<port>/<repo>, with `user:password@` when given. */
  url(repo: string, auth?: { user: string; password: string }): string;
  /** The `store` credential helper's line for this server. */
  credentialLine(user: string, password: string): string;
  stall: StallMode;
  requests: RequestRecord[];
  /** Requests currently held open without an answer. */
  stalled(): number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const REALM = 'Basic realm="logbook test remote"';

function basicUser(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (!m?.[1]) return undefined;
  const raw = Buffer.from(m[1], "base64").toString("utf8");
  const i = raw.indexOf(":");
  return i < 0 ? { user: raw, password: "" } : { user: raw.slice(0, i), password: raw.slice(i + 1) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

/** Runs http-backend for one request; resolves with its CGI status, headers and body. */
function cgi(base: string, env: Record<string, string>, req: IncomingMessage, url: URL, user: string, body: Buffer) {
  return new Promise<{ status: number; headers: [string, string][]; body: Buffer }>((resolve, reject) => {
    const cgiEnv: Record<string, string> = {
      ...env,
      GIT_PROJECT_ROOT: base,
      GIT_HTTP_EXPORT_ALL: "1",
      GATEWAY_INTERFACE: "CGI/1.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REMOTE_ADDR: "127.0.0.1",
      CONTENT_LENGTH: String(body.length),
      // http-backend only enables receive-pack for an authenticated user
      ...(user ? { REMOTE_USER: user } : {}),
      ...(req.headers["content-type"] ? { CONTENT_TYPE: req.headers["content-type"] } : {}),
      ...(typeof req.headers["content-encoding"] === "string" ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
      ...(typeof req.headers["git-protocol"] === "string" ? { GIT_PROTOCOL: req.headers["git-protocol"] } : {}),
    };
    const child = spawn("git", ["http-backend"], { env: cgiEnv, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", () => {
      const raw = Buffer.concat(out);
      let end = raw.indexOf("\r\n\r\n");
      let sep = 4;
      if (end < 0) {
        end = raw.indexOf("\n\n");
        sep = 2;
      }
      if (end < 0) return reject(new Error(`http-backend gave no CGI headers: ${Buffer.concat(err).toString()}`));
      let status = 200;
      const headers: [string, string][] = [];
      for (const line of raw.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]) || 500;
        else headers.push([k, v]);
      }
      resolve({ status, headers, body: raw.subarray(end + sep) });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(body);
  });
}

/**
 * Serves the bare repos under `base` at http://127.0.0.1:<port>/. Every request needs one of `users`
 * (401 with a Basic challenge otherwise, as hosted servers do for private repos). `env` runs http-backend
 * (use the team's isolated environment so no real git config is read).
 */
export async function httpRemote(
  t: Pick<TestContext, "after">,
  base: string,
  opts: { users: Record<string, HttpUser>; env: Record<string, string> },
): Promise<HttpRemote> {
  let server: Server | undefined;
  let port = 0;
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse, r: HttpRemote) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const service = url.searchParams.get("service") ?? url.pathname.split("/").pop() ?? "";
    const creds = basicUser(req);
    const rec: RequestRecord = { method: req.method ?? "", path: url.pathname, service, user: creds?.user ?? "", status: 200 };
    r.requests.push(rec);
    const hold = () => {
      rec.status = "stalled";
      held.add(res);
      res.on("close", () => held.delete(res));
    };
    if (r.stall === "request") {
      req.resume();
      return hold();
    }
    const known = creds ? opts.users[creds.user] : undefined;
    if (!creds || !known || known.password !== creds.password) {
      rec.status = 401;
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": REALM, "Content-Type": "text/plain" }).end("authentication required\n");
      return;
    }
    const isPush = service === "git-receive-pack";
    if (isPush && known.write === false) {
      rec.status = 403;
      req.resume();
      res.writeHead(403, { "Content-Type": "text/plain" }).end("this token may not push\n");
      return;
    }
    const body = await readBody(req);
    const packPost = isPush && req.method === "POST";
    if (packPost && r.stall === "after-pack") return hold();
    const answer = await cgi(base, opts.env, req, url, creds.user, body);
    if (packPost && r.stall === "after-update") return hold();
    rec.status = answer.status;
    res.writeHead(answer.status, answer.headers.flat());
    res.end(answer.body);
  };

  const r: HttpRemote = {
    get port() {
      return port;
    },
    url(repo, auth) {
      const userinfo = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : "";
      return `http://${userinfo}127.0.0.1:${port}/${repo}`;
    },
    credentialLine: (user, password) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    stall: "answer",
    requests: [],
    stalled: () => held.size,
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        handle(req, res, r).catch((e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
          res.end(`test remote failed: ${(e as Error).message}\n`);
        });
      });
      s.on("connection", (c) => {
        sockets.add(c);
        c.on("close", () => sockets.delete(c));
      });
      // the same port after a restart, so the clone's URL stays valid
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      const a = s.address();
      if (typeof a === "object" && a) port = a.port;
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const c of sockets) c.destroy();
      held.clear();
      await closed;
    },
  };
  await r.start();
  t.after(() => r.stop());
  return r;
}

/**
 * A TCP server that accepts connections and never says a word: behind an https:// URL, curl waits in the TLS
 * handshake, where the low-speed limit does not apply (only curl's 300 s connect timeout does).
 */
export async function silentServer(t: Pick<TestContext, "after">): Promise<{ port: number; connections(): number }> {
  const { createServer: createTcp } = await import("node:net");
  const sockets = new Set<Socket>();
  let seen = 0;
  const s = createTcp((c) => {
    seen++;
    sockets.add(c);
    c.on("close", () => sockets.delete(c));
    c.on("error", () => {});
  });
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve());
  });
  const a = s.address();
  const port = typeof a === "object" && a ? a.port : 0;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        for (const c of sockets) c.destroy();
      }),
  );
  return { port, connections: () => seen };
}
