// The sync pipeline on real git: SCENARIOS.md 10-25 and the issue's own cases (lock scenarios 1-9: lock.test.ts).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { git, makeTeam, treeState } from "../helpers/index.js";
import { countOnRemote, killGroup, pausedSave, save } from "./helpers.js";

test("save commits only its log, authored from identity, pushes, leaves git status as it was", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  m.git(["config", "user.name", "Wrong Person"]);
  m.git(["config", "user.email", "wrong@example.com"]);
  // other sessions' work in progress: an untracked file, a modified tracked file, a staged change
  writeFileSync(join(m.dir, "wip.md"), "half done\n");
  appendFileSync(join(m.dir, "README.md"), "edited by another session\n");
  writeFileSync(join(m.dir, "staged.md"), "staged by another session\n");
  m.git(["add", "staged.md"]);
  const status0 = m.git(["status", "--porcelain=v1", "-uall"]);
  const r = await save(m, "first", "s1");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /## Post-commit Summary\nCommit: [0-9a-f]{10} session log: mike client:acme first\nAuthor: Mike Swanson <mike@example.com>\nPush: [0-9a-f]{7}\.\.[0-9a-f]{7} main -> main \(origin\)\nFile: clients\/acme\/session-logs\/.*-mike-first\.md \(\+\d+ lines, created\)/);
  assert.equal(countOnRemote(team, "mike-first.md"), 1);
  assert.equal(team.remoteGit(["log", "-1", "--format=%an <%ae> / %cn <%ce>", "main"]).trim(), "Mike Swanson <mike@example.com> / Mike Swanson <mike@example.com>");
  assert.deepEqual(team.remoteGit(["show", "--name-only", "--format=", "main"]).trim().split("\n"), [r.stdout.match(/File: (\S+)/)![1]]);
  assert.equal(m.git(["status", "--porcelain=v1", "-uall"]), status0, "git status shows exactly what it showed before");
  assert.equal(m.git(["config", "--file", ".git/config", "user.name"]).trim(), "Mike Swanson");
  assert.equal(m.git(["config", "--file", ".git/config", "user.email"]).trim(), "mike@example.com");
});

test("--only on a new file that .gitignore excludes refuses it, as git add does: nothing committed, nothing pushed", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  appendFileSync(join(m.dir, ".gitignore"), ".env\n");
  m.git(["add", ".gitignore"]);
  m.git(["-c", "user.name=Setup", "-c", "user.email=setup@example.com", "commit", "-qm", "ignore .env"]);
  writeFileSync(join(m.dir, ".env"), "SECRET=hunter2\n");
  writeFileSync(join(m.dir, "notes.md"), "fine\n");
  const r = await m.cli(["checkpoint", "-m", "try the env file", "--only", ".env", "--only", "notes.md"]);
  assert.notEqual(r.code, 0, "the ignored file is refused");
  assert.match(r.stdout + r.stderr, /ignored/i);
  assert.equal(m.git(["log", "--all", "--format=%H", "--", ".env"]).trim(), "", "no commit anywhere holds .env");
  assert.ok(!team.remoteFiles().includes(".env"));
  assert.equal(readFileSync(join(m.dir, ".env"), "utf8"), "SECRET=hunter2\n");
});

test("sync without --only sweeps everything (the seed's git add -A); --only commits exactly those paths", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  writeFileSync(join(m.dir, "a.md"), "a\n");
  writeFileSync(join(m.dir, "b.md"), "b\n");
  const only = await m.cli(["sync", "--only", "a.md", "--json"]);
  assert.equal(only.code, 0, only.stderr);
  const j = JSON.parse(only.stdout);
  assert.equal(j.committed, true);
  assert.equal(j.pushed, true);
  assert.deepEqual(team.remoteFiles().filter((f) => f.endsWith(".md") && f.length === 4), ["a.md"]);
  const sweep = await m.cli(["sync"]);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.ok(team.remoteFiles().includes("b.md"));
  const again = await m.cli(["sync", "--json"]);
  assert.equal(JSON.parse(again.stdout).committed, false);
  const outside = await m.cli(["sync", "--only", "../x"]);
  assert.equal(outside.code, 64);
});

