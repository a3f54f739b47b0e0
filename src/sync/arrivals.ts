// Sessions on their way to the group-commit queue. A save announces itself as soon as it knows its repository,
// before it reads its narrative, writes its log or loads the sync code: an empty `<pid>.arriving` in the queue
// directory, removed once its request is queued (or the save ends). A holder about to take the queue then sees that
// more requests are coming and waits for them (queue.ts `linger`), so a burst of saves is carried in one round
// instead of one round per late arrival, each with its own fetch, push and push races. A killed save leaves its
// file behind; it counts only while that process lives, and is removed when its process is gone or it is a minute
// old (the pid was reused).
import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { stateDir, type RepoPaths } from "../git/repo.js";
import { pidExists } from "../util/pid.js";

const SUFFIX = ".arriving";
const STALE_MS = 60_000;

/** Where a work tree's queue and journal live: each linked worktree has its own (its own HEAD, index, branch). */
export function queueState(repo: RepoPaths): string {
  const state = stateDir(repo);
  return repo.gitDir === repo.commonDir ? state : join(state, "worktrees", basename(repo.gitDir));
}

const marker = (state: string, pid: number) => join(state, "queue", `${pid}${SUFFIX}`);

/** Announces this process; returns what takes the announcement back (idempotent). Never throws. */
export function announce(state: string, pid = process.pid): () => void {
  const file = marker(state, pid);
  try {
    mkdirSync(join(state, "queue"), { recursive: true });
    writeFileSync(file, "");
  } catch {
    return () => undefined; // an unwritable queue: the holder just does not wait for us
  }
  return () => leave(state, pid);
}

export function leave(state: string, pid = process.pid): void {
  try {
    unlinkSync(marker(state, pid));
  } catch {
    // gone already
  }
}

/** How many sessions are still on their way; the files of dead processes are removed. */
export function arriving(state: string, now = Date.now()): number {
  const dir = join(state, "queue");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (!name.endsWith(SUFFIX)) continue;
    const pid = Number(name.slice(0, -SUFFIX.length));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (!pidExists(pid)) {
      leave(state, pid);
      continue;
    }
    try {
      if (now - statSync(join(dir, name)).mtimeMs < STALE_MS) n++;
      else leave(state, pid); // its process id was reused: not a session on its way
    } catch {
      // left just now
    }
  }
  return n;
}
