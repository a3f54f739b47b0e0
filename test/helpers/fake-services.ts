// Fake Anthropic, Ollama and Syncro servers on 127.0.0.1 speaking the wire formats of APIS.md, errors included
// (401, 404, 429 with retry-after, 500, 529, malformed JSON, slow responses). Each records its requests and is
// closed after the test.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status: number;
  /** JSON body (ignored when `raw` is given). */
  body?: unknown;
  /** Body bytes as they are (malformed JSON, plain text). */
  raw?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (slow server). */
  delayMs?: number;
}

export interface FakeServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export type Handler = (req: Recorded, n: number) => Reply | Promise<Reply>;

/** A JSON HTTP server on 127.0.0.1 with a random port, closed (connections included) after the test. */
export async function startFake(t: Pick<TestContext, "after">, handler: Handler): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {}
      const rec: Recorded = { method: req.method ?? "GET", path: u.pathname, query: u.searchParams, headers: req.headers, body };
      requests.push(rec);
      Promise.resolve(handler(rec, requests.length))
        .then((reply) => {
          const send = () => respond(res, reply);
          if (reply.delayMs) {
            const tm = setTimeout(() => {
              timers.delete(tm);
              if (!res.destroyed) send();
            }, reply.delayMs);
            timers.add(tm);
          } else send();
        })
        .catch((e: unknown) => respond(res, { status: 500, body: { error: `fake server bug: ${String(e)}` } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((r) => {
      for (const tm of timers) clearTimeout(tm);
      server.closeAllConnections();
      server.close(() => r());
    });
  t.after(close);
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

function respond(res: ServerResponse, reply: Reply): void {
  const data = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...reply.headers });
  res.end(data);
}

// ---- JSON-schema-driven drafts (what a model obeying output_config.format returns) ----

export const INVENTED = "Moved the backup job to 10.99.99.99 on ghost-host.invalid; key at vault:clients/acme/ghost-key.age.";

/** A value that fits `schema`, every string being `text`. */
export function fromSchema(schema: unknown, text = INVENTED): unknown {
  if (!schema || typeof schema !== "object") return text;
  const s = schema as Record<string, unknown>;
  const t = Array.isArray(s.type) ? (s.type as string[]).find((x) => x !== "null") : s.type;
  if (t === "object" || s.properties) {
    return Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, unknown>).map(([k, v]) => [k, fromSchema(v, text)]));
  }
  if (t === "array") return [fromSchema(s.items, text)];
  if (t === "number" || t === "integer") return 1;
  if (t === "boolean") return false;
  return text;
}

// ---- Anthropic Messages API ----

export type AnthropicStep =
  | { kind: "draft"; draft: (body: Record<string, unknown>) => unknown }
  | { kind: "error"; status: number; type: string; message?: string; retryAfter?: string }
  | { kind: "malformed" }
  | { kind: "text"; text: string }
  | { kind: "max_tokens" }
  | { kind: "slow"; ms: number; then?: AnthropicStep };

export const anthropicError = (status: number, type: string, message = type, retryAfter?: string): AnthropicStep => ({
  kind: "error",
  status,
  type,
  message,
  ...(retryAfter !== undefined ? { retryAfter } : {}),
});

function anthropicReply(step: AnthropicStep, body: Record<string, unknown>): Reply {
  const message = (content: unknown[], stop = "end_turn") => ({
    status: 200,
    body: {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model: body.model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    },
  });
  switch (step.kind) {
    case "draft":
      // A thinking block first: the client must take the first *text* block.
      return message([
        { type: "thinking", thinking: "Drafting the article.", signature: "sig" },
        { type: "text", text: JSON.stringify(step.draft(body)) },
      ]);
    case "error":
      return {
        status: step.status,
        body: { type: "error", error: { type: step.type, message: step.message ?? step.type } },
        ...(step.retryAfter !== undefined ? { headers: { "retry-after": step.retryAfter } } : {}),
      };
    case "malformed":
      return { status: 200, raw: '{"id": "msg_fake", "type": "message", "content": [' };
    case "text":
      return message([{ type: "text", text: step.text }]);
    case "max_tokens":
      return message([{ type: "text", text: '{"overview": "trunc' }], "max_tokens");
    case "slow":
      return { ...anthropicReply(step.then ?? { kind: "draft", draft: (b) => fromSchema(schemaOf(b)) }, body), delayMs: step.ms };
  }
}

export function schemaOf(body: Record<string, unknown>): unknown {
  return ((body.output_config as Record<string, unknown> | undefined)?.format as Record<string, unknown> | undefined)?.schema;
}

/** The existing article the client sent in the prompt, if any. */
export function promptArticle(body: Record<string, unknown>): string | undefined {
  const msgs = body.messages as { content: unknown }[] | undefined;
  const c = msgs?.[msgs.length - 1]?.content;
  const text = typeof c === "string" ? c : Array.isArray(c) ? c.map((b: { text?: string }) => b.text ?? "").join("") : "";
  return /<existing_article>\n([\s\S]*?)\n<\/existing_article>/.exec(text)?.[1];
}

/**
 * Anthropic at /v1/messages. `steps[i]` answers request i+1 (the last step repeats). Requests without the
 * headers the API requires get its 401; ones that force tool use or lack output_config get its 400.
 */