test("a second machine behind the remote rebases and pushes; notes for me arrive in a banner, are listed and acked", async (t) => {
  const team = await makeTeam(t, { machines: 3, users: ["mike", "alice", "alice"] });
  const [m1, m2, m3] = team.machines as [typeof team.machines[0], typeof team.machines[0], typeof team.machines[0]];
  assert.equal((await save(m1, "first", "s1")).code, 0);
  const r2 = await save(m2, "second", "s2", { extra: "\n## Note for mike\nPlease rotate the backup key, ZEBRA-42.\n\n## Note for alice\nReminder to myself, SELF-7.\n" });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(countOnRemote(team, "alice-second.md"), 1);
  assert.equal(countOnRemote(team, "mike-first.md"), 1);
  const s1 = await m1.cli(["sync"]);
  assert.equal(s1.code, 0, s1.stderr);
  assert.match(s1.stdout, /={60}\nMESSAGE FROM Alice Chen \(\d{4}-\d\d-\d\d\)\n={60}\nPlease rotate the backup key, ZEBRA-42\.\n={60}\n[\s\S]*## Post-commit Summary/);
  assert.doesNotMatch(s1.stdout, /SELF-7/);
  assert.match((await m1.cli(["notes"])).stdout, /ZEBRA-42/);
  const listed = JSON.parse((await m1.cli(["notes", "--json"])).stdout);
  assert.equal(listed.notes.length, 1);
  assert.equal(listed.notes[0].author, "alice");
  assert.equal((await m1.cli(["notes", "--ack"])).code, 0);
  assert.doesNotMatch((await m1.cli(["notes"])).stdout, /ZEBRA-42/);
  // a second sync does not show it again (it did not arrive with this sync)
  assert.doesNotMatch((await m1.cli(["sync"])).stdout, /ZEBRA-42/);
  assert.doesNotMatch((await m2.cli(["sync"])).stdout, /ZEBRA-42/, "a note for mike is not shown to alice");
  const s3 = await m3.cli(["sync"]);
  assert.equal(s3.code, 0, s3.stderr);
  assert.doesNotMatch(s3.stdout, /SELF-7/, "alice's own note is not new to alice on her other machine");
});

test("concurrent saves: 8 in one clone and 4 in another while a writer edits uncommitted files: all land, the files untouched", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  mkdirSync(join(m1.dir, "wip"));
  mkdirSync(join(m1.dir, "notes"));
  writeFileSync(join(m1.dir, "notes/tracked.md"), "start\n");
  assert.equal((await m1.cli(["checkpoint", "-m", "tracked notes", "--only", "notes/tracked.md"])).code, 0);
  writeFileSync(join(m1.dir, "wip/draft.md"), "start\n");
  assert.equal((await save(m2, "ahead", "ah1")).code, 0); // m1 is now behind
  let stop = false;
  let written = 0;
  const writer = (async () => {
    while (!stop) {
      written++;
      appendFileSync(join(m1.dir, "wip/draft.md"), `line ${written}\n`);
      appendFileSync(join(m1.dir, "notes/tracked.md"), `line ${written}\n`);
      await new Promise((r) => setImmediate(r));
    }
  })();
  const runs = [
    ...Array.from({ length: 8 }, (_, i) => save(m1, `burst-${i}`, `c${i}`)),
    ...Array.from({ length: 4 }, (_, i) => save(m2, `burst2-${i}`, `d${i}`)),
  ];
  const results = await Promise.all(runs);
  stop = true;
  await writer;
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  assert.equal(countOnRemote(team, "burst"), 12);
  const expected = "start\n" + Array.from({ length: written }, (_, i) => `line ${i + 1}\n`).join("");
  assert.equal(readFileSync(join(m1.dir, "wip/draft.md"), "utf8"), expected);
  assert.equal(readFileSync(join(m1.dir, "notes/tracked.md"), "utf8"), expected);
  assert.equal(team.remoteGit(["log", "--format=%H", "main", "--", "wip"]).trim(), "");
  assert.equal(team.remoteGit(["show", "main:notes/tracked.md"]), "start\n");
  const st = m1.git(["status", "--porcelain"]);
  assert.match(st, /^\?\? wip\/$/m);
  assert.match(st, /^ M notes\/tracked\.md$/m);
});

