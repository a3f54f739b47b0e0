// Group commit at speed: a holder drains requests queued after its first round, waiters sleep on the queue
// directory (woken by their result or a release, never by another file), and a burst lingers only while it grows.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, watch, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { acquireLock, LockWaitCancelled, type LockHandle, type LockOptions } from "../../src/sync/lock.js";
import { announce, arriving } from "../../src/sync/arrivals.js";
import { countRequests, enqueue, finish, linger, pokeQueue, queueDir, wakeNames } from "../../src/sync/queue.js";
import { makeTeam, narrative, runCli, tmpDir, waitFor } from "../helpers/index.js";
import { cont, countOnRemote, pausedSave, queued, save } from "./helpers.js";


test("drain: requests queued after the holder's first round are carried by that holder, one commit each", { timeout: 180_000 }, async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const holder = await pausedSave(t, m, "after-commit", "first", "h0");
  assert.equal(queued(m.dir, ".taken"), 1, "the holder has taken only its own request");
  const later = Array.from({ length: 4 }, (_, i) => save(m, `drain-${i}`, `d${i}`));
  await waitFor(() => queued(m.dir, ".req") === 4, "4 requests queued behind the holder's round");
  cont(holder.pid!);
  const results = await Promise.all(later);
  assert.equal(await holder.done, 0, holder.output());
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    // carried by the holder in a further round, not by whichever waiter took the lock next
    assert.ok(
      r.stdout.includes(`Group commit: committed and pushed by the sync already running on this machine (pid ${holder.pid})`),
      r.stdout,
    );
    const c = /Commit: ([0-9a-f]{10})/.exec(r.stdout)?.[1];
    assert.ok(c, r.stdout);
    assert.ok(team.remoteGit(["branch", "--contains", c]).includes("main"), `${c} is on the remote`);
  }
  assert.doesNotMatch(holder.output(), /Group commit:|drain-/, "the holder reports its own save only");
  assert.equal(countOnRemote(team, "mike-first.md"), 1);
  for (let i = 0; i < 4; i++) assert.equal(countOnRemote(team, `mike-drain-${i}.md`), 1);
  // one commit per session, each adding only its own log, authored as the user
  const log = team.remoteGit(["log", "--format=%x00%an <%ae>|%cn <%ce>|%s", "--name-status", "main", "-5"]).split("\0").filter(Boolean);
  assert.equal(log.length, 5);
  const subjects = new Set<string>();
  for (const rec of log) {
    const [head, ...files] = rec.trim().split("\n").filter(Boolean);
    const [author, committer, subject] = head!.split("|");
    assert.equal(author, "Mike Swanson <mike@example.com>");
    assert.equal(committer, "Mike Swanson <mike@example.com>");
    const topic = /^session log: mike client:acme (first|drain-\d)$/.exec(subject!)?.[1];
    assert.ok(topic, subject);
    subjects.add(topic);
    assert.equal(files.length, 1, rec);
    assert.match(files[0]!, new RegExp(`^A\\tclients/acme/session-logs/[^\\t]*-mike-${topic}\\.md$`));
  }
  assert.equal(subjects.size, 5, "five different sessions");
  assert.equal(queued(m.dir, ".req") + queued(m.dir, ".taken") + queued(m.dir, ".done"), 0, "nothing left in the queue");
  assert.equal(m.git(["status", "--porcelain"]).trim(), "", "every log committed, the index pointed at HEAD");
});

