import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError } from "../../src/errors.js";
import { JS_FILE } from "../../src/search/backend.js";
import { SQLITE_FILE } from "../../src/search/sqlite.js";
import { updateSearchIndex } from "../../src/search/index.js";
import { makeTeam, testDeps, type Machine } from "../helpers/index.js";
import { P, commitAll, logText, paths, put, searcher, writeCorpus, type Run } from "./fixture.js";

async function corpusMachine(t: Parameters<typeof makeTeam>[0], machines = 1): Promise<{ m: Machine; others: Machine[] }> {
  const team = await makeTeam(t, { machines, init: false });
  const m = team.machines[0]!;
  writeCorpus(m.dir);
  commitAll(m);
  return { m, others: team.machines.slice(1) };
}

const stateOf = (m: Machine) => join(m.dir, ".git", "logbook");

for (const backend of ["sqlite", "js"] as const) {
  const env = { LOGBOOK_SEARCH_BACKEND: backend };

  test(`${backend}: ranking: a log whose title matches beats one that mentions the word once`, async (t) => {
    const { m } = await corpusMachine(t);
    const search = searcher(m, env);
    const r = await search("forwarders");
    assert.equal(r.backend, backend);
    assert.deepEqual(new Set(paths(r)), new Set([P.dnsTitle, P.dnsOnce, P.acme]));
    assert.equal(paths(r)[0], P.dnsTitle);
    const score = (p: string) => r.results.find((x) => x.path === p)!.score;
    assert.ok(score(P.dnsTitle) > score(P.dnsOnce));
    // The generated wiki index and files outside the document directories are never results.
    assert.ok(!paths(r).includes("wiki/index.md") && !paths(r).includes("README.md"));
    assert.deepEqual(paths(await search("zebra")), []);
    const top = r.results[0]!;
    assert.deepEqual(Object.keys(top).sort(), ["date", "path", "scope", "score", "snippet", "title", "type", "user"]);
    assert.equal(top.title, "Session log: dns-forwarders (2026-03-01)");
    assert.equal(top.date, "2026-03-01");
    assert.equal(top.user, "mike");
    assert.equal(top.scope, "client:acme");
    assert.match(top.snippet, /\*\*forwarders\*\*/);
  });

  test(`${backend}: every filter`, async (t) => {
    const { m } = await corpusMachine(t);
    const search = searcher(m, env);
    const set = async (o: Parameters<Run>[1], q = "quotas") => new Set(paths(await search(q, o)));
    // "quotas" is in every log (the filler) and in the Exchange article.
    const all = await set({});
    assert.equal(all.size, 6);
    assert.deepEqual(await set({ client: "acme" }), new Set([P.dnsTitle, P.dnsOnce]));
    assert.deepEqual(await set({ scope: "client" }), new Set([P.dnsTitle, P.dnsOnce, P.vpn]));
    assert.deepEqual(await set({ scope: "client:beta" }), new Set([P.vpn]));
    assert.deepEqual(await set({ scope: "project" }), new Set([P.agent]));
    assert.deepEqual(await set({ project: "guru-rmm" }), new Set([P.agent]));
    assert.deepEqual(await set({ scope: "general" }), new Set([P.general, P.exchange]));
    assert.deepEqual(await set({ user: "alice" }), new Set([P.dnsOnce, P.agent]));
    assert.deepEqual(await set({ since: "2026-03-01" }), new Set([P.dnsTitle, P.dnsOnce, P.vpn]));
    assert.deepEqual(await set({ until: "2026-02-01" }), new Set([P.agent, P.general]));
    assert.deepEqual(await set({ since: "2026-02-01", until: "2026-03-01" }), new Set([P.agent, P.dnsTitle, P.exchange]));
    assert.deepEqual(await set({ type: "article" }), new Set([P.exchange]));
    assert.deepEqual(await set({ type: "log", user: "mike", client: "acme" }), new Set([P.dnsTitle]));
    assert.deepEqual(await set({ client: "acme" }, "dc01.acme.local"), new Set([P.dnsTitle, P.acme]));
    assert.deepEqual(await set({ client: "nobody" }), new Set());
    assert.equal((await search("quotas", { limit: 2 })).results.length, 2);
    assert.equal((await search("quotas", { limit: 50 })).results.length, 6);
    await assert.rejects(search("quotas", { limit: 0 }), UsageError);
    await assert.rejects(search("quotas", { type: "note" }), UsageError);
  });

  test(`${backend}: phrases, exclusions and prefixes`, async (t) => {
    const { m } = await corpusMachine(t);
    const search = searcher(m, env);
    assert.deepEqual(paths(await search('"quokka appliance"')), [P.vpn]);
    assert.deepEqual(new Set(paths(await search("quokka appliance"))), new Set([P.vpn, P.agent]));
    assert.deepEqual(paths(await search("quokka -vpn")), [P.agent]);
    assert.deepEqual(paths(await search('quokka -"quokka appliance"')), [P.agent]);
    assert.deepEqual(paths(await search("quokka -appliance")), []);
    assert.deepEqual(new Set(paths(await search("forward*"))), new Set([P.dnsTitle, P.dnsOnce, P.vpn, P.acme]));
    assert.deepEqual(new Set(paths(await search("forwarding"))), new Set([P.vpn]));
    assert.deepEqual(paths(await search("forward")), []);
    const snip = (await search('"quokka appliance"')).results[0]!.snippet;
    assert.match(snip, /The \*\*quokka appliance\*\* dropped VPN tunnels/);
  });

  test(`${backend}: IPs and hostnames are found as typed`, async (t) => {
    const { m } = await corpusMachine(t);
    const search = searcher(m, env);
    // 10.0.0.10 must not find the log that only has 10.0.0.100.
    assert.deepEqual(new Set(paths(await search("10.0.0.10"))), new Set([P.dnsTitle, P.dnsOnce, P.acme]));
    assert.deepEqual(paths(await search("10.0.0.100")), [P.general]);
    assert.deepEqual(new Set(paths(await search("dc01.acme.local"))), new Set([P.dnsTitle, P.acme]));
    assert.deepEqual(new Set(paths(await search("DC01.ACME.LOCAL"))), new Set([P.dnsTitle, P.acme]));
    assert.deepEqual(new Set(paths(await search("acme.local"))), new Set([P.dnsTitle, P.acme]));
    const s = (await search("10.0.0.10", { client: "acme", type: "log" })).results.map((x) => x.snippet).join("\n");
    assert.match(s, /\*\*10\.0\.0\.10\*\*/);
  });

  test(`${backend}: incremental: logs that arrive by git pull, uncommitted, edited and deleted files`, async (t) => {
    const { m, others } = await corpusMachine(t, 2);
    const m2 = others[0]!;
    m.git(["push", "-q"]);
    m2.git(["pull", "-q"]);
    const search = searcher(m, env);
    assert.equal((await search("zorblax")).results.length, 0);
    assert.equal((await search("forwarders")).updated, 0);

    // Another machine pushes two logs and an article; this clone pulls.
    put(m2.dir, "clients/acme/session-logs/2026-06-05-alice-zorblax.md",
      logText({ user: "alice", date: "2026-06-05", topic: "zorblax", scope: "client:acme", body: "The zorblax incident." }));
    put(m2.dir, "session-logs/2026-06-06-alice-zorblax-followup.md",
      logText({ user: "alice", date: "2026-06-06", topic: "followup", scope: "general", body: "More zorblax." }));
    put(m2.dir, "wiki/patterns/zorblax.md", "---\ntitle: Zorblax pattern\n---\n\n# Zorblax pattern\n");
    commitAll(m2, "alice: zorblax");
    m2.git(["push", "-q"]);
    m.git(["pull", "-q"]);
    let r = await search("zorblax");
    assert.deepEqual(new Set(paths(r)), new Set([
      "clients/acme/session-logs/2026-06-05-alice-zorblax.md", "session-logs/2026-06-06-alice-zorblax-followup.md", "wiki/patterns/zorblax.md",
    ]));
    assert.equal(r.updated, 3, "only the three new files were read");
    assert.equal(r.rebuilt, false);

    // Uncommitted: a new log written in place, an edit by atomic rewrite, a deletion.
    put(m.dir, "clients/beta/session-logs/2026-06-07-mike-wip.md",
      logText({ user: "mike", date: "2026-06-07", topic: "wip", scope: "client:beta", body: "Unsaved zorblax notes." }));
    const edited = join(m.dir, ...P.vpn.split("/"));
    writeFileSync(`${edited}.tmp`, readFileSync(edited, "utf8").replace("quokka appliance", "wombat gateway"));
    renameSync(`${edited}.tmp`, edited);
    rmSync(join(m.dir, ...P.general.split("/")));
    r = await search("zorblax");
    assert.ok(paths(r).includes("clients/beta/session-logs/2026-06-07-mike-wip.md"));
    assert.deepEqual(paths(await search('"wombat gateway"')), [P.vpn]);
    assert.deepEqual(paths(await search('"quokka appliance"')), []);
    assert.deepEqual(paths(await search("10.0.0.100")), []);

    // Committing the same changes re-reads them; nothing is lost or duplicated.
    commitAll(m, "local work");
    assert.deepEqual(paths(await search('"wombat gateway"')), [P.vpn]);
    assert.equal((await search("zorblax")).results.length, 4);
    // Reverting the deletion and the edit (git checkout of an older tree) brings the old text back.
    m.git(["revert", "--no-edit", "HEAD"]);
    assert.deepEqual(paths(await search('"quokka appliance"')), [P.vpn]);
    assert.deepEqual(paths(await search("10.0.0.100")), [P.general]);
    assert.equal((await search("zorblax")).results.length, 3);
  });

  test(`${backend}: a corrupt index is rebuilt with a message, and the search still answers`, async (t) => {
    const { m } = await corpusMachine(t);
    const search = searcher(m, env);
    await search("forwarders");
    const file = join(stateOf(m), backend === "sqlite" ? SQLITE_FILE : JS_FILE);
    assert.ok(existsSync(file));
    writeFileSync(file, randomBytes(4096));
    const r = await search("forwarders");
    assert.equal(r.results[0]!.path, P.dnsTitle);
    assert.equal(r.rebuilt, true);
    const warnings = r.deps.events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /was unusable .*rebuilding it/);
    // The rebuilt index is a good one: the next run neither warns nor rebuilds.
    const again = await search("forwarders");
    assert.equal(again.rebuilt, false);
    assert.deepEqual(again.deps.events.filter((e) => e.type === "warning"), []);
    // Truncated to nothing: same.
    writeFileSync(file, "");
    assert.equal((await search("forwarders")).results[0]!.path, P.dnsTitle);
  });
}

