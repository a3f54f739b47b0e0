// A cheap "has anything changed?" check, so a query on an unchanged tree skips `git status` (which lstat()s
// every tracked file: ~45 ms on 10,000 logs, as long as the rest of the search). It stamps what moves when
// documents change: HEAD, the branch ref and packed refs (commits, pulls, resets), .git/index (add, checkout,
// merge), every document directory (a file created, deleted or renamed into place, as logbook's atomic writes
// and git's checkouts do), and the files that were uncommitted at the last update. An edit made in place to a
// committed file, not yet staged or committed, is not seen by it; the next commit, sync or --reindex is.
import { readFileSync, readdirSync, statSync, type Dirent } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { RepoPaths } from "../git/repo.js";

/** Like git's racy-clean rule: a stamp this recent may hide a second change within the same clock tick. */
const RACY_MS = 2000;

class Racy extends Error {}

/** A file's stat stamp: an atomic rewrite changes the inode even within one mtime tick. "gone" when absent. */
export function fileStamp(path: string): string {
  let s;
  try {
    // No exception for a missing path: several are usually missing, and a thrown error costs a stack trace.
    s = statSync(path, { throwIfNoEntry: false });
  } catch {
    s = undefined;
  }
  return s ? `${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}` : "gone";
}

function racy(stamp: string, now: number): boolean {
  const [m, c] = stamp.split(":").map(Number);
  return m !== undefined && c !== undefined && (m > now - RACY_MS || c > now - RACY_MS);
}

/** Adds a path's stamp; returns whether it exists. */
function stampOf(path: string, now: number, h: ReturnType<typeof createHash>): boolean {
  const s = fileStamp(path);
  if (s !== "gone" && racy(s, now)) throw new Racy();
  h.update(`${path} ${s}\n`);
  return s !== "gone";
}

function dirs(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}

/** The stamps of git's state and of every document directory, hashed; null when one is too recent to trust. */
export function treeStamp(repo: RepoPaths, now: number): string | null {
  const h = createHash("sha1");
  try {
    const headFile = join(repo.gitDir, "HEAD");
    stampOf(headFile, now, h);
    let head = "";
    try {
      head = readFileSync(headFile, "utf8").trim();
    } catch {}
    h.update(`HEAD ${head}\n`);
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (ref) stampOf(join(repo.commonDir, ...ref.split("/")), now, h);
    stampOf(join(repo.commonDir, "packed-refs"), now, h);
    stampOf(join(repo.commonDir, "reftable", "tables.list"), now, h);
    stampOf(join(repo.gitDir, "index"), now, h);
    const root = repo.root;
    stampOf(join(root, "session-logs"), now, h);
    for (const group of ["projects", "clients"]) {
      if (!stampOf(join(root, group), now, h)) continue;
      for (const d of dirs(join(root, group))) stampOf(join(root, group, d.name, "session-logs"), now, h);
    }
    const walk = (dir: string) => {
      if (stampOf(dir, now, h)) for (const d of dirs(dir)) walk(join(dir, d.name));
    };
    walk(join(root, "wiki"));
  } catch (e) {
    if (e instanceof Racy) return null;
    throw e;
  }
  return h.digest("hex");
}

/**
 * The fingerprint: the tree stamp plus the stamps of the files that were uncommitted (taken before they were
 * read), or null when anything is too recent to trust.
 */
export function fingerprint(tree: string | null, dirty: ReadonlyMap<string, string>, now: number): string | null {
  if (tree === null) return null;
  const h = createHash("sha1").update(tree);
  for (const p of [...dirty.keys()].sort()) {
    const s = dirty.get(p)!;
    if (s !== "gone" && racy(s, now)) return null;
    h.update(`\n${p} ${s}`);
  }
  return h.digest("hex");
}
