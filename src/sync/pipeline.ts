// The seed's Phase 4 as one pipeline: checks -> lock -> recover -> identity -> cruft -> commit -> fetch/replay/push
// -> move the branch -> notes; then the same for the vault repo under its own lock.
import { existsSync, promises as fsp } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Deps } from "../deps.js";
import { ConflictError, DeferredError, LogbookError, UnreachableError } from "../errors.js";
import { parseStatusV2 } from "../git/parse.js";
import { readRef } from "../git/refs.js";
import { findRepo, stateDir, type RepoPaths } from "../git/repo.js";
import { GitError, gitAt, type Git } from "../git/run.js";
import type { Whoami } from "../identity/identity.js";
import { loadRoster } from "../identity/identity.js";
import type { Config } from "../config/config.js";
import { makeCommit, syncRealIndex, type CommitRequest } from "./commit.js";
import { cruftPaths } from "./cruft.js";
import { clearStaleGitLocks, lockRel } from "./gitlocks.js";
import { reconcileIdentity, type Author } from "./identity.js";
import { clearJournal, readJournal, writeJournal } from "./journal.js";
import { LockWaitCancelled } from "./lock.js";
import { takeLock, type HeldLock } from "./locking.js";
import { consumeDone, enqueue, finish, isDone, markCommitted, takeAll, withdraw, type QueuedRequest, type RequestResult } from "./queue.js";
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
    const hashes = present.length
      ? (await git.read(["hash-object", "--stdin-paths"], { input: present.map((c) => c.path).join("\n") + "\n" })).split("\n")
      : [];
    const current = new Map(present.map((c, i) => [c.path, hashes[i]]));
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
function fromDone(r: RequestResult | undefined, b: BranchInfo): RepoSyncOutcome {
  return {
    committed: r?.commit != null,
    commit: r?.commit ?? null,
    subject: null,
    files: r?.files ?? [],
    pushed: r?.pushed ?? false,
    pending: r?.pending ?? false,
    ...(r?.pendingReason !== undefined ? { pendingReason: r.pendingReason } : {}),
    range: r?.range ?? null,
    branch: r?.branch ?? b.branch,
    remote: r?.remote ?? b.remote,
    retries: 0,
    notes: [],
    groupedBy: r?.by,
  };
}