test("the JS fallback returns the same results, in the same order, with the same scores, as SQLite FTS5", async (t) => {
  const { m } = await corpusMachine(t);
  put(m.dir, "projects/guru-rmm/session-logs/2026-02-03-mike-naive.md",
    logText({ user: "mike", date: "2026-02-03", topic: "naïve-café", scope: "project:guru-rmm", body: "Café naïve résumé forwarders forwarders 10.0.0.10", update: "café follow-up" }));
  const sqlite = searcher(m, { LOGBOOK_SEARCH_BACKEND: "sqlite" });
  const js = searcher(m, { LOGBOOK_SEARCH_BACKEND: "js" });
  const queries: [string, Parameters<Run>[1]][] = [
    ["forwarders", {}], ["quotas", {}], ["quotas", { client: "acme" }], ["quotas", { user: "alice", limit: 1 }],
    ['"quokka appliance"', {}], ["quokka -vpn", {}], ["forward*", {}], ["10.0.0.10", {}], ["dc01.acme.local", {}],
    ["cafe", {}], ["CAFÉ naive", {}], ["follow*", {}], ['"backup jobs" mailbox', { since: "2026-02-01" }], ["r*", { type: "log" }],
  ];
  for (const [q, o] of queries) {
    const a = await sqlite(q, o);
    const b = await js(q, o);
    assert.equal(a.backend, "sqlite");
    assert.equal(b.backend, "js");
    assert.deepEqual(paths(b), paths(a), q);
    a.results.forEach((x, i) => {
      const y = b.results[i]!;
      assert.ok(Math.abs(x.score - y.score) <= 1e-9 * Math.max(1, Math.abs(x.score)), `${q}: ${x.path} ${x.score} vs ${y.score}`);
      assert.equal(y.snippet, x.snippet);
      assert.equal(y.title, x.title);
    });
  }
});

