// `logbook sync --scheduled` end to end on real repos (the built CLI, a bare remote, real locks): silent on success
// with one log line per run; exit 0 with a "deferred" line when another sync holds the lock; exit 0 with a
// "pending" line when the remote is unreachable; non-zero (and stderr) only for what a person must fix; rotation.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeTeam } from "../helpers/index.js";
import { countOnRemote, killGroup, pausedSave } from "../sync/helpers.js";

const logOf = (dir: string) => join(dir, ".git", "logbook", "schedule.log");
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

test("sync --scheduled: success prints nothing and adds one line per run to .git/logbook/schedule.log", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  writeFileSync(join(m.dir, "todo.md"), "- renew the cert\n");
  const r = await m.cli(["sync", "--scheduled"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "");
  assert.equal(countOnRemote(team, "todo.md"), 1);
  let log = lines(logOf(m.dir));
  assert.equal(log.length, 1);
  assert.match(log[0]!, STAMP);
  assert.match(log[0]!, / ok: committed [0-9a-f]{10}; pushed [0-9a-f]{7}\.\.[0-9a-f]{7} to origin\/main (\[[^\]]*\] )?\(\d+\.\d s\)$/);
  const again = await m.cli(["sync", "--scheduled"]);
  assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
  log = lines(logOf(m.dir));
  assert.equal(log.length, 2);
  assert.match(log[1]!, / ok: nothing to commit; up to date \(/);
  const json = await m.cli(["sync", "--scheduled", "--json"]);
  assert.equal(JSON.parse(json.stdout).scheduled.status, "ok");
});

test("sync --scheduled: a lock held by another sync is exit 0, silent, and a 'deferred' line in the log", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const holder = await pausedSave(t, m, "after-lock", "held", "h1");
  writeFileSync(join(m.dir, "later.md"), "waits for the next run\n");
  const r = await m.cli(["sync", "--scheduled"], { env: { LOGBOOK_LOCK_WAIT: "1" } });
  killGroup(holder.pid);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "", "no lock-wait chatter, no error");
  const log = lines(logOf(m.dir));
  assert.equal(log.length, 1);
  assert.match(log[0]!, STAMP);
  assert.match(log[0]!, / deferred: another sync is running; it does the work, or the next run does/);
  assert.equal(countOnRemote(team, "later.md"), 0);
});

test("sync --scheduled: an unreachable remote is exit 0 with a 'pending' line; the commit waits for the next run", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  m.git(["remote", "set-url", "origin", "git://127.0.0.1:1/remote.git"]);
  writeFileSync(join(m.dir, "offline.md"), "written on a plane\n");
  const r = await m.cli(["sync", "--scheduled"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
  const [line] = lines(logOf(m.dir));
  assert.match(line!, / pending: committed [0-9a-f]{10}; push pending: origin is unreachable \(.+\); the commit is kept and the next run pushes it/);
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /offline\.md/);
  m.git(["remote", "set-url", "origin", team.remote]);
  const next = await m.cli(["sync", "--scheduled"]);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(countOnRemote(team, "offline.md"), 1);
  assert.match(lines(logOf(m.dir))[1]!, / ok: nothing to commit; pushed /);
});

test("sync --scheduled: what a person must fix (a stale identity) exits non-zero, says so on stderr and in the log", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const r = await m.cli(["sync", "--scheduled"], { env: { LOGBOOK_HOSTNAME: "another-machine" } });
  assert.equal(r.code, 78);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /error: .*stale/);
  const [line] = lines(logOf(m.dir));
  assert.match(line!, / error: .*stale.*\(exit 78\)/);
});

test("sync --scheduled: the log is rotated at 1 MB into schedule.log.1 (one generation kept)", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const log = logOf(m.dir);
  const old = "2026-06-01T00:00:00.000Z ok: nothing to commit; up to date (0.1 s)\n".repeat(Math.ceil((1 << 20) / 66));
  assert.ok(Buffer.byteLength(old) >= 1 << 20);
  mkdirSync(join(log, ".."), { recursive: true });
  writeFileSync(log, old);
  writeFileSync(`${log}.1`, "the generation before\n");
  const r = await m.cli(["sync", "--scheduled"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(`${log}.1`, "utf8"), old, "the full log became .1, the one before it is gone");
  assert.equal(lines(log).length, 1);
  // under the limit: appended, not rotated
  const r2 = await m.cli(["sync", "--scheduled"]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(lines(log).length, 2);
  assert.equal(readFileSync(`${log}.1`, "utf8"), old);
});