function jitter(attempt: number): number {
  return Math.round(50 * 2 ** Math.min(attempt, 5) * (0.5 + Math.random()));
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
  const b: BranchInfo = await branchInfo(repo, git);
  const author: Author = { name: who.name, email: who.email };
  // the vault has one pause point, right after its lock
  const pause = (step: PauseStep) => {
    if (!o.pausePrefix) pausePoint(step, deps.env);
    else if (step === "after-lock") pausePoint("during-vault", deps.env);
  };

  // Group commit: a paths-mode request is queued first; whoever holds the lock commits and pushes it.
  const queued = req.mode === "paths" && o.queue !== false;
  const ownId = queued
    ? await enqueue(state, { paths: req.paths, message: req.message, purpose: req.purpose, createdAt: deps.now().getTime(), pid: deps.pid })
    : undefined;
  const cancelled = ownId ? () => isDone(state, ownId) : undefined;
  const lockOpts = { waitSeconds: lockWaitSeconds(config, deps.env), deferredMessage: o.deferredMessage, purpose: req.purpose, ...(cancelled ? { cancelled } : {}) };
  let lock: HeldLock;
  try {
    lock = await takeLock(repo, config, deps, lockOpts);
  } catch (e) {
    if (e instanceof LockWaitCancelled && ownId) return fromDone(await consumeDone(state, ownId), b);
    if (!(e instanceof DeferredError) || !ownId || (await withdraw(state, ownId))) throw e;
    // A holder took our request just as we gave up: its result comes soon (or, if it died, we finish it ourselves).
    try {
      lock = await takeLock(repo, config, deps, { ...lockOpts, waitSeconds: config.sync.remoteTimeoutSeconds * 2 + 60 });
    } catch (e2) {
      if (e2 instanceof LockWaitCancelled) return fromDone(await consumeDone(state, ownId), b);
      throw e2;
    }
  }
  // the lock may come free only after a holder carried our request: then its result is ours
  if (ownId && isDone(state, ownId)) {
    await lock.release();
    return fromDone(await consumeDone(state, ownId), b);
  }
  try {
    pause("after-lock");
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
    await recover(repo, git, state, deps);

    await lock.verify();
    const id = await reconcileIdentity(git, { name: b.userName, email: b.userEmail }, author, sleep);
    if (id === "reconciled") deps.emit({ type: "identity-reconciled", name: author.name, email: author.email });
    if (id === "config-locked") deps.emit({ type: "warning", message: `.git/config is locked by another process; git config user.name/email not reconciled this time (commits are still authored as ${author.name})` });

    // cruft: untracked junk names only
    const st = await git.read(["status", "--porcelain=v2", "-z", "--untracked-files=all"]);
    const untracked = parseStatusV2(st).filter((e) => e.kind === "?").map((e) => e.path);
    const users = Object.entries(loadRoster(repo.root).roster).flatMap(([id, u]) => [id, u.name.split(/\s+/)[0] ?? id]);
    for (const p of cruftPaths(untracked, users)) {
      await fsp.rm(join(repo.root, ...p.split("/")), { force: true });
      deps.emit({ type: "cruft-removed", path: p });
    }

    // commit
    await lock.verify();
    const ref = async (name: string) => readRef(repo, name) ?? (await git.read(["rev-parse", "-q", "--verify", name]).catch(() => ""));
    let head = await ref("HEAD");
    // every queued request (ours included), one commit each, in the order they were made
    const requests = o.queue !== false ? await takeAll(state, deps.now().getTime()) : [];
    const done: { r: QueuedRequest; commit: string | null; files: string[] }[] = [];
    for (const r of requests) {
      await lock.verify();
      const c = await makeCommit(repo, git, { mode: "paths", paths: r.paths, message: r.message }, author, tmp, sleep, head || undefined, () => ref("HEAD"));
      if (c.commit) {
        await markCommitted(state, r, c.commit);
        await writeJournal(state, { step: "index-sync", commit: c.commit, files: c.files });
        await syncRealIndex(git, c.files, sleep);
        await clearJournal(state);
        deps.emit({ type: "committed", commit: c.commit, subject: r.message.split("\n")[0] ?? "", files: c.files.length });
        head = c.commit;
      }
      // a dead holder may have committed it already: then the tree has it and its recorded commit stands
      done.push({ r, commit: c.commit ?? r.committed ?? null, files: c.files });
    }
    const own = done.find((d) => d.r.id === ownId);
    let made: { commit: string | undefined; files: string[] } = { commit: own?.commit ?? undefined, files: own?.files ?? [] };
    if (req.mode === "sweep") {
      made = await makeCommit(repo, git, req, author, tmp, sleep, head || undefined, () => ref("HEAD"));
      if (made.commit) deps.emit({ type: "committed", commit: made.commit, subject: req.message.split("\n")[0] ?? "", files: made.files.length });
    } else if (!queued) {
      made = await makeCommit(repo, git, req, author, tmp, sleep, head || undefined, () => ref("HEAD"));
      if (made.commit) {
        await writeJournal(state, { step: "index-sync", commit: made.commit, files: made.files });
        await syncRealIndex(git, made.files, sleep);
        await clearJournal(state);
      }
    }
    pause("after-commit");

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
      try {
        deps.emit({ type: "fetch", remote: b.remote });
        await fetchUpstream(git, b, config.sync.remoteTimeoutSeconds, () => pause("during-fetch"));
      } catch (e) {
        if (!(e instanceof RemoteFailed)) throw e;
        if (e.kind === "ref-lock" && attempt < maxRetries) {
          retries++;
          const delayMs = jitter(attempt);
          deps.emit({ type: "push-retry", attempt: attempt + 1, reason: "fetch could not lock a ref", delayMs });
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
          const r = await replay(git, upstream, d, author, RESOLVERS, join(tmp, `replay-index-${deps.pid}`), () => pause("during-rebase"));
          for (const p of r.resolved) if (p === "wiki/index.md") deps.emit({ type: "index-regenerated" });
          deps.emit({ type: "rebased", onto: upstream, commits: r.replayed });
          tip = r.tip;
          moved = r.map;
        }
      }
      if (tip === upstream) break; // nothing of ours to push
      await lock.verify();
      try {
        await pushTip(git, b, tip, config.sync.remoteTimeoutSeconds, () => pause("during-push"));
        pushed = true;
        range = `${(upstream || "0000000").slice(0, 7)}..${tip.slice(0, 7)}`;
        deps.emit({ type: "pushed", range, branch: b.branch, remote: b.remote });
        break;
      } catch (e) {
        if (!(e instanceof RemoteFailed)) throw e;
        if ((e.kind === "rejected" || e.kind === "ref-lock") && attempt < maxRetries) {
          retries++;
          const delayMs = jitter(attempt);
          deps.emit({ type: "push-retry", attempt: attempt + 1, reason: e.kind === "rejected" ? "another machine pushed first" : "cannot lock ref", delayMs });
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
        pause("before-move");
        await writeJournal(state, { step: "move", from: head, to: tip });
        try {
          await git.run(["reset", "-q", "--keep", tip]);
        } catch (e) {
          if (!(e instanceof GitError)) throw e;
          behind = [...e.stderr.matchAll(/(?:Entry '([^']+)' not uptodate|^\s+(\S.*)$)/gm)].map((m) => (m[1] ?? m[2] ?? "").trim()).filter(Boolean);
          deps.emit({
            type: "warning",
            message: `${pushed ? "pushed, but " : ""}the local branch was not moved to ${tip.slice(0, 10)}: it would overwrite files with uncommitted changes (${behind.join(", ") || "see git status"}). Nothing was overwritten; the next sync moves it once they are committed.`,
          });
        }
        await clearJournal(state);
      }
    }

    // results for the waiters whose requests we carried (ours is returned directly)
    const mapped = (c: string | null) => (c ? (moved[c] ?? c) : null);
    for (const d of done) {
      await finish(state, d.r.id, {
        commit: mapped(d.commit), pushed, pending: pending !== undefined, ...(pending !== undefined ? { pendingReason: pending } : {}),
        range, branch: b.branch, remote: b.remote, files: d.files, by: deps.pid,
      });
      if (d.r.id === ownId) await consumeDone(state, d.r.id);
    }

    let notes: Note[] = [];
    if (o.notes) {
      const names = Object.fromEntries(Object.entries(loadRoster(repo.root).roster).map(([id, u]) => [id, u.name]));
      notes = await arrivedNotes(git, before || undefined, upstream, who, names);
      await rememberNotes(state, notes);
      for (const n of notes) deps.emit({ type: "note-for-you", author: `${n.authorName} (${n.author})`, date: n.date, path: n.path, heading: n.heading, body: n.body });
    }
    if (pending) deps.emit({ type: "push-pending", reason: pending });

    return {
      committed: made.commit !== undefined,
      commit: mapped(made.commit ?? null),
      subject: made.commit ? (req.message.split("\n")[0] ?? "") : null,
      files: made.files,
      pushed,
      pending: pending !== undefined,
      ...(pending !== undefined ? { pendingReason: pending } : {}),
      range,
      branch: b.branch,
      remote: b.remote,
      retries,
      ...(behind ? { behind } : {}),
      notes,
    };
  } finally {
    await lock.release();
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
  if (main.committed || main.pushed || main.notes.length || main.range) {
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