test("lock held longer than the wait: the save exits 75 with the seed's words and commits or stages nothing", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const holder = await pausedSave(t, m, "after-lock", "slow", "sl1");
  const before = m.git(["status", "--porcelain=v1", "-uall"]);
  const r = await save(m, "deferred", "df1", { env: { LOGBOOK_LOCK_WAIT: "1" } });
  assert.equal(r.code, 75, r.stderr);
  assert.match(r.stdout, /sync deferred — another sync is running; your session log is written locally and will sync on the next run/);
  assert.match(r.stderr, /waiting for the sync lock held by pid \d+/);
  assert.equal(m.git(["log", "--all", "--format=%H", "--", "clients/acme/session-logs/*-deferred.md"]).trim(), "");
  assert.equal(m.git(["diff", "--cached", "--name-only"]).trim(), "");
  const after = m.git(["status", "--porcelain=v1", "-uall"]).split("\n").filter((l) => !l.includes("deferred"));
  assert.deepEqual(after, before.split("\n"));
  killGroup(holder.pid);
  await holder.done;
  const s = await m.cli(["sync"], { env: { LOGBOOK_LOCK_WAIT: "5" } });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /reclaimed a stale sync lock/);
  assert.equal(countOnRemote(team, "mike-slow.md"), 1);
  assert.equal(countOnRemote(team, "mike-deferred.md"), 1);
});

test("conflict on an ordinary file: exit 1 naming it, no rebase left, local commit and file kept", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  writeFileSync(join(m1.dir, "shared.txt"), "base\n");
  assert.equal((await m1.cli(["checkpoint", "-m", "base", "--only", "shared.txt"])).code, 0);
  assert.equal((await m2.cli(["sync"])).code, 0);
  writeFileSync(join(m1.dir, "shared.txt"), "mine\n");
  assert.equal((await m1.cli(["checkpoint", "-m", "mine", "--only", "shared.txt"])).code, 0);
  writeFileSync(join(m2.dir, "shared.txt"), "theirs\n");
  const r = await m2.cli(["checkpoint", "-m", "theirs", "--only", "shared.txt"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /conflict.*shared\.txt/);
  assert.ok(!existsSync(join(m2.dir, ".git/rebase-merge")) && !existsSync(join(m2.dir, ".git/rebase-apply")));
  assert.equal(readFileSync(join(m2.dir, "shared.txt"), "utf8"), "theirs\n");
  assert.equal(m2.git(["log", "-1", "--format=%s"]).trim(), "theirs");
  assert.equal(m2.git(["status", "--porcelain"]).trim(), "");
});

test("modify/delete and add/add conflicts stop cleanly too", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  writeFileSync(join(m1.dir, "added.md"), "one\n");
  writeFileSync(join(m2.dir, "added.md"), "two\n");
  assert.equal((await m1.cli(["checkpoint", "--only", "added.md"])).code, 0);
  const add = await m2.cli(["checkpoint", "--only", "added.md"]);
  assert.equal(add.code, 1);
  assert.match(add.stderr, /added\.md/);
  rmSync(join(m1.dir, "README.md"));
  assert.equal((await m1.cli(["checkpoint", "--only", "README.md"])).code, 0);
  m2.git(["reset", "-q", "--hard", "origin/main"]);
  writeFileSync(join(m2.dir, "README.md"), "changed\n");
  const md = await m2.cli(["checkpoint", "--only", "README.md"]);
  assert.equal(md.code, 1);
  assert.match(md.stderr, /README\.md/);
  assert.ok(!existsSync(join(m2.dir, ".git/rebase-merge")));
});

