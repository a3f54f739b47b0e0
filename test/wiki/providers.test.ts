// LLM providers against fake Anthropic and Ollama servers: drafts used and guarded, Patterns/History enforced,
// and every failure path softfails to a refresh that records the log and never blocks the save.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, test, type TestContext } from "node:test";
import { anthropicError, fakeAnthropic, fakeOllama, fromSchema, promptArticle, schemaOf, type AnthropicStep } from "../helpers/fake-services.js";
import { narrative } from "../helpers/index.js";
import { frontmatter, section, warnings, wikiRepo, type WikiRepo } from "./kit.js";

const A = "wiki/clients/acme.md";
const WARN = "[WARN] wiki refreshed, not recompiled; run logbook wiki compile client:acme --full later";
const anthropicConfig = (extra = "") => `timezone: America/Los_Angeles\nwiki:\n  provider: anthropic\n  model: claude-sonnet-5-5\n${extra}`;

/** An article seeded offline, then hand-edited in Patterns and History (what every LLM case starts from). */
async function seeded(t: Pick<TestContext, "after">): Promise<WikiRepo> {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "one", { at: "2026-06-01T16:00:00Z" }));
  const text = r.read(A)
    .replace("## Patterns\n", "## Patterns\n\n- HAND-PATTERN-QX7: printers drop off VLAN 20 after firmware updates.")
    .replace(/## History\n([\s\S]*)$/, (_m, body: string) => `## History\n${body.replace(/\n+$/, "")}\n- HAND-HISTORY-QX7 2026-01-02 migrated mail to M365 (by hand)\n`);
  r.write(A, text);
  return r;
}

const body = (text: string) => text.slice(frontmatter(text).length);

async function softfails(t: TestContext, steps: AnthropicStep[] | undefined, opts: { config?: string; env?: Record<string, string>; requests?: number; reason?: RegExp } = {}) {
  const r = await seeded(t);
  const fake = steps ? await fakeAnthropic(t, steps) : undefined;
  r.config(opts.config ?? anthropicConfig());
  const before = r.read(A);
  const log = await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" });
  const env = { ANTHROPIC_API_KEY: "test-key", ...(fake ? { ANTHROPIC_BASE_URL: fake.url } : {}), ...opts.env };
  const { result, deps } = await r.phase(log, { env });
  assert.equal(result.status, "refreshed");
  assert.ok(result.warnings.includes(WARN), result.warnings.join("\n"));
  assert.ok(warnings(deps).includes(WARN));
  if (opts.reason) assert.match(result.warnings.join("\n"), opts.reason);
  if (opts.requests !== undefined) assert.equal(fake?.requests.length ?? 0, opts.requests);
  const after = r.read(A);
  assert.deepEqual(result.changed, [A, "wiki/index.md"]);
  // A refresh records the log and bumps last_compiled; the body is untouched.
  assert.equal(body(after), body(before));
  assert.match(frontmatter(after), /last_compiled: 2026-06-02T16:00:00Z/);
  assert.match(frontmatter(after), /clients\/acme\/session-logs\/2026-06-01-mike-one\.md\n {2}- clients\/acme\/session-logs\/2026-06-02-mike-two\.md\n/);
}

