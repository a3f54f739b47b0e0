// Live client fields from the Syncro PSA: the customer, its open tickets and billable hours this month (from
// ticket timers). Billing figures in an article come only from here. Paged, at most 180 requests a minute.
import type { Config } from "../config/config.js";
import type { Deps } from "../deps.js";
import { zoned } from "../util/time.js";
import { fetchWithTimeout, retryAfterMs, sleep } from "./providers/common.js";

export interface LiveTicket {
  number: string;
  subject: string;
  status: string;
}

export interface LiveData {
  /** ISO time of the fetch. */
  fetchedAt: string;
  customer: { id: number; name: string };
  open: LiveTicket[];
  billableHours: number;
  /** `YYYY-MM` in the team's time zone. */
  month: string;
}

export class SyncroError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SyncroError";
  }
}

export interface SyncroSettings {
  base: string;
  key: string;
}

/** Configured when `syncro.subdomain` is set and SYNCRO_API_KEY is in the environment (never in a file). */
export function syncroSettings(config: Config, env: Deps["env"]): SyncroSettings | undefined {
  const sub = config.syncro?.subdomain;
  const key = env.SYNCRO_API_KEY;
  if (!sub || !key) return undefined;
  const base = (env.SYNCRO_BASE_URL || `https://${sub}.syncromsp.com/api/v1`).replace(/\/+$/, "");
  return { base, key };
}

export const RATE_LIMIT = 180;
const WINDOW_MS = 60_000;
const MAX_PAGES = 50;
const REQUEST_TIMEOUT_MS = 30_000;

/** A sliding-window limiter: never more than `limit` requests in any `windowMs`. */
export class RateLimiter {
  private readonly stamps: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}
  async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.stamps.length > 0 && now - this.stamps[0]! >= this.windowMs) this.stamps.shift();
      if (this.stamps.length < this.limit) {
        this.stamps.push(now);
        return;
      }
      await this.wait(this.windowMs - (now - this.stamps[0]!) + 5);
    }
  }
}

type Json = Record<string, unknown>;

class Client {
  readonly limiter: RateLimiter;
  private readonly fetch: typeof globalThis.fetch;
  constructor(
    private readonly s: SyncroSettings,
    deps: Pick<Deps, "fetch">,
    private readonly clock: () => number,
  ) {
    this.fetch = fetchWithTimeout(deps.fetch, REQUEST_TIMEOUT_MS);
    this.limiter = new RateLimiter(RATE_LIMIT, WINDOW_MS, clock);
  }

