// The per-machine sync lock (`<git common dir>/logbook-sync.lock`): at most one sync per clone at a time, a dead
// or stalled holder's lock reclaimed, and a holder that lost its lock told so before its next git step.
//
// Layout. The lock is a DIRECTORY holding exactly one file, `owner-<nonce>.json`, where the nonce is 128 random
// bits, so every owner file name is unique forever. The owner file's mtime is the heartbeat.
//
// Why this is safe (the argument the tests check; SCENARIOS 1-9):
// - Taking: the owner file is written into a private temp directory, which is then rename()d to the lock path.
//   rename of a directory succeeds only when the target is absent (or, on POSIX, an empty directory), so the lock
//   appears complete or not at all, and of two takers exactly one succeeds (1). A lock directory therefore never
//   exists "half taken" by us; an empty or unparseable one (someone else's tool, a crash of a releaser between its
//   two steps) is treated as alive for `graceMs` by its age, then reclaimed (6, 9).
// - Removing: nobody ever removes a lock by its path name, which another process may have re-taken since it was
//   judged. The only removal is unlink(`<lock>/owner-<nonce>.json`) for the nonce that was judged stale, which can
//   only ever remove THAT owner's file (a fresh lock holds a different, fresh name), followed by rmdir(<lock>),
//   which only removes an EMPTY directory, i.e. never a lock that has an owner. So a reclaimer that paused for any
//   time between judging and removing removes nothing on resume (3), and of two reclaimers of the same stale lock
//   one unlinks, the other gets ENOENT, and then both race a plain take, which exactly one wins (2).
// - Holding: while `<lock>/owner-<mynonce>.json` exists, nobody else holds the lock (no one else can create that
//   name inside the lock, and the directory is only replaced once empty). verify() refreshes the heartbeat by that
//   name (utimes never creates), so "the file is gone" means "reclaimed". A holder that was stalled (SIGSTOP, a
//   suspended VM) for more than half of `staleMs` counts itself as lost even if its file is still there, because a
//   reclaimer may have judged it stale and be about to unlink it; it never refreshes its way back (7).
// - Judging: same host and pid namespace: the pid is dead (or a zombie), or alive with another start time (pid
//   reuse, 4), or the machine booted since => stale at once (8: SIGKILL). Any host: no heartbeat for `staleMs` =>
//   stale. Another host's pid is never looked up here.
// What a lease cannot do: a holder stopped between a successful verify() and the write it guards can still act
// after losing the lock; verify() right before each git step makes that window one step wide, and git's own
// index/ref locks keep such a step from corrupting the repository.
import { randomBytes } from "node:crypto";
import { promises as fsp, readdirSync, rmdirSync, rmSync, statSync, unlinkSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DeferredError, EXIT, LogbookError } from "../errors.js";
import { pidExists } from "../util/pid.js";
import { bootId, pidNamespace, probeProcess, type ProcessProbe } from "./proc.js";

export interface LockOwner {
  pid: number;
  host: string;
  /** Process start-time id (proc.ts); "" when the platform does not tell. */
  start: string;
  /** Boot id of the machine, where available: a lock from an earlier boot is stale. */
  boot?: string;
  /** Linux pid namespace: a pid is only meaningful inside its namespace. */
  pidns?: string;
  nonce: string;
  acquiredAt: number;
  /** The latest heartbeat (ms since epoch): the owner file's mtime, refreshed by the holder. */
  heartbeatAt: number;
  purpose?: string;
}