describe("Anthropic softfail paths", { concurrency: true }, () => {
  test("401 authentication_error: no retry", (t) => softfails(t, [anthropicError(401, "authentication_error", "invalid x-api-key")], { requests: 1, reason: /401 authentication_error.*ANTHROPIC_API_KEY/ }));
  test("404 not_found_error (unknown model): no retry", (t) => softfails(t, [anthropicError(404, "not_found_error", "model: claude-sonnet-5-5")], { requests: 1, reason: /404.*wiki\.model/ }));
  test("429 whose retry-after is longer than logbook waits: given up at once", (t) => softfails(t, [anthropicError(429, "rate_limit_error", "slow down", "120")], { requests: 1, reason: /retry after 120 s, longer than logbook waits/ }));
  test("500 api_error three times: retried, then softfail", (t) => softfails(t, [anthropicError(500, "api_error", "Internal server error")], { requests: 3, reason: /500 api_error/ }));
  test("529 overloaded_error: retried, then softfail", (t) => softfails(t, [anthropicError(529, "overloaded_error", "Overloaded")], { requests: 3, reason: /529 overloaded_error/ }));
  test("malformed JSON body", (t) => softfails(t, [{ kind: "malformed" }], { requests: 1, reason: /not valid JSON/ }));
  test("a text block that is not JSON", (t) => softfails(t, [{ kind: "text", text: "Sure! Here is your article: ..." }], { requests: 1, reason: /not valid JSON/ }));
  test("JSON that does not match the schema", (t) => softfails(t, [{ kind: "text", text: '{"overview": 5}' }], { requests: 1, reason: /does not match the article schema \(field "overview"/ }));
  test("stopped at max_tokens", (t) => softfails(t, [{ kind: "max_tokens" }], { requests: 1, reason: /max_tokens/ }));
  test("slow response beyond wiki.timeoutSeconds", (t) => softfails(t, [{ kind: "slow", ms: 5000 }], { config: anthropicConfig("  timeoutSeconds: 1\n"), requests: 1, reason: /did not answer within 1 s/ }));
  test("nothing listening at the base URL", async (t) => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await softfails(t, undefined, { env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }, reason: /cannot reach the Anthropic API/ });
  });
  test("no ANTHROPIC_API_KEY", (t) => softfails(t, [anthropicError(500, "api_error")], { env: { ANTHROPIC_API_KEY: "" }, requests: 0, reason: /ANTHROPIC_API_KEY is not set/ }));
  test("no wiki.model", (t) => softfails(t, [anthropicError(500, "api_error")], { config: "wiki:\n  provider: anthropic\n", requests: 0, reason: /wiki\.model is not set/ }));
});

test("429 with a short retry-after is waited for and retried: the draft is used", async (t) => {
  const r = await seeded(t);
  const fake = await fakeAnthropic(t, [anthropicError(429, "rate_limit_error", "Rate limited", "1"), { kind: "draft", draft: (b) => fromSchema(schemaOf(b), "Rotated the DNS forwarders on dc01.acme.local.") }]);
  r.config(anthropicConfig());
  const { result, deps } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }), { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: fake.url } });
  assert.equal(result.status, "compiled");
  assert.equal(fake.requests.length, 2);
  assert.ok(deps.events.some((e) => e.type === "info" && /429 rate_limit_error.*retry 1 in 1000 ms/.test(e.message)));
  assert.match(section(r.read(A), "Overview"), /Rotated the DNS forwarders on dc01\.acme\.local\./);
});

test("a draft that invents an IP, a host and a vault path: each marked (verify) and warned; Patterns/History kept", async (t) => {
  const r = await seeded(t);
  const fake = await fakeAnthropic(t, [{ kind: "draft", draft: (b) => fromSchema(schemaOf(b)) }]);
  r.config(anthropicConfig());
  const before = r.read(A);
  const { result } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }), { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: fake.url } });
  assert.equal(result.status, "compiled");
  const a = r.read(A);
  for (const tok of ["10.99.99.99", "ghost-host.invalid", "vault:clients/acme/ghost-key.age"]) {
    const all = a.split(tok).length - 1;
    const marked = a.split(`${tok} (verify)`).length - 1;
    assert.ok(all >= 1 && all === marked, `${tok}: ${marked}/${all} marked`);
    assert.ok(result.warnings.some((w) => w.includes(`"${tok}" appears in no source log`)), tok);
  }
  for (const name of ["Patterns", "History"]) {
    const old = section(before, name).replace(/\n+$/, "");
    assert.ok(section(a, name).startsWith(old), `${name} preserved`);
  }
  assert.ok(result.warnings.some((w) => /rewrote existing Patterns text; kept it byte for byte/.test(w)));
  // The History entry for the new session is added even though the model did not write it.
  assert.match(section(a, "History"), /- 2026-06-02 mike — two: .*2026-06-02-mike-two\.md/);
  // Wire format: the configured model, structured output, no forced tool, the article and logs in the prompt.
  const req = fake.requests[0]!;
  const sent = req.body as Record<string, unknown>;
  assert.equal(req.headers["anthropic-version"], "2023-06-01");
  assert.equal(req.headers["x-api-key"], "k");
  assert.equal(sent.model, "claude-sonnet-5-5");
  assert.equal((sent.output_config as { format: { type: string } }).format.type, "json_schema");
  assert.equal(sent.tool_choice, undefined);
  assert.equal(sent.temperature, undefined);
  assert.match(promptArticle(sent) ?? "", /HAND-PATTERN-QX7/);
  assert.match(JSON.stringify(sent.messages), /2026-06-02-mike-two\.md/);
});

