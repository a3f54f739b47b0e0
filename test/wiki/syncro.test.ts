// Syncro live fields against a fake Syncro API: customer matching, open tickets, billable hours this month
// (billable timers of this customer's tickets only), paging, rate limits, and failures that keep old values.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { RateLimiter, monthStart } from "../../src/wiki/syncro.js";
import { anthropicError, fakeAnthropic, fakeSyncro, type SyncroData } from "../helpers/fake-services.js";
import { section, warnings, wikiRepo } from "./kit.js";

const A = "wiki/clients/acme.md";
const NOW = "2026-06-20T18:00:00Z";

const data = (over: Partial<SyncroData> = {}): SyncroData => ({
  key: "syncro-test-key",
  customers: [
    { id: 123, business_name: "Acme Corp" },
    { id: 456, business_name: "Other Co" },
  ],
  tickets: [
    { id: 9001, number: 77, subject: "Printer offline ZX-TICKET-77", status: "In Progress", customer_id: 123 },
    { id: 9002, number: 78, subject: "Old closed thing", status: "Resolved", customer_id: 123 },
    { id: 9003, number: 79, subject: "Closed this month", status: "Resolved", customer_id: 123 },
    { id: 9004, number: 80, subject: "New laptop for Ann", status: "New", customer_id: 123 },
    { id: 9100, number: 90, subject: "OTHER-CUSTOMER-TICKET-90", status: "New", customer_id: 456 },
  ],
  timers: [
    { id: 1, ticket_id: 9001, billable: true, created_at: "2026-06-10T17:00:00Z", active_duration: 5400 },
    { id: 2, ticket_id: 9003, billable: true, created_at: "2026-06-12T17:00:00Z", active_duration: 3600 },
    { id: 3, ticket_id: 9001, billable: false, created_at: "2026-06-13T17:00:00Z", active_duration: 7200 },
    { id: 4, ticket_id: 9100, billable: true, created_at: "2026-06-14T17:00:00Z", active_duration: 36000 },
    { id: 5, ticket_id: 9001, billable: true, created_at: "2026-05-20T17:00:00Z", active_duration: 18000 },
    // 23:30 on May 31 in Los Angeles is June 1 in UTC: last month for this team.
    { id: 6, ticket_id: 9001, billable: true, created_at: "2026-06-01T06:30:00Z", active_duration: 3600 },
  ],
  ...over,
});

const syncroConfig = (customers = "  customers:\n    acme: 123\n") => `timezone: America/Los_Angeles\nsyncro:\n  subdomain: acme-msp\n${customers}`;

async function run(t: TestContext, d: SyncroData, config = syncroConfig(), key = "syncro-test-key") {
  const r = wikiRepo(t, config);
  const fake = await fakeSyncro(t, d);
  const log = await r.save("client:acme", "printers", { at: NOW });
  const { result, deps } = await r.phase(log, { env: { SYNCRO_API_KEY: key, SYNCRO_BASE_URL: `${fake.url}/api/v1` } });
  return { r, fake, result, deps };
}

test("live fields: this customer's open tickets and billable hours this month, with the fetch time", async (t) => {
  const { r, fake, result } = await run(t, data());
  assert.equal(result.status, "seeded");
  const live = section(r.read(A), "Live (Syncro)");
  assert.equal(
    live,
    [
      "",
      "_Refreshed from Syncro 2026-06-20 11:00 PDT: customer #123 Acme Corp._",
      "",
      "- Billable hours this month (2026-06): 2.50 h",
      "- Open tickets: 2",
      "  - #77 Printer offline ZX-TICKET-77 (In Progress)",
      "  - #80 New laptop for Ann (New)",
      "",
    ].join("\n"),
  );
  assert.ok(fake.requests.every((q) => q.headers.authorization === "Bearer syncro-test-key"));
  assert.deepEqual(fake.requests[0]!.path, "/api/v1/customers/123");
  const timers = fake.requests.find((q) => q.path === "/api/v1/ticket_timers")!;
  assert.equal(timers.query.get("created_at_gt"), "2026-06-01T07:00:00Z");
  assert.equal(timers.query.get("created_at_lt"), NOW);
  assert.ok(!r.read(A).includes("OTHER-CUSTOMER"));
  assert.ok(!r.read(A).includes("Old closed thing"));
});

test("paging: every page of every list is read (one item a page)", async (t) => {
  const { r, fake } = await run(t, data({ perPage: 1 }));
  assert.match(section(r.read(A), "Live (Syncro)"), /2\.50 h/);
  assert.ok(fake.requests.some((q) => q.path === "/api/v1/tickets" && q.query.get("page") === "2"));
  assert.ok(fake.requests.some((q) => q.path === "/api/v1/ticket_timers" && q.query.get("page") === "4"));
});

