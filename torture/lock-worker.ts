// One contender of the lock torture (bundled by kit.ts, run as `node worker.mjs '<json>'`). It takes the real sync
// lock over and over until the stop file appears, and journals what it does under the lock. Each guarded write is
// preceded by verify(), as the sync pipeline does before each git step, and records when that verify started, so
// the checker can tell a true double holder from a write that a lease cannot prevent (see torture/cases/lock.ts).
//   journal: acq <nonce> <pid> <acquiredAt> <takenMs>   (unguarded, right after taking; acquiredAt is set before
//            the take's rename, takenMs after acquireLock returned)
//            enter|exit <nonce> <pid> <acquiredAt> <verifyStartMs> <verifyEndMs>    (guarded writes)
//            lost <nonce> <pid> <ms>    (verify said the lock was lost; nothing more is written under it)
//   stdout:  reclaim-stop  (printed right before it stops itself between judging a lock stale and removing it)
import { appendFileSync, existsSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { acquireLock, LockLostError, type LockHandle } from "../src/sync/lock.js";

export interface LockWorkerArgs {
  path: string;
  journal: string;
  stopFile: string;
  host: string;
  staleMs: number;
  graceMs: number;
  /** Chance that a reclaim stops this process right before it removes the stale owner (the paused reclaimer). */
  stopReclaimP: number;
  seed: number;
}

const a = JSON.parse(process.argv[2] ?? "{}") as LockWorkerArgs;
let s = (a.seed ^ process.pid) >>> 0;
const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);

// Sub-millisecond wall-clock time, comparable across processes (acquiredAt is whole milliseconds).
const now = (): string => (performance.timeOrigin + performance.now()).toFixed(3);

async function guarded(h: LockHandle, kind: "enter" | "exit", stepMs: number): Promise<void> {
  const v0 = now();
  await h.verify();
  const v1 = now();
  // The "git step" the verify guards: it takes a moment, as a fetch or a commit does.
  if (stepMs > 0) await delay(stepMs);
  appendFileSync(a.journal, `${kind} ${h.owner.nonce} ${process.pid} ${h.owner.acquiredAt} ${v0} ${v1}\n`);
}

while (!existsSync(a.stopFile)) {
  const h = await acquireLock({
    path: a.path,
    host: a.host,
    pid: process.pid,
    waitMs: 600_000,
    staleMs: a.staleMs,
    graceMs: a.graceMs,
    deferredMessage: "deferred",
    purpose: "torture",
    beforeReclaim: () => {
      if (rand() >= a.stopReclaimP) return;
      process.stdout.write("reclaim-stop\n");
      process.kill(process.pid, "SIGSTOP");
    },
  });
  appendFileSync(a.journal, `acq ${h.owner.nonce} ${process.pid} ${h.owner.acquiredAt} ${now()}\n`);
  try {
    await guarded(h, "enter", 0);
    await delay(Math.floor(rand() * 4));
    await guarded(h, "exit", rand() < 0.3 ? 1 + Math.floor(rand() * 6) : 0);
  } catch (e) {
    if (!(e instanceof LockLostError)) throw e;
    appendFileSync(a.journal, `lost ${h.owner.nonce} ${process.pid} ${Date.now()}\n`);
  }
  await h.release();
}
process.exit(0);
