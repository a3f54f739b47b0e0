// The seed's Phase 4 as one pipeline: checks -> lock -> recover -> identity -> cruft -> commit -> fetch/replay/push
// -> move the branch -> notes; then the same for the vault repo under its own lock.
import { existsSync, promises as fsp, readdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Deps } from "../deps.js";
import { ConflictError, DeferredError, LogbookError, UnreachableError } from "../errors.js";
import { parseStatusV2 } from "../git/parse.js";
import { readRef } from "../git/refs.js";
import { findRepo, parseCacheDir, stateDir, type RepoPaths } from "../git/repo.js";
import { GitError, gitAt, type Git } from "../git/run.js";
import type { Whoami } from "../identity/identity.js";
import { loadRoster } from "../identity/identity.js";
import type { Config } from "../config/config.js";
import { commitPaths, hasCommitHooks, moveHead, stdinPathSafe, sweepCommit, syncRealIndex, type CommitRequest } from "./commit.js";
import { cruftPaths } from "./cruft.js";
import { clearStaleGitLocks, lockRel } from "./gitlocks.js";
import { reconcileIdentity, type Author } from "./identity.js";
import { clearJournal, readJournal, writeJournal } from "./journal.js";
import { queueState } from "./arrivals.js";
import { LockWaitCancelled } from "./lock.js";
import { takeLock, type HeldLock } from "./locking.js";
import {
  consumeDone, enqueue, finish, hasRequests, isDone, linger, markCommitted, pokeQueue, queueDir, takeAll, wakeNames, withdraw, type QueuedRequest, type RequestResult,
} from "./queue.js";
import { newNotesFor, rememberNotes, type Note } from "./notes.js";
import { fetchUpstream, pushTip, remoteError, RemoteFailed } from "./remote.js";
import { divergence, replay } from "./replay.js";
import { branchInfo, type BranchInfo } from "./repoinfo.js";
import { RESOLVERS } from "./resolvers.js";
import { pausePoint, type PauseStep } from "./testhooks.js";

import { DEFERRED_OTHER, DEFERRED_SAVE } from "./messages.js";
export { DEFERRED_OTHER, DEFERRED_SAVE };

export interface SyncRequest extends CommitRequest {
  purpose: "save" | "sync" | "checkpoint";
}

export interface RepoSyncOutcome {
  committed: boolean;
  commit: string | null;
  subject: string | null;
  files: string[];
  pushed: boolean;
  /** The remote could not be reached: the commit stays local, the next sync pushes it. */
  pending: boolean;
  pendingReason?: string;
  /** `<old>..<new>` of the remote branch, when we pushed. */
  range: string | null;
  branch: string;
  remote: string;
  retries: number;
  /** The branch could not be moved to the pushed tip because files it would change are being edited. */
  behind?: string[];
  notes: Note[];
  /** Committed and pushed by another session's sync (group commit): that holder's pid. */
  groupedBy?: number | undefined;
}

export interface VaultOutcome {
  status: "pushed" | "nothing" | "pending" | "skipped";
  message: string;
  commit: string | null;
  exitCode: number;
}

