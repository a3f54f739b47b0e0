// `logbook wiki compile` and `logbook wiki index` through the built CLI, and the index as a merge-conflict
// resolver between two clones.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { renderIndex } from "../../src/wiki/index.js";
import { anthropicError, fakeAnthropic } from "../helpers/fake-services.js";
import { isolatedEnv, makeTeam, runCli, tmpDir, waitFor } from "../helpers/index.js";
import { frontmatter, section, wikiAt, wikiRepo } from "./kit.js";

const A = "wiki/clients/acme.md";

async function repoWithLogs(t: Parameters<typeof wikiRepo>[0], config?: string) {
  const r = wikiRepo(t, config);
  await r.save("client:acme", "one", { at: "2026-06-01T16:00:00Z" });
  await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z", user: "alice" });
  await r.save("general", "weekly", { at: "2026-06-03T16:00:00Z" });
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: r.root, env: { ...r.env, ...env } });
  return { r, cli };
}

test("wiki compile seeds an article from the scope's logs; --json; --refresh records sources only", async (t) => {
  const { r, cli } = await repoWithLogs(t);
  const c1 = await cli(["wiki", "compile", "client:acme"]);
  assert.equal(c1.code, 0, c1.stderr);
  assert.equal(c1.stdout, "seeded wiki/clients/acme.md: 2 source logs, provider offline; wiki/index.md updated\n");
  assert.equal(c1.stderr, "");
  assert.match(r.read(A), /dc01\.acme\.local 10\.0\.0\.10/);
  await r.save("client:acme", "three", { at: "2026-06-04T16:00:00Z" });
  // last_compiled has one-second resolution: the refresh must come in a later second to change it (and the index)
  const seeded = /^last_compiled: "?([^"\n]+)/m.exec(r.read(A))?.[1];
  assert.ok(seeded, "the seeded article has a last_compiled");
  await waitFor(() => new Date().toISOString().replace(/\.\d{3}Z$/, "Z") > seeded, "the clock to pass the seed's second");
  const c2 = await cli(["wiki", "compile", "client:acme", "--refresh", "--json"]);
  assert.equal(c2.code, 0, c2.stderr);
  const j = JSON.parse(c2.stdout);
  assert.equal(j.status, "refreshed");
  assert.equal(j.target, "client:acme");
  assert.equal(j.sources.length, 3);
  assert.deepEqual(j.changed, [A, "wiki/index.md"]);
  assert.doesNotMatch(c2.stderr, /WARN/);
  assert.equal((section(r.read(A), "History").match(/^- /gm) ?? []).length, 2, "a refresh does not recompile");
  const c3 = await cli(["wiki", "compile", "client:acme", "--json"]);
  assert.equal(JSON.parse(c3.stdout).status, "compiled");
  assert.equal((section(r.read(A), "History").match(/^- /gm) ?? []).length, 3);
});

