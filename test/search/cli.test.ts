import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { NOTICE_FILE } from "../../src/search/index.js";
import { CLI, makeTeam, tmpDir, type Machine } from "../helpers/index.js";
import { P, commitAll, writeCorpus } from "./fixture.js";

async function corpus(t: Parameters<typeof makeTeam>[0]): Promise<Machine> {
  const m = (await makeTeam(t, { machines: 1, init: false })).machines[0]!;
  writeCorpus(m.dir);
  commitAll(m);
  return m;
}

test("cli: --json prints {results: [...]} with every field; the human list shows title, path and snippet", async (t) => {
  const m = await corpus(t);
  const r = await m.cli(["search", "forwarders", "--client", "acme", "--type", "log", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { results: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(out), ["results"]);
  assert.deepEqual(out.results.map((x) => x.path), [P.dnsTitle, P.dnsOnce]);
  for (const k of ["path", "title", "date", "user", "scope", "score", "snippet"]) assert.ok(k in out.results[0]!, k);
  assert.equal(typeof out.results[0]!.score, "number");

  const h = await m.cli(["search", "dc01.acme.local", "--type", "log"]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^1\. Session log: dns-forwarders \(2026-03-01\)\n {3}clients\/acme\/session-logs\/2026-03-01-mike-dns-forwarders\.md · 2026-03-01 · mike · client:acme · score /);
  assert.match(h.stdout, /\*\*dc01\.acme\.local\*\*/);
  assert.ok(!h.stdout.includes("\u001b["), "no colour when stdout is not a terminal");
  const none = await m.cli(["search", "nothing-like-this"]);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /^no matches for nothing-like-this \(7 document\(s\) searched\)/);
  // A query starting with "-" goes after --.
  const dash = await m.cli(["search", "--json", "--", "quokka", "-vpn"]);
  assert.equal(dash.code, 0, dash.stderr);
  assert.deepEqual((JSON.parse(dash.stdout) as { results: { path: string }[] }).results.map((x) => x.path), [P.agent]);
  const re = await m.cli(["search", "--reindex"]);
  assert.equal(re.code, 0, re.stderr);
  assert.equal(re.stdout, "search index rebuilt: 7 document(s) (sqlite)\n");
});

test("cli: searches started together on a fresh clone all answer, whoever builds the index", async (t) => {
  const m = await corpus(t);
  const runs = await Promise.all(Array.from({ length: 4 }, () => m.cli(["search", "forwarders", "--json"])));
  const first = runs[0]!;
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(first.stdout));
  }
  assert.equal((JSON.parse(first.stdout) as { results: unknown[] }).results.length, 3);
  const after = await m.cli(["search", "forwarders", "--json"]);
  assert.equal(after.stdout, first.stdout);
  assert.equal(after.stderr, "");
});

test("cli: usage errors exit 64 and name the flag; outside a repository exits 78", async (t) => {
  const m = await corpus(t);
  const cases: [string[], RegExp][] = [
    [["search"], /give a query/],
    [["search", "-dns"], /Unknown option|unknown option/i],
    [["search", "--", "-dns"], /nothing to look for/],
    [["search", "x", "--limit", "ten"], /--limit "ten"/],
    [["search", "x", "--limit", "0"], /--limit 0/],
    [["search", "x", "--since", "2026-02-30"], /--since "2026-02-30"/],
    [["search", "x", "--scope", "planet"], /--scope "planet"/],
    [["search", "x", "--type", "page"], /--type "page"/],
  ];
  for (const [args, re] of cases) {
    const r = await m.cli(args);
    assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(" "));
  }
  assert.ok(!existsSync(join(m.dir, ".git", "logbook", "search.sqlite")), "nothing indexed for a refused command");
  const outside = tmpDir(t);
  const r = await m.cli(["search", "x"], { cwd: outside });
  assert.equal(r.code, 78, r.stderr);
});

test("cli: without the native module the JS index answers the same, and says so once", async (t) => {
  const m = await corpus(t);
  // A copy of the built CLI where better-sqlite3 cannot be resolved: the real "native module missing" case.
  const bare = tmpDir(t, "lb-bare-");
  const dist = join(CLI, "..");
  for (const f of readdirSync(dist)) if (f.endsWith(".js")) cpSync(join(dist, f), join(bare, f));
  writeFileSync(join(bare, "package.json"), '{"type":"module"}\n');
  const run = (cli: string) => spawnSync(process.execPath, [cli, "search", "quotas", "--json"], { cwd: m.dir, env: m.env, encoding: "utf8" });
  const native = run(CLI);
  assert.equal(native.status, 0, native.stderr);
  const first = run(join(bare, "cli.js"));
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /better-sqlite3\) could not be loaded .*pure-JS index/);
  assert.ok(existsSync(join(m.dir, ".git", "logbook", NOTICE_FILE)));
  const second = run(join(bare, "cli.js"));
  assert.equal(second.status, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /could not be loaded/);
  const paths = (s: string) => (JSON.parse(s) as { results: { path: string; score: number }[] }).results.map((x) => [x.path, x.score.toPrecision(5)]);
  assert.deepEqual(paths(first.stdout), paths(native.stdout));
  assert.deepEqual(paths(second.stdout), paths(native.stdout));
  // Once the native module loads again, the marker goes, so a later failure is reported again.
  assert.equal(run(CLI).status, 0);
  assert.ok(!existsSync(join(m.dir, ".git", "logbook", NOTICE_FILE)));
});