test("a well-behaved draft that copies Patterns/History and appends is taken as written; billing figures are removed", async (t) => {
  const r = await seeded(t);
  const fake = await fakeAnthropic(t, [
    {
      kind: "draft",
      draft: (b) => {
        const art = promptArticle(b) ?? "";
        const d = fromSchema(schemaOf(b), "Rotated the forwarders on dc01.acme.local.") as Record<string, unknown>;
        d.overview = "Acme's DNS runs on dc01.acme.local (10.0.0.10). Billed 12 hours this month. 3 open tickets remain.";
        d.patterns = `${section(art, "Patterns").trim()}\n- DNS forwarders need the firewall rule for 10.0.0.10 first.`;
        d.history = `${section(art, "History").trim()}\n- 2026-06-02 mike — two: Rotated forwarders (2026-06-02-mike-two.md)`;
        return d;
      },
    },
  ]);
  r.config(anthropicConfig());
  const text = narrative("two").replace("## Credentials & Secrets\nNone.", "## Credentials & Secrets\n- fw01 admin password: Hunter2-NOT-FOR-LLM\n- vault:clients/acme/fw01.age");
  const { result } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z", text }), { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: fake.url } });
  assert.equal(result.status, "compiled");
  const sent = JSON.stringify(fake.requests[0]!.body);
  assert.ok(!sent.includes("Hunter2-NOT-FOR-LLM"), "a credential value reached the LLM");
  assert.ok(sent.includes("vault:clients/acme/fw01.age"));
  const a = r.read(A);
  assert.equal(section(a, "Overview"), "\nAcme's DNS runs on dc01.acme.local (10.0.0.10).\n");
  assert.ok(result.warnings.some((w) => /removed a billing figure.*Billed 12 hours/.test(w)));
  assert.ok(!result.warnings.some((w) => /rewrote existing/.test(w)), result.warnings.join("\n"));
  assert.match(section(a, "Patterns"), /HAND-PATTERN-QX7.*\n- DNS forwarders need the firewall rule for 10\.0\.0\.10 first\.\n/s);
  assert.equal((section(a, "History").match(/2026-06-02-mike-two\.md/g) ?? []).length, 1);
  assert.ok(!a.includes("(verify)"));
});

test("another session rewrites the article while the draft is being written: refresh, nothing lost", async (t) => {
  const r = await seeded(t);
  let meanwhile = "";
  const fake = await fakeAnthropic(t, [
    {
      kind: "draft",
      draft: (b) => {
        // Another session's compile lands while this request is in flight.
        meanwhile = r.read(A).replace("HAND-PATTERN-QX7", "HAND-PATTERN-QX7 (edited meanwhile)");
        r.write(A, meanwhile);
        return fromSchema(schemaOf(b));
      },
    },
  ]);
  r.config(anthropicConfig());
  const { result } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }), { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: fake.url } });
  assert.equal(result.status, "refreshed");
  assert.ok(result.warnings.includes(WARN));
  assert.match(result.warnings.join("\n"), /another session changed the article while the draft was being written/);
  const a = r.read(A);
  assert.equal(body(a), body(meanwhile), "the other session's text is kept, the stale draft is not written");
  assert.match(frontmatter(a), /2026-06-02-mike-two\.md/);
  assert.ok(!a.includes("10.99.99.99"));
});

