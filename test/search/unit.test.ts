import assert from "node:assert/strict";
import { test } from "node:test";
import { compareHits, passes, type Hit } from "../../src/search/backend.js";
import { docKind, parseDoc, scopeLabel } from "../../src/search/doc.js";
import { diffArgs, parsePaths, parseStatus } from "../../src/search/gitview.js";
import { parseQuery, toFtsMatch } from "../../src/search/query.js";
import { makeSnippet } from "../../src/search/snippet.js";
import { tokenize } from "../../src/search/text.js";
import { UsageError } from "../../src/errors.js";
import { filtersOf } from "../../src/commands/search.js";

test("tokenizer: letters and digits, case and accents folded, punctuation separates", () => {
  assert.deepEqual(tokenize("Café DC01.acme.local 10.0.0.10 guru-rmm o'brien naïve_x"), [
    "cafe", "dc01", "acme", "local", "10", "0", "0", "10", "guru", "rmm", "o", "brien", "naive", "x",
  ]);
  assert.deepEqual(tokenize("  --  "), []);
});

test("query: words, phrases, exclusions, prefixes", () => {
  const q = parseQuery('dns "Quokkaflux Appliance" -test forward* -"old box" 10.0.0.10 dc01.acme.local');
  assert.deepEqual(
    q.terms.map((t) => [t.tokens.join(" "), t.prefix, t.negate]),
    [
      ["dns", false, false],
      ["quokkaflux appliance", false, false],
      ["test", false, true],
      ["forward", true, false],
      ["old box", false, true],
      ["10 0 0 10", false, false],
      ["dc01 acme local", false, false],
    ],
  );
  assert.equal(
    toFtsMatch(q),
    '("dns" AND "quokkaflux appliance" AND "forward"* AND "10 0 0 10" AND "dc01 acme local") NOT "test" NOT "old box"',
  );
  assert.equal(toFtsMatch(parseQuery("one")), '"one"');
});

test("query: FTS5 syntax typed by a user stays literal; duplicates collapse; unterminated quotes are phrases", () => {
  assert.equal(toFtsMatch(parseQuery('a:b NEAR(x) "unterminated phrase')), '("a b" AND "near x" AND "unterminated phrase")');
  assert.equal(parseQuery("dns DNS dns").terms.length, 1);
  assert.equal(toFtsMatch(parseQuery('"dc01 acme"*')), '"dc01 acme"*');
});

test("query: nothing positive to find is a usage error", () => {
  for (const q of ["", "   ", "-dns", '-"a b"', "*", "- -- ..."]) {
    assert.throws(() => parseQuery(q), (e) => e instanceof UsageError && e.exitCode === 64, JSON.stringify(q));
  }
});

test("documents: paths decide type and scope", () => {
  assert.deepEqual(docKind("session-logs/2026-01-01-mike-x.md"), { type: "log", scope: "general", scopeName: null });
  assert.deepEqual(docKind("clients/acme/session-logs/a.md"), { type: "log", scope: "client", scopeName: "acme" });
  assert.deepEqual(docKind("projects/guru-rmm/session-logs/a.md"), { type: "log", scope: "project", scopeName: "guru-rmm" });
  assert.deepEqual(docKind("wiki/clients/acme.md"), { type: "article", scope: "client", scopeName: "acme" });
  assert.deepEqual(docKind("wiki/projects/guru-rmm.md"), { type: "article", scope: "project", scopeName: "guru-rmm" });
  assert.deepEqual(docKind("wiki/systems/exchange.md"), { type: "article", scope: "general", scopeName: null });
  for (const p of ["wiki/index.md", "README.md", "clients/acme/notes.md", "session-logs/sub/x.md", "wiki/a.txt", "session-logs/x.txt"]) {
    assert.equal(docKind(p), undefined, p);
  }
  assert.equal(scopeLabel({ scope: "client", scopeName: "acme" }), "client:acme");
  assert.equal(scopeLabel({ scope: "general", scopeName: null }), "general");
});