test("the customer is found by business name when syncro.customers has no id for the slug", async (t) => {
  const { r, fake } = await run(t, data(), syncroConfig(""));
  assert.match(section(r.read(A), "Live (Syncro)"), /customer #123 Acme Corp/);
  assert.equal(fake.requests[0]!.query.get("business_name"), "Acme");
});

test("no single customer matches: previous values kept, a warning says to set syncro.customers.<slug>", async (t) => {
  const d = data({ customers: [{ id: 1, business_name: "Acme North" }, { id: 2, business_name: "Acme South" }] });
  const { r, result } = await run(t, d, syncroConfig(""));
  assert.equal(result.status, "seeded");
  assert.match(result.warnings.join("\n"), /no single Syncro customer matches "Acme".*set syncro\.customers\.acme: <customer id>/);
  assert.match(section(r.read(A), "Live (Syncro)"), /_Not refreshed 2026-06-20 11:00 PDT \(.*\); no values yet\._/);
});

test("a 429 with retry-after is waited for, then the refresh goes on", async (t) => {
  const d = data({ fault: (_q, n) => (n === 1 ? { status: 429, body: { error: "Too many requests" }, headers: { "retry-after": "0" } } : undefined) });
  const { r, fake } = await run(t, d);
  assert.match(section(r.read(A), "Live (Syncro)"), /2\.50 h/);
  assert.equal(fake.requests[0]!.path, fake.requests[1]!.path);
});

test("a PSA failure keeps the previous values, marked with their date, and warns; the save goes on", async (t) => {
  const { r } = await run(t, data());
  const before = section(r.read(A), "Live (Syncro)");
  const fake = await fakeSyncro(t, data());
  const log = await r.save("client:acme", "again", { at: "2026-06-21T18:00:00Z" });
  const { result, deps } = await r.phase(log, { env: { SYNCRO_API_KEY: "wrong-key", SYNCRO_BASE_URL: `${fake.url}/api/v1` } });
  assert.equal(result.status, "compiled");
  assert.match(warnings(deps).join("\n"), /Syncro refresh failed for client:acme: Syncro GET \/customers\/123 failed: 401 Unauthorized \(check SYNCRO_API_KEY\).*kept the previous values/);
  const live = section(r.read(A), "Live (Syncro)");
  assert.match(live, /^\n_Refreshed from Syncro 2026-06-20 11:00 PDT: customer #123 Acme Corp\._\n_Not refreshed 2026-06-21 11:00 PDT \(.*401.*\); the values below are from the refresh dated above\._\n/);
  assert.ok(live.endsWith(before.slice(before.indexOf("\n\n- Billable"))));
});

test("a softfail refresh still refreshes the Syncro fields", async (t) => {
  const r = wikiRepo(t, syncroConfig());
  await r.phase(await r.save("client:acme", "one", { at: "2026-06-10T18:00:00Z" }));
  r.config(`${syncroConfig()}wiki:\n  provider: anthropic\n  model: m\n`);
  const llm = await fakeAnthropic(t, [anthropicError(401, "authentication_error")]);
  const fake = await fakeSyncro(t, data());
  const { result } = await r.phase(await r.save("client:acme", "two", { at: NOW }), {
    env: { SYNCRO_API_KEY: "syncro-test-key", SYNCRO_BASE_URL: `${fake.url}/api/v1`, ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: llm.url },
  });
  assert.equal(result.status, "refreshed");
  assert.match(section(r.read(A), "Live (Syncro)"), /Refreshed from Syncro 2026-06-20 11:00 PDT.*2\.50 h/s);
});

test("without SYNCRO_API_KEY nothing is fetched and no Live section appears", async (t) => {
  const r = wikiRepo(t, syncroConfig());
  const { result } = await r.phase(await r.save("client:acme", "one"));
  assert.deepEqual(result.warnings, []);
  assert.ok(!r.read(A).includes("## Live"));
});

test("month start in the team's zone, across DST and month ends", () => {
  const iso = (s: string, tz: string) => monthStart(new Date(s), tz).start.toISOString();
  assert.equal(iso("2026-06-20T18:00:00Z", "America/Los_Angeles"), "2026-06-01T07:00:00.000Z");
  assert.equal(iso("2026-07-01T03:00:00Z", "America/Los_Angeles"), "2026-06-01T07:00:00.000Z");
  assert.equal(iso("2026-01-15T12:00:00Z", "America/Los_Angeles"), "2026-01-01T08:00:00.000Z");
  assert.equal(iso("2026-11-30T12:00:00Z", "America/Los_Angeles"), "2026-11-01T07:00:00.000Z");
  assert.equal(iso("2026-06-20T18:00:00Z", "UTC"), "2026-06-01T00:00:00.000Z");
  assert.equal(monthStart(new Date("2026-07-01T03:00:00Z"), "America/Los_Angeles").month, "2026-06");
});

test("the rate limiter never lets more than the limit through in any window", async () => {
  let now = 0;
  const waits: number[] = [];
  const l = new RateLimiter(3, 60_000, () => now, async (ms) => {
    waits.push(ms);
    now += ms;
  });
  const at: number[] = [];
  for (let i = 0; i < 7; i++) {
    await l.take();
    at.push(now);
    now += 1000;
  }
  for (let i = 3; i < at.length; i++) assert.ok(at[i]! - at[i - 3]! >= 60_000, `request ${i} at ${at[i]}`);
  assert.equal(waits.length, 2);
});
