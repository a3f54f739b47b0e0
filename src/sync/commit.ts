// Step 5: the commit. `paths` mode builds the commit in a temporary index (a copy of the real one, reset to HEAD,
// plus exactly the session's paths) so the real index and every other file stay as they were: no other session's
// half-done work is swept in and no staged reverts are left behind. `sweep` mode is the seed's `git add -A`.
import { randomBytes } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import { join } from "node:path";
import type { RepoPaths } from "../git/repo.js";
import { GitError, type Git } from "../git/run.js";
import { authorEnv, type Author } from "./identity.js";

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

async function changedFiles(git: Git, from: string, to: string): Promise<string[]> {
  const out = await git.read(["diff-tree", "-r", "--no-commit-id", "--name-only", "-z", "--no-renames", from, to]);
  return out.split("\0").filter(Boolean);
}

export async function makeCommit(
  repo: RepoPaths,
  git: Git,
  req: CommitRequest,
  author: Author,
  tmpDir: string,
  sleep: (ms: number) => Promise<void>,
  head: string | undefined,
  readHead: () => Promise<string>,
): Promise<CommitOutcome> {
  const env = { ...authorEnv(author), ...LITERAL };
  if (req.mode === "sweep") {
    await withIndexRetry(() => git.run(["add", "-A"], { extraEnv: LITERAL }), sleep);
    // `git commit` says "nothing to commit" with exit 1: one process instead of a diff-index first
    const r = await withIndexRetry(() => git.run(["commit", "-q", "-F", "-"], { input: req.message, extraEnv: env, okCodes: [1] }), sleep);
    if (r.code === 1) {
      if (/nothing (added )?to commit|no changes added/i.test(r.stdout + r.stderr)) return { commit: undefined, files: [] };
      throw new GitError(["commit"], 1, r.stderr || r.stdout);
    }
    const commit = await readHead();
    return { commit, files: [] };
  }

  if (req.paths.length === 0) return { commit: undefined, files: [] };
  await fsp.mkdir(tmpDir, { recursive: true });
  const tmpIndex = join(tmpDir, `index-${process.pid}-${randomBytes(4).toString("hex")}`);
  const idx = { ...env, GIT_INDEX_FILE: tmpIndex };
  try {
    // A copy of the real index keeps git's stat cache, so nothing is re-hashed in a repo of 10,000 logs.
    const real = join(repo.gitDir, "index");
    if (existsSync(real)) await fsp.copyFile(real, tmpIndex);
    if (head) await git.run(["reset", "-q", head], { extraEnv: idx });
    const present = req.paths.filter((p) => existsSync(join(repo.root, ...p.split("/"))));
    const gone = req.paths.filter((p) => !present.includes(p));
    if (present.length) await git.run(["add", "-A", "--", ...present], { extraEnv: idx });
    if (gone.length) await git.run(["rm", "-q", "--cached", "--ignore-unmatch", "--", ...gone], { extraEnv: idx });
    const diff = await git.run(["diff-index", "--cached", "--quiet", ...(head ? [head] : []), "--"], { extraEnv: idx, okCodes: [1] });
    if (diff.code === 0) return { commit: undefined, files: [] };
    await git.run(["commit", "-q", "-F", "-"], { input: req.message, extraEnv: idx });
    const commit = await readHead();
    return { commit, files: head ? await changedFiles(git, head, commit) : req.paths };
  } finally {
    await fsp.rm(tmpIndex, { force: true });
    await fsp.rm(`${tmpIndex}.lock`, { force: true });
  }
}

/**
 * After a paths-mode commit HEAD has the session's files but the real index still has their old state (a staged
 * revert): point those entries at HEAD. Everything else in the real index is left alone.
 */
export async function syncRealIndex(git: Git, files: string[], sleep: (ms: number) => Promise<void>): Promise<void> {
  if (files.length === 0) return;
  await withIndexRetry(() => git.run(["reset", "-q", "HEAD", "--", ...files], { extraEnv: LITERAL }), sleep);
}