test("documents: a log's frontmatter, title, headings and body", () => {
  const text = [
    "---",
    "session: s1",
    "user: alice",
    "date: 2026-03-04",
    "scope: client:acme",
    "topic: dns-fix",
    "---",
    "",
    "# Session log: dns-fix (2026-03-04)",
    "",
    "## User",
    "- **User:** Alice Chen (alice)",
    "",
    "## Session Summary",
    "Replaced the forwarders.",
    "```",
    "## not a heading inside a fence",
    "```",
    "## Update: 14:05 PST — printer queue",
    "### Key Decisions",
    "- none",
    "## Note for mike",
    "call the vendor",
    "# restart the spooler",
  ].join("\n");
  const d = parseDoc("clients/acme/session-logs/2026-03-04-alice-dns-fix.md", text)!;
  assert.equal(d.title, "Session log: dns-fix (2026-03-04)");
  assert.equal(d.user, "alice");
  assert.equal(d.date, "2026-03-04");
  assert.equal(d.type, "log");
  assert.equal(d.headings, "printer queue\nNote for mike");
  assert.match(d.body, /Replaced the forwarders/);
  assert.match(d.body, /## not a heading inside a fence/);
  assert.match(d.body, /# restart the spooler/);
  assert.doesNotMatch(d.body, /session: s1|Session Summary/);
});

test("documents: a log without frontmatter takes user and date from the User block and the file name", () => {
  const d = parseDoc("session-logs/2026-08-22-mike-work-777.md", "## User\n- **User:** Mike Swanson (mike)\n\n## Session Summary\nbody\n")!;
  assert.equal(d.user, "mike");
  assert.equal(d.date, "2026-08-22");
  assert.equal(d.title, "work-777");
  const e = parseDoc("session-logs/2026-08-22-bob-topic.md", "just text\n")!;
  assert.equal(e.user, "bob");
  assert.equal(e.title, "topic");
});

test("documents: an article's title and date come from its frontmatter", () => {
  const a = parseDoc(
    "wiki/clients/acme.md",
    "---\ntype: client\nslug: acme\ntitle: \"Acme Corp\"\nlast_compiled: 2026-05-01T10:00:00Z\nsources:\n  - clients/acme/session-logs/x.md\n---\n\n# Acme Corp\n\n## Environment\n- dc01.acme.local\n",
  )!;
  assert.equal(a.title, "Acme Corp");
  assert.equal(a.date, "2026-05-01");
  assert.equal(a.user, null);
  assert.equal(a.headings, "Environment");
  assert.match(a.body, /dc01\.acme\.local/);
  assert.doesNotMatch(a.body, /sources/);
});

test("snippet: the window with most terms, matches in **, phrases as one highlight", () => {
  const body = `${"filler ".repeat(40)}the quokkaflux appliance at 10.20.30.40 rebooted. ${"more ".repeat(40)}`;
  const s = makeSnippet({ body, headings: "" }, parseQuery('"quokkaflux appliance" 10.20.30.40'));
  assert.match(s, /^…/);
  assert.match(s, /\*\*quokkaflux appliance\*\* at \*\*10\.20\.30\.40\*\* rebooted\./);
  assert.match(s, /…$/);
  const p = makeSnippet({ body: "the **User:** forwarding rules", headings: "" }, parseQuery("forward*"));
  assert.equal(p, "the User: **forwarding** rules");
  assert.equal(makeSnippet({ body: "no match here", headings: "" }, parseQuery("zzz")), "no match here");
  assert.equal(makeSnippet({ body: "nothing", headings: "DNS plan" }, parseQuery("dns")), "**DNS** plan");
});

test("git view: status v2 records, diff and ls-files lists", () => {
  const status = [
    "# branch.oid 65eb2a99e51c8cf4a1aa07aeeef30def1860baae",
    "# branch.head main",
    "1 D. N... 100644 000000 000000 7898192261 0000000000 session-logs/x y.md",
    "1 .M N... 100644 100644 100644 d905d9da82 d905d9da82 wiki/top.md",
    "u UU N... 100644 100644 100644 100644 aaaa bbbb cccc clients/acme/session-logs/c.md",
    "? session-logs/new.md",
    "? README.md",
    "",
  ].join("\0");
  assert.deepEqual(parseStatus(status), {
    head: "65eb2a99e51c8cf4a1aa07aeeef30def1860baae",
    changed: ["session-logs/x y.md", "wiki/top.md", "clients/acme/session-logs/c.md", "session-logs/new.md"],
  });
  assert.equal(parseStatus("# branch.oid (initial)\0# branch.head main\0").head, null);
  assert.deepEqual(parsePaths("wiki/a.md\0wiki/index.md\0wiki/a.md\0notes.txt\0"), ["wiki/a.md"]);
  assert.deepEqual(diffArgs("a", "b").slice(0, 7), ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "a", "b"]);
});

test("filters: flags become filters; contradictions and bad values are usage errors", () => {
  assert.deepEqual(filtersOf({ query: "x", client: "acme", user: "mike", since: "2026-01-01", until: "2026-02-01", type: "log" }), {
    scope: "client",
    scopeName: "acme",
    user: "mike",
    since: "2026-01-01",
    until: "2026-02-01",
    type: "log",
  });
  assert.deepEqual(filtersOf({ query: "x", scope: "project:guru-rmm" }), { scope: "project", scopeName: "guru-rmm" });
  assert.deepEqual(filtersOf({ query: "x", scope: "general" }), { scope: "general" });
  const bad: [Parameters<typeof filtersOf>[0], RegExp][] = [
    [{ query: "x", scope: "galaxy" }, /--scope/],
    [{ query: "x", scope: "general:x" }, /--scope/],
    [{ query: "x", scope: "general", client: "acme" }, /contradicts/],
    [{ query: "x", scope: "client:beta", client: "acme" }, /contradicts/],
    [{ query: "x", client: "acme", project: "p" }, /exclude each other/],
    [{ query: "x", since: "2026-13-01" }, /--since/],
    [{ query: "x", until: "yesterday" }, /--until/],
    [{ query: "x", since: "2026-02-02", until: "2026-02-01" }, /after/],
    [{ query: "x", type: "note" }, /--type/],
    [{ query: "x", user: " " }, /--user is empty/],
  ];
  for (const [o, re] of bad) assert.throws(() => filtersOf(o), (e) => e instanceof UsageError && re.test(e.message), JSON.stringify(o));
});

test("hits: one order for both backends (score, newest, path) and the same filter rules", () => {
  const h = (path: string, score: number, date: string | null): Hit => ({
    path, score, date, title: path, user: "mike", scope: "client", scopeName: "acme", type: "log",
  });
  const sorted = [h("b", 1, "2026-01-01"), h("a", 1, "2026-01-01"), h("c", 1, null), h("d", 2, null), h("e", 1, "2026-02-01")].sort(compareHits);
  assert.deepEqual(sorted.map((x) => x.path), ["d", "e", "a", "b", "c"]);
  assert.equal(passes({ since: "2026-01-01" }, h("x", 1, null)), false);
  assert.equal(passes({ until: "2026-01-01", scope: "client", scopeName: "acme", user: "mike", type: "log" }, h("x", 1, "2026-01-01")), true);
  assert.equal(passes({ user: "alice" }, h("x", 1, "2026-01-01")), false);
});
