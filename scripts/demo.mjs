// npm run demo: a narrated tour of logbook in a throw-away sandbox (a bare remote, two machines, two users, a fake
// Syncro on 127.0.0.1; no other network, no keys). Each scene checks what it shows, so the tour is also a smoke
// test: any failed check makes the exit code 1. DEMO_KEEP=1 keeps the sandbox.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Checks, git, heading, killGroup, lb, makeSandbox, note, remoteAdditions, remoteLogs, removeSandbox, showCommand, start, startPaused } from "./demo/kit.mjs";
import { CUSTOMER_ID, KEY, demoData, startFakeSyncro } from "./demo/fake-syncro.mjs";
import { burst, burstNarrative, dnsFix, simple } from "./demo/story.mjs";

const t0 = performance.now();
const sb = makeSandbox();
const checks = new Checks();
const detached = new Set();
let syncro;

const mike = { host: "host1", dir: join(sb.dir, "host1"), user: "mike" };
const alice = { host: "host2", dir: join(sb.dir, "host2"), user: "alice" };
/** Every log the tour saves, as `<user>-<topic>`: at the end each must be on the remote exactly once. */
const saved = [];
const onRemote = (user, topic) => remoteLogs(sb).filter((f) => f.endsWith(`-${user}-${topic}.md`)).length;
// the Post-commit Summary lines worth showing, and the warnings that tell the story (stderr is marked `!`)
const summaryLines = (l) => /^(Commit|Push|File|Wiki updates \(if any\)|Group commit):|^(wiki: |reclaimed )/.test(l);
const seedDeferred = "sync deferred — another sync is running; your session log is written locally and will sync on the next run";

async function setUp() {
  console.log(`logbook demo: sandbox ${sb.dir} (a bare remote and two machines; removed at the end unless DEMO_KEEP=1)`);
  git(sb, sb.dir, "init", "-q", "--bare", "-b", "main", sb.remote);
  const seed = join(sb.dir, "seed");
  git(sb, sb.dir, "init", "-q", "-b", "main", seed);
  writeFileSync(join(seed, "README.md"), "# acme team knowledge\n");
  git(sb, seed, "add", "-A");
  git(sb, seed, "commit", "-qm", "start the knowledge repo");
  git(sb, seed, "push", "-q", sb.remote, "main");
  git(sb, sb.dir, "clone", "-q", sb.remote, mike.dir);
}