test("refuses a detached HEAD, a branch without upstream and a merge in progress, changing nothing", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  writeFileSync(join(m.dir, "x.md"), "x\n");
  const check = async (re: RegExp) => {
    const before = treeState(m.dir);
    const r = await m.cli(["sync"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, re);
    assert.equal(treeState(m.dir), before);
  };
  m.git(["checkout", "-q", "--detach"]);
  await check(/detached/);
  m.git(["checkout", "-q", "-b", "lonely"]);
  await check(/no upstream/);
  m.git(["checkout", "-q", "main"]);
  writeFileSync(join(m.dir, ".git/MERGE_HEAD"), m.git(["rev-parse", "HEAD"]));
  await check(/a merge is in progress/);
  rmSync(join(m.dir, ".git/MERGE_HEAD"));
  mkdirSync(join(m.dir, ".git/rebase-merge"));
  await check(/a rebase is in progress.*not started by logbook/);
  assert.ok(existsSync(join(m.dir, ".git/rebase-merge")), "someone else's rebase is left alone");
});

test("a stale .git/index.lock is reported with its age and removed when no git process uses the repo", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const lock = join(m.dir, ".git/index.lock");
  writeFileSync(lock, "");
  const old = new Date(Date.now() - 300_000);
  utimesSync(lock, old, old);
  const r = await save(m, "after-crash", "ac1");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /removed a stale \.git\/index\.lock \((29\d|30\d)s old/);
  assert.equal(countOnRemote(team, "after-crash"), 1);
});

test("an index.lock held while a git process works in the repo is not removed", { skip: process.platform !== "linux" }, async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const lock = join(m.dir, ".git/index.lock");
  writeFileSync(lock, "");
  const busy = spawn("git", ["cat-file", "--batch"], { cwd: m.dir, stdio: ["pipe", "ignore", "ignore"] });
  t.after(() => busy.kill("SIGKILL"));
  const r = await save(m, "busy", "bz1");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\.git\/index\.lock \(\d+s old\) is held by a git process that is still running/);
  assert.ok(existsSync(lock), "a live git's lock is never removed");
  assert.equal(m.git(["log", "--format=%s"]).includes("busy"), false, "nothing committed");
});

test("an editor's git status running during syncs corrupts nothing", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  let stop = false;
  const statuses = (async () => {
    while (!stop) await new Promise((r) => spawn("git", ["status", "--porcelain"], { cwd: m1.dir, stdio: "ignore" }).on("exit", r));
  })();
  for (let i = 0; i < 4; i++) {
    assert.equal((await save(m2, `other-${i}`, `o${i}`)).code, 0);
    const r = await save(m1, `mine-${i}`, `m${i}`);
    assert.equal(r.code, 0, r.stderr);
  }
  stop = true;
  await statuses;
  assert.equal(countOnRemote(team, "mine-"), 4);
  git(m1.dir, ["fsck", "--no-progress"], m1.env);
  assert.equal(m1.git(["status", "--porcelain"]).trim(), "");
});

test("cruft: garbled Windows paths removed and reported; look-alikes and tracked files kept", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  writeFileSync(join(m.dir, "C:Usersmikenotes.txt"), "");
  writeFileSync(join(m.dir, "Usersmikedesktopx.md"), "");
  writeFileSync(join(m.dir, "a\\b.md"), "");
  writeFileSync(join(m.dir, "Users guide.md"), "");
  writeFileSync(join(m.dir, "a: b.md"), "");
  writeFileSync(join(m.dir, "D:tracked.md"), "tracked\n");
  m.git(["add", "D:tracked.md"]);
  m.git(["commit", "-qm", "tracked odd name"]);
  const r = await m.cli(["sync"]);
  assert.equal(r.code, 0, r.stderr);
  for (const junk of ["C:Usersmikenotes.txt", "Usersmikedesktopx.md", "a\\b.md"]) {
    assert.ok(!existsSync(join(m.dir, junk)), junk);
    assert.ok(r.stderr.includes(`removed junk file (garbled Windows path): ${junk}`), junk);
  }
  for (const keep of ["Users guide.md", "a: b.md", "D:tracked.md"]) assert.ok(existsSync(join(m.dir, keep)), keep);
  assert.ok(team.remoteFiles().includes("Users guide.md"));
});

