// Case (a): contended acquisitions of the real sync lock by real processes, while a seeded schedule SIGKILLs and
// SIGSTOPs/SIGCONTs holders, waiters and reclaimers (a reclaimer may also stop itself between judging a lock stale
// and removing it). The journal the contenders keep is checked by lock-check.ts: 0 double holders.
import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, writeFileSync, fstatSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { acquireLock } from "../../src/sync/lock.js";
import { between, bundleWorker, type CaseOptions, type CaseResult, pick, type Proc, procState, runCase, signal, sleep, start, tail, until } from "../kit.js";
import type { LockWorkerArgs } from "../lock-worker.js";
import { checkJournal, type StopInterval } from "./lock-check.js";

export const LOCK_SCALES = {
  full: { acquisitions: 10_000, workers: 8, staleMs: 2000, eventEvery: [4, 30] as const, timeoutMs: 60 * 60_000 },
  short: { acquisitions: 300, workers: 5, staleMs: 1500, eventEvery: [4, 24] as const, timeoutMs: 4 * 60_000 },
};

interface Worker {
  proc: Proc;
  killedByUs: boolean;
}

/** Counts `acq` lines as the journal grows, reading only what was appended since the last call. */
function acqCounter(journal: string): () => number {
  let pos = 0;
  let count = 0;
  let partial = "";
  const buf = Buffer.alloc(1 << 16);
  return () => {
    const fd = openSync(journal, "r");
    try {
      const size = fstatSync(fd).size;
      while (pos < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
        if (n <= 0) break;
        pos += n;
        const text = partial + buf.toString("utf8", 0, n);
        const lines = text.split("\n");
        partial = lines.pop()!;
        for (const l of lines) if (l.startsWith("acq ")) count++;
      }
    } finally {
      closeSync(fd);
    }
    return count;
  };
}

