// The per-machine sync lock on real processes: SCENARIOS.md items 1-9, plus a contention run with random SIGKILL of
// holders checked by an invariant journal. Stopped and killed processes are observed through /proc and through
// what the clients print, never through fixed sleeps.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DeferredError } from "../../src/errors.js";
import { acquireLock, holderDescription, LockLostError, ownerFile, parseOwner, type LockOptions, type LockOwner } from "../../src/sync/lock.js";
import { bootId, probeProcess } from "../../src/sync/proc.js";
import { git, isolatedEnv, tmpDir, treeState, waitFor } from "../helpers/index.js";
import { age, deadPid, lockClient, seeded, sleeper, stopped, writeOwner } from "../helpers/lock-kit.js";

const SEED_WORDS = "sync deferred — another sync is running; your session log is written locally and will sync on the next run";
const HOST = "host1";
const linuxOnly = { skip: process.platform !== "linux" ? "needs /proc and SIGSTOP" : false };
const posixOnly = { skip: process.platform === "win32" ? "signals" : false };

function opts(path: string, over: Partial<LockOptions> = {}): LockOptions {
  return { path, host: HOST, pid: process.pid, waitMs: 0, staleMs: 30_000, deferredMessage: SEED_WORDS, ...over };
}

async function deferred(o: LockOptions): Promise<DeferredError> {
  const e = await acquireLock(o).then(
    async (h) => {
      await h.release();
      return undefined;
    },
    (err: unknown) => err,
  );
  assert.ok(e instanceof DeferredError, `expected a deferral, got ${String(e)}`);
  return e;
}

function owner(over: Partial<LockOwner> = {}): LockOwner {
  const now = Date.now();
  return { pid: 999_999, host: HOST, start: "ticks:1", nonce: "ab".repeat(16), acquiredAt: now, heartbeatAt: now, ...over };
}

/** Nothing but the lock (and whatever a test put there) next to it: no temp directories left behind. */
function siblings(dir: string): string[] {
  return readdirSync(dir).sort();
}