export interface LockOptions {
  /** e.g. `<git common dir>/logbook-sync.lock`; its parent directory must exist. */
  path: string;
  host: string;
  pid: number;
  /** How long to wait for a live holder before giving up with DeferredError (exit 75). */
  waitMs: number;
  /** The DeferredError's message, word for word (the seed's). */
  deferredMessage: string;
  /** No heartbeat for this long => stale, even if the pid looks alive. */
  staleMs: number;
  /** A lock with no readable owner is alive for this long, by its age (default 10 s). */
  graceMs?: number;
  purpose?: string;
  /** Called when the lock is first found busy, then about once a second while waiting. */
  onWait?: (holder: LockOwner | undefined, waitedMs: number) => void;
  onReclaim?: (reason: string) => void;
  /** Checked on every poll while waiting; when it returns true the wait ends with LockWaitCancelled. */
  cancelled?: () => boolean;
  /**
   * A directory whose changes (to files `names` accepts) should end a poll's sleep at once (group commit: a waiter whose request sits in the
   * queue wakes when a result lands there). Polls then slow to `idlePollMs`: the watch, not the poll, is what
   * notices; 64 waiters polling every 50 ms would take the CPU from the holder they wait for.
   */
  wakeOn?: { dir: string; names: (file: string) => boolean };
  idlePollMs?: number;
  /** Defaults to process.platform (selects the process probe). */
  platform?: NodeJS.Platform;
  /**
   * Test hook, inert unless set: runs after a lock was judged stale and before it is removed (the window of the
   * paused-reclaimer race); the torture suite stops the process here.
   */
  beforeReclaim?: (reason: string) => void | Promise<void>;
}

export interface LockHandle {
  readonly owner: LockOwner;
  readonly path: string;
  /** Throws LockLostError if the lock is no longer ours; also refreshes the heartbeat. Call before every git step. */
  verify(): Promise<void>;
  /** Idempotent; removes the lock only if it is still ours. */
  release(): Promise<void>;
}

/** The lock was reclaimed by another process while we held it: stop before writing anything more (exit 1). */
/** Thrown by acquireLock when `cancelled()` turns true while waiting (the waiter no longer needs the lock). */
export class LockWaitCancelled extends Error {
  constructor() {
    super("lock wait cancelled: the work was done by another holder");
  }
}

export class LockLostError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.failure, detail);
  }
}

const OWNER_RE = /^owner-([0-9a-f]{32})\.json$/;
const DEFAULT_GRACE_MS = 10_000;

export function ownerFile(lockPath: string, nonce: string): string {
  return join(lockPath, `owner-${nonce}.json`);
}

