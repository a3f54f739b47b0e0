// Group commit: sessions waiting for the lock queue their commit requests under .git/logbook/queue/, and the lock
// holder commits every queued request (one commit per session) and pushes them in one round. A request is never
// lost: it moves <id>.req -> <id>.taken (claimed by a holder; the commit id is recorded in it once made) -> <id>.done
// (the result, for the waiter) only after the push. A holder that dies leaves .taken files, which the next holder
// (the lock is exclusive, so any .taken file it finds is an orphan) finishes. A waiter that gives up withdraws its
// .req by an atomic rename; if that rename fails, a holder has taken it and the waiter waits for its result.
import { randomBytes } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import { join } from "node:path";
import { createExclusive, writeFileAtomic } from "../util/fs.js";
import { arriving, leave } from "./arrivals.js";
import type { RepoSyncOutcome } from "./pipeline.js";

export interface QueuedRequest {
  id: string;
  session?: string | undefined;
  paths: string[];
  message: string;
  purpose: string;
  createdAt: number;
  pid: number;
  /** The commit made for it (before the replay), once made. */
  committed?: string;
}

/** What a waiter gets back: the holder's outcome for its request, and who pushed it. */
export type RequestResult = Pick<RepoSyncOutcome, "commit" | "pushed" | "pending" | "pendingReason" | "range" | "branch" | "remote" | "files"> & {
  /** The pid of the holder that pushed it. */
  by: number;
};

export const queueDir = (state: string) => join(state, "queue");
const file = (state: string, id: string, ext: "req" | "taken" | "done" | "withdrawn") => join(queueDir(state), `${id}.${ext}`);

export async function enqueue(state: string, r: Omit<QueuedRequest, "id">): Promise<string> {
  const dir = queueDir(state);
  await fsp.mkdir(dir, { recursive: true });
  // ids sort by time, so requests are committed in the order they were made
  const id = `${String(r.createdAt).padStart(15, "0")}-${r.pid}-${randomBytes(4).toString("hex")}`;
  await createExclusive(file(state, id, "req"), JSON.stringify({ ...r, id }) + "\n", join(state, "tmp"));
  leave(state, r.pid); // arrived
  return id;
}

/** true: withdrawn (nobody will commit it); false: a holder has taken it (its result will come). */
export async function withdraw(state: string, id: string): Promise<boolean> {
  try {
    await fsp.rename(file(state, id, "req"), file(state, id, "withdrawn"));
    await fsp.rm(file(state, id, "withdrawn"), { force: true });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

/** How many requests wait to be taken. */
export async function countRequests(state: string): Promise<number> {
  try {
    return (await fsp.readdir(queueDir(state))).filter((n) => n.endsWith(".req")).length;
  } catch {
    return 0;
  }
}

export const hasRequests = async (state: string): Promise<boolean> => (await countRequests(state)) > 0;

/**
 * A burst of sessions is still arriving when the holder starts its round: while sessions have announced
 * themselves and not queued yet (arrivals.ts; 5 s at most), or the queue keeps growing (until it has not grown for
 * 250 ms, 2 s at most), give them a moment, so one round carries the burst instead of a round each. A single
 * session (nothing queued but its own request, nobody arriving) never waits.
 */
export async function linger(
  state: string,
  sleep: (ms: number) => Promise<void>,
  o = { quietMs: 250, maxMs: 2000, arrivingMs: 5000, stepMs: 50 },
  /** Called once if it waits for announced sessions (a test hook point). */
  waitingForArrivals: () => void = () => undefined,
): Promise<void> {
  let n = await countRequests(state);
  let coming = arriving(state);
  if (n <= 1 && coming === 0) return;
  if (coming > 0) waitingForArrivals();
  for (let waited = 0, quiet = 0; ; waited += o.stepMs) {
    if (coming > 0 ? waited >= o.arrivingMs : waited >= o.maxMs || quiet >= o.quietMs) return;
    await sleep(o.stepMs);
    const m = await countRequests(state);
    coming = arriving(state);
    quiet = m > n ? 0 : quiet + o.stepMs;
    n = m;
  }
}

/** The file whose appearance tells sleeping waiters that the lock was released (see `wakeNames`). */
export const RELEASED = "released";

/** Wakes waiters sleeping on the queue directory: a file appears and goes. */
export async function pokeQueue(state: string): Promise<void> {
  const p = join(queueDir(state), `${RELEASED}-${process.pid}-${randomBytes(3).toString("hex")}`);
  try {
    await fsp.writeFile(p, "");
    await fsp.rm(p, { force: true });
  } catch {
    // no queue directory: nobody is waiting on it
  }
}

/** What a waiter for request `id` wakes on: its result, or a release. */
export const wakeNames = (id: string) => (file: string) => file === `${id}.done` || file.startsWith(RELEASED);

export function isDone(state: string, id: string): boolean {
  return existsSync(file(state, id, "done"));
}

export function isQueued(state: string, id: string): boolean {
  return existsSync(file(state, id, "req")) || existsSync(file(state, id, "taken"));
}

/** Reads and removes a request's result. */
export async function consumeDone(state: string, id: string): Promise<RequestResult | undefined> {
  try {
    const r = JSON.parse(await fsp.readFile(file(state, id, "done"), "utf8")) as RequestResult;
    await fsp.rm(file(state, id, "done"), { force: true });
    return r;
  } catch {
    return undefined;
  }
}

async function readRequest(path: string): Promise<QueuedRequest | undefined> {
  try {
    const r = JSON.parse(await fsp.readFile(path, "utf8")) as QueuedRequest;
    return Array.isArray(r.paths) && typeof r.message === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The holder claims every queued request (and finds orphans of a dead holder). Call only while holding the lock. */
export async function takeAll(state: string, now: number): Promise<QueuedRequest[]> {
  const dir = queueDir(state);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const out: QueuedRequest[] = [];
  for (const name of names.sort()) {
    const m = /^(.+)\.(req|taken|done)$/.exec(name);
    if (!m) continue;
    const id = m[1]!;
    if (m[2] === "done") {
      // results nobody collected (the waiter was killed) are dropped after a day
      const st = await fsp.stat(join(dir, name)).catch(() => undefined);
      if (st && now - st.mtimeMs > 86400_000) await fsp.rm(join(dir, name), { force: true });
      continue;
    }
    if (m[2] === "req") {
      try {
        await fsp.rename(join(dir, name), file(state, id, "taken"));
      } catch {
        continue; // withdrawn in the meantime
      }
    }
    const r = await readRequest(file(state, id, "taken"));
    if (r) out.push({ ...r, id });
    else await fsp.rm(file(state, id, "taken"), { force: true });
  }
  return out;
}

export async function markCommitted(state: string, r: QueuedRequest, commit: string): Promise<void> {
  await writeFileAtomic(file(state, r.id, "taken"), JSON.stringify({ ...r, committed: commit }) + "\n", join(state, "tmp"));
}

export async function finish(state: string, id: string, result: RequestResult): Promise<void> {
  await writeFileAtomic(file(state, id, "done"), JSON.stringify(result) + "\n", join(state, "tmp"));
  await fsp.rm(file(state, id, "taken"), { force: true });
}