test("a save in a linked worktree queues in its own queue: the other worktree's holder does not claim it; it is pushed by its own round", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const wt = join(team.root, "wt");
  m.git(["worktree", "add", "-q", "-b", "side", wt, "origin/main"]);
  m.git(["-C", wt, "branch", "-q", "--set-upstream-to", "origin/main"]);
  assert.equal((await runCli(["init", "--user", "alice"], { cwd: wt, env: m.env })).code, 0);
  const holder = await pausedSave(t, m, "after-lock", "main-tree", "h0");
  const waiter = runCli(["save", "--scope", "client:acme", "--topic", "from-worktree", "--session", "w1", "--no-wiki"], { cwd: wt, env: m.env, input: narrative("from-worktree") });
  // each worktree queues in its own directory: the main tree's holder cannot see (or take) the worktree's request
  const wtQueue = join(m.dir, ".git", "logbook", "worktrees", "wt", "queue");
  await waitFor(() => existsSync(wtQueue) && readdirSync(wtQueue).some((f) => f.endsWith(".req")), "the worktree's request queued in its own queue");
  assert.equal(queued(m.dir, ".req"), 1, "only the holder's own request is in the main tree's queue");
  cont(holder.pid!);
  const r = await waiter;
  assert.equal(await holder.done, 0);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /Group commit: committed and pushed by the sync already running/, "the worktree's save ran its own round");
  assert.equal(countOnRemote(team, "alice-from-worktree.md"), 1, r.stdout);
  assert.equal(countOnRemote(team, "mike-main-tree.md"), 1);
});

// ---- waking waiters ------------------------------------------------------------------------------------------

const SEED_WORDS = "sync deferred — another sync is running; your session log is written locally and will sync on the next run";

/** A lock, a queue directory with one request in it, and a holder that has the lock. */
async function contended(t: Pick<TestContext, "after">) {
  // not tmpDir(): the directory must outlive the waiter, which the one clean-up below ends first
  const state = mkdtempSync(join(tmpdir(), "lb-wake-"));
  const path = join(state, "logbook-sync.lock");
  const base: LockOptions = { path, host: "host1", pid: process.pid, waitMs: 0, staleMs: 30_000, deferredMessage: SEED_WORDS };
  const holder = await acquireLock(base);
  const id = await enqueue(state, { paths: ["a.md"], message: "m", purpose: "save", createdAt: Date.now(), pid: process.pid });
  const other = await enqueue(state, { paths: ["b.md"], message: "m", purpose: "save", createdAt: Date.now(), pid: process.pid });
  const seen: string[] = [];
  let sleeping = false;
  let polls = 0;
  let cancel = false;
  const waiting = acquireLock({
    ...base,
    // neither the wait limit nor the poll interval may end this wait within the test's timeout
    waitMs: 3_600_000,
    idlePollMs: 600_000,
    wakeOn: {
      dir: queueDir(state),
      names: (f) => {
        seen.push(f);
        return wakeNames(id)(f);
      },
    },
    onWait: () => void (sleeping = true),
    cancelled: () => {
      polls++;
      return cancel;
    },
  });
  // a rejection is looked at by the test; keep it from counting as unhandled meanwhile
  waiting.catch(() => undefined);
  t.after(async () => {
    // a test that failed half-way must not leave a waiter sleeping for minutes: wake it with its own result
    cancel = true;
    if (await pending(waiting)) await finish(state, id, { commit: null, pushed: false, pending: false, range: null, branch: "", remote: "", files: [], by: 0 });
    const h = await waiting.catch(() => undefined);
    await h?.release();
    await holder.release();
    rmSync(state, { recursive: true, force: true });
  });
  // onWait runs right before the waiter's first sleep, in the same tick
  await waitFor(() => sleeping, "the waiter to find the lock busy and sleep");
  return { state, holder, id, other, seen, waiting, polls: () => polls, setCancel: () => void (cancel = true) };
}