// The tests mostly wait on other processes, so they run side by side.
describe("sync lock", { concurrency: 4 }, () => {
  test("an uncontended take, verify and release; release is idempotent and leaves nothing", async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const h = await acquireLock(opts(path, { purpose: "sync" }));
    assert.deepEqual(readdirSync(path), [`owner-${h.owner.nonce}.json`]);
    const onDisk = parseOwner(readFileSync(ownerFile(path, h.owner.nonce), "utf8"), h.owner.nonce, 0);
    assert.equal(onDisk?.pid, process.pid);
    assert.equal(onDisk?.host, HOST);
    assert.equal(onDisk?.purpose, "sync");
    assert.match(h.owner.nonce, /^[0-9a-f]{32}$/);
    if (process.platform === "linux") {
      assert.equal(onDisk?.start, (await probeProcess(process.pid)).start);
      assert.equal(onDisk?.boot, await bootId());
    }
    assert.match(holderDescription(h.owner), new RegExp(`^pid ${process.pid} on host1 since \\d\\d:\\d\\d:\\d\\d \\(sync\\)$`));
    await h.verify();
    await h.release();
    await h.release();
    assert.deepEqual(siblings(dir), []);
    await assert.rejects(h.verify(), LockLostError);
  });

  test("temp directories of takers that died mid-take are swept by the next holder; a live taker's are kept", async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const live = sleeper(t);
    const deadTmp = `${path}.${await deadPid()}.0123456789ab.tmp`;
    const liveTmp = `${path}.${live.pid}.0123456789ab.tmp`;
    for (const d of [deadTmp, liveTmp]) {
      mkdirSync(d);
      writeFileSync(join(d, `owner-${"ab".repeat(16)}.json`), "{}");
    }
    const h = await acquireLock(opts(path));
    assert.deepEqual(siblings(dir), ["logbook-sync.lock", liveTmp.split("/").pop()!]);
    await h.release();
  });

  test("parseOwner rejects what is not an owner record", () => {
    const ok = JSON.stringify(owner());
    assert.ok(parseOwner(ok, "ab".repeat(16), 0));
    assert.equal(parseOwner(ok, "cd".repeat(16), 0), undefined, "nonce must match the file name");
    assert.equal(parseOwner("{", "ab".repeat(16), 0), undefined);
    assert.equal(parseOwner("[]", "ab".repeat(16), 0), undefined);
    assert.equal(parseOwner(JSON.stringify(owner({ pid: 0 })), "ab".repeat(16), 0), undefined, "pid 0 would address a process group");
    assert.equal(parseOwner(JSON.stringify({ ...owner(), host: 7 }), "ab".repeat(16), 0), undefined);
    const later = Date.now() + 5000;
    assert.equal(parseOwner(ok, "ab".repeat(16), later)?.heartbeatAt, later, "the file's mtime is the latest heartbeat");
  });

  test("1: two processes race to take a free lock: exactly one holds it, every round", async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const a = lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 30_000 });
    const b = lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 30_000 });
    for (let round = 0; round < 12; round++) {
      a.send("acquire");
      b.send("acquire");
      const [ra, rb] = await Promise.all([a.expect(/^(acquired|deferred 75)/), b.expect(/^(acquired|deferred 75)/)]);
      const winners = [ra[1], rb[1]].filter((r) => r === "acquired");
      assert.equal(winners.length, 1, `round ${round}: ${ra[0]} / ${rb[0]}`);
      const w = ra[1] === "acquired" ? a : b;
      w.send("verify");
      await w.expect(/^verified$/);
      w.send("release");
      await w.expect(/^released$/);
    }
    assert.deepEqual(siblings(dir), []);
  });

  test("1: twenty takers in one process at once: exactly one wins", async (t) => {
    const path = join(tmpDir(t), "logbook-sync.lock");
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => acquireLock(opts(path))));
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === "rejected") assert.ok(r.reason instanceof DeferredError);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
  });

  test("2: two reclaimers of one stale lock (stopped at the decision, then resumed together): one wins, the other's removal is a no-op", linuxOnly, async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    writeOwner(path, owner({ pid: await deadPid() }));
    const args = { path, host: HOST, waitMs: 300, staleMs: 30_000, auto: true, stopBeforeReclaim: true };
    const a = lockClient(t, args);
    const b = lockClient(t, args);
    await a.expect(/^reclaim-decided .*no longer running/);
    await b.expect(/^reclaim-decided .*no longer running/);
    await stopped(a.pid);
    await stopped(b.pid);
    a.proc.kill("SIGCONT");
    b.proc.kill("SIGCONT");
    const [ra, rb] = await Promise.all([a.expect(/^(acquired|deferred 75)(?: (\w+))?/), b.expect(/^(acquired|deferred 75)(?: (\w+))?/)]);
    assert.equal([ra[1], rb[1]].filter((r) => r === "acquired").length, 1, `${ra[0]} / ${rb[0]}`);
    const [winner, loser] = ra[1] === "acquired" ? [a, b] : [b, a];
    assert.equal((await loser.exited).code, 75);
    // The loser removed nothing of the winner's: the winner's lock is whole and still verifies.
    const nonce = (winner === a ? ra : rb)[2]!;
    assert.deepEqual(readdirSync(path), [`owner-${nonce}.json`]);
    winner.send("verify");
    await winner.expect(/^verified$/);
    winner.send("release");
    await winner.expect(/^released$/);
  });

  test("2: ten reclaimers in one process, all past the decision before any removes: one holds, nobody deletes its lock", async (t) => {
    const path = join(tmpDir(t), "logbook-sync.lock");
    writeOwner(path, owner({ pid: await deadPid() }));
    let decided = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const reclaimed: string[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        acquireLock(
          opts(path, {
            beforeReclaim: async () => {
              if (++decided === 10) open();
              await gate;
            },
            onReclaim: (r) => reclaimed.push(r),
          }),
        ),
      ),
    );
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    assert.equal(won.length, 1);
    assert.equal(reclaimed.length, 1, "exactly one reclaimer removed the stale owner");
    assert.deepEqual(readdirSync(path), [`owner-${won[0]!.owner.nonce}.json`]);
    await won[0]!.verify();
    await won[0]!.release();
  });

  test("3: a reclaimer stopped between judging and removing, while another takes a fresh lock: the fresh lock survives", linuxOnly, async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    writeOwner(path, owner({ pid: await deadPid() }));
    const r = lockClient(t, { path, host: HOST, waitMs: 20_000, staleMs: 30_000, auto: true, stopBeforeReclaim: true });
    await r.expect(/^reclaim-decided/);
    await stopped(r.pid);
    const fresh = await acquireLock(opts(path, { onReclaim: () => {} }));
    r.proc.kill("SIGCONT");
    // Resumed, it tries its removal, finds a live holder and waits for it.
    await r.expect(new RegExp(`^waiting ${fresh.owner.nonce}$`));
    assert.deepEqual(readdirSync(path), [`owner-${fresh.owner.nonce}.json`]);
    await fresh.verify();
    assert.equal(r.saw(/^reclaimed/), false, "the paused reclaimer must not report a reclaim");
    await fresh.release();
    await r.expect(/^acquired/);
    r.send("release");
    await r.expect(/^released$/);
    assert.deepEqual(siblings(dir), []);
  });

  test("4: the owner's pid now belongs to another process (start time differs): stale at once", async (t) => {
    const path = join(tmpDir(t), "logbook-sync.lock");
    const other = sleeper(t);
    await waitFor(async () => (await probeProcess(other.pid!)).alive, "the sleeper to run");
    const real = (await probeProcess(other.pid!)).start;
    if (real === undefined) return t.skip("this platform does not report process start times");
    const boot = await bootId();

    // Same pid, same start: alive, so the waiter defers.
    writeOwner(path, owner({ pid: other.pid!, start: real, ...(boot ? { boot } : {}) }));
    const e = await deferred(opts(path));
    assert.equal(e.message, SEED_WORDS);
    assert.equal(e.exitCode, 75);
    assert.match(String(e.detail?.holder), new RegExp(`pid ${other.pid} on host1`));

    // Same pid, another start time: reused, reclaimed at once.
    rmSync(path, { recursive: true });
    writeOwner(path, owner({ pid: other.pid!, start: "ticks:1", nonce: "cd".repeat(16), ...(boot ? { boot } : {}) }));
    const reasons: string[] = [];
    const h = await acquireLock(opts(path, { onReclaim: (r) => reasons.push(r) }));
    assert.match(reasons.join(), /another process/);
    await h.release();
    assert.equal(other.exitCode, null, "the unrelated process is untouched");
  });

  test("4: boot id and host: a lock from an earlier boot is stale; another host's lock only by heartbeat age", async (t) => {
    const path = join(tmpDir(t), "logbook-sync.lock");
    const boot = await bootId();
    if (boot !== undefined) {
      // The pid is alive with the right start time, but the machine has rebooted since the lock was written.
      const self = (await probeProcess(process.pid)).start ?? "";
      writeOwner(path, owner({ pid: process.pid, start: self, boot: "00000000-0000-0000-0000-000000000000" }));
      const reasons: string[] = [];
      const h = await acquireLock(opts(path, { onReclaim: (r) => reasons.push(r) }));
      assert.match(reasons.join(), /restarted/);
      await h.release();
    }
    // A dead pid on another host means nothing here: alive while it beats...
    const dead = await deadPid();
    writeOwner(path, owner({ pid: dead, host: "elsewhere" }));
    await deferred(opts(path));
    // ...stale once it has not beaten for staleMs.
    rmSync(path, { recursive: true });
    const then = Date.now() - 60_000;
    writeOwner(path, owner({ pid: dead, host: "elsewhere", acquiredAt: then, heartbeatAt: then }));
    const reasons: string[] = [];
    const h = await acquireLock(opts(path, { onReclaim: (r) => reasons.push(r) }));
    assert.match(reasons.join(), /no heartbeat from pid \d+ on elsewhere for \d+s/);
    await h.release();
  });

  test("5: a lock held past the wait limit: the waiter exits 75 with the seed's words and touches nothing", async (t) => {
    const dir = tmpDir(t);
    const env = isolatedEnv(join(dir, "home"));
    const repo = join(dir, "repo");
    git(dir, ["init", "-q", "-b", "main", repo], env);
    writeFileSync(join(repo, "a.md"), "a\n");
    git(repo, ["add", "a.md"], env);
    git(repo, ["commit", "-qm", "one"], env);
    writeFileSync(join(repo, "b.md"), "uncommitted\n");
    const path = join(repo, ".git", "logbook-sync.lock");
    const holder = lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 30_000, auto: true });
    const nonce = (await holder.expect(/^acquired (\w+)/))[1]!;
    const ownerBytes = readFileSync(ownerFile(path, nonce), "utf8");
    const before = { tree: treeState(repo), git: readdirSync(join(repo, ".git")).sort(), head: git(repo, ["rev-parse", "HEAD"], env), index: readFileSync(join(repo, ".git", "index")) };

    const waiter = lockClient(t, { path, host: HOST, waitMs: 1200, staleMs: 30_000, auto: true, deferredMessage: SEED_WORDS });
    await waiter.expect(new RegExp(`^waiting ${nonce}$`), "the waiter to report it waits");
    await waiter.expect(/^deferred 75 /);
    assert.equal((await waiter.exited).code, 75);
    assert.equal(waiter.lines.find((l) => l.startsWith("deferred")), `deferred 75 ${SEED_WORDS}`);

    assert.equal(treeState(repo), before.tree);
    assert.deepEqual(readdirSync(join(repo, ".git")).sort(), before.git);
    assert.equal(git(repo, ["rev-parse", "HEAD"], env), before.head);
    assert.deepEqual(readFileSync(join(repo, ".git", "index")), before.index);
    assert.equal(readFileSync(ownerFile(path, nonce), "utf8"), ownerBytes);
    holder.send("verify");
    await holder.expect(/^verified$/);
  });

  test("6: a lock directory with no owner file yet: alive for the grace period, then reclaimed", async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    mkdirSync(path);
    const waits: (LockOwner | undefined)[] = [];
    const e = await deferred(opts(path, { waitMs: 300, graceMs: 60_000, onWait: (h) => waits.push(h) }));
    assert.equal(e.message, SEED_WORDS);
    assert.deepEqual(waits, [undefined]);
    assert.ok(existsSync(path), "not reclaimed within the grace period");

    age(path, 120_000);
    const reasons: string[] = [];
    const h = await acquireLock(opts(path, { graceMs: 60_000, onReclaim: (r) => reasons.push(r) }));
    assert.match(reasons.join(), /no owner file for \d+s/);
    await h.release();
    assert.deepEqual(siblings(dir), []);
  });

  test("9: an owner file that cannot be parsed or read, or a plain file as the lock: alive until stale by age", async (t) => {
    const variants: [string, (path: string) => string][] = [
      ["garbage", (p) => (mkdirSync(p), writeFileSync(join(p, `owner-${"ef".repeat(16)}.json`), "{ half a rec"), join(p, `owner-${"ef".repeat(16)}.json`))],
      ["wrong shape", (p) => (mkdirSync(p), writeFileSync(join(p, `owner-${"ef".repeat(16)}.json`), '{"pid":"x"}'), join(p, `owner-${"ef".repeat(16)}.json`))],
      ["unreadable (a directory)", (p) => (mkdirSync(join(p, `owner-${"ef".repeat(16)}.json`), { recursive: true }), join(p, `owner-${"ef".repeat(16)}.json`))],
      ["a plain file", (p) => (writeFileSync(p, "junk"), p)],
    ];
    for (const [what, make] of variants) {
      const dir = tmpDir(t);
      const path = join(dir, "logbook-sync.lock");
      const junk = make(path);
      await deferred(opts(path, { waitMs: 200, graceMs: 60_000 }));
      assert.ok(existsSync(junk), `${what}: kept within the grace period`);
      age(junk, 120_000);
      if (junk !== path) age(path, 120_000);
      const reasons: string[] = [];
      const h = await acquireLock(opts(path, { graceMs: 60_000, onReclaim: (r) => reasons.push(r) }));
      assert.match(reasons.join(), /for \d+s/, what);
      assert.deepEqual(readdirSync(path), [`owner-${h.owner.nonce}.json`], what);
      await h.release();
      assert.deepEqual(siblings(dir), [], what);
    }
  });

  test("7: a holder stopped until it was reclaimed notices on resume, before writing anything", linuxOnly, async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const out = join(dir, "written.txt");
    const holder = lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 1500, auto: true });
    const nonce = (await holder.expect(/^acquired (\w+)/))[1]!;
    holder.proc.kill("SIGSTOP");
    await stopped(holder.pid);
    const reasons: string[] = [];
    const next = await acquireLock(opts(path, { waitMs: 20_000, staleMs: 1500, onReclaim: (r) => reasons.push(r) }));
    assert.match(reasons.join(), new RegExp(`no heartbeat from pid ${holder.pid}`));
    holder.proc.kill("SIGCONT");
    holder.send(`write ${out}`);
    const lost = await holder.expect(/^lost (\d+) (.*)$/);
    assert.equal(lost[1], "1");
    assert.match(lost[2]!, /lost the sync lock .*nothing more was written/);
    assert.equal((await holder.exited).code, 1);
    assert.equal(existsSync(out), false, "the old holder wrote nothing");
    assert.notEqual(nonce, next.owner.nonce);
    assert.deepEqual(readdirSync(path), [`owner-${next.owner.nonce}.json`], "the old holder's exit did not remove the new lock");
    // Not next.verify(): with a 1.5 s stale limit, this busy test process may itself stall past half of it; the
    // directory listing above is the ground truth.
    await next.release();
  });

  test("7: a holder stopped past half the stale limit gives up on resume even if nobody took the lock", linuxOnly, async (t) => {
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const holder = lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 1000, auto: true });
    const nonce = (await holder.expect(/^acquired (\w+)/))[1]!;
    holder.proc.kill("SIGSTOP");
    await stopped(holder.pid);
    const file = ownerFile(path, nonce);
    await waitFor(() => Date.now() - statSync(file).mtimeMs > 1000, "the stopped holder's heartbeat to go stale");
    holder.proc.kill("SIGCONT");
    holder.send(`write ${join(dir, "written.txt")}`);
    await holder.expect(/^lost 1 .*stalled/);
    assert.equal((await holder.exited).code, 1);
    assert.equal(existsSync(join(dir, "written.txt")), false);
    assert.equal(existsSync(path), false, "it released its own, still unclaimed lock on the way out");
  });

  test("8: SIGINT and SIGTERM release the lock and exit 130/143; after SIGKILL the next run reclaims it at once", posixOnly, async (t) => {
    const runs = (["SIGINT", "SIGTERM", "SIGKILL"] as const).map((sig) => {
      const dir = tmpDir(t);
      const path = join(dir, "logbook-sync.lock");
      return { sig, dir, path, holder: lockClient(t, { path, host: HOST, waitMs: 0, staleMs: 30_000, auto: true }) };
    });
    await Promise.all(
      runs.map(async ({ sig, dir, path, holder }) => {
        const nonce = (await holder.expect(/^acquired (\w+)/))[1]!;
        holder.proc.kill(sig);
        const { code } = await holder.exited;
        if (sig !== "SIGKILL") {
          assert.equal(code, sig === "SIGINT" ? 130 : 143, sig);
          assert.deepEqual(siblings(dir), [], `${sig}: lock released`);
          return;
        }
        assert.deepEqual(readdirSync(path), [`owner-${nonce}.json`], "SIGKILL leaves the lock");
        const reasons: string[] = [];
        const h = await acquireLock(opts(path, { waitMs: 0, onReclaim: (r) => reasons.push(r) }));
        assert.match(reasons.join(), new RegExp(`pid ${holder.pid} on host1 is no longer running`));
        await h.release();
      }),
    );
  });

  test("contention: 8 processes x 25 acquisitions with random SIGKILL of holders: the journal shows no overlap", linuxOnly, async (t) => {
    const seed = Number(process.env.LOCK_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (replay with LOCK_TEST_SEED=${seed})`);
    const rand = seeded(seed);
    const dir = tmpDir(t);
    const path = join(dir, "logbook-sync.lock");
    const journal = join(tmpDir(t), "journal.txt");
    writeFileSync(journal, "");
    const CYCLES = 25;
    const base = { path, host: hostname(), waitMs: 120_000, staleMs: 30_000, graceMs: 1000 };
    const spawnWorker = (cycles: number) => lockClient(t, { ...base, loop: { cycles, journal } });
    type Slot = { client: ReturnType<typeof spawnWorker>; done: number };
    const slots: Slot[] = Array.from({ length: 8 }, () => ({ client: spawnWorker(CYCLES), done: 0 }));
    const killed = new Set<number>();
    const exitsBy = (pid: number) => readFileSync(journal, "utf8").split("\n").filter((l) => l.startsWith("exit ") && l.endsWith(` ${pid}`)).length;

    const kills = 5;
    for (let k = 0; k < kills; k++) {
      const target = Math.floor(((k + 0.2 + rand() * 0.6) / (kills + 1)) * 8 * CYCLES);
      await waitFor(() => readFileSync(journal, "utf8").split("\n").filter((l) => l.startsWith("exit ")).length >= target, `${target} cycles`, 90_000);
      // Kill whoever holds the lock right now (it may be between any two of its steps).
      let victim: Slot | undefined;
      await waitFor(() => {
        try {
          const name = readdirSync(path).find((n) => n.startsWith("owner-"));
          const pid = name ? (JSON.parse(readFileSync(join(path, name), "utf8")) as LockOwner).pid : undefined;
          victim = slots.find((s) => s.client.pid === pid && s.client.isRunning());
        } catch {
          victim = undefined;
        }
        return victim !== undefined || slots.every((s) => !s.client.isRunning());
      }, "a holder to kill", 90_000);
      if (!victim) break;
      victim.client.proc.kill("SIGKILL");
      killed.add(victim.client.pid);
      await victim.client.exited;
      victim.done += exitsBy(victim.client.pid);
      victim.client = spawnWorker(CYCLES - victim.done);
    }
    for (const s of slots) {
      const r = await s.client.exited;
      assert.equal(r.code, 0, `worker ${s.client.pid}: ${s.client.lines.slice(-3).join(" | ")}`);
    }

    // The invariant: enter/exit strictly alternate, except that a killed holder's enter may be left open; then it
    // must never write again.
    const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean);
    let open: { nonce: string; pid: number } | undefined;
    const abandoned = new Set<string>();
    let cycles = 0;
    for (const [i, line] of lines.entries()) {
      const [kind, nonce, pidText] = line.split(" ") as [string, string, string];
      const pid = Number(pidText);
      assert.ok(!abandoned.has(nonce), `line ${i + 1}: ${line}: a holder that lost its lock wrote again`);
      if (kind === "enter") {
        if (open) {
          assert.ok(killed.has(open.pid), `line ${i + 1}: ${line} while ${open.nonce} (pid ${open.pid}, alive) held the lock`);
          abandoned.add(open.nonce);
        }
        open = { nonce, pid };
      } else {
        assert.equal(open?.nonce, nonce, `line ${i + 1}: ${line} without its enter`);
        open = undefined;
        cycles++;
      }
    }
    assert.equal(cycles, 8 * CYCLES, "complete cycles");
    assert.equal(existsSync(path), false, "the last holder released");
    // A worker killed between mkdir and rename leaves a temp directory; the next holder sweeps it.
    const h = await acquireLock(opts(path));
    await h.release();
    assert.deepEqual(siblings(dir), []);
  });
});
