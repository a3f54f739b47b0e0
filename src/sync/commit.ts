// Step 5: the commit. `paths` mode (commitPaths) commits exactly the sessions' paths without touching the real
// index or any other file: no other session's half-done work is swept in and no staged reverts are left behind.
// `sweep` mode is the seed's `git add -A`.
import { randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants, existsSync, promises as fsp } from "node:fs";
import { isAbsolute, join } from "node:path";
import { fastImport, gitDate, type FastCommit } from "../git/fastimport.js";
import { readRef } from "../git/refs.js";
import type { RepoPaths } from "../git/repo.js";
import { GitError, type Git } from "../git/run.js";
import { authorEnv, type Author } from "./identity.js";

/**
 * A copy of the index that keeps the original's mtime: git trusts a cached stat only for files older than the
 * index file ("racy git"), so a copy stamped now would hide a same-size edit made in the same second.
 */
async function copyIndex(from: string, to: string): Promise<void> {
  const st = await fsp.stat(from);
  await fsp.copyFile(from, to);
  await fsp.utimes(to, st.atime, st.mtime);
}

export interface CommitRequest {
  mode: "sweep" | "paths";
  /** Repo-relative, `/`-separated (paths mode). */
  paths: string[];
  message: string;
}

export interface CommitOutcome {
  commit: string | undefined;
  /** What the commit changed (repo-relative). */
  files: string[];
}

const LITERAL = { GIT_LITERAL_PATHSPECS: "1" };

/** git takes index.lock for a moment (an editor's `git status` may hold it): retry briefly. */
async function withIndexRetry<T>(fn: () => Promise<T>, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 20 || !(e instanceof GitError) || !/index\.lock|unable to create .*\.lock|File exists/i.test(e.stderr)) throw e;
      await sleep(25 + attempt * 25);
    }
  }
}

/** The sweep commit (`sync` without --only): the seed's `git add -A` and `git commit`. Paths go through commitPaths. */
export async function sweepCommit(
  git: Git,
  message: string,
  author: Author,
  sleep: (ms: number) => Promise<void>,
  readHead: () => Promise<string>,
): Promise<CommitOutcome> {
  await withIndexRetry(() => git.run(["add", "-A"], { extraEnv: LITERAL }), sleep);
  // `git commit` says "nothing to commit" with exit 1: one process instead of a diff-index first
  const r = await withIndexRetry(() => git.run(["commit", "-q", "-F", "-"], { input: message, extraEnv: { ...authorEnv(author), ...LITERAL }, okCodes: [1] }), sleep);
  if (r.code === 1) {
    if (/nothing (added )?to commit|no changes added/i.test(r.stdout + r.stderr)) return { commit: undefined, files: [] };
    throw new GitError(["commit"], 1, r.stderr || r.stdout);
  }
  return { commit: await readHead(), files: [] };
}

/** Whether `git hash-object --stdin-paths` reads this path as it is (it C-unquotes a leading `"`, drops a trailing CR). */
export const stdinPathSafe = (p: string): boolean => !p.startsWith('"') && !p.endsWith("\r") && !p.includes("\n");

/** Commit hooks `git commit` would run; while any exists, commits go through `git commit` so that they run. */
const COMMIT_HOOKS = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"];

