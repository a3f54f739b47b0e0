// Issue 3 end to end: init, whoami and save through the built CLI on real repos.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { git, isolatedEnv, makeTeam, narrative, runCli, tmpDir, treeState } from "../helpers/index.js";

const saveArgs = (scope: string, topic: string, session: string) => ["save", "--scope", scope, "--topic", topic, "--session", session, "--no-wiki", "--no-sync"];

test("init writes config, roster entry, identity and .gitignore; a second run changes nothing", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"), { LOGBOOK_HOSTNAME: "box1" });
  const repo = join(dir, "repo");
  git(dir, ["init", "-q", "-b", "main", repo], env);
  const r1 = await runCli(["init", "--user", "mike", "--name", "Mike Swanson", "--email", "mike@example.com", "--role", "admin", "--timezone", "America/Los_Angeles"], { cwd: repo, env });
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(readFileSync(join(repo, ".logbook/config.yaml"), "utf8"), /timezone: America\/Los_Angeles/);
  assert.deepEqual(JSON.parse(readFileSync(join(repo, ".logbook/users.json"), "utf8")).users.mike, { name: "Mike Swanson", email: "mike@example.com", role: "admin" });
  const id = JSON.parse(readFileSync(join(repo, ".logbook/identity.json"), "utf8"));
  assert.equal(id.user, "mike");
  assert.equal(id.machine, "box1");
  assert.equal(git(repo, ["check-ignore", ".logbook/identity.json"], env).trim(), ".logbook/identity.json");
  assert.match(readFileSync(join(repo, ".gitattributes"), "utf8"), /^\*\.md text eol=lf$/m);
  assert.match(git(repo, ["check-attr", "eol", "--", "session-logs/x.md", ".logbook/config.yaml"], env), /x\.md: eol: lf\n.*config\.yaml: eol: lf/s);
  const before = treeState(repo);
  const r2 = await runCli(["init", "--user", "mike"], { cwd: repo, env });
  assert.equal(r2.code, 0);
  assert.match(r2.stdout, /nothing to do/);
  assert.equal(treeState(repo), before);
});

test("init: a user missing from the roster without --name/--email is 78 and says how to add them", async (t) => {
  const team = await makeTeam(t, { machines: 1, init: false });
  const m = team.machines[0]!;
  const before = treeState(m.dir);
  const r = await m.cli(["init", "--user", "zed"]);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /zed.*not in the roster.*--name.*--email/s);
  assert.equal(treeState(m.dir), before);
  const r2 = await m.cli(["init", "--user", "zed", "--name", "Zed Z", "--email", "zed@example.com"]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(JSON.parse(readFileSync(join(m.dir, ".logbook/users.json"), "utf8")).users.zed);
});

test("init outside a git repository is 78", async (t) => {
  const dir = tmpDir(t);
  const r = await runCli(["init", "--user", "mike"], { cwd: dir, env: isolatedEnv(join(dir, "home")) });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /not inside a git working tree/);
});

test("whoami prints the seed's User block exactly; --json; stale machine warns, --strict exits 78", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const r = await m.cli(["whoami"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "## User\n- **User:** Mike Swanson (mike)\n- **Role:** admin\n- **Machine:** host1\n");
  assert.equal(r.stderr, "");
  const j = JSON.parse((await m.cli(["whoami", "--json"])).stdout);
  assert.deepEqual(j, { user: "mike", name: "Mike Swanson", email: "mike@example.com", role: "admin", machine: "host1", stale: false });
  const stale = await m.cli(["whoami"], { env: { LOGBOOK_HOSTNAME: "elsewhere" } });
  assert.equal(stale.code, 0);
  assert.match(stale.stderr, /^\[WARNING\] .*stale.*machine\/hostname mismatch.*logbook init --user mike/m);
  const strict = await m.cli(["whoami", "--strict"], { env: { LOGBOOK_HOSTNAME: "elsewhere" } });
  assert.equal(strict.code, 78);
  assert.match(strict.stderr, /\[WARNING\]/);
  assert.equal(JSON.parse((await m.cli(["whoami", "--json"], { env: { LOGBOOK_HOSTNAME: "elsewhere" } })).stdout).stale, true);
});

test("whoami with no identity is 78 and says to run logbook init", async (t) => {
  const team = await makeTeam(t, { machines: 1, init: false });
  const r = await team.machines[0]!.cli(["whoami"]);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /logbook init/);
});