test("updateSearchIndex: nothing before the first search; then cheap, incremental, and never throws", async (t) => {
  const { m, others } = await corpusMachine(t, 2);
  const m2 = others[0]!;
  m.git(["push", "-q"]);
  m2.git(["pull", "-q"]);
  const deps = testDeps(m.dir, { env: m.env });
  const state = stateOf(m);
  assert.deepEqual(await updateSearchIndex(m.dir, state, deps), { updated: 0, backend: "sqlite" });
  assert.ok(!existsSync(join(state, SQLITE_FILE)), "no index is built by a sync");
  await searcher(m)("forwarders");
  assert.deepEqual(await updateSearchIndex(m.dir, state, deps), { updated: 0, backend: "sqlite" });
  put(m2.dir, "clients/acme/session-logs/2026-06-05-alice-zorblax.md",
    logText({ user: "alice", date: "2026-06-05", topic: "zorblax", scope: "client:acme", body: "The zorblax incident." }));
  commitAll(m2, "alice: zorblax");
  m2.git(["push", "-q"]);
  m.git(["pull", "-q"]);
  assert.deepEqual(await updateSearchIndex(m.dir, state, deps), { updated: 1, backend: "sqlite" });
  assert.deepEqual(await updateSearchIndex(m.dir, state, deps), { updated: 0, backend: "sqlite" });
  const r = await searcher(m)("zorblax");
  assert.equal(r.updated, 0);
  assert.equal(r.results.length, 1);
  // A corrupt index after a sync: rebuilt, not thrown.
  writeFileSync(join(state, SQLITE_FILE), randomBytes(2048));
  const u = await updateSearchIndex(m.dir, state, deps);
  assert.equal(u.backend, "sqlite");
  assert.ok(u.updated >= 8);
  // Not a repository at all: still no throw.
  assert.deepEqual(await updateSearchIndex(join(m.dir, "..", "nowhere"), state, deps), { updated: 0, backend: "sqlite" });
  // The JS backend reports itself.
  const jsDeps = testDeps(m.dir, { env: { ...m.env, LOGBOOK_SEARCH_BACKEND: "js" } });
  assert.deepEqual(await updateSearchIndex(m.dir, state, jsDeps), { updated: 0, backend: "js" });
});