export function hasCommitHooks(repo: RepoPaths, hooksPath: string | undefined): boolean {
  const dir = hooksPath ? (isAbsolute(hooksPath) ? hooksPath : join(repo.root, hooksPath)) : join(repo.commonDir, "hooks");
  return COMMIT_HOOKS.some((h) => {
    try {
      accessSync(join(dir, h), process.platform === "win32" ? fsConstants.F_OK : fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface PathsCommit {
  paths: string[];
  message: string;
}

/** One commitPaths call's inputs, as the two ways of committing take them. */
interface Batch {
  repo: RepoPaths;
  git: Git;
  items: PathsCommit[];
  author: Author;
  tmpDir: string;
  head: string | undefined;
}

export interface BatchOutcome {
  /** One per item, in order (commit undefined: nothing of it changed). */
  outcomes: CommitOutcome[];
  /** The last commit made, or `head` if none. */
  tip: string | undefined;
  /** Whether HEAD already points at `tip` (the `git commit` path) or the caller still has to move it. */
  moved: boolean;
}

/**
 * Group commit: one commit per item, each on top of the last. Without commit hooks the whole batch is a few git
 * processes (see fastBatch) and HEAD is left where it was: the caller records what it is about to do, then moves
 * HEAD once with `moveHead`. With hooks each item goes through `git commit` (HEAD moves each time).
 */
export async function commitPaths(
  repo: RepoPaths,
  git: Git,
  items: PathsCommit[],
  author: Author,
  tmpDir: string,
  head: string | undefined,
  o: { hooks: boolean; fileMode?: boolean; now?: Date; onCommit?: (i: number, c: CommitOutcome) => Promise<void> },
): Promise<BatchOutcome> {
  if (items.every((it) => it.paths.length === 0)) return { outcomes: items.map(() => ({ commit: undefined, files: [] })), tip: head, moved: true };
  const b: Batch = { repo, git, items, author, tmpDir, head };
  if (!o.hooks) {
    const fast = await fastBatch(b, o.now ?? new Date(), o.fileMode ?? process.platform !== "win32");
    if (fast) {
      for (const [i, c] of fast.outcomes.entries()) await o.onCommit?.(i, c);
      return fast;
    }
  }
  return commitEach(b, o.onCommit);
}

/**
 * Plain files and no hooks (the normal case): blobs from one `hash-object --stdin-paths` (clean filters and
 * .gitattributes apply as in `git add`), what HEAD has from one `ls-tree`, and every commit from one
 * `fast-import`. undefined when a path is not a plain file or a directory (symlink, socket...): `git commit` then.
 */
async function fastBatch({ repo, git, items, author, tmpDir, head }: Batch, now: Date, fileMode: boolean): Promise<BatchOutcome | undefined> {
  const all = [...new Set(items.flatMap((it) => it.paths))];
  // such names go through `git commit`
  if (!all.every(stdinPathSafe)) return undefined;
  const present = new Map<string, boolean>(); // path -> executable
  for (const p of all) {
    let st;
    try {
      st = await fsp.lstat(join(repo.root, ...p.split("/")));
    } catch {
      continue; // gone: a deletion
    }
    if (!st.isFile()) return undefined;
    present.set(p, process.platform !== "win32" && (st.mode & 0o111) !== 0);
  }
  const hashed = [...present.keys()];
  const blobs = hashed.length
    ? (await git.read(["hash-object", "-w", "--stdin-paths"], { input: hashed.join("\n") + "\n" })).split("\n")
    : [];
  if (blobs.length !== hashed.length) return undefined;
  // what the tree has for these paths
  const cur = new Map<string, { mode: string; blob: string }>();
  if (head && all.length) {
    const ls = await git.read(["ls-tree", "-z", "--full-tree", head, "--", ...all], { extraEnv: LITERAL });
    for (const rec of ls.split("\0")) {
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
      if (m && m[2] === "blob") cur.set(m[4]!, { mode: m[1]!, blob: m[3]! });
      else if (m) return undefined; // a directory or submodule where a file is asked for: let git decide
    }
  }
  // `git add` refuses a new file that .gitignore excludes (a checkpoint of `.env` must not commit it): so must we.
  // Tracked files are not subject to ignore rules. Exit 1 from check-ignore means "none ignored".
  const fresh = hashed.filter((p) => !cur.has(p));
  if (fresh.length) {
    const ig = await git.run(["check-ignore", "-z", "--stdin"], { input: fresh.join("\0") + "\0", okCodes: [1], readOnly: true });
    if (ig.code === 0 && ig.stdout.split("\0").some(Boolean)) return undefined;
  }
  // modes as `git add` sets them: from the executable bit, unless core.fileMode is false, where a tracked regular
  // file keeps its mode (a symlink replaced by a file is a file either way)
  const mode = (p: string): string => {
    const had = cur.get(p)?.mode;
    if (!fileMode && (had === "100644" || had === "100755")) return had;
    return present.get(p) ? "100755" : "100644";
  };
  const want = new Map(hashed.map((p, i) => [p, { mode: mode(p), blob: blobs[i]! }]));
  const date = gitDate(now);
  const who = { name: author.name, email: author.email, date };
  const commits: FastCommit[] = [];
  const which: number[] = [];
  for (const [i, it] of items.entries()) {
    const changes: FastCommit["changes"] = [];
    for (const p of [...new Set(it.paths)]) {
      const w = want.get(p);
      const had = cur.get(p);
      if (w && (!had || had.blob !== w.blob || had.mode !== w.mode)) {
        changes.push({ path: p, ...w });
        cur.set(p, w);
      } else if (!w && had) {
        changes.push({ path: p });
        cur.delete(p);
      }
    }
    if (changes.length === 0) continue;
    // `git commit` ends a message with a newline (its cleanup); the same bytes here
    commits.push({ author: who, committer: who, message: it.message.endsWith("\n") ? it.message : `${it.message}\n`, changes });
    which.push(i);
  }
  const ids = await fastImport(git, tmpDir, head, commits, repo.commonDir);
  const outcomes: CommitOutcome[] = items.map(() => ({ commit: undefined, files: [] }));
  which.forEach((i, k) => (outcomes[i] = { commit: ids[k]!, files: commits[k]!.changes.map((c) => c.path) }));
  return { outcomes, tip: ids[ids.length - 1] ?? head, moved: ids.length === 0 };
}

/** With commit hooks (or odd files): `git commit` for each item, in one temporary index; HEAD moves each time. */
async function commitEach(
  { repo, git, items, author, tmpDir, head }: Batch,
  onCommit?: (i: number, c: CommitOutcome) => Promise<void>,
): Promise<BatchOutcome> {
  const env = { ...authorEnv(author), ...LITERAL };
  const outcomes: CommitOutcome[] = [];
  await fsp.mkdir(tmpDir, { recursive: true });
  const tmpIndex = join(tmpDir, `index-${process.pid}-${randomBytes(4).toString("hex")}`);
  const idx = { ...env, GIT_INDEX_FILE: tmpIndex };
  let parent = head;
  try {
    // A copy of the real index keeps git's stat cache, so nothing is re-hashed in a repo of 10,000 logs.
    const real = join(repo.gitDir, "index");
    if (existsSync(real)) await copyIndex(real, tmpIndex);
    if (head) await git.run(["reset", "-q", head], { extraEnv: idx });
    else await git.run(["read-tree", "--empty"], { extraEnv: idx });
    for (const [i, it] of items.entries()) {
      const present = it.paths.filter((p) => existsSync(join(repo.root, ...p.split("/"))));
      const gone = it.paths.filter((p) => !present.includes(p));
      if (present.length) await git.run(["add", "-A", "--", ...present], { extraEnv: idx });
      if (gone.length) await git.run(["rm", "-q", "--cached", "--ignore-unmatch", "--", ...gone], { extraEnv: idx });
      // what this item changes against the commit before it: nothing => no commit
      const files = parent
        ? (await git.read(["diff-index", "--cached", "--name-only", "-z", "--no-renames", parent, "--"], { extraEnv: idx })).split("\0").filter(Boolean)
        : present;
      let c: CommitOutcome = { commit: undefined, files: [] };
      if (files.length) {
        await git.run(["commit", "-q", "-F", "-"], { input: it.message, extraEnv: idx });
        parent = readRef(repo, "HEAD") ?? (await git.read(["rev-parse", "HEAD"]));
        c = { commit: parent, files };
      }
      outcomes.push(c);
      await onCommit?.(i, c);
    }
    return { outcomes, tip: parent, moved: true };
  } finally {
    await fsp.rm(tmpIndex, { force: true });
    await fsp.rm(`${tmpIndex}.lock`, { force: true });
  }
}

/** Moves HEAD (its branch) from `from` to `to`, only if nobody moved it meanwhile; false if somebody did. */
export async function moveHead(git: Git, to: string, from: string | undefined, message: string): Promise<boolean> {
  const r = await git.run(["update-ref", "-m", message, "HEAD", to, from ?? ""], { okCodes: [1, 128] });
  if (r.code === 0) return true;
  if (/cannot lock ref|is at .* but expected|unable to resolve reference/i.test(r.stderr)) return false;
  throw new GitError(["update-ref", "HEAD"], r.code, r.stderr);
}

/**
 * After a paths-mode commit HEAD has the session's files but the real index still has their old state (a staged
 * revert): point those entries at HEAD. Everything else in the real index is left alone.
 */
export async function syncRealIndex(git: Git, files: string[], sleep: (ms: number) => Promise<void>): Promise<void> {
  if (files.length === 0) return;
  await withIndexRetry(() => git.run(["reset", "-q", "HEAD", "--", ...files], { extraEnv: LITERAL }), sleep);
}