test("seeding with a failing LLM: the offline compiler seeds it, with the softfail warning", async (t) => {
  const r = wikiRepo(t, anthropicConfig());
  const fake = await fakeAnthropic(t, [anthropicError(529, "overloaded_error", "Overloaded")]);
  const { result } = await r.phase(await r.save("client:acme", "one"), { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: fake.url } });
  assert.equal(result.status, "refreshed");
  assert.ok(result.warnings.includes(WARN));
  assert.match(r.read(A), /dc01\.acme\.local 10\.0\.0\.10/);
});

const ollamaConfig = (host: string) => `timezone: America/Los_Angeles\nwiki:\n  provider: ollama\n  model: llama3.1:8b\n  ollama:\n    host: ${host}\n  timeoutSeconds: 5\n`;

test("Ollama: /api/chat with a JSON schema format; an invented draft is guarded", async (t) => {
  const r = await seeded(t);
  const fake = await fakeOllama(t, [{ kind: "draft", draft: (b) => fromSchema(b.format) }]);
  r.config(ollamaConfig("http://example.invalid:1"));
  // OLLAMA_HOST (here without a scheme) overrides wiki.ollama.host.
  const { result } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }), { env: { OLLAMA_HOST: fake.url.replace("http://", "") } });
  assert.equal(result.status, "compiled", result.warnings.join("\n"));
  const sent = fake.requests[0]!.body as Record<string, unknown>;
  assert.equal(fake.requests[0]!.path, "/api/chat");
  assert.equal(sent.stream, false);
  assert.equal(sent.model, "llama3.1:8b");
  assert.equal((sent.format as { type: string }).type, "object");
  const a = r.read(A);
  assert.equal(a.split("10.99.99.99").length - 1, a.split("10.99.99.99 (verify)").length - 1);
  assert.match(section(a, "Patterns"), /HAND-PATTERN-QX7/);
});

describe("Ollama softfail paths", { concurrency: true }, () => {
  const ollamaSoftfail = async (t: TestContext, steps: Parameters<typeof fakeOllama>[1], reason: RegExp, requests: number, model = "llama3.1:8b", timeout = 5) => {
    const r = await seeded(t);
    const fake = await fakeOllama(t, steps);
    r.config(ollamaConfig(fake.url).replace("llama3.1:8b", model).replace("timeoutSeconds: 5", `timeoutSeconds: ${timeout}`));
    const before = r.read(A);
    const { result } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }));
    assert.equal(result.status, "refreshed");
    assert.ok(result.warnings.includes(WARN));
    assert.match(result.warnings.join("\n"), reason);
    assert.equal(fake.requests.length, requests);
    assert.equal(body(r.read(A)), body(before));
  };
  test("model not pulled (404)", (t) => ollamaSoftfail(t, [{ kind: "draft", draft: () => ({}) }], /model "mistral" not found.*ollama pull mistral/, 1, "mistral"));
  test("500 three times", (t) => ollamaSoftfail(t, [{ kind: "error", status: 500, error: "llama runner process has terminated" }], /Ollama 500: llama runner/, 3));
  test("malformed JSON body", (t) => ollamaSoftfail(t, [{ kind: "malformed" }], /not valid JSON/, 1));
  test("content that does not match the schema", (t) => ollamaSoftfail(t, [{ kind: "draft", draft: () => ({ overview: "x" }) }], /does not match the article schema/, 1));
  test("slow response beyond wiki.timeoutSeconds", (t) => ollamaSoftfail(t, [{ kind: "slow", ms: 5000 }], /did not answer within 1 s/, 1, "llama3.1:8b", 1));
});