test("wiki compile system:<slug> collects every log that names the system", async (t) => {
  const { r, cli } = await repoWithLogs(t);
  const c = await cli(["wiki", "compile", "system:dns", "--json"]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).status, "seeded");
  const fm = frontmatter(r.read("wiki/systems/dns.md"));
  assert.match(fm, /^---\ntype: system\nslug: dns\ntitle: Dns\n/);
  assert.match(fm, /session-logs\/2026-06-03-mike-weekly\.md/);
  assert.equal((fm.match(/session-logs\//g) ?? []).length, 3);
});

test("wiki usage errors are 64 with the usage line", async (t) => {
  const { cli } = await repoWithLogs(t);
  for (const args of [["wiki"], ["wiki", "frob"], ["wiki", "compile"], ["wiki", "compile", "acme"], ["wiki", "compile", "client:../x"], ["wiki", "compile", "client:acme", "--full", "--refresh"], ["wiki", "index", "extra"]]) {
    const c = await cli(args);
    assert.equal(c.code, 64, `${args.join(" ")}: ${c.stderr}`);
    assert.match(c.stderr, /^error: /);
  }
});

test("--full fails loudly (69 unreachable, 78 bad key) and writes nothing; without it the failure is a softfail", async (t) => {
  const { r, cli } = await repoWithLogs(t, "timezone: America/Los_Angeles\n");
  assert.equal((await cli(["wiki", "compile", "client:acme"])).code, 0);
  r.config("timezone: America/Los_Angeles\nwiki:\n  provider: anthropic\n  model: claude-sonnet-5-5\n");
  const before = r.read(A);
  const busy = await fakeAnthropic(t, [anthropicError(529, "overloaded_error", "Overloaded")]);
  const env = { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: busy.url };
  const full = await cli(["wiki", "compile", "client:acme", "--full"], env);
  assert.equal(full.code, 69, full.stderr);
  assert.match(full.stderr, /529 overloaded_error.*Nothing was written/);
  assert.equal(r.read(A), before);
  const denied = await fakeAnthropic(t, [anthropicError(401, "authentication_error", "invalid x-api-key")]);
  const bad = await cli(["wiki", "compile", "client:acme", "--full"], { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: denied.url });
  assert.equal(bad.code, 78, bad.stderr);
  assert.match(bad.stderr, /ANTHROPIC_API_KEY/);
  const soft = await cli(["wiki", "compile", "client:acme"], env);
  assert.equal(soft.code, 0, soft.stderr);
  assert.match(soft.stderr, /^\[WARN\] wiki refreshed, not recompiled; run logbook wiki compile client:acme --full later$/m);
  assert.match(soft.stdout, /refreshed wiki\/clients\/acme\.md/);
});

test("a hand-broken article is exit 65 naming the file and field, and is left alone", async (t) => {
  const { r, cli } = await repoWithLogs(t);
  await cli(["wiki", "compile", "client:acme"]);
  const broken = r.read(A).replace(/sources:\n/, "sources: 7\nx:\n");
  r.write(A, broken);
  const c = await cli(["wiki", "compile", "client:acme"]);
  assert.equal(c.code, 65);
  assert.match(c.stderr, /wiki\/clients\/acme\.md: frontmatter field "sources" must be a list/);
  assert.equal(r.read(A), broken);
});

test("wiki index: deleting it and regenerating gives the same bytes; an up-to-date index is not rewritten", async (t) => {
  const { r, cli } = await repoWithLogs(t);
  await cli(["wiki", "compile", "client:acme"]);
  await cli(["wiki", "compile", "system:dns"]);
  const before = r.read("wiki/index.md");
  rmSync(join(r.root, "wiki", "index.md"));
  const c = await cli(["wiki", "index"]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, "wiki/index.md regenerated (2 articles)\n");
  assert.equal(r.read("wiki/index.md"), before);
  assert.equal((await cli(["wiki", "index"])).stdout, "wiki/index.md is up to date (2 articles)\n");
  assert.deepEqual(JSON.parse((await cli(["wiki", "index", "--json"])).stdout), { action: "index", path: "wiki/index.md", changed: false, articles: 2 });
});

test("compiling a target with no article and no logs is 65 and writes nothing", async (t) => {
  const { r, cli } = await repoWithLogs(t);
  const c = await cli(["wiki", "compile", "client:nobody"]);
  assert.equal(c.code, 65, c.stderr);
  assert.match(c.stderr, /client:nobody: no article and no session logs to compile it from \(clients\/nobody\/session-logs\/ has none\)/);
  assert.equal(existsSync(join(r.root, "wiki")), false);
});

test("wiki commands outside a git repository are 78", async (t) => {
  const dir = tmpDir(t);
  const c = await runCli(["wiki", "compile", "client:acme"], { cwd: dir, env: isolatedEnv(join(dir, "home")) });
  assert.equal(c.code, 78);
  assert.equal(existsSync(join(dir, "wiki")), false);
});

test("index conflict: two clones compile different articles; renderIndex over the union of both sides' articles is what `wiki index` writes", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [(typeof team.machines)[0], (typeof team.machines)[0]];
  const w1 = wikiAt(m1.dir, m1.env);
  const w2 = wikiAt(m2.dir, m2.env);
  await w1.phase(await w1.save("client:alpha", "one", { at: "2026-06-01T16:00:00Z" }));
  await w2.phase(await w2.save("project:beta", "one", { at: "2026-06-01T17:00:00Z", user: "alice" }));
  m1.git(["add", "-A"]);
  m1.git(["commit", "-qm", "alpha"]);
  m1.git(["push", "-q", "origin", "main"]);
  m2.git(["add", "-A"]);
  m2.git(["commit", "-qm", "beta"]);
  m2.git(["fetch", "-q", "origin"]);
  assert.throws(() => m2.git(["rebase", "origin/main"]), /conflict/i);
  assert.deepEqual(m2.git(["diff", "--name-only", "--diff-filter=U"]).trim().split("\n"), ["wiki/index.md"]);
  // What the sync's resolver does: the articles of both sides, read with git (not from disk), rendered.
  const side = (rev: string) =>
    m2.git(["ls-tree", "-r", "--name-only", rev, "wiki"]).split("\n").filter(Boolean).map((p) => ({ path: p, content: m2.git(["show", `${rev}:${p}`]) }));
  const merged = renderIndex([...side("origin/main"), ...side("REBASE_HEAD")]);
  assert.match(merged, /\[Alpha\]\(clients\/alpha\.md\)/);
  assert.match(merged, /\[Beta\]\(projects\/beta\.md\)/);
  w2.write("wiki/index.md", merged);
  m2.git(["add", "wiki/index.md"]);
  m2.git(["-c", "core.editor=true", "rebase", "--continue"]);
  rmSync(join(m2.dir, "wiki", "index.md"));
  const c = await m2.cli(["wiki", "index"]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(readFileSync(join(m2.dir, "wiki", "index.md"), "utf8"), merged);
  m2.git(["push", "-q", "origin", "main"]);
  m1.git(["pull", "-q", "--rebase", "origin", "main"]);
  assert.equal((await m1.cli(["wiki", "index"])).stdout, "wiki/index.md is up to date (2 articles)\n");
});
