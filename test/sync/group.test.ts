// Group commit (issue 8): sessions waiting for the lock queue their requests; the holder commits each (one commit
// per session) and pushes them in one round; a holder killed mid-batch loses nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { makeTeam, narrative, tmpDir, waitFor } from "../helpers/index.js";
import { cont, countOnRemote, killGroup, queued, save, stoppedAt } from "./helpers.js";


test("waiting sessions are committed one by one by the holder and pushed in its round", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const marker = join(tmpDir(t, "lb-pause-"), "paused");
  const holder = m.spawn(["save", "--scope", "client:acme", "--topic", "holder", "--session", "h0", "--no-wiki"], {
    input: narrative("holder"),
    env: { LOGBOOK_TEST_PAUSE_AT: "after-lock", LOGBOOK_TEST_PAUSE_FILE: marker },
    detached: true,
  });
  t.after(() => killGroup(holder.pid!));
  const holderDone = new Promise<number | null>((r) => holder.on("exit", r));
  await waitFor(() => stoppedAt(marker, "after-lock"), "the holder to stop with the lock");
  const waiters = Array.from({ length: 6 }, (_, i) => save(m, `waiter-${i}`, `w${i}`));
  await waitFor(() => queued(m.dir, ".req") === 7, "6 queued requests and the holder's own");
  cont(holder.pid!);
  const results = await Promise.all(waiters);
  assert.equal(await holderDone, 0);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Group commit: committed and pushed by the sync already running on this machine \(pid \d+\)/);
    assert.match(r.stdout, /Commit: [0-9a-f]{10}/);
  }
  assert.equal(countOnRemote(team, "mike-waiter-"), 6);
  assert.equal(countOnRemote(team, "mike-holder.md"), 1);
  // one commit per session, each touching only its own log
  const log = team.remoteGit(["log", "--format=%s", "--name-only", "main"]);
  for (let i = 0; i < 6; i++) assert.match(log, new RegExp(`session log: mike client:acme waiter-${i}\\n\\nclients/acme/session-logs/[^\\n]*-mike-waiter-${i}\\.md\\n`));
  // the commit each waiter reports is the one on the remote
  for (const r of results) {
    const c = /Commit: ([0-9a-f]{10})/.exec(r.stdout)![1]!;
    assert.ok(team.remoteGit(["branch", "--contains", c]).includes("main"));
  }
  assert.equal(queued(m.dir, ".req") + queued(m.dir, ".taken") + queued(m.dir, ".done"), 0, "nothing left in the queue");
});

test("a holder killed mid-batch (after committing others' requests): the next holder pushes them, none lost or doubled", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const marker = join(tmpDir(t, "lb-pause-"), "paused");
  const holder = m.spawn(["save", "--scope", "client:acme", "--topic", "doomed", "--session", "d0", "--no-wiki"], {
    input: narrative("doomed"),
    env: { LOGBOOK_TEST_PAUSE_AT: "after-lock,after-commit", LOGBOOK_TEST_PAUSE_FILE: marker },
    detached: true,
  });
  t.after(() => killGroup(holder.pid!));
  const holderDone = new Promise<number | null>((r) => holder.on("exit", r));
  await waitFor(() => stoppedAt(marker, "after-lock"), "the holder to stop with the lock");
  const waiters = Array.from({ length: 4 }, (_, i) => save(m, `batch-${i}`, `b${i}`, { env: { LOGBOOK_LOCK_WAIT: "60" } }));
  await waitFor(() => queued(m.dir, ".req") === 5, "4 queued requests and the holder's own");
  cont(holder.pid!);
  await waitFor(() => stoppedAt(marker, "after-commit"), "the holder to commit the batch");
  assert.equal(queued(m.dir, ".taken"), 5, "the batch is taken, not yet pushed");
  killGroup(holder.pid!);
  await holderDone;
  const results = await Promise.all(waiters);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 4; i++) assert.equal(countOnRemote(team, `mike-batch-${i}.md`), 1);
  assert.equal(countOnRemote(team, "mike-doomed.md"), 1, "the dead holder's own log is pushed too");
  const adds = team.remoteGit(["log", "--format=%H", "--diff-filter=A", "main", "--", "clients/acme/session-logs/"]).trim().split("\n");
  assert.equal(adds.length, 5, "each log added by exactly one commit");
  assert.equal(queued(m.dir, ".req") + queued(m.dir, ".taken"), 0, "no request left (only the dead holder's uncollected result)");
});

test("a waiter that gives up withdraws its request: the holder does not commit it", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const marker = join(tmpDir(t, "lb-pause-"), "paused");
  const holder = m.spawn(["save", "--scope", "client:acme", "--topic", "slow", "--session", "s0", "--no-wiki"], {
    input: narrative("slow"),
    env: { LOGBOOK_TEST_PAUSE_AT: "after-lock", LOGBOOK_TEST_PAUSE_FILE: marker },
    detached: true,
  });
  t.after(() => killGroup(holder.pid!));
  const holderDone = new Promise<number | null>((r) => holder.on("exit", r));
  await waitFor(() => stoppedAt(marker, "after-lock"), "the holder to stop with the lock");
  const r = await save(m, "gave-up", "g1", { env: { LOGBOOK_LOCK_WAIT: "1" } });
  assert.equal(r.code, 75);
  assert.equal(queued(m.dir, ".req"), 1, "withdrawn: only the holder's own request is queued");
  cont(holder.pid!);
  assert.equal(await holderDone, 0);
  assert.equal(countOnRemote(team, "mike-slow.md"), 1);
  assert.equal(countOnRemote(team, "gave-up"), 0, "a withdrawn request is not committed");
  assert.match(m.git(["status", "--porcelain"]), /\?\? clients\/acme\/session-logs\/.*-mike-gave-up\.md/);
});