/** Whether `p` is still unsettled once everything already due has run. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  const still = Symbol("pending");
  const r = await Promise.race([p.then(() => undefined, () => undefined), new Promise((res) => setImmediate(() => res(still)))]);
  return r === still;
}

test("wake: a waiter sleeping on the queue directory wakes when its result lands (lock still held)", { timeout: 60_000 }, async (t) => {
  const w = await contended(t);
  assert.equal(w.polls(), 1, "one look at the lock, then a long sleep");
  // another session's result: seen by the waiter's watch and declined
  await finish(w.state, w.other, { commit: null, pushed: true, pending: false, range: null, branch: "main", remote: "origin", files: [], by: 1 });
  await waitFor(() => w.seen.includes(`${w.other}.done`), "the waiter's watch to see the other result");
  assert.equal(await pending(w.waiting), true);
  assert.equal(w.polls(), 1, "a file that is not ours does not wake the waiter");
  // ours: the waiter wakes, sees that it is done (cancelled) and stops waiting
  w.setCancel();
  await finish(w.state, w.id, { commit: null, pushed: true, pending: false, range: null, branch: "main", remote: "origin", files: [], by: 1 });
  await assert.rejects(w.waiting, LockWaitCancelled);
  assert.equal(w.polls(), 2, "woken once, by its own result");
});

test("wake: a released lock and pokeQueue end a waiter's sleep; files of other names, even with the lock free, do not", { timeout: 60_000 }, async (t) => {
  const w = await contended(t);
  const other = async (name: string) => {
    writeFileSync(join(queueDir(w.state), name), "");
    rmSync(join(queueDir(w.state), name));
    await waitFor(() => w.seen.includes(name), `the waiter's watch to see ${name}`);
  };
  await other("unrelated-1.tmp");
  await other(`${w.other}.req`);
  await w.holder.release();
  // the lock is free now: any poll would take it, so a wrong wake would settle the promise
  await other("unrelated-2.tmp");
  assert.equal(await pending(w.waiting), true, "still asleep");
  await pokeQueue(w.state);
  const h: LockHandle = await w.waiting;
  assert.notEqual(h.owner.nonce, w.holder.owner.nonce);
  // cancelled() is consulted on every poll that finds the lock busy: only the first did
  assert.equal(w.polls(), 1, "no file of another name woke the waiter");
  assert.ok(w.seen.some((f) => f.startsWith("released")), "woken by the release marker");
  assert.deepEqual(readdirSync(queueDir(w.state)).filter((f) => f.startsWith("released")), [], "the marker does not stay");
  await h.release();
});

test("pokeQueue without a queue directory does nothing and does not throw", async (t) => {
  const state = tmpDir(t, "lb-wake-");
  await pokeQueue(state);
  assert.deepEqual(readdirSync(state), []);
  // and a watch on the queue directory sees its marker come and go
  mkdirSync(queueDir(state));
  const names: string[] = [];
  const w = watch(queueDir(state), (_e, f) => void (f && names.push(String(f))));
  t.after(() => w.close());
  await pokeQueue(state);
  await waitFor(() => names.some((n) => n.startsWith("released-")), "the release marker to be seen");
  assert.deepEqual(readdirSync(queueDir(state)), []);
});

// ---- linger --------------------------------------------------------------------------------------------------

function queueWith(t: Pick<TestContext, "after">, files: string[]): { state: string; add(name: string): void; remove(name: string): void } {
  const state = tmpDir(t, "lb-linger-");
  mkdirSync(queueDir(state));
  const add = (n: string) => writeFileSync(join(queueDir(state), n), "{}\n");
  for (const f of files) add(f);
  return { state, add, remove: (n) => rmSync(join(queueDir(state), n)) };
}

test("linger: one request (or none) never sleeps; other states of the queue are not counted", async (t) => {
  const calls: number[] = [];
  const spy = async (ms: number) => void calls.push(ms);
  await linger(join(tmpDir(t, "lb-linger-"), "no-state-yet"), spy);
  const q = queueWith(t, ["1.req", "2.taken", "3.done", "4.taken"]);
  assert.equal(await countRequests(q.state), 1);
  await linger(q.state, spy);
  assert.deepEqual(calls, []);
});

// linger's documented defaults: sleeps of 50 ms until the queue has not grown for 250 ms, 2 s at most.
const STEP = 50;
const QUIET_STEPS = 250 / STEP;
const MAX_STEPS = 2000 / STEP;

test("linger: waits while the queue grows, stops once it has been quiet for 250 ms", async (t) => {
  const q = queueWith(t, ["1.req", "2.req"]);
  const calls: number[] = [];
  let next = 3;
  await linger(q.state, async (ms) => {
    calls.push(ms);
    // arrivals after the 1st, 2nd and 4th sleep: a pause shorter than the quiet time does not end the wait
    if ([1, 2, 4].includes(calls.length)) q.add(`${next++}.req`);
  });
  assert.deepEqual(calls, Array.from({ length: 4 + QUIET_STEPS }, () => STEP), "the last arrival, then 250 ms of quiet");
  assert.equal(await countRequests(q.state), 5);

  // a queue that shrinks (a waiter withdrew) is not growing: quiet as well
  const s = queueWith(t, ["1.req", "2.req", "3.req"]);
  const shrink: number[] = [];
  await linger(s.state, async (ms) => {
    shrink.push(ms);
    if (shrink.length === 1) s.remove("3.req");
  });
  assert.equal(shrink.length, QUIET_STEPS);
});

test("linger: bounded however long the burst (2 s of 50 ms sleeps by default; the options set it)", async (t) => {
  const q = queueWith(t, ["1.req", "2.req"]);
  const calls: number[] = [];
  let next = 3;
  const grow = async (ms: number) => {
    calls.push(ms);
    q.add(`${next++}.req`);
  };
  await linger(q.state, grow);
  assert.deepEqual(calls, Array.from({ length: MAX_STEPS }, () => STEP));
  calls.length = 0;
  await linger(q.state, grow, { quietMs: 100, maxMs: 1000, arrivingMs: 3000, stepMs: 100 });
  assert.deepEqual(calls, Array.from({ length: 10 }, () => 100), "never more than 10 sleeps of 100 ms");
  calls.length = 0;
  // and with those options a burst that stops is left after one quiet look
  await linger(q.state, async (ms) => void calls.push(ms), { quietMs: 100, maxMs: 1000, arrivingMs: 3000, stepMs: 100 });
  assert.deepEqual(calls, [100]);
});

// ---- arrivals ------------------------------------------------------------------------------------------------

/** A live process that is not this one (a session still on its way), stopped when the test ends. */
function otherProcess(t: Pick<TestContext, "after">): number {
  const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  t.after(() => void c.kill("SIGKILL"));
  return c.pid!;
}

