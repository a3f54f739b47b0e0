// The invariant checker of the lock torture: reads the contenders' journal (torture/lock-worker.ts) and classifies
// every guarded write (a write preceded by a verify() that passed).
//
// Double holders. The lock directory holds at most one owner file at any moment (a take renames a directory onto
// an absent or empty path), and a verify() passes only by touching its own owner file. A holder Y therefore owns
// the lock without interruption from its take (before `taken`, recorded right after acquireLock returned) until at
// least the start of its last passing verify. Another holder X whose verify ran entirely inside that span passed
// while Y's file was the one in the lock: two holders at once. Any such write is reported, and there must be none.
//
// Late writes. A write by X that lands in the journal after a later holder Y took the lock (Y's `acq` line is
// already there and Y started taking only after X's verify ended) is a late write: X checked while it still owned
// the lock, then was stopped (or stalled) past the lease, and wrote when it resumed. No lease can prevent this:
// nothing stops a process between its check and its write. The sync pipeline keeps the window one git step wide
// (verify before each step), and git's own index/ref locks keep such a step from corrupting the repository. Late
// writes are counted, not failed.

export interface StopInterval {
  from: number;
  to: number;
}

export interface JournalReport {
  acquisitions: number;
  /** Acquisitions whose exit write was not late. */
  cycles: number;
  lateWrites: number;
  /** Late writes whose writer the driver had SIGSTOPped between its verify and the later holder's take. */
  lateAfterStop: number;
  overlaps: string[];
  /** Holders that found out at verify() that the lock had been taken from them, and wrote nothing more. */
  lost: number;
  /** Holders that never wrote their exit, by what had happened to them. */
  unfinished: { killed: number; lost: number; other: number };
  malformed: string[];
}

interface Holder {
  nonce: string;
  pid: number;
  /** Before its take (whole ms, set before the rename). */
  acquiredAt: number;
  /** After its take (acquireLock had returned). */
  taken: number;
  line: number;
  /** The start of its last passing verify. */
  lastVerify?: number;
  exited: boolean;
  lost: boolean;
}

interface Write {
  holder: Holder;
  v0: number;
  v1: number;
  line: number;
  text: string;
}

export function checkJournal(text: string, killed: ReadonlySet<number>, stops: ReadonlyMap<number, StopInterval[]>): JournalReport {
  const lines = text.split("\n").filter(Boolean);
  const r: JournalReport = { acquisitions: 0, cycles: 0, lateWrites: 0, lateAfterStop: 0, overlaps: [], lost: 0, unfinished: { killed: 0, lost: 0, other: 0 }, malformed: [] };
  const holders = new Map<string, Holder>();
  const writes: Write[] = [];
  for (const [i, line] of lines.entries()) {
    const f = line.split(" ");
    if (f[0] === "acq" && f.length === 5) {
      const h: Holder = { nonce: f[1]!, pid: Number(f[2]), acquiredAt: Number(f[3]), taken: Number(f[4]), line: i, exited: false, lost: false };
      if (holders.has(h.nonce)) r.malformed.push(`line ${i + 1}: nonce acquired twice: ${line}`);
      holders.set(h.nonce, h);
    } else if (f[0] === "lost" && f.length === 4) {
      const h = holders.get(f[1]!);
      if (h) h.lost = true;
      r.lost++;
    } else if ((f[0] === "enter" || f[0] === "exit") && f.length === 6) {
      const h = holders.get(f[1]!);
      if (!h) {
        r.malformed.push(`line ${i + 1}: a write by a holder with no acq line before it: ${line}`);
        continue;
      }
      if (h.lost) r.overlaps.push(`line ${i + 1}: ${line}: written after the holder reported the lock lost`);
      const w: Write = { holder: h, v0: Number(f[4]), v1: Number(f[5]), line: i, text: line };
      writes.push(w);
      h.lastVerify = Math.max(h.lastVerify ?? 0, w.v0);
      if (f[0] === "exit") {
        if (h.exited) r.malformed.push(`line ${i + 1}: a second exit: ${line}`);
        h.exited = true;
      }
    } else r.malformed.push(`line ${i + 1}: ${line}`);
  }
  const all = [...holders.values()];
  r.acquisitions = all.length;

  // Double holders: a verify of X inside Y's uninterrupted ownership [taken, lastVerify].
  const byV0 = [...writes].sort((a, b) => a.v0 - b.v0);
  const firstAfter = (t: number): number => {
    let lo = 0;
    let hi = byV0.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byV0[mid]!.v0 <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const y of all) {
    if (y.lastVerify === undefined) continue;
    for (let k = firstAfter(y.taken); k < byV0.length && byV0[k]!.v0 < y.lastVerify; k++) {
      const w = byV0[k]!;
      if (w.holder !== y && w.v1 < y.lastVerify) {
        r.overlaps.push(`line ${w.line + 1}: ${w.text}: verified inside the ownership of ${y.nonce} (pid ${y.pid}, taken ${y.taken}, verified again at ${y.lastVerify})`);
      }
    }
  }

  // Late writes: in journal order, after the acq line of a holder that started taking once this verify was over.
  const acqs = all.sort((a, b) => a.line - b.line);
  let next = 0;
  const seen: Holder[] = [];
  for (const w of writes) {
    while (next < acqs.length && acqs[next]!.line < w.line) seen.push(acqs[next++]!);
    const h = w.holder;
    let succ: Holder | undefined;
    // Recent holders only: journal order follows take order but for stalls, which are far shorter than this.
    for (let k = seen.length - 1; k >= 0 && seen[k]!.acquiredAt >= w.v1 - 600_000; k--) {
      const y = seen[k]!;
      if (y !== h && y.acquiredAt >= w.v1) succ = y;
    }
    const exit = w.text.startsWith("exit ");
    if (succ) {
      r.lateWrites++;
      if ((stops.get(h.pid) ?? []).some((s) => s.from >= w.v0 - 1 && s.from <= succ.acquiredAt + 1)) r.lateAfterStop++;
    } else if (exit) r.cycles++;
  }
  for (const h of all) {
    if (h.exited) continue;
    if (killed.has(h.pid)) r.unfinished.killed++;
    else if (h.lost) r.unfinished.lost++;
    else r.unfinished.other++;
  }
  return r;
}