export async function lockCase(o: CaseOptions): Promise<CaseResult> {
  const P = LOCK_SCALES[o.scale];
  return runCase("lock", o, async ({ rand, scope, tally, figures, t0 }) => {
    const lockDir = scope.tmp();
    const work = scope.tmp();
    const path = join(lockDir, "logbook-sync.lock");
    const journal = join(work, "journal.txt");
    const stopFile = join(work, "stop");
    writeFileSync(journal, "");
    const bundle = await bundleWorker(scope, "torture/lock-worker.ts");
    const args: LockWorkerArgs = { path, journal, stopFile, host: hostname(), staleMs: P.staleMs, graceMs: 1000, stopReclaimP: 0.3, seed: o.seed };

    const killed = new Set<number>();
    const stops = new Map<number, StopInterval[]>();
    const timers = new Set<NodeJS.Timeout>();
    const stopped = new Set<number>();
    const n = { holderKills: 0, otherKills: 0, shortStops: 0, longStops: 0, otherStops: 0, reclaimerStops: 0, reclaimerKills: 0, respawns: 0 };
    let stopping = false;
    const workers = new Set<Worker>();

    const later = (ms: number, fn: () => void) => {
      const tm = setTimeout(() => {
        timers.delete(tm);
        fn();
      }, ms);
      timers.add(tm);
    };
    const kill = (w: Worker) => {
      if (!w.proc.running()) return;
      w.killedByUs = true;
      killed.add(w.proc.pid);
      signal(w.proc.pid, "SIGKILL");
    };
    /** Stops a worker for `ms`, then continues it (or kills it, for `thenKill`). */
    const pause = (w: Worker, ms: number, thenKill = false, selfStopped = false) => {
      const pid = w.proc.pid;
      if ((stopped.has(pid) && !selfStopped) || !w.proc.running()) return;
      stopped.add(pid);
      const iv: StopInterval = { from: Date.now(), to: Number.MAX_SAFE_INTEGER };
      if (!stops.has(pid)) stops.set(pid, []);
      stops.get(pid)!.push(iv);
      if (!selfStopped) signal(pid, "SIGSTOP");
      later(ms, () => {
        stopped.delete(pid);
        iv.to = Date.now();
        if (thenKill) kill(w);
        signal(pid, "SIGCONT");
      });
    };

    const spawnWorker = (): Worker => {
      const w: Worker = { killedByUs: false, proc: undefined as unknown as Proc };
      w.proc = start(process.execPath, [bundle, JSON.stringify(args)], {
        onLine: (line) => {
          if (line !== "reclaim-stop" || stopping) return;
          n.reclaimerStops++;
          const thenKill = rand() < 0.2;
          if (thenKill) n.reclaimerKills++;
          const ms = between(rand, 0, P.staleMs * 2);
          // Continue it only once it has really stopped: a SIGCONT that arrives first would be lost.
          void until(() => procState(w.proc.pid) === "T" || !w.proc.running(), 5000, 2).then(() => pause(w, ms, thenKill, true));
        },
      });
      workers.add(w);
      void w.proc.exited.then((r) => {
        workers.delete(w);
        if (!w.killedByUs && r.code !== 0) tally.fail(`worker ${w.proc.pid} exited ${r.code ?? r.signal}: ${tail(w.proc.out(), 6)}`);
        if (!stopping) {
          n.respawns++;
          spawnWorker();
        }
      });
      return w;
    };
    scope.after(() => {
      for (const w of workers) {
        signal(w.proc.pid, "SIGKILL");
        signal(w.proc.pid, "SIGCONT");
      }
    });
    for (let i = 0; i < P.workers; i++) spawnWorker();

    const holderPid = (): number | undefined => {
      try {
        const name = readdirSync(path).find((x) => x.startsWith("owner-"));
        return name ? (JSON.parse(readFileSync(join(path, name), "utf8")) as { pid: number }).pid : undefined;
      } catch {
        return undefined;
      }
    };

    const count = acqCounter(journal);
    let nextAt = between(rand, P.eventEvery[0], P.eventEvery[1]);
    let lastReport = Date.now();
    while (count() < P.acquisitions) {
      if (Date.now() - t0 > P.timeoutMs) {
        tally.fail(`timed out after ${count()} of ${P.acquisitions} acquisitions`);
        break;
      }
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        o.log(`  lock: ${count()} / ${P.acquisitions} acquisitions`);
      }
      if (count() < nextAt) {
        await sleep(15);
        continue;
      }
      nextAt = count() + between(rand, P.eventEvery[0], P.eventEvery[1]);
      const x = rand();
      const live = () => [...workers].filter((w) => w.proc.running() && !stopped.has(w.proc.pid));
      let holder: Worker | undefined;
      if (x < 0.62) {
        // Aim at whoever holds the lock now (it changes hands every few ms; wait for it to be held).
        await until(() => {
          const hp = holderPid();
          holder = live().find((w) => w.proc.pid === hp);
          return holder !== undefined;
        }, 1000, 1);
      }
      const others = live().filter((w) => w !== holder);
      if (holder && x < 0.3) {
        n.holderKills++;
        kill(holder);
      } else if (holder && x < 0.45) {
        n.shortStops++;
        pause(holder, between(rand, 5, P.staleMs / 3));
      } else if (holder && x < 0.62) {
        n.longStops++;
        pause(holder, between(rand, P.staleMs * 1.2, P.staleMs * 3));
      } else if (others.length && x < 0.85) {
        n.otherStops++;
        pause(pick(rand, others), between(rand, 5, P.staleMs * 2));
      } else if (others.length) {
        n.otherKills++;
        kill(pick(rand, others));
      }
    }

    stopping = true;
    writeFileSync(stopFile, "");
    for (const tm of timers) clearTimeout(tm);
    timers.clear();
    for (const pid of stopped) {
      for (const iv of stops.get(pid) ?? []) if (iv.to === Number.MAX_SAFE_INTEGER) iv.to = Date.now();
      signal(pid, "SIGCONT");
    }
    stopped.clear();
    const all = [...workers];
    // A worker may stop itself mid-reclaim after the schedule ended: keep continuing whatever is stopped.
    const finished = () => {
      for (const w of all) if (w.proc.running() && procState(w.proc.pid) === "T") signal(w.proc.pid, "SIGCONT");
      return all.every((w) => !w.proc.running());
    };
    if (!(await until(finished, 180_000, 50))) {
      tally.fail(`workers did not finish after the stop file: ${all.filter((w) => w.proc.running()).map((w) => w.proc.pid).join(", ")}`);
      for (const w of all) kill(w);
    }
    await Promise.all(all.map((w) => w.proc.exited));

    const rep = checkJournal(readFileSync(journal, "utf8"), killed, stops);
    tally.runs = rep.acquisitions;
    for (const ov of rep.overlaps) tally.fail(`double holder: ${ov}`);
    for (const m of rep.malformed) tally.fail(`journal: ${m}`);
    tally.check(rep.acquisitions >= P.acquisitions, () => `only ${rep.acquisitions} acquisitions`);
    // The last holder released, and a fresh take sweeps the temp directories of takers killed mid-take.
    tally.check(!existsSync(path), () => `the lock was left behind: ${readdirSync(path).join(", ")}`);
    const h = await acquireLock({ path, host: hostname(), pid: process.pid, waitMs: 30_000, staleMs: P.staleMs, deferredMessage: "deferred" });
    await h.release();
    const left = readdirSync(lockDir);
    tally.check(left.length === 0, () => `left next to the lock: ${left.join(", ")}`);

    Object.assign(figures, {
      acquisitions: rep.acquisitions,
      "complete cycles": rep.cycles,
      "double holders": rep.overlaps.length,
      "late writes (lease window)": rep.lateWrites,
      "  of which writer was SIGSTOPped after its verify": rep.lateAfterStop,
      "holders that saw the loss at verify()": rep.lost,
      "holders with no exit: killed / lost / other": `${rep.unfinished.killed} / ${rep.unfinished.lost} / ${rep.unfinished.other}`,
      "SIGKILL holder / other": `${n.holderKills} / ${n.otherKills}`,
      "SIGSTOP holder short / long / other": `${n.shortStops} / ${n.longStops} / ${n.otherStops}`,
      "reclaimers stopped mid-reclaim (then killed)": `${n.reclaimerStops} (${n.reclaimerKills})`,
    });
  });
}