test("the seed's .claude/ identity and roster are read when .logbook/ has none", async (t) => {
  const team = await makeTeam(t, { machines: 1, init: false });
  const m = team.machines[0]!;
  mkdirSync(join(m.dir, ".claude"), { recursive: true });
  renameSync(join(m.dir, ".logbook/users.json"), join(m.dir, ".claude/users.json"));
  writeFileSync(join(m.dir, ".claude/identity.json"), JSON.stringify({ user: "alice", machine: "host1" }));
  const r = await m.cli(["whoami"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Alice Chen \(alice\)/);
  const s = await m.cli(saveArgs("general", "seed-compat", "s1"), { input: narrative("compat") });
  assert.equal(s.code, 0, s.stderr);
  assert.match(readFileSync(join(m.dir, s.stdout.match(/File: (\S+)/)![1]!), "utf8"), /Alice Chen/);
});

test("save: seed path and name, sections in the seed's order whatever the input order, session recorded", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const parts = narrative("acme dns").split(/(?=^## )/m);
  const shuffled = [parts[9], parts[3], parts[0], parts[7], parts[1], parts[5], parts[2], parts[8], parts[4], parts[6]].join("\n");
  const r = await m.cli([...saveArgs("client:acme", "dns-fix", "sid-91"), "--json"], { input: shuffled });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.match(j.path, /^clients\/acme\/session-logs\/\d{4}-\d\d-\d\d-mike-dns-fix\.md$/);
  assert.equal(j.session, "sid-91");
  assert.equal(j.appended, false);
  const text = readFileSync(join(m.dir, j.path), "utf8");
  assert.deepEqual(text.split("\n").filter((l) => l.startsWith("## ")), [
    "## User", "## Session Summary", "## Key Decisions", "## Problems Encountered", "## Configuration Changes",
    "## Credentials & Secrets", "## Infrastructure & Servers", "## Commands & Outputs", "## Pending / Incomplete Tasks", "## Reference Information",
  ]);
  assert.match(text, /session: sid-91/);
});

test("save: same session appends an Update; another session gets -2; the -2 session appends to its own file", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const dir = join(m.dir, "clients/acme/session-logs");
  assert.equal((await m.cli(saveArgs("client:acme", "dns-fix", "a1"), { input: narrative("part one") })).code, 0);
  const [first] = readdirSync(dir);
  const before = readFileSync(join(dir, first!), "utf8");
  assert.equal((await m.cli(saveArgs("client:acme", "dns-fix", "a1"), { input: narrative("part two") })).code, 0);
  const after = readFileSync(join(dir, first!), "utf8");
  assert.ok(after.startsWith(before), "the first save's text is kept byte for byte");
  assert.match(after, /\n## Update: \d\d:\d\d P[SD]T — dns-fix\n/);
  assert.match(after, /Worked on part two\./);
  assert.equal((await m.cli(saveArgs("client:acme", "dns-fix", "b2"), { input: narrative("other") })).code, 0);
  assert.equal((await m.cli(saveArgs("client:acme", "dns-fix", "b2"), { input: narrative("other again") })).code, 0);
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 2);
  const second = names.find((n) => n.endsWith("-dns-fix-2.md"));
  assert.ok(second, names.join());
  assert.match(readFileSync(join(dir, second), "utf8"), /Worked on other again\./);
  assert.ok(!names.some((n) => n.endsWith("-session.md")));
});

test("save: general and project scopes; the session id from the environment; a new id is printed", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const g = await m.cli(["save", "--scope", "general", "--topic", "misc", "--no-sync", "--no-wiki", "--json"], { input: narrative("g"), env: { LOGBOOK_SESSION_ID: "env-sid" } });
  assert.equal(JSON.parse(g.stdout).session, "env-sid");
  assert.match(JSON.parse(g.stdout).path, /^session-logs\/.*-mike-misc\.md$/);
  const p = await m.cli(["save", "--scope", "project:guru-rmm", "--topic", "agent", "--no-sync", "--no-wiki", "--json"], { input: narrative("p"), env: { CLAUDE_CODE_SESSION_ID: "cc-sid" } });
  assert.equal(JSON.parse(p.stdout).session, "cc-sid");
  assert.match(JSON.parse(p.stdout).path, /^projects\/guru-rmm\/session-logs\//);
  const n = await m.cli(["save", "--scope", "general", "--topic", "new-id", "--no-sync", "--no-wiki"], { input: narrative("n") });
  assert.equal(n.code, 0, n.stderr);
  const id = /Session: (\S+) \(new/.exec(n.stdout)?.[1];
  assert.ok(id, n.stdout);
  const file = /File: (\S+)/.exec(n.stdout)![1]!;
  assert.match(readFileSync(join(m.dir, file), "utf8"), new RegExp(`session: ${id}`));
});

test("save works from a subdirectory and with -C", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  mkdirSync(join(m.dir, "deep/er"), { recursive: true });
  const r = await m.cli(saveArgs("general", "from-sub", "sub1"), { input: narrative("sub"), cwd: join(m.dir, "deep/er") });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readdirSync(join(m.dir, "session-logs")).some((n) => n.endsWith("-mike-from-sub.md")));
  const c = await m.cli(["-C", m.dir, ...saveArgs("general", "with-c", "c1")], { input: narrative("c"), cwd: team.root });
  assert.equal(c.code, 0, c.stderr);
  const c2 = await m.cli(["whoami", "-C", m.dir], { cwd: team.root });
  assert.equal(c2.code, 0, c2.stderr);
});

