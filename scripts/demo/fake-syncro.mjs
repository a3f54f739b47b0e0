// A fake Syncro PSA on 127.0.0.1 for the demo, speaking the wire format of /work/shared/APIS.md: Bearer auth (401
// otherwise), /customers (by id or business_name), /tickets (customer_id, status incl. the "Not Closed"
// pseudo-status), /ticket_timers (created_at window), 25 to a page with `meta`, 404 `{"message": "Not found"}`.
import { createServer } from "node:http";

export const KEY = "demo-not-a-real-key";
export const CUSTOMER_ID = 4211;

/** Acme's tickets and this month's timers; the billable hours logbook should report are `expectedHours`. */
export function demoData(now = Date.now()) {
  // Timers are stamped when they stop, seconds ago, so they count as "this month" unless the demo runs in the
  // first seconds of a month.
  const at = (s) => new Date(now - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    customers: [
      { id: CUSTOMER_ID, business_name: "Acme Corp", email: "it@acme.example" },
      { id: 4300, business_name: "Acme Dental", email: "office@acmedental.example" },
    ],
    tickets: [
      { id: 90041, number: 1041, subject: "Replace the DNS forwarders on dc01", status: "In Progress", customer_id: CUSTOMER_ID },
      { id: 90042, number: 1042, subject: "Backup job still targets the old NAS", status: "New", customer_id: CUSTOMER_ID },
      { id: 90037, number: 1037, subject: "Printer queue stuck on floor 2", status: "Resolved", customer_id: CUSTOMER_ID },
      { id: 90050, number: 1050, subject: "Chair-side PC will not boot", status: "New", customer_id: 4300 },
    ],
    timers: [
      { id: 1, ticket_id: 90041, billable: true, created_at: at(4), start_time: at(5404), end_time: at(4), active_duration: 5400 },
      { id: 2, ticket_id: 90037, billable: true, created_at: at(3), start_time: at(2703), end_time: at(3), active_duration: 2700 },
      { id: 3, ticket_id: 90042, billable: false, created_at: at(2), start_time: at(1802), end_time: at(2), active_duration: 1800 },
      { id: 4, ticket_id: 90050, billable: true, created_at: at(2), start_time: at(3602), end_time: at(2), active_duration: 3600 },
    ],
    // 1.5 h on an open ticket + 0.75 h on a resolved one; not the non-billable timer, not Acme Dental's
    expectedHours: "2.25 h",
    expectedOpen: ["#1041", "#1042"],
  };
}

function page(items, q, key) {
  const per = 25;
  const p = Math.max(1, Number(q.get("page") ?? "1"));
  const total = Math.max(1, Math.ceil(items.length / per));
  return [200, { [key]: items.slice((p - 1) * per, p * per), meta: { total_pages: total, total_entries: items.length, per_page: per, page: p } }];
}

function answer(d, req, u) {
  if (req.headers.authorization !== `Bearer ${KEY}`) return [401, { error: "Unauthorized: invalid or missing API key" }];
  if (req.method !== "GET") return [404, { message: "Not found" }];
  const p = u.pathname.replace(/^\/api\/v1/, "");
  const q = u.searchParams;
  if (p === "/customers") {
    const name = (q.get("business_name") ?? "").toLowerCase();
    return page(d.customers.filter((c) => c.business_name.toLowerCase().includes(name)), q, "customers");
  }
  const one = /^\/customers\/(\d+)$/.exec(p);
  if (one) {
    const c = d.customers.find((x) => x.id === Number(one[1]));
    return c ? [200, { customer: c }] : [404, { message: "Not found" }];
  }
  if (p === "/tickets") {
    let list = d.tickets;
    const cid = q.get("customer_id");
    if (cid !== null) list = list.filter((t) => String(t.customer_id) === cid);
    const st = q.get("status");
    if (st === "Not Closed") list = list.filter((t) => t.status !== "Resolved" && t.status !== "Closed");
    else if (st !== null) list = list.filter((t) => t.status === st);
    return page(list, q, "tickets");
  }
  if (p === "/ticket_timers") {
    const gt = q.get("created_at_gt");
    const lt = q.get("created_at_lt");
    const inside = (t) => (gt === null || Date.parse(t.created_at) > Date.parse(gt)) && (lt === null || Date.parse(t.created_at) < Date.parse(lt));
    return page(d.timers.filter(inside), q, "ticket_timers");
  }
  return [404, { message: "Not found" }];
}

/** Listens on 127.0.0.1 (random port); `requests` records `METHOD path?query` of each call. */
export async function startFakeSyncro(d) {
  const requests = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${u.pathname}${u.search}`);
    const [status, body] = answer(d, req, u);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}/api/v1`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