test("arrivals: linger waits while a live session is on its way and stops when it has queued", async (t) => {
  const q = queueWith(t, ["1.req"]);
  const pid = otherProcess(t);
  announce(q.state, pid);
  assert.equal(arriving(q.state), 1);
  const calls: number[] = [];
  await linger(q.state, async (ms) => {
    calls.push(ms);
    // the session queues after the 10th look: the request appears and its announcement goes
    if (calls.length === 10) await enqueue(q.state, { paths: ["a.md"], message: "m", purpose: "save", createdAt: 1, pid });
  });
  // well past the 250 ms quiet rule while it was coming; then the grown queue gets its quiet 250 ms
  assert.equal(calls.length, 10 + QUIET_STEPS);
  assert.equal(arriving(q.state), 0, "queueing took the announcement back");
  assert.equal(await countRequests(q.state), 2);
});

test("arrivals: a lone save announced by another live session waits for it; bounded by arrivingMs", async (t) => {
  const q = queueWith(t, ["1.req"]);
  announce(q.state, otherProcess(t));
  const calls: number[] = [];
  await linger(q.state, async (ms) => void calls.push(ms));
  assert.equal(calls.length, 5000 / STEP, "5 s at most for a session that never queues");
  calls.length = 0;
  await linger(q.state, async (ms) => void calls.push(ms), { quietMs: 100, maxMs: 1000, arrivingMs: 3000, stepMs: 100 });
  assert.equal(calls.length, 30);
});