test("10 concurrent saves, same topic, different sessions: 10 files, none lost or merged", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => m.cli(saveArgs("client:beta", "burst", `b${i}`), { input: narrative(`burst ${i}`) })),
  );
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const dir = join(m.dir, "clients/beta/session-logs");
  const files = readdirSync(dir);
  assert.equal(files.length, 10);
  const bodies = files.map((f) => readFileSync(join(dir, f), "utf8"));
  for (let i = 0; i < 10; i++) assert.equal(bodies.filter((b) => b.includes(`Worked on burst ${i}.`)).length, 1, `burst ${i}`);
  assert.ok(bodies.every((b) => (b.match(/^## Session Summary$/gm) ?? []).length === 1));
});

test("bad input: right exit code, a message naming the problem, and nothing written", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const good = narrative("x");
  const cases: { args: string[]; input?: string | Buffer; code: number; re: RegExp; label: string }[] = [
    { label: "topic ../x", args: saveArgs("general", "../x", "x1"), code: 64, re: /topic/ },
    { label: "topic a/b", args: saveArgs("general", "a/b", "x1"), code: 64, re: /topic/ },
    { label: "topic a\\b", args: saveArgs("general", "a\\b", "x1"), code: 64, re: /topic/ },
    { label: "topic con", args: saveArgs("general", "con", "x1"), code: 64, re: /topic.*reserved/ },
    { label: "topic -lead", args: ["save", "--scope", "general", "--topic=-lead", "--session", "x1", "--no-sync", "--no-wiki"], code: 64, re: /topic/ },
    { label: "topic absolute", args: saveArgs("general", "/etc/passwd", "x1"), code: 64, re: /topic/ },
    { label: "topic too long", args: saveArgs("general", "a".repeat(81), "x1"), code: 64, re: /topic.*81/ },
    { label: "topic upper", args: saveArgs("general", "Dns", "x1"), code: 64, re: /topic/ },
    { label: "scope kind", args: saveArgs("galaxy:x", "ok", "x1"), code: 64, re: /scope/ },
    { label: "client ..", args: saveArgs("client:..", "ok", "x1"), code: 64, re: /client/ },
    { label: "project abs", args: saveArgs("project:/etc", "ok", "x1"), code: 64, re: /project/ },
    { label: "client com1", args: saveArgs("client:com1", "ok", "x1"), code: 64, re: /client.*reserved/ },
    { label: "session id", args: saveArgs("general", "ok", "a b"), code: 64, re: /session/ },
    { label: "no topic", args: ["save", "--scope", "general", "--no-sync"], code: 64, re: /--topic/ },
    { label: "unknown flag", args: [...saveArgs("general", "ok", "x1"), "--frobnicate"], code: 64, re: /frobnicate/ },
    { label: "missing section", args: saveArgs("general", "ok", "x1"), input: good.replace(/## Key Decisions\n.*\n/, ""), code: 65, re: /Key Decisions/ },
    { label: "empty", args: saveArgs("general", "ok", "x1"), input: "", code: 65, re: /empty/ },
    { label: "invalid utf-8", args: saveArgs("general", "ok", "x1"), input: Buffer.concat([Buffer.from(good), Buffer.from([0xff, 0xfe])]), code: 65, re: /UTF-8/ },
    { label: "NUL byte", args: saveArgs("general", "ok", "x1"), input: good + "\0", code: 65, re: /NUL/ },
    { label: "missing --file", args: [...saveArgs("general", "ok", "x1"), "--file", "/nonexistent/n.md"], code: 64, re: /--file/ },
    { label: "stale identity", args: saveArgs("general", "ok", "x1"), input: good, code: 78, re: /\[WARNING\].*stale/ },
  ];
  const before = treeState(m.dir);
  for (const c of cases) {
    const r = await m.cli(c.args, { input: c.input ?? good, ...(c.label === "stale identity" ? { env: { LOGBOOK_HOSTNAME: "elsewhere" } } : {}) });
    assert.equal(r.code, c.code, `${c.label}: ${r.stderr}`);
    assert.match(r.stderr, c.re, c.label);
    assert.equal(treeState(m.dir), before, `${c.label} changed the working tree`);
  }
  writeFileSync(join(m.dir, ".logbook/config.yaml"), "timezone: Mars/Olympus\n");
  const cfg = await m.cli(saveArgs("general", "ok", "x1"), { input: good });
  assert.equal(cfg.code, 78);
  assert.match(cfg.stderr, /config\.yaml.*"timezone"/);
  assert.ok(!existsSync(join(m.dir, "session-logs")));
});