  async get(path: string, params: Record<string, string | number> = {}): Promise<Json> {
    const u = new URL(`${this.s.base}${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
    for (let attempt = 1; ; attempt++) {
      await this.limiter.take();
      let res: Response;
      try {
        res = await this.fetch(u, { headers: { Authorization: `Bearer ${this.s.key}`, Accept: "application/json" } });
      } catch (e) {
        const err = e as { name?: string; cause?: { code?: string }; message?: string };
        const why = err.name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (err.cause?.code ?? err.message ?? String(e));
        throw new SyncroError(`cannot reach Syncro at ${this.s.base} (${why})`);
      }
      const text = await res.text();
      if (res.ok) {
        try {
          const j = JSON.parse(text) as unknown;
          if (j && typeof j === "object" && !Array.isArray(j)) return j as Json;
        } catch {}
        throw new SyncroError(`Syncro GET ${path} returned a body that is not a JSON object`);
      }
      const wait = retryAfterMs(res.headers, this.clock());
      if ((res.status === 429 || res.status >= 500) && attempt < 3) {
        const delay = wait ?? 500 * attempt;
        if (delay <= 20_000) {
          await sleep(delay);
          continue;
        }
      }
      let detail = text.slice(0, 200);
      try {
        const j = JSON.parse(text) as Json;
        detail = String(j.error ?? j.message ?? (j.errors ? JSON.stringify(j.errors) : detail));
      } catch {}
      const hint = res.status === 401 ? " (check SYNCRO_API_KEY)" : res.status === 429 ? " (rate limit: 180 requests a minute)" : "";
      throw new SyncroError(`Syncro GET ${path} failed: ${res.status} ${detail}${hint}`);
    }
  }

  /** Every page of a list endpoint (`meta.total_pages`), up to MAX_PAGES; `stop` may end it early. */
  async all(path: string, key: string, params: Record<string, string | number>, stop?: (items: Json[]) => boolean): Promise<Json[]> {
    const out: Json[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const j = await this.get(path, { ...params, page });
      const items = j[key];
      if (!Array.isArray(items)) throw new SyncroError(`Syncro GET ${path}: the reply has no "${key}" list`);
      out.push(...(items.filter((x) => x && typeof x === "object") as Json[]));
      const meta = (j.meta ?? {}) as Json;
      const total = typeof meta.total_pages === "number" ? meta.total_pages : 1;
      if (stop?.(out) || items.length === 0 || page >= total) break;
    }
    return out;
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
const text = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const normName = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "");

async function findCustomer(c: Client, slug: string, title: string, config: Config): Promise<{ id: number; name: string }> {
  const configured = config.syncro?.customers?.[slug];
  if (configured !== undefined) {
    const j = await c.get(`/customers/${configured}`).catch((e: Error) => {
      throw new SyncroError(`${e.message} (customer ${configured} is syncro.customers.${slug} in .logbook/config.yaml)`);
    });
    const cust = (j.customer ?? j) as Json;
    return { id: num(cust.id) ?? configured, name: text(cust.business_name) || text(cust.fullname) || title };
  }
  const list = await c.all("/customers", "customers", { business_name: title });
  const named = list.map((x) => ({ id: num(x.id), name: text(x.business_name) })).filter((x): x is { id: number; name: string } => x.id !== undefined);
  const exact = named.filter((x) => normName(x.name) === normName(title) || normName(x.name) === normName(slug));
  const loose = named.filter((x) => normName(x.name).includes(normName(slug)));
  const pick = exact.length === 1 ? exact[0] : exact.length === 0 && loose.length === 1 ? loose[0] : undefined;
  if (!pick) {
    const seen = named.slice(0, 5).map((x) => `${x.id} ${x.name}`).join("; ");
    throw new SyncroError(
      `no single Syncro customer matches "${title}"${seen ? ` (found: ${seen})` : ""}; set syncro.customers.${slug}: <customer id> in .logbook/config.yaml`,
    );
  }
  return pick;
}

/** Offset (ms) of the zone at `t`, from the zoned wall clock. */
function offsetAt(t: number, tz: string): number {
  const z = zoned(new Date(t), tz);
  const [y, mo, d] = z.date.split("-").map(Number);
  const [h, mi] = z.time.split(":").map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!) - Math.floor(t / 60_000) * 60_000;
}

/** The first instant of the month `now` is in, in the team's zone. */
export function monthStart(now: Date, tz: string): { start: Date; month: string } {
  const month = zoned(now, tz).date.slice(0, 7);
  const [y, m] = month.split("-").map(Number);
  const wall = Date.UTC(y!, m! - 1, 1);
  let t = wall - offsetAt(wall, tz);
  t = wall - offsetAt(t, tz);
  return { start: new Date(t), month };
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export async function fetchLive(slug: string, title: string, config: Config, s: SyncroSettings, deps: Pick<Deps, "fetch" | "now">): Promise<LiveData> {
  const clock = () => deps.now().getTime();
  const c = new Client(s, deps, clock);
  const now = deps.now();
  const customer = await findCustomer(c, slug, title, config);
  const openRaw = await c.all("/tickets", "tickets", { customer_id: customer.id, status: "Not Closed" });
  // Defensive: keep only this customer's tickets even if the server ignored the filter.
  const mine = (x: Json) => x.customer_id === undefined || num(x.customer_id) === customer.id;
  const open = openRaw.filter(mine);
  const { start, month } = monthStart(now, config.timezone);
  const timers = await c.all("/ticket_timers", "ticket_timers", { created_at_gt: iso(start), created_at_lt: iso(now) });
  const inMonth = (x: Json) => {
    const at = Date.parse(text(x.created_at) || text(x.start_time));
    return Number.isNaN(at) || (at > start.getTime() && at <= now.getTime());
  };
  const billable = timers.filter((x) => x.billable === true && inMonth(x));
  const ticketIds = new Set(open.map((x) => num(x.id)).filter((x): x is number => x !== undefined));
  const needed = new Set(billable.map((x) => num(x.ticket_id)).filter((x): x is number => x !== undefined && !ticketIds.has(x)));
  if (needed.size > 0) {
    // Timers name tickets, not customers: join through this customer's tickets (closed ones too), reading
    // pages only until every ticket a timer names has turned up.
    const all = await c.all("/tickets", "tickets", { customer_id: customer.id }, (items) => {
      const seen = new Set(items.filter(mine).map((x) => num(x.id)));
      return [...needed].every((id) => seen.has(id));
    });
    for (const t of all) {
      const id = num(t.id);
      if (id !== undefined && mine(t)) ticketIds.add(id);
    }
  }
  let seconds = 0;
  for (const t of billable) {
    if (!ticketIds.has(num(t.ticket_id) ?? -1)) continue;
    let d = num(t.active_duration);
    if (d === undefined) {
      const a = Date.parse(text(t.start_time));
      const b = Date.parse(text(t.end_time));
      d = Number.isNaN(a) || Number.isNaN(b) ? 0 : Math.max(0, (b - a) / 1000);
    }
    seconds += d;
  }
  return {
    fetchedAt: iso(now),
    customer,
    open: open
      .map((x) => ({ number: text(x.number) || text(x.id), subject: text(x.subject).replace(/\s+/g, " ").trim().slice(0, 200), status: text(x.status) }))
      .sort((a, b) => (Number(a.number) || 0) - (Number(b.number) || 0) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0)),
    billableHours: Math.round((seconds / 3600) * 100) / 100,
    month,
  };
}

function stamp(isoTime: string, tz: string): string {
  const z = zoned(new Date(isoTime), tz);
  return `${z.date} ${z.time} ${z.abbr}`;
}

/** The Live section's body (a section core). */
export function renderLive(d: LiveData, tz: string): string {
  const lines = [
    "",
    `_Refreshed from Syncro ${stamp(d.fetchedAt, tz)}: customer #${d.customer.id} ${d.customer.name}._`,
    "",
    `- Billable hours this month (${d.month}): ${d.billableHours.toFixed(2)} h`,
    `- Open tickets: ${d.open.length}`,
    ...d.open.map((t) => `  - #${t.number} ${t.subject}${t.status ? ` (${t.status})` : ""}`),
  ];
  return lines.join("\n");
}

const STALE = /^_Not refreshed .*_$/;

/** After a failed refresh: the previous values, kept, under a line saying when and why they were not refreshed. */
export function staleLive(previous: string | undefined, reason: string, now: Date, tz: string): string {
  const z = zoned(now, tz);
  const note = `_Not refreshed ${z.date} ${z.time} ${z.abbr} (${reason.replace(/_/g, " ").replace(/\n/g, " ")}); the values below are from the refresh dated above._`;
  if (previous === undefined || previous.trim() === "") return `\n${note.replace(/; the values below.*_$/, "; no values yet._")}`;
  const lines = previous.split("\n").filter((l) => !STALE.test(l));
  const at = lines.findIndex((l) => /^_Refreshed from Syncro /.test(l));
  lines.splice(at === -1 ? 1 : at + 1, 0, note);
  return lines.join("\n");
}
