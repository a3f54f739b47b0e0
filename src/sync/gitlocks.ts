// Stale git lock files left by a killed git (index.lock, ref locks). Removed only when no git process is using this
// repository: a live git's lock is never touched.
import { promises as fsp, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { RepoPaths } from "../git/repo.js";

/** Is any git process working in this repository? Linux: /proc. Elsewhere: unknown (undefined). */
export function gitProcessesIn(repo: RepoPaths, platform: NodeJS.Platform, self: number): boolean | undefined {
  if (platform !== "linux") return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const roots = [resolve(repo.root), resolve(repo.commonDir)];
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (comm !== "git" && !comm.startsWith("git-")) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (roots.some((r) => cwd === r || cwd.startsWith(r + sep))) return true;
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      if (roots.some((r) => environ.includes(`GIT_DIR=${r}`))) return true;
    } catch {}
  }
  return false;
}

export interface StaleLock {
  path: string;
  ageSeconds: number;
}

/** Lock files git leaves when killed: the index, HEAD and the refs logbook moves. */
export async function findGitLocks(repo: RepoPaths, refs: string[], now: number): Promise<StaleLock[]> {
  const candidates = [
    join(repo.gitDir, "index.lock"),
    join(repo.gitDir, "HEAD.lock"),
    join(repo.commonDir, "packed-refs.lock"),
    ...refs.map((r) => join(repo.commonDir, ...r.split("/")) + ".lock"),
  ];
  const found: StaleLock[] = [];
  for (const p of candidates) {
    try {
      const st = await fsp.stat(p);
      found.push({ path: p, ageSeconds: Math.round((now - st.mtimeMs) / 1000) });
    } catch {}
  }
  return found;
}

/**
 * Removes git lock files that no live git process can own. Where processes cannot be inspected (not Linux), only
 * locks older than `fallbackAgeSeconds` are removed.
 */
export async function clearStaleGitLocks(
  repo: RepoPaths,
  refs: string[],
  o: { now: number; platform: NodeJS.Platform; pid: number; fallbackAgeSeconds: number; report: (l: StaleLock, rel: string) => void },
): Promise<{ removed: StaleLock[]; busy: StaleLock[] }> {
  const locks = await findGitLocks(repo, refs, o.now);
  if (locks.length === 0) return { removed: [], busy: [] };
  const busy = gitProcessesIn(repo, o.platform, o.pid);
  const removable = busy === true ? [] : busy === false ? locks : locks.filter((l) => l.ageSeconds >= o.fallbackAgeSeconds);
  for (const l of removable) {
    await fsp.rm(l.path, { force: true });
    o.report(l, relative(repo.root, l.path).split(sep).join("/"));
  }
  return { removed: removable, busy: locks.filter((l) => !removable.includes(l)) };
}

export function lockRel(repo: RepoPaths, l: StaleLock): string {
  return relative(repo.root, l.path).split(sep).join("/");
}