test("first use builds the index with a message; --reindex rebuilds; the indexed commit rewritten away is re-read", async (t) => {
  const { m } = await corpusMachine(t);
  const search = searcher(m);
  const first = await search("forwarders");
  assert.equal(first.rebuilt, true);
  assert.ok(first.deps.events.some((e) => e.type === "info" && /first use/.test(e.message)));
  const second = await search("forwarders");
  assert.equal(second.rebuilt, false);
  assert.deepEqual(second.deps.events, []);
  const re = await search("", { reindex: true });
  assert.equal(re.rebuilt, true);
  assert.equal(re.documents, 7);
  assert.deepEqual(re.results, []);
  // History rewritten and the old commit pruned: no diff is possible, so everything is re-read.
  put(m.dir, P.general, logText({ user: "mike", date: "2026-01-15", topic: "general", scope: "general", body: "Rewritten lab notes." }));
  m.git(["commit", "-qa", "--amend", "--no-edit"]);
  m.git(["reflog", "expire", "--expire=now", "--all"]);
  m.git(["gc", "-q", "--prune=now"]);
  assert.deepEqual(paths(await search('"rewritten lab"')), [P.general]);
  assert.ok(readdirSync(stateOf(m)).includes(SQLITE_FILE));
});

test("an unborn branch: uncommitted logs are searchable, and the first commit keeps them", async (t) => {
  const team = await makeTeam(t, { machines: 1, init: false });
  const m = team.machines[0]!;
  m.git(["checkout", "-q", "--orphan", "fresh"]);
  m.git(["rm", "-rq", "--cached", "."]);
  writeCorpus(m.dir);
  const search = searcher(m);
  assert.deepEqual(paths(await search('"quokka appliance"')), [P.vpn]);
  commitAll(m);
  assert.deepEqual(paths(await search('"quokka appliance"')), [P.vpn]);
});

test("an index from another schema version is rebuilt; an unwritable .git/logbook leaves a working in-memory search", async (t) => {
  const { m } = await corpusMachine(t);
  const search = searcher(m);
  await search("forwarders");
  const { loadSqlite } = await import("../../src/search/sqlite.js");
  const db = loadSqlite()(join(stateOf(m), SQLITE_FILE));
  db.prepare("UPDATE meta SET value = '0' WHERE key = 'schema'").run();
  db.close();
  const r = await search("forwarders");
  assert.equal(r.rebuilt, true);
  assert.match(JSON.stringify(r.deps.events), /index schema 0, expected 1.*rebuilding it/);
  assert.equal(r.results[0]!.path, P.dnsTitle);

  const { m: m2 } = await corpusMachine(t);
  writeFileSync(stateOf(m2), "not a directory\n");
  const s2 = await searcher(m2)("forwarders");
  assert.equal(s2.backend, "js");
  assert.equal(s2.results[0]!.path, P.dnsTitle);
  assert.match(JSON.stringify(s2.deps.events), /temporary in-memory index/);
  assert.equal(readFileSync(stateOf(m2), "utf8"), "not a directory\n", "left as it was");
});