/** "pid 123 on host1 since 10:02:03 (sync)", for waiting and deferral messages. */
export function holderDescription(owner: LockOwner): string {
  const since = new Date(owner.acquiredAt).toTimeString().slice(0, 8);
  return `pid ${owner.pid} on ${owner.host} since ${since}${owner.purpose ? ` (${owner.purpose})` : ""}`;
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Parses an owner file; undefined if it is not one (wrong shape, or a nonce that does not match its name). */
export function parseOwner(text: string, nonce: string, mtimeMs: number): LockOwner | undefined {
  let j: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    j = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { pid, host, start, nonce: n, acquiredAt, heartbeatAt, boot, pidns, purpose } = j;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (!isStr(host) || host === "" || !isStr(start) || n !== nonce || !isTime(acquiredAt) || !isTime(heartbeatAt)) return undefined;
  if ((boot !== undefined && !isStr(boot)) || (pidns !== undefined && !isStr(pidns)) || (purpose !== undefined && !isStr(purpose))) return undefined;
  return {
    pid,
    host,
    start,
    ...(boot !== undefined ? { boot } : {}),
    ...(pidns !== undefined ? { pidns } : {}),
    nonce,
    acquiredAt,
    heartbeatAt: Math.max(heartbeatAt, mtimeMs),
    ...(purpose !== undefined ? { purpose } : {}),
  };
}

type LockState =
  | { kind: "free" }
  | { kind: "owned"; owner: LockOwner; key: string }
  | { kind: "ownerless"; what: string; names: string[]; isFile: boolean; changedAt: number; key: string };

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

async function mtimeOf(p: string): Promise<number | undefined> {
  try {
    return (await fsp.lstat(p)).mtimeMs;
  } catch (e) {
    if (code(e) === "ENOENT") return undefined;
    throw e;
  }
}

/** One look at the lock. "retry": it changed under us (released mid-read); look again. */
async function readState(path: string): Promise<LockState | "retry"> {
  let names: string[];
  try {
    names = await fsp.readdir(path);
  } catch (e) {
    if (code(e) === "ENOENT") return { kind: "free" };
    if (code(e) !== "ENOTDIR") throw e;
    const m = await mtimeOf(path);
    if (m === undefined) return "retry";
    return { kind: "ownerless", what: "a plain file instead of a lock directory", names: [], isFile: true, changedAt: m, key: `file:${m}` };
  }
  const owners = names.filter((n) => OWNER_RE.test(n));
  const dirM = await mtimeOf(path);
  if (dirM === undefined) return "retry";
  if (owners.length === 1) {
    const name = owners[0]!;
    const nonce = OWNER_RE.exec(name)![1]!;
    const p = join(path, name);
    let text: string | undefined;
    let m: number | undefined;
    try {
      const fh = await fsp.open(p, "r");
      try {
        m = (await fh.stat()).mtimeMs;
        text = await fh.readFile("utf8");
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (code(e) === "ENOENT") return "retry";
      m = await mtimeOf(p); // unreadable (a directory, no permission): judged by age below
      if (m === undefined) return "retry";
    }
    const owner = text === undefined ? undefined : parseOwner(text, nonce, m);
    if (owner) return { kind: "owned", owner, key: nonce };
    return {
      kind: "ownerless",
      what: "an owner file that cannot be read or parsed",
      names,
      isFile: false,
      changedAt: Math.max(m, dirM),
      key: `bad:${names.join("/")}:${m}`,
    };
  }
  let changedAt = dirM;
  for (const n of names) changedAt = Math.max(changedAt, (await mtimeOf(join(path, n))) ?? 0);
  const what = names.length === 0 ? "no owner file" : owners.length > 1 ? "several owner files" : "no owner file, only unexpected entries";
  return { kind: "ownerless", what, names, isFile: false, changedAt, key: `none:${names.join("/")}:${changedAt}` };
}

interface Me {
  host: string;
  boot: string | undefined;
  pidns: string | undefined;
  staleMs: number;
  graceMs: number;
}

const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;

/** Why the lock is stale, or undefined while it counts as alive. */
async function judge(st: Exclude<LockState, { kind: "free" }>, me: Me, probe: (o: LockOwner) => Promise<ProcessProbe>): Promise<string | undefined> {
  const now = Date.now(); // compared with file mtimes, which are wall-clock too
  if (st.kind === "ownerless") {
    const age = now - st.changedAt;
    return age > me.graceMs ? `the lock held ${st.what} for ${secs(age)}` : undefined;
  }
  const o = st.owner;
  const who = `pid ${o.pid} on ${o.host}`;
  const silent = now - o.heartbeatAt;
  if (silent > me.staleMs) return `no heartbeat from ${who} for ${secs(silent)}`;
  if (o.host !== me.host) return undefined;
  if (o.boot && me.boot && o.boot !== me.boot) return `${o.host} has restarted since ${who} took the lock`;
  if (o.pidns && me.pidns && o.pidns !== me.pidns) return undefined;
  const p = await probe(o);
  if (!p.alive) return `${who} is no longer running`;
  if (o.start && p.start && o.start !== p.start) return `${who} is no longer running (that pid now belongs to another process)`;
  return undefined;
}

function quiet(f: () => void): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

/** Removes exactly what was judged stale (see the argument at the top). True if this call removed something. */
function reclaim(path: string, st: Exclude<LockState, { kind: "free" | "owned" }> | { kind: "owned"; owner: LockOwner }): boolean {
  if (st.kind === "owned") {
    const removed = quiet(() => unlinkSync(ownerFile(path, st.owner.nonce)));
    quiet(() => rmdirSync(path));
    return removed;
  }
  // unlink fails on a directory, so a lock directory that replaced the plain file survives.
  if (st.isFile) return quiet(() => unlinkSync(path));
  let removed = false;
  for (const n of st.names) {
    const p = join(path, n);
    removed = quiet(() => rmSync(p, { recursive: true })) || removed;
  }
  return quiet(() => rmdirSync(path)) || removed;
}

// The target exists (and is not an empty directory): someone else holds the lock.
const TAKEN = new Set(["EEXIST", "ENOTEMPTY", "ENOTDIR", "EISDIR"]);
// Windows reports an existing target as EPERM/EACCES, and those also come with antivirus scans; retried a few
// times before they count as a real permission problem.
const MAYBE_TAKEN = new Set(["EPERM", "EACCES", "EBUSY"]);

async function exists(p: string): Promise<boolean> {
  return (await mtimeOf(p)) !== undefined;
}

type Take = { beat: number } | "taken" | { odd: Error };

/** One attempt to take a free lock; `beat` is the monotonic time of the heartbeat it wrote. */
async function tryTake(path: string, owner: LockOwner): Promise<Take> {
  const tmp = `${path}.${owner.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fsp.mkdir(tmp);
  } catch (e) {
    throw new LogbookError(`cannot create the sync lock next to ${path}: ${(e as Error).message}`, EXIT.failure, { lock: path });
  }
  const beat = performance.now();
  owner.acquiredAt = owner.heartbeatAt = Date.now();
  try {
    await fsp.writeFile(ownerFile(tmp, owner.nonce), JSON.stringify(owner) + "\n");
    await fsp.rename(tmp, path);
  } catch (e) {
    const tmpLeft = await exists(tmp);
    await fsp.rm(tmp, { recursive: true, force: true });
    const c = code(e) ?? "";
    if (TAKEN.has(c)) return "taken";
    // Our temp directory was swept while we were stopped (see sweepTemps): just try again.
    if (c === "ENOENT" && !tmpLeft) return "taken";
    if (MAYBE_TAKEN.has(c)) return (await exists(path)) ? "taken" : { odd: e as Error };
    throw new LogbookError(`cannot take the sync lock ${path}: ${(e as Error).message}`, EXIT.failure, { lock: path });
  }
  // Paranoia that costs one stat: the renamed directory must hold our owner file.
  return (await exists(ownerFile(path, owner.nonce))) ? { beat } : "taken";
}

/** Removes temp directories of takers that died between mkdir and rename (they only live for a moment). */
function sweepTemps(path: string, myPid: number): void {
  const prefix = basename(path) + ".";
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(n.startsWith(prefix) ? n.slice(prefix.length) : "");
    if (!m || Number(m[1]) === myPid) continue;
    const p = join(dirname(path), n);
    // A live pid may be a reused one, so very old temp directories go too.
    let old = false;
    quiet(() => void (old = Date.now() - statSync(p).mtimeMs > 3_600_000));
    if (pidExists(Number(m[1])) && !old) continue;
    // Even if this guessed wrong (a pid of another machine on a shared disk, a taker stopped for an hour), that
    // taker's rename then fails and it tries again: removing a temp directory never makes a second holder.
    quiet(() => rmSync(p, { recursive: true, force: true }));
  }
}

class HeldLock implements LockHandle {
  readonly owner: LockOwner;
  readonly path: string;
  private readonly file: string;
  private readonly lostAfterMs: number;
  private lastBeat: number;
  private lost: string | undefined;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(path: string, owner: LockOwner, staleMs: number, beatAt: number) {
    this.path = path;
    this.owner = owner;
    this.file = ownerFile(path, owner.nonce);
    this.lastBeat = beatAt;
    // Others reclaim after staleMs of silence; a holder that went quiet for half of that gives up first.
    this.lostAfterMs = staleMs / 2;
    this.timer = setInterval(() => void this.beat(), Math.min(15_000, Math.max(10, staleMs / 5)));
    this.timer.unref();
  }

  private markLost(reason: string): void {
    this.lost ??= reason;
    clearInterval(this.timer);
  }

  /** Refreshes the heartbeat; false (and lost) if the lock is no longer ours. */
  private async beat(): Promise<boolean> {
    if (this.lost !== undefined || this.released) return false;
    const before = performance.now();
    const gap = before - this.lastBeat;
    if (gap > this.lostAfterMs) {
      this.markLost(`this process was stalled for ${secs(gap)} without a heartbeat, so another may have reclaimed the lock`);
      return false;
    }
    const t = Date.now() / 1000;
    try {
      await fsp.utimes(this.file, t, t);
      this.lastBeat = Math.max(this.lastBeat, before);
      this.owner.heartbeatAt = Math.round(t * 1000);
      return true;
    } catch (e) {
      if (code(e) === "ENOENT") this.markLost("another process reclaimed it as stale");
      // Other errors: try again on the next tick; if they persist the stall rule above gives up in time.
      return false;
    }
  }

  async verify(): Promise<void> {
    if (this.released) throw new LockLostError(`the sync lock ${this.path} was already released by this process (a logbook bug).`, { lock: this.path });
    await this.beat();
    // A heartbeat failing with I/O errors for too long: we can no longer prove the lock is ours.
    if (this.lost === undefined && performance.now() - this.lastBeat > this.lostAfterMs) this.markLost("its heartbeat could not be written");
    if (this.lost !== undefined) {
      throw new LockLostError(
        `lost the sync lock ${this.path}: ${this.lost}. Stopped before the next git step; nothing more was written. ` +
          `Run the sync again to finish.`,
        { lock: this.path, reason: this.lost },
      );
    }
  }

  /** Synchronous so that it also works from a process 'exit' handler. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    unguard(this);
    // By our unique name: if the lock was reclaimed and re-taken, this removes nothing of the new holder's.
    quiet(() => unlinkSync(this.file));
    quiet(() => rmdirSync(this.path));
  }

  async release(): Promise<void> {
    this.releaseSync();
  }
}

/**
 * Takes the lock, waiting up to `waitMs` while a live holder has it; reclaims a stale one at once. Throws
 * DeferredError (75, `deferredMessage`) when the wait runs out.
 */
export async function acquireLock(o: LockOptions): Promise<LockHandle> {
  const platform = o.platform ?? process.platform;
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const [self, boot, pidns] = await Promise.all([probeProcess(o.pid, platform), bootId(platform), pidNamespace(platform)]);
  const owner: LockOwner = {
    pid: o.pid,
    host: o.host,
    start: self.start ?? "",
    ...(boot !== undefined ? { boot } : {}),
    ...(pidns !== undefined ? { pidns } : {}),
    nonce: randomBytes(16).toString("hex"),
    acquiredAt: 0,
    heartbeatAt: 0,
    ...(o.purpose !== undefined ? { purpose: o.purpose } : {}),
  };
  const me: Me = { host: o.host, boot, pidns, staleMs: o.staleMs, graceMs };
  // /proc is cheap to read every poll; ps and PowerShell are not, so their answers are reused for a few seconds.
  const probeTtl = platform === "linux" ? 0 : 5000;
  const probes = new Map<string, { at: number; p: ProcessProbe }>();
  const probe = async (h: LockOwner): Promise<ProcessProbe> => {
    const c = probes.get(h.nonce);
    if (c && performance.now() - c.at < probeTtl) return pidExists(h.pid) ? c.p : { alive: false };
    const p = await probeProcess(h.pid, platform);
    probes.set(h.nonce, { at: performance.now(), p });
    return p;
  };

  const waker = o.wakeOn ? new Waker(o.wakeOn.dir, o.wakeOn.names) : undefined;
  try {
    return await acquire(o, owner, me, probe, waker);
  } finally {
    waker?.close();
  }
}

/** Sleeps that end early when something changes in a directory (inotify and the like, through fs.watch). */
class Waker {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  constructor(dir: string, names: (file: string) => boolean) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file && !names(String(file))) return;
        this.pending = true;
        this.wake?.();
      });
      this.watcher.on("error", () => this.close());
    } catch {
      this.watcher = undefined; // no watch here (a limit reached, an odd file system): plain polls
    }
  }
  get watching(): boolean {
    return this.watcher !== undefined;
  }
  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }
  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.wake?.();
  }
}

async function acquire(
  o: LockOptions,
  owner: LockOwner,
  me: Me,
  probe: (h: LockOwner) => Promise<ProcessProbe>,
  waker: Waker | undefined,
): Promise<LockHandle> {
  const started = performance.now();
  let lastReport = -Infinity;
  let polls = 0;
  let reclaimedKey: string | undefined;
  let odd = 0;
  for (;;) {
    const st = await readState(o.path);
    if (st === "retry") continue;
    if (st.kind === "free") {
      const took = await tryTake(o.path, owner);
      if (took === "taken") continue;
      if ("odd" in took) {
        if (++odd > 20) throw new LogbookError(`cannot take the sync lock ${o.path}: ${took.odd.message}`, EXIT.failure, { lock: o.path });
        continue;
      }
      sweepTemps(o.path, o.pid);
      return new HeldLock(o.path, owner, o.staleMs, took.beat);
    }
    const reason = await judge(st, me, probe);
    // The same stale state twice means our removal failed (e.g. permissions): wait it out instead of spinning.
    if (reason !== undefined && st.key !== reclaimedKey) {
      reclaimedKey = st.key;
      await o.beforeReclaim?.(reason);
      if (reclaim(o.path, st)) o.onReclaim?.(reason);
      continue;
    }
    const waited = performance.now() - started;
    const holder = st.kind === "owned" ? st.owner : undefined;
    // Group commit: a waiter whose request another holder already pushed stops waiting.
    if (o.cancelled?.()) throw new LockWaitCancelled();
    if (waited >= o.waitMs) {
      throw new DeferredError(o.deferredMessage, {
        lock: o.path,
        holder: holder ? holderDescription(holder) : `unknown (${st.kind === "ownerless" ? st.what : "?"})`,
        waitedMs: Math.round(waited),
      });
    }
    if (waited - lastReport >= 1000) {
      lastReport = waited;
      o.onWait?.(holder, waited);
    }
    // Short jittered polls: waiters do not move in lockstep, and a release is noticed within ~50 ms. A waiter with
    // a wake directory sleeps longer between polls; a change there wakes it at once.
    const base = waker?.watching ? (o.idlePollMs ?? 2000) : Math.min(50, 5 * 2 ** Math.min(polls++, 4));
    const ms = Math.min(base * (0.5 + Math.random()), Math.max(1, o.waitMs - waited));
    await (waker ? waker.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
  }
}

// ---- release on signals ---------------------------------------------------------------------------------------

const guarded = new Set<HeldLock>();
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
let exitFn: (code: number) => void = (c) => process.exit(c);
let exiting = false;
const releaseAll = (): void => {
  for (const h of [...guarded]) h.releaseSync();
};
const onSignal = (sig: NodeJS.Signals): void => {
  if (exiting) return;
  exiting = true;
  releaseAll();
  exitFn(SIGNALS[sig as keyof typeof SIGNALS] ?? 1);
};

/**
 * SIGINT/SIGTERM/SIGHUP release every guarded lock, then exit 130/143/129; a normal or crashing exit releases them
 * too. SIGKILL cannot be caught: the next run reclaims the lock because the pid is gone (SCENARIOS 8).
 * Returns a function that stops guarding this handle (release() does that as well).
 */
export function installSignalRelease(handle: LockHandle, opts: { exit?: (code: number) => void } = {}): () => void {
  if (!(handle instanceof HeldLock)) throw new TypeError("installSignalRelease: not a handle from acquireLock");
  if (opts.exit) exitFn = opts.exit;
  if (guarded.size === 0) {
    for (const s of Object.keys(SIGNALS) as NodeJS.Signals[]) process.on(s, onSignal);
    process.on("exit", releaseAll);
  }
  guarded.add(handle);
  return () => unguard(handle);
}

function unguard(h: HeldLock): void {
  if (!guarded.delete(h) || guarded.size > 0) return;
  for (const s of Object.keys(SIGNALS) as NodeJS.Signals[]) process.off(s, onSignal);
  process.off("exit", releaseAll);
}