export function fakeAnthropic(t: Pick<TestContext, "after">, steps: AnthropicStep[]): Promise<FakeServer> {
  return startFake(t, (req, n) => {
    if (req.method !== "POST" || req.path !== "/v1/messages") return { status: 404, body: { type: "error", error: { type: "not_found_error", message: "Not found" } } };
    if (!req.headers["x-api-key"] || req.headers["anthropic-version"] !== "2023-06-01") {
      return { status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } } };
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const bad = (message: string): Reply => ({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message } } });
    if (typeof body.model !== "string" || typeof body.max_tokens !== "number" || !Array.isArray(body.messages)) return bad("model, max_tokens and messages are required");
    if (((body.tool_choice as { type?: string } | undefined)?.type ?? "auto") !== "auto") return bad("tool_choice forcing is not supported with this model; use output_config.format");
    const schema = schemaOf(body);
    if (!schema || ((body.output_config as { format: { type: string } }).format.type !== "json_schema")) return bad("output_config.format json_schema expected");
    return anthropicReply(steps[Math.min(n, steps.length) - 1]!, body);
  });
}

// ---- Ollama ----

export type OllamaStep =
  | { kind: "draft"; draft: (body: Record<string, unknown>) => unknown }
  | { kind: "error"; status: number; error: string }
  | { kind: "malformed" }
  | { kind: "slow"; ms: number };

/** Ollama: POST /api/chat (non-streaming), GET /api/tags; unknown models get its 404. */
export function fakeOllama(t: Pick<TestContext, "after">, steps: OllamaStep[], models = ["llama3.1:8b"]): Promise<FakeServer> {
  return startFake(t, (req, n) => {
    if (req.method === "GET" && req.path === "/api/tags") return { status: 200, body: { models: models.map((name) => ({ name, model: name })) } };
    if (req.method !== "POST" || req.path !== "/api/chat") return { status: 404, raw: "404 page not found", headers: { "content-type": "text/plain" } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!models.includes(String(body.model))) return { status: 404, body: { error: `model "${String(body.model)}" not found, try pulling it first` } };
    if (body.stream !== false) return { status: 400, body: { error: "this fake only answers stream: false" } };
    const step = steps[Math.min(n, steps.length) - 1]!;
    const ok = (content: string): Reply => ({
      status: 200,
      body: { model: body.model, created_at: "2026-06-05T18:50:00Z", message: { role: "assistant", content }, done: true, done_reason: "stop" },
    });
    switch (step.kind) {
      case "draft":
        return ok(JSON.stringify(step.draft(body)));
      case "error":
        return { status: step.status, body: { error: step.error } };
      case "malformed":
        return { status: 200, raw: '{"model": "x", "message": {"role": "assistant", "content": "{' };
      case "slow":
        return { ...ok(JSON.stringify(fromSchema(body.format))), delayMs: step.ms };
    }
  });
}

// ---- Syncro ----

export interface SyncroTicket {
  id: number;
  number: number;
  subject: string;
  status: string;
  customer_id: number;
}

export interface SyncroTimer {
  id: number;
  ticket_id: number;
  billable: boolean;
  created_at: string;
  active_duration: number;
}

export interface SyncroData {
  key: string;
  customers: { id: number; business_name: string }[];
  tickets: SyncroTicket[];
  timers: SyncroTimer[];
  perPage?: number;
  /** Answers instead of the data for request n (1-based), e.g. a 429 with retry-after. */
  fault?: (req: Recorded, n: number) => Reply | undefined;
}

function page<T>(items: T[], req: Recorded, per: number, key: string): Reply {
  const p = Math.max(1, Number(req.query.get("page") ?? "1"));
  const total = Math.max(1, Math.ceil(items.length / per));
  return { status: 200, body: { [key]: items.slice((p - 1) * per, p * per), meta: { total_pages: total, total_entries: items.length, per_page: per, page: p } } };
}

/** Syncro at /api/v1: customers (by id or business_name), tickets (customer_id, status incl. "Not Closed"), ticket_timers (created_at window), paged. */
export function fakeSyncro(t: Pick<TestContext, "after">, d: SyncroData): Promise<FakeServer> {
  const per = d.perPage ?? 25;
  return startFake(t, (req, n) => {
    const f = d.fault?.(req, n);
    if (f) return f;
    if (req.headers.authorization !== `Bearer ${d.key}`) return { status: 401, body: { error: "Unauthorized" } };
    const p = req.path.replace(/^\/api\/v1/, "");
    if (p === "/customers") {
      const name = (req.query.get("business_name") ?? "").toLowerCase();
      return page(d.customers.filter((c) => c.business_name.toLowerCase().includes(name)), req, per, "customers");
    }
    const cm = /^\/customers\/(\d+)$/.exec(p);
    if (cm) {
      const c = d.customers.find((x) => x.id === Number(cm[1]));
      return c ? { status: 200, body: { customer: c } } : { status: 404, body: { message: "Not found" } };
    }
    if (p === "/tickets") {
      let list = d.tickets;
      const cid = req.query.get("customer_id");
      if (cid !== null) list = list.filter((x) => String(x.customer_id) === cid);
      const st = req.query.get("status");
      if (st === "Not Closed") list = list.filter((x) => x.status !== "Resolved" && x.status !== "Closed");
      else if (st !== null) list = list.filter((x) => x.status === st);
      return page(list, req, per, "tickets");
    }
    if (p === "/ticket_timers") {
      const gt = req.query.get("created_at_gt");
      const lt = req.query.get("created_at_lt");
      const list = d.timers.filter((x) => (gt === null || Date.parse(x.created_at) > Date.parse(gt)) && (lt === null || Date.parse(x.created_at) < Date.parse(lt)));
      return page(list, req, per, "ticket_timers");
    }
    return { status: 404, body: { message: "Not found" } };
  });
}