async function twoMachines() {
  heading(1, "Two machines, two people", [
    "mike on host1 and alice on host2 each clone the team repo and say who they are once;",
    "every commit logbook makes is authored from that, whatever git config says.",
  ]);
  const a = await lb(sb, mike, ["init", "--user", "mike", "--name", "Mike Swanson", "--email", "mike@example.com", "--role", "admin", "--timezone", "America/Los_Angeles"], {
    keep: (l) => /config\.yaml|users\.json|identity\.json \(/.test(l),
  });
  const b = await lb(sb, mike, ["sync"], { keep: summaryLines });
  git(sb, sb.dir, "clone", "-q", sb.remote, alice.dir);
  note(`[host2] $ git clone ${sb.remote} host2`);
  const c = await lb(sb, alice, ["init", "--user", "alice", "--name", "Alice Chen", "--email", "alice@example.com", "--role", "tech"]);
  const d = await lb(sb, alice, ["checkpoint", "-m", "add alice to the roster", "--only", ".logbook/users.json"], { keep: summaryLines });
  const w = await lb(sb, alice, ["whoami"]);
  checks.check([a, b, c, d, w].every((r) => r.code === 0), "init, sync, checkpoint and whoami exit 0 on both machines");
  const roster = git(sb, sb.dir, "--git-dir", sb.remote, "show", "main:.logbook/users.json");
  checks.check(/"mike"/.test(roster) && /"alice"/.test(roster), "the remote's .logbook/users.json lists mike and alice");
  checks.check(/Alice Chen \(alice\)/.test(w.stdout) && /Machine:\*\* host2/.test(w.stdout), "whoami on host2 says Alice Chen (alice) on host2");
}

async function noteBetweenUsers() {
  heading(2, "A session log with a note for a teammate", [
    "mike saves his session; its `## Note for alice` section travels inside the log.",
    "alice's next sync prints it as a banner before anything else, until she acknowledges it.",
  ]);
  const s = await lb(sb, mike, ["save", "--scope", "client:acme", "--topic", "dns-forwarders", "--session", "demo-dns"], { input: dnsFix, keep: summaryLines });
  saved.push("mike-dns-forwarders");
  const y = await lb(sb, alice, ["sync"], { keep: (l) => !/^(Author|## Post-commit)/.test(l) && !/^! git config/.test(l) });
  const k = await lb(sb, alice, ["notes", "--ack"]);
  const shipped = git(sb, sb.dir, "--git-dir", sb.remote, "show", "--name-only", "--format=", "main");
  checks.check(
    s.code === 0 && /mike-dns-forwarders\.md/.test(shipped) && /wiki\/clients\/acme\.md/.test(shipped),
    "mike's save pushed one commit holding his log and the acme wiki article it seeded",
    shipped.trim().replace(/\n/g, ", "),
  );
  checks.check(y.code === 0 && /MESSAGE FROM Mike Swanson/.test(y.stdout) && /nas02/.test(y.stdout), "alice's sync showed the note from Mike Swanson");
  checks.check(k.code === 0 && /acknowledged 1 note/.test(k.stdout), "alice acknowledged it (logbook notes --ack)");
}

async function concurrentSessions() {
  heading(3, "Nine sessions save at the same moment", [
    "6 sessions on host1 and 3 on host2 run `logbook save` at once (spawned in parallel).",
    "Sessions on one machine queue for its sync lock; the holder commits and pushes the queued ones too (group commit).",
  ]);
  const runs = [];
  for (const [m, list] of [[mike, burst.mike], [alice, burst.alice]]) {
    showCommand(m, ["save", "--scope", "client:acme", "--topic", "<topic>", "--session", "<id>", "--no-wiki"], { input: true });
    note(`    ... ${list.length} of them at once: ${list.map(([t]) => t).join(", ")}`);
    for (const [topic, text] of list) {
      const p = start(sb, m, ["save", "--scope", "client:acme", "--topic", topic, "--session", `demo-${topic}`, "--no-wiki"], { input: burstNarrative(text) });
      runs.push({ m, topic, p });
      saved.push(`${m.user}-${topic}`);
    }
  }
  const results = await Promise.all(runs.map(async (r) => ({ ...r, r: await r.p.done })));
  const grouped = { host1: 0, host2: 0 };
  for (const { m, topic, r } of results) {
    const commit = /^Commit: (\w+)/m.exec(r.stdout)?.[1] ?? "-";
    const by = /^Group commit: .*\(pid (\d+)\)/m.exec(r.stdout)?.[1];
    if (by) grouped[m.host]++;
    note(`  [${m.host}] ${topic.padEnd(18)} exit ${r.code}  commit ${commit}  ${by ? `carried by the sync of pid ${by} (group commit)` : "pushed by its own sync"}`);
  }
  const example = results.find((x) => /^Group commit:/m.test(x.r.stdout));
  if (example) note(`  e.g. ${example.topic}'s summary: "${/^Group commit: .*$/m.exec(example.r.stdout)[0]}"`);
  const logs = remoteLogs(sb).filter((f) => results.some((x) => f.endsWith(`-${x.m.user}-${x.topic}.md`)));
  note(`  [remote] $ git ls-tree -r --name-only main  ->  ${logs.length} of the 9 logs are there`);
  const failed = results.filter((x) => x.r.code !== 0);
  checks.check(failed.length === 0, "all 9 saves exit 0", failed.map((x) => `${x.topic}: exit ${x.r.code} ${x.r.stderr.trim().split("\n").pop()}`).join("; "));
  checks.check(logs.length === 9, "all 9 logs are on the remote", `${logs.length} found`);
  checks.check(
    grouped.host1 > 0,
    `group commit carried ${grouped.host1} of the 6 saves on host1 and ${grouped.host2} of the 3 on host2 (their summary says "Group commit: ...")`,
    "none on host1 was carried by another session's sync",
  );
}

async function wikiWithSyncro() {
  heading(4, "A wiki article compiled offline, with live fields from Syncro", [
    "The offline compiler (no LLM, no network) folds every acme log into wiki/clients/acme.md; hours and",
    "tickets come only from the PSA, here a fake Syncro on 127.0.0.1 speaking its real API.",
  ]);
  const data = demoData();
  syncro = await startFakeSyncro(data);
  note(`fake Syncro listening at ${syncro.base}; mike adds the team's Syncro settings (the key stays in the environment):`);
  const yaml = `syncro:\n  subdomain: acme-msp\n  customers:\n    acme: ${CUSTOMER_ID}\n`;
  appendFileSync(join(mike.dir, ".logbook", "config.yaml"), yaml);
  for (const l of yaml.trimEnd().split("\n")) note(`  | ${l}`);
  note("mike syncs: the settings are committed (a plain sync commits everything) and alice's three acme logs come down.");
  const s = await lb(sb, mike, ["sync"], { keep: summaryLines });
  const env = { SYNCRO_API_KEY: KEY, SYNCRO_BASE_URL: syncro.base };
  const c = await lb(sb, mike, ["wiki", "compile", "client:acme"], { env, shownEnv: { SYNCRO_API_KEY: "…", SYNCRO_BASE_URL: syncro.base } });
  note(`fake Syncro answered ${syncro.requests.length} requests: ${[...new Set(syncro.requests.map((q) => q.split("?")[0]))].join(", ")}`);
  const article = readFileSync(join(mike.dir, "wiki", "clients", "acme.md"), "utf8");
  const section = (name) => new RegExp(`^## ${name.replace(/[()]/g, "\\$&")}\\n([\\s\\S]*?)(?=^## )`, "m").exec(article)?.[1]?.trim() ?? "";
  const live = section("Live (Syncro)");
  note("wiki/clients/acme.md, three of its sections:");
  for (const [name, n] of [["Overview", 3], ["Live (Syncro)", 8], ["Systems", 7]]) {
    note(`  | ## ${name}`);
    for (const l of section(name).split("\n").filter(Boolean).slice(0, n)) note(`  | ${l}`);
  }
  const sources = Number(/: (\d+) source log/.exec(c.stdout)?.[1] ?? 0);
  checks.check(s.code === 0 && c.code === 0, "sync and wiki compile exit 0");
  checks.check(sources === 10, "the article is compiled from all 10 acme logs, alice's included", `${sources} sources`);
  checks.check(live.includes(`Billable hours this month`) && live.includes(data.expectedHours), `Live (Syncro) shows ${data.expectedHours} billable this month (Acme's billable timers only)`, live);
  checks.check(
    data.expectedOpen.every((t) => live.includes(t)) && !/#1037|#1050/.test(live),
    `Live (Syncro) lists open tickets ${data.expectedOpen.join(", ")} only (not the resolved one, not another customer's)`,
    live,
  );
  const p = await lb(sb, mike, ["sync"], { keep: summaryLines });
  checks.check(p.code === 0 && /^Push: \w+\.\.\w+/m.test(p.stdout), "logbook sync pushed the article");
}

async function search() {
  heading(5, "Search", [
    "Ranked full-text search over every session log and wiki article in the clone, committed or not;",
    "the index lives in .git/logbook/ and is never pushed.",
  ]);
  const r = await lb(sb, mike, ["search", "old NAS"], { max: 12 });
  const hits = (re) => re.test(r.stdout);
  checks.check(r.code === 0, "logbook search exits 0");
  checks.check(
    hits(/alice-nas-replacement\.md/) && hits(/mike-dns-forwarders\.md/) && hits(/wiki\/clients\/acme\.md/),
    "it finds alice's NAS log, mike's log with the note, and the acme article",
  );
}

async function lockDeferral() {
  heading(6, "The sync lock: a save that cannot wait defers with exit 75", [
    "One sync at a time per machine. A save that waits longer than its limit keeps its log on disk, commits",
    "nothing, and says so with the seed's words; the next sync carries the log.",
  ]);
  const args = ["save", "--scope", "general", "--topic", "weekly-review", "--session", "demo-held"];
  showCommand(mike, args, { input: true, env: { LOGBOOK_TEST_PAUSE_AT: "after-lock" } });
  const held = await startPaused(sb, mike, args, simple("Weekly review of open items with the team."), "after-lock");
  detached.add(held.pid);
  saved.push("mike-weekly-review");
  note(`    (stopped on purpose right after taking the lock: pid ${held.pid}; LOGBOOK_TEST_PAUSE_AT is test-only)`);
  const d = await lb(sb, mike, ["save", "--scope", "general", "--topic", "vendor-call", "--session", "demo-deferred"], {
    input: simple("Call with the ISP about the fibre upgrade date."),
    env: { LOGBOOK_LOCK_WAIT: "1" },
    shownEnv: { LOGBOOK_LOCK_WAIT: "1" },
  });
  saved.push("mike-vendor-call");
  const local = existsSync(join(mike.dir, "session-logs")) && /vendor-call/.test(git(sb, mike.dir, "status", "--porcelain", "--untracked-files=all"));
  checks.check(d.code === 75, "the second save exits 75", `exit ${d.code}`);
  checks.check((d.stdout + d.stderr).includes(seedDeferred), "with the seed's message");
  checks.check(local && onRemote("mike", "vendor-call") === 0, "its log is written locally, uncommitted, and not on the remote");
  note(`the held sync is released (SIGCONT to pid ${held.pid}) and finishes its own save:`);
  process.kill(held.pid, "SIGCONT");
  const h = await held.done;
  detached.delete(held.pid);
  for (const l of h.stdout.split("\n").filter((x) => /^(Commit|Push):/.test(x))) note(`    ${l}`);
  const n = await lb(sb, mike, ["sync"], { keep: summaryLines });
  checks.check(h.code === 0 && n.code === 0, "the released save and the next sync exit 0");
  checks.check(onRemote("mike", "vendor-call") === 1, "the next sync pushed the deferred log");
}

async function killedSync() {
  heading(7, "A sync killed mid-push is finished by the next one", [
    "alice pushes first, so mike's save must replay onto her commit; it is SIGKILLed (node and its git push)",
    "while pushing. The next `logbook sync` reclaims the dead lock; the remote ends with every log exactly once.",
  ]);
  const a = await lb(sb, alice, ["save", "--scope", "project:guru-rmm", "--topic", "agent-update", "--session", "demo-rmm"], {
    input: simple("Rolled the RMM agent update to the pilot group."),
    keep: summaryLines,
  });
  saved.push("alice-agent-update");
  const args = ["save", "--scope", "client:acme", "--topic", "dhcp-scope", "--session", "demo-killed"];
  showCommand(mike, args, { input: true, env: { LOGBOOK_TEST_PAUSE_AT: "during-push" } });
  const p = await startPaused(sb, mike, args, simple("Widened the DHCP scope on dc01 for the new floor."), "during-push");
  detached.add(p.pid);
  saved.push("mike-dhcp-scope");
  killGroup(p.pid);
  const k = await p.done;
  detached.delete(p.pid);
  const landed = onRemote("mike", "dhcp-scope") === 1;
  const local = /dhcp-scope/.test(git(sb, mike.dir, "log", "-1", "--format=%s", "main"));
  note(`    (killed with ${k.signal} while its git push ran: ${local ? "its commit was made locally" : "no local commit"}, the push ${landed ? "had already landed" : "had not landed"})`);
  const r = await lb(sb, mike, ["sync"], { keep: summaryLines });
  const adds = remoteAdditions(sb);
  const logs = remoteLogs(sb);
  const missing = saved.filter((s) => logs.filter((f) => f.endsWith(`-${s}.md`)).length !== 1);
  const twice = [...adds].filter(([, c]) => c !== 1).map(([f, c]) => `${f} (${c} commits)`);
  const head = git(sb, mike.dir, "rev-parse", "HEAD", "origin/main").split("\n");
  const dirty = git(sb, mike.dir, "status", "--porcelain").trim();
  checks.check(a.code === 0 && k.signal === "SIGKILL", "alice's save pushed; mike's save was SIGKILLed mid-push", `alice exit ${a.code}, mike ${k.code ?? k.signal}`);
  checks.check(r.code === 0, "the next logbook sync on host1 exits 0", r.stderr.trim());
  checks.check(missing.length === 0 && logs.length === saved.length, `the remote holds all ${saved.length} logs of the tour, each once`, `missing or doubled: ${missing.join(", ")}; ${logs.length} on the remote`);
  checks.check(twice.length === 0, "each log was added by exactly one commit", twice.join(", "));
  checks.check(head[0] === head[1] && dirty === "", "host1 is clean and level with the remote", dirty || `${head[0]} vs ${head[1]}`);
}

// [name, scene, what its checks establish] (the last is the closing summary's wording)
const scenes = [
  ["1. two machines", twoMachines, "a shared roster, one identity per machine"],
  ["2. a note between users", noteBetweenUsers, "log + article in one pushed commit; the note reached alice"],
  ["3. concurrent sessions", concurrentSessions, "9 parallel saves all on the remote, some by group commit"],
  ["4. wiki + Syncro", wikiWithSyncro, "offline article from 10 logs, Syncro hours and open tickets"],
  ["5. search", search, "logs and the article found"],
  ["6. lock deferral", lockDeferral, "exit 75 with the seed's words, log kept, pushed next sync"],
  ["7. killed sync", killedSync, "SIGKILL mid-push recovered; every log on the remote exactly once"],
];
const cleanUp = () => {
  for (const pid of detached) killGroup(pid);
  if (process.env.DEMO_KEEP !== "1") removeSandbox(sb);
};
// A stopped (SIGSTOP) detached CLI would outlive an interrupted demo: take it down with the sandbox.
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    cleanUp();
    console.error(`\ndemo interrupted (${sig})`);
    process.exit(130);
  });
}
const took = new Map();
let crashed;
try {
  checks.scene = "set-up";
  await setUp();
  for (const [name, scene] of scenes) {
    checks.scene = name;
    const t = performance.now();
    await scene();
    took.set(name, (performance.now() - t) / 1000);
  }
} catch (e) {
  crashed = e;
  checks.check(false, "the scene ran to the end", e instanceof Error ? e.message : String(e));
} finally {
  await syncro?.close();
}

const secs = ((performance.now() - t0) / 1000).toFixed(1);
const failed = checks.failed;
console.log(`\n${failed.length ? "Summary: some checks FAILED" : "Summary: everything shown was checked"}`);
for (const [s, , proves] of [["set-up", null, "sandbox"], ...scenes]) {
  const mine = checks.all.filter((c) => c.scene === s);
  if (s === "set-up" && mine.length === 0) continue;
  const bad = mine.filter((c) => !c.ok).length;
  const t = took.has(s) ? `, ${took.get(s).toFixed(1)} s` : "";
  const state = mine.length === 0 ? "not run" : bad ? "FAILED" : "ok";
  console.log(`  ${state.padEnd(7)} ${s}: ${proves} (${mine.length - bad} of ${mine.length} checks${t})`);
}
if (existsSync(sb.remote)) {
  try {
    const commits = git(sb, sb.dir, "--git-dir", sb.remote, "rev-list", "--count", "main").trim();
    const articles = git(sb, sb.dir, "--git-dir", sb.remote, "ls-tree", "-r", "--name-only", "main", "wiki/").split("\n").filter((f) => f.endsWith(".md") && f !== "wiki/index.md");
    console.log(`  the remote ends with ${commits} commits, ${remoteLogs(sb).length} session logs and ${articles.length} wiki articles`);
  } catch {}
}
cleanUp();
if (process.env.DEMO_KEEP === "1") console.log(`sandbox kept: ${sb.dir}`);
console.log(`elapsed: ${secs} s`);
if (failed.length) {
  for (const f of failed) console.error(`demo FAILED in scene ${f.scene}: ${f.what}${f.detail ? ` (${f.detail})` : ""}`);
  if (crashed?.stack) console.error(crashed.stack);
  if (process.env.DEMO_KEEP !== "1") console.error("run DEMO_KEEP=1 npm run demo to keep the sandbox for a look");
  process.exitCode = 1;
}