test("arrivals: dead sessions, old announcements and this process's own are not waited for", async (t) => {
  const q = queueWith(t, ["1.req"]);
  // a session SIGKILLed on its way leaves its file: removed at the first look
  const dead = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  const deadPid = dead.pid!;
  await new Promise((r) => dead.on("exit", r));
  announce(q.state, deadPid);
  announce(q.state); // this process (a holder is never waiting for itself)
  const old = otherProcess(t);
  announce(q.state, old);
  const past = new Date(Date.now() - 120_000);
  utimesSync(join(queueDir(q.state), `${old}.arriving`), past, past);
  assert.equal(arriving(q.state), 0);
  assert.equal(existsSync(join(queueDir(q.state), `${deadPid}.arriving`)), false, "the dead session's file is removed");
  assert.equal(existsSync(join(queueDir(q.state), `${old}.arriving`)), false, "a minute-old file is a reused pid's: removed too");
  const calls: number[] = [];
  await linger(q.state, async (ms) => void calls.push(ms));
  assert.deepEqual(calls, [], "one request, nobody arriving: no wait at all");
  // and taking an announcement back twice is harmless
  const back = announce(q.state, old);
  back();
  back();
  assert.equal(existsSync(join(queueDir(q.state), `${old}.arriving`)), false);
});

test("arrivals via the CLI: a save's announcement is gone when it ends, whether it synced, failed or skipped the sync", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const qdir = join(m.dir, ".git", "logbook", "queue");
  const left = () => (existsSync(qdir) ? readdirSync(qdir).filter((n) => n.endsWith(".arriving")) : []);
  const ok = await save(m, "arrive-ok", "a1");
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(left(), []);
  const bad = await m.cli(["save", "--scope", "general", "--topic", "arrive-bad", "--session", "a2", "--no-wiki"], { input: "no sections here\n" });
  assert.equal(bad.code, 65, bad.stderr);
  assert.deepEqual(left(), [], "a save that fails before queueing takes its announcement back");
  const local = await m.cli(["save", "--scope", "general", "--topic", "arrive-local", "--session", "a3", "--no-wiki", "--no-sync"], { input: narrative("local") });
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(left(), []);
});

test("arrivals: a holder waits for a session still on its way and carries it in the same round, one push", { timeout: 120_000 }, async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  team.remoteGit(["config", "core.logAllRefUpdates", "always"]); // one reflog entry per push from here on
  // a session that has announced itself and written its log, stopped before it queues
  const late = await pausedSave(t, m, "before-queue", "late", "l1");
  assert.equal(queued(m.dir, ".req"), 0);
  // the holder takes the lock, finds only its own request, and waits because `late` is on its way
  const holder = await pausedSave(t, m, "lingering", "early", "e1");
  assert.equal(queued(m.dir, ".req"), 1, "the holder lingers before taking the queue: its own request is still there");
  cont(late.pid);
  // the late session queues (its announcement goes) and then waits for the lock the stopped holder has
  await waitFor(() => queued(m.dir, ".req") === 2 && queued(m.dir, ".arriving") === 0, "the late session to queue its request behind the stopped holder");
  cont(holder.pid);
  assert.equal(await holder.done, 0, holder.output());
  assert.equal(await late.done, 0, late.output());
  assert.match(late.output(), new RegExp(`Group commit: committed and pushed by the sync already running on this machine \\(pid ${holder.pid}\\)`));
  assert.equal(countOnRemote(team, "mike-early.md"), 1);
  assert.equal(countOnRemote(team, "mike-late.md"), 1);
  const pushes = team.remoteGit(["reflog", "show", "--format=%H", "main"]).split("\n").filter(Boolean);
  assert.equal(pushes.length, 1, `one push carried both sessions (reflog: ${pushes.join(", ")})`);
  assert.deepEqual(
    team.remoteGit(["log", "--format=%s", "-2", "main"]).trim().split("\n").sort(),
    ["session log: mike client:acme early", "session log: mike client:acme late"],
  );
});