export interface SyncResult extends RepoSyncOutcome {
  deferred: boolean;
  vault: VaultOutcome | null;
  exitCode: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a holder keeps carrying requests queued after its own (group commit, draining). */
const DRAIN_MS = 30_000;

function lockWaitSeconds(config: Config, env: Deps["env"]): number {
  const e = env.LOGBOOK_LOCK_WAIT;
  if (e !== undefined && e !== "" && /^\d+(\.\d+)?$/.test(e)) return Number(e);
  return config.sync.lockWaitSeconds;
}

/** After a kill during `git reset --keep`, undo its half-written files (ours, recognisable by content). */
async function recover(repo: RepoPaths, git: Git, state: string, deps: Deps): Promise<void> {
  const j = await readJournal(state);
  if (!j) return;
  const head = await git.read(["rev-parse", "-q", "--verify", "HEAD"]).catch(() => "");
  if (j.step === "index-sync") {
    if (head) {
      const isAncestor = await git.run(["merge-base", "--is-ancestor", j.commit, head], { readOnly: true, okCodes: [1] });
      if (isAncestor.code === 0) await syncRealIndex(git, j.files, sleep);
    }
    deps.emit({ type: "rebase-recovered", detail: `pointed the index at ${j.commit.slice(0, 10)} for ${j.files.length} committed file(s)` });
  } else if (j.step === "move" && head === j.from) {
    const diff = await git.read(["diff-tree", "-r", "-z", "--no-renames", j.from, j.to]);
    const f = diff.split("\0");
    const changes: { status: string; oldBlob: string; newBlob: string; path: string }[] = [];
    for (let i = 0; i + 1 < f.length; i += 2) {
      const meta = f[i]!.replace(/^:/, "").split(" ");
      if (meta.length < 5) break;
      changes.push({ oldBlob: meta[2]!, newBlob: meta[3]!, status: meta[4]!, path: f[i + 1]! });
    }
    const present = changes.filter((c) => existsSync(join(repo.root, ...c.path.split("/"))));
    // names --stdin-paths would misread are hashed one by one
    const plain = present.filter((c) => stdinPathSafe(c.path));
    const hashes = plain.length
      ? (await git.read(["hash-object", "--stdin-paths"], { input: plain.map((c) => c.path).join("\n") + "\n" })).split("\n")
      : [];
    const current = new Map(plain.map((c, i) => [c.path, hashes[i]]));
    for (const c of present.filter((x) => !stdinPathSafe(x.path))) current.set(c.path, await git.read(["hash-object", "--", c.path], { extraEnv: { GIT_LITERAL_PATHSPECS: "1" } }));
    const restore: string[] = [];
    const remove: string[] = [];
    for (const c of changes) {
      const cur = current.get(c.path);
      if (c.status === "A" && cur === c.newBlob) remove.push(c.path);
      else if (c.status === "D" && cur === undefined) restore.push(c.path);
      else if (c.status !== "A" && c.status !== "D" && cur === c.newBlob) restore.push(c.path);
    }
    for (const p of remove) await fsp.rm(join(repo.root, ...p.split("/")), { force: true });
    if (remove.length) await git.run(["rm", "-q", "--cached", "--ignore-unmatch", "--", ...remove], { extraEnv: { GIT_LITERAL_PATHSPECS: "1" } });
    if (restore.length) await git.run(["checkout", j.from, "--", ...restore], { extraEnv: { GIT_LITERAL_PATHSPECS: "1" } });
    deps.emit({ type: "rebase-recovered", detail: `an interrupted branch update was rolled back (${restore.length + remove.length} file(s)); it is redone now` });
  }
  await clearJournal(state);
}

/** Logs that arrived between two upstream commits, and the notes in them for this user. */
async function arrivedNotes(git: Git, from: string | undefined, to: string, who: Whoami, names: Record<string, string>): Promise<Note[]> {
  if (!from || from === to) return [];
  const out = await git.read(["diff-tree", "-r", "-z", "--no-renames", from, to, "--"]);
  const f = out.split("\0");
  const logs: { path: string; oldBlob: string; newBlob: string }[] = [];
  for (let i = 0; i + 1 < f.length; i += 2) {
    const meta = f[i]!.replace(/^:/, "").split(" ");
    const path = f[i + 1]!;
    if ((meta[4] === "A" || meta[4] === "M") && /(^|\/)session-logs\/[^/]+\.md$/.test(path)) {
      logs.push({ path, oldBlob: meta[4] === "A" ? "" : meta[2]!, newBlob: meta[3]! });
    }
  }
  if (logs.length === 0) return [];
  const ids = logs.flatMap((l) => (l.oldBlob ? [l.oldBlob, l.newBlob] : [l.newBlob]));
  const r = await git.run(["cat-file", "--batch"], { readOnly: true, input: ids.join("\n") + "\n" });
  const blobs = new Map<string, string>();
  let pos = 0;
  for (const id of ids) {
    const nl = r.raw.indexOf(0x0a, pos);
    const size = Number(r.raw.toString("utf8", pos, nl).split(" ")[2]);
    blobs.set(id, r.raw.toString("utf8", nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  const me = { id: who.user, name: who.name };
  return logs.flatMap((l) => newNotesFor(l.path, l.oldBlob ? blobs.get(l.oldBlob) : undefined, blobs.get(l.newBlob) ?? "", me, names));
}

/** A waiter whose request another holder committed and pushed: that holder's result is ours. */
function fromDone(r: RequestResult | undefined): RepoSyncOutcome {
  return {
    committed: r?.commit != null,
    commit: r?.commit ?? null,
    subject: null,
    files: r?.files ?? [],
    pushed: r?.pushed ?? false,
    pending: r?.pending ?? false,
    ...(r?.pendingReason !== undefined ? { pendingReason: r.pendingReason } : {}),
    range: r?.range ?? null,
    branch: r?.branch ?? "",
    remote: r?.remote ?? "",
    retries: 0,
    notes: [],
    groupedBy: r?.by,
  };
}

/**
 * How long to wait before retrying a rejected push. A rejection means another machine's push has just landed, so
 * the first two retries go almost at once (a short jitter): the remote is free, and of the machines that lost the
 * same race one more gets through with each cycle, instead of all of them sleeping while nobody pushes. Machines
 * that keep losing are racing each other or a machine that pushes continuously: from the third retry on the wait is
 * random over a window that scales with how long one fetch-replay-push cycle took (the time another machine needs to
 * get its push through) and doubles with each attempt up to 8 cycles, as Ethernet's backoff scales with its slot.
 */
export function backoff(attempt: number, cycleMs: number, random: () => number = Math.random): number {
  const slot = Math.max(50, Math.min(cycleMs, 2000));
  const window = attempt < 2 ? slot / 4 : slot * 2 ** Math.min(attempt - 2, 3);
  return Math.round(window * random() + 25 * random());
}

/** One repository's sync (the main repo, or the vault). The caller holds no lock; this takes it. */
export async function syncRepo(
  repo: RepoPaths,
  config: Config,
  req: SyncRequest,
  deps: Deps,
  who: Whoami,
  o: { deferredMessage: string; notes: boolean; pausePrefix?: "vault"; queue?: boolean },
): Promise<RepoSyncOutcome> {
  const git = gitAt(repo.root, deps.env);
  const state = stateDir(repo);
  const tmp = join(state, "tmp");
  // each worktree has its own queue and journal: a request names paths of its own work tree, on its own branch,
  // and a journal describes one HEAD and one index
  const qstate = queueState(repo);
  // Where to push and how to commit. A waiter whose request another session carries never needs to know: a
  // queued request reads it once it holds the lock (one git process fewer per waiting session).
  let b!: BranchInfo;
  let hooks = false;
  const inspect = async () => {
    b = await branchInfo(repo, git);
    hooks = hasCommitHooks(repo, b.hooksPath);
  };
  const author: Author = { name: who.name, email: who.email };
  // the vault has one pause point, right after its lock
  const pause = (step: PauseStep) => {
    if (!o.pausePrefix) pausePoint(step, deps.env);
    else if (step === "after-lock") pausePoint("during-vault", deps.env);
  };

  // Group commit: a paths-mode request is queued first; whoever holds the lock commits and pushes it.
  const queued = req.mode === "paths" && o.queue !== false;
  if (!queued) await inspect();
  else pause("before-queue");
  const ownId = queued
    ? await enqueue(qstate, { paths: req.paths, message: req.message, purpose: req.purpose, createdAt: deps.now().getTime(), pid: deps.pid })
    : undefined;
  const cancelled = ownId ? () => isDone(qstate, ownId) : undefined;
  const lockOpts = {
    waitSeconds: lockWaitSeconds(config, deps.env),
    deferredMessage: o.deferredMessage,
    purpose: req.purpose,
    ...(cancelled ? { cancelled } : {}),
    ...(ownId ? { wakeOn: { dir: queueDir(qstate), names: wakeNames(ownId) } } : {}),
  };
  let lock: HeldLock;
  try {
    lock = await takeLock(repo, config, deps, lockOpts);
  } catch (e) {
    if (e instanceof LockWaitCancelled && ownId) return fromDone(await consumeDone(qstate, ownId));
    if (!(e instanceof DeferredError) || !ownId || (await withdraw(qstate, ownId))) throw e;
    // A holder took our request just as we gave up: its result comes soon (or, if it died, we finish it ourselves).
    try {
      lock = await takeLock(repo, config, deps, { ...lockOpts, waitSeconds: config.sync.remoteTimeoutSeconds * 2 + 60 });
    } catch (e2) {
      if (e2 instanceof LockWaitCancelled) return fromDone(await consumeDone(qstate, ownId));
      throw e2;
    }
  }
  // the lock may come free only after a holder carried our request: then its result is ours
  if (ownId && isDone(qstate, ownId)) {
    await lock.release();
    return fromDone(await consumeDone(qstate, ownId));
  }
  try {
    pause("after-lock");
    if (queued) {
      try {
        await inspect();
      } catch (e) {
        // nothing can be pushed from here: our request is not left behind for a later sync to commit unasked
        if (ownId) await withdraw(qstate, ownId);
        throw e;
      }
    }
    // A live git (an editor's) may hold index.lock for a moment: wait a little for it, never remove it.
    for (let waited = 0; ; waited += 100) {
      const locks = await clearStaleGitLocks(repo, [`refs/heads/${b.branch}`, b.tracking], {
        now: deps.now().getTime(),
        platform: deps.platform,
        pid: deps.pid,
        fallbackAgeSeconds: 600,
        report: (l, rel) => deps.emit({ type: "index-lock-removed", path: rel, ageSeconds: l.ageSeconds }),
      });
      if (locks.busy.length === 0) break;
      if (waited >= 10_000) {
        const which = locks.busy.map((l) => `${lockRel(repo, l)} (${l.ageSeconds}s old)`).join(", ");
        throw new ConflictError(
          `${which} is held by a git process that is still running in this repository; logbook does not remove a live git's lock. Let that git command finish (or stop it), then sync again. Nothing was committed.`,
        );
      }
      await sleep(100);
    }
    // after the stale git locks: a git killed mid `reset --keep` leaves index.lock behind
    await recover(repo, git, qstate, deps);

    await lock.verify();
    const id = await reconcileIdentity(git, { name: b.userName, email: b.userEmail }, author, sleep);
    if (id === "reconciled") deps.emit({ type: "identity-reconciled", name: author.name, email: author.email });
    if (id === "config-locked") deps.emit({ type: "warning", message: `.git/config is locked by another process; git config user.name/email not reconciled this time (commits are still authored as ${author.name})` });

    // cruft: untracked junk names only
    const st = await git.read(["status", "--porcelain=v2", "-z", "--untracked-files=all"]);
    const untracked = parseStatusV2(st).filter((e) => e.kind === "?").map((e) => e.path);
    // the roster, read once: cruft names its users, arrived notes name their authors
    const { roster } = await loadRoster(repo.root, parseCacheDir(repo));
    const users = Object.entries(roster).flatMap(([id, u]) => [id, u.name.split(/\s+/)[0] ?? id]);
    for (const p of cruftPaths(untracked, users)) {
      await fsp.rm(join(repo.root, ...p.split("/")), { force: true });
      deps.emit({ type: "cruft-removed", path: p });
    }

    const first = await round({ emit: deps.emit, pause, ownId, req, queued, first: true });

    let notes: Note[] = [];
    if (o.notes) {
      const names = Object.fromEntries(Object.entries(roster).map(([id, u]) => [id, u.name]));
      notes = await arrivedNotes(git, first.before || undefined, first.upstream, who, names);
      await rememberNotes(state, notes);
      for (const n of notes) deps.emit({ type: "note-for-you", author: `${n.authorName} (${n.author})`, date: n.date, path: n.path, heading: n.heading, body: n.body });
    }
    if (first.pending) deps.emit({ type: "push-pending", reason: first.pending });

    // Group commit, draining: requests queued while we pushed are carried now, while we hold the lock, instead of
    // handing the lock over. Bounded, so that this session is not kept from exiting by a busy machine; a failed
    // drain round leaves its requests queued (taken), and the next holder finishes them.
    if (queued && !first.pending) {
      const until = performance.now() + DRAIN_MS;
      while (performance.now() < until && (await hasRequests(qstate))) {
        try {
          const r = await round({ emit: () => undefined, pause: () => undefined, first: false, queued: true });
          if (r.pending || r.done === 0) break;
        } catch {
          break;
        }
      }
    }

    return {
      committed: first.made.commit !== undefined,
      commit: first.mapped(first.made.commit ?? null),
      subject: first.made.commit ? (req.message.split("\n")[0] ?? "") : null,
      files: first.made.files,
      pushed: first.pushed,
      pending: first.pending !== undefined,
      ...(first.pending !== undefined ? { pendingReason: first.pending } : {}),
      range: first.range,
      branch: b.branch,
      remote: b.remote,
      retries: first.retries,
      ...(first.behind ? { behind: first.behind } : {}),
      notes,
    };
  } finally {
    await lock.release();
    // waiters sleep until something lands in the queue directory: tell them the lock is free
    if (queued) await pokeQueue(qstate);
  }

  /** One group-commit round under the lock: take the queue, commit, fetch/replay/push, move the branch, report. */
  async function round(r: { emit: Deps["emit"]; pause: (s: PauseStep) => void; first: boolean; queued: boolean; ownId?: string | undefined; req?: SyncRequest }) {
    const emit = r.emit;
    await lock.verify();
    const ref = async (name: string) => readRef(repo, name) ?? (await git.read(["rev-parse", "-q", "--verify", name]).catch(() => ""));
    const head = await ref("HEAD");
    // every queued request (ours included), one commit each, in the order they were made
    if (r.queued) await linger(qstate, sleep, undefined, () => r.pause("lingering"));
    const requests = o.queue !== false ? await takeAll(qstate, deps.now().getTime()) : [];
    const items = requests.map((q) => ({ paths: q.paths, message: q.message }));
    // a paths-mode request that does not queue (none today) is committed after the queue
    const direct = r.req?.mode === "paths" && !r.queued;
    if (direct) items.push({ paths: r.req!.paths, message: r.req!.message });
    let made: { commit: string | undefined; files: string[] } = { commit: undefined, files: [] };
    const done: { r: QueuedRequest; commit: string | null; files: string[] }[] = [];
    if (items.length) {
      for (let attempt = 0; ; attempt++) {
        const base = attempt === 0 ? head : await ref("HEAD");
        await lock.verify();
        const batch = await commitPaths(repo, git, items, author, tmp, base || undefined, {
          hooks,
          ...(b.fileMode !== undefined ? { fileMode: b.fileMode } : {}),
          now: deps.now(),
          onCommit: async (i, c) => {
            const q = requests[i];
            if (q && c.commit) await markCommitted(qstate, q, c.commit);
            if (hooks && c.commit) {
              // `git commit` moved HEAD: point the real index at it for these files, as each commit is made
              await writeJournal(qstate, { step: "index-sync", commit: c.commit, files: c.files });
              await syncRealIndex(git, c.files, sleep);
              await clearJournal(qstate);
            }
          },
        });
        const files = [...new Set(batch.outcomes.flatMap((c) => c.files))];
        if (!batch.moved && batch.tip && batch.tip !== (base || undefined)) {
          // HEAD moves once for the whole batch; the journal lets a killed run point the index at it afterwards
          await writeJournal(qstate, { step: "index-sync", commit: batch.tip, files });
          const n = batch.outcomes.filter((c) => c.commit).length;
          if (!(await moveHead(git, batch.tip, base || undefined, `logbook: ${n} session commit${n === 1 ? "" : "s"}`))) {
            await clearJournal(qstate);
            // someone committed by hand meanwhile: build the batch again on top of their commit
            if (attempt < 3) continue;
            throw new ConflictError(`HEAD kept moving while logbook committed (another git command is committing in ${repo.root}). Nothing was lost; sync again.`);
          }
          await syncRealIndex(git, files, sleep);
          await clearJournal(qstate);
        }
        for (const [i, c] of batch.outcomes.entries()) {
          const q = requests[i];
          if (c.commit) emit({ type: "committed", commit: c.commit, subject: items[i]!.message.split("\n")[0] ?? "", files: c.files.length });
          // a dead holder may have committed it already: then the tree has it and its recorded commit stands
          if (q) done.push({ r: q, commit: c.commit ?? q.committed ?? null, files: c.files });
        }
        if (direct) made = batch.outcomes[items.length - 1]!;
        break;
      }
    }
    const own = done.find((d) => d.r.id === r.ownId);
    if (own) made = { commit: own.commit ?? undefined, files: own.files };
    if (r.req?.mode === "sweep") {
      made = await sweepCommit(git, r.req.message, author, sleep, () => ref("HEAD"));
      if (made.commit) emit({ type: "committed", commit: made.commit, subject: r.req.message.split("\n")[0] ?? "", files: made.files.length });
    }
    r.pause("after-commit");

    // fetch, replay, push
    const before = await ref(b.tracking);
    let retries = 0;
    let pushed = false;
    let range: string | null = null;
    let upstream = before;
    let pending: string | undefined;
    let tip = "";
    let moved: Record<string, string> = {};
    const maxRetries = config.sync.pushRetries;
    for (let attempt = 0; ; attempt++) {
      await lock.verify();
      const cycleStart = performance.now();
      try {
        emit({ type: "fetch", remote: b.remote });
        await fetchUpstream(git, b, config.sync.remoteTimeoutSeconds, () => r.pause("during-fetch"), { maintenance: attempt === 0 && r.first });
      } catch (e) {
        if (!(e instanceof RemoteFailed)) throw e;
        if (e.kind === "ref-lock" && attempt < maxRetries) {
          retries++;
          const delayMs = backoff(attempt, performance.now() - cycleStart);
          emit({ type: "push-retry", attempt: attempt + 1, reason: "fetch could not lock a ref", delayMs });
          await sleep(delayMs);
          continue;
        }
        if (e.kind === "unreachable") {
          pending = e.reason;
          break;
        }
        throw remoteError(e, b);
      }
      upstream = await ref(b.tracking);
      const head = await ref("HEAD");
      if (!upstream) {
        tip = head; // the remote branch does not exist yet: push creates it
      } else {
        const d = await divergence(git, head, upstream);
        if (d.local.length === 0) {
          tip = upstream;
        } else if (d.behind === 0) {
          tip = head;
        } else {
          const rp = await replay(git, upstream, d, author, RESOLVERS, join(tmp, `replay-index-${deps.pid}`), () => r.pause("during-rebase"), deps.now(), repo.commonDir);
          for (const p of rp.resolved) if (p === "wiki/index.md") emit({ type: "index-regenerated" });
          emit({ type: "rebased", onto: upstream, commits: rp.replayed });
          tip = rp.tip;
          moved = rp.map;
        }
      }
      if (tip === upstream) break; // nothing of ours to push
      await lock.verify();
      try {
        await pushTip(git, b, tip, config.sync.remoteTimeoutSeconds, () => r.pause("during-push"));
        pushed = true;
        range = `${(upstream || "0000000").slice(0, 7)}..${tip.slice(0, 7)}`;
        emit({ type: "pushed", range, branch: b.branch, remote: b.remote });
        break;
      } catch (e) {
        if (!(e instanceof RemoteFailed)) throw e;
        if ((e.kind === "rejected" || e.kind === "ref-lock") && attempt < maxRetries) {
          retries++;
          const delayMs = backoff(attempt, performance.now() - cycleStart);
          emit({ type: "push-retry", attempt: attempt + 1, reason: e.kind === "rejected" ? "another machine pushed first" : "cannot lock ref", delayMs });
          await sleep(delayMs);
          continue;
        }
        if (e.kind === "unreachable") {
          pending = e.reason;
          break;
        }
        if (e.kind === "rejected" || e.kind === "ref-lock") {
          throw new ConflictError(
            `gave up pushing after ${retries} retries: other machines kept pushing to "${b.remote}" first. Your commit is kept locally; run logbook sync again (or raise sync.pushRetries).`,
            { stderr: e.stderr, retries },
          );
        }
        throw remoteError(e, b);
      }
    }

    // move the branch to what the remote now has (never over a file someone is editing)
    let behind: string[] | undefined;
    if (!pending && tip) {
      const head = await ref("HEAD");
      if (head !== tip) {
        await lock.verify();
        r.pause("before-move");
        await writeJournal(qstate, { step: "move", from: head, to: tip });
        try {
          await git.run(["reset", "-q", "--keep", tip]);
        } catch (e) {
          if (!(e instanceof GitError)) throw e;
          behind = [...e.stderr.matchAll(/(?:Entry '([^']+)' not uptodate|^\s+(\S.*)$)/gm)].map((m) => (m[1] ?? m[2] ?? "").trim()).filter(Boolean);
          emit({
            type: "warning",
            message: `${pushed ? "pushed, but " : ""}the local branch was not moved to ${tip.slice(0, 10)}: it would overwrite files with uncommitted changes (${behind.join(", ") || "see git status"}). Nothing was overwritten; the next sync moves it once they are committed.`,
          });
        }
        await clearJournal(qstate);
      }
    }

    // results for the waiters whose requests we carried (ours is returned directly)
    const mapped = (c: string | null) => (c ? (moved[c] ?? c) : null);
    for (const d of done) {
      await finish(qstate, d.r.id, {
        commit: mapped(d.commit), pushed, pending: pending !== undefined, ...(pending !== undefined ? { pendingReason: pending } : {}),
        range, branch: b.branch, remote: b.remote, files: d.files, by: deps.pid,
      });
      if (d.r.id === r.ownId) await consumeDone(qstate, d.r.id);
    }
    return { made, mapped, pushed, pending, range, retries, behind, before, upstream, done: done.length };
  }
}

/** The vault repo (config `vault.path`): the same flow, sweep mode, its own lock. Never throws. */
export async function syncVault(root: string, config: Config, deps: Deps, who: Whoami): Promise<VaultOutcome | null> {
  const path = config.vault?.path;
  if (!path) return null;
  const abs = isAbsolute(path) ? path : join(root, path);
  const repo = findRepo(abs);
  if (!repo || !existsSync(abs)) {
    return { status: "pending", message: `vault repo not found at ${path} (vault.path); clone it there, then sync again`, commit: null, exitCode: 1 };
  }
  try {
    const r = await syncRepo(repo, config, { mode: "sweep", paths: [], message: `vault: ${who.user} on ${who.currentMachine}`, purpose: "sync" }, deps, who, {
      deferredMessage: "vault sync deferred — another vault sync is running",
      notes: false,
      pausePrefix: "vault",
      queue: false,
    });
    if (r.pending) return { status: "pending", message: `vault push pending: the vault remote is unreachable (${r.pendingReason}); committed locally, the next sync pushes it`, commit: r.commit, exitCode: 69 };
    return { status: r.pushed ? "pushed" : "nothing", message: r.pushed ? `vault pushed ${r.range}` : "vault: nothing to push", commit: r.commit, exitCode: 0 };
  } catch (e) {
    const code = e instanceof LogbookError ? e.exitCode : 1;
    return { status: "pending", message: `vault sync did not complete: ${(e as Error).message}`, commit: null, exitCode: code === 0 ? 1 : code };
  }
}

/** Whether a search index was ever built here (its module is not loaded for nothing on every save). */
function hasSearchIndex(state: string): boolean {
  try {
    return readdirSync(state).some((n) => n.startsWith("search") && (n.endsWith(".sqlite") || n.endsWith("-js.json")));
  } catch {
    return false;
  }
}

/** `logbook sync` / the sync phase of `save` / `checkpoint`: the main repo, then the vault. */
export async function runSync(repo: RepoPaths, config: Config, req: SyncRequest, deps: Deps, who: Whoami): Promise<SyncResult> {
  let main: RepoSyncOutcome;
  try {
    main = await syncRepo(repo, config, req, deps, who, { deferredMessage: req.purpose === "save" ? DEFERRED_SAVE : DEFERRED_OTHER, notes: true });
  } catch (e) {
    if (e instanceof DeferredError) {
      return {
        committed: false, commit: null, subject: null, files: [], pushed: false, pending: false, range: null, branch: "", remote: "",
        retries: 0, notes: [], deferred: true, vault: null, exitCode: e.exitCode,
      };
    }
    throw e;
  }
  // keep the search index current with what arrived (cheap when nothing changed; never fails the sync)
  if ((main.committed || main.pushed || main.notes.length || main.range) && hasSearchIndex(stateDir(repo))) {
    const { updateSearchIndex } = await import("../search/index.js");
    await updateSearchIndex(repo.root, stateDir(repo), deps).catch(() => undefined);
  }
  const vault = await syncVault(repo.root, config, deps, who);
  if (vault) deps.emit({ type: "vault", status: vault.status, message: vault.message });
  let exitCode = 0;
  if (main.pending) exitCode = new UnreachableError("").exitCode;
  else if (vault && vault.status === "pending") exitCode = vault.exitCode;
  return { ...main, deferred: false, vault, exitCode };
}
