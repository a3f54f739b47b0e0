// Step 6: put our local commits on top of the moved upstream without touching the working tree. Each commit is
// cherry-picked in memory with `git merge-tree --write-tree` and recreated with `git commit-tree`; the branch is
// moved afterwards with `git reset --keep`, which refuses rather than overwrite a file another session is editing.
//
// git 2.39 has no `merge-tree --merge-base`, and merge-tree uses the merge base of its two commits. For the first
// commit that base is its parent already. For later ones we merge against a throw-away commit that has the
// current tip's tree and the picked commit's parent as its only parent, so the merge base is that parent: an exact
// cherry-pick (three-way: parent -> tip, parent -> commit).
import { dirname } from "node:path";
import { ConflictError } from "../errors.js";
import { fastImport, gitDate } from "../git/fastimport.js";
import { parseMergeTree } from "../git/parse.js";
import type { Git } from "../git/run.js";
import { authorEnv, type Author } from "./identity.js";

export interface LocalCommit {
  hash: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorDate: string;
  message: string;
}

export interface Divergence {
  /** Our commits not in the upstream, oldest first. */
  local: LocalCommit[];
  /** How many upstream commits we do not have. */
  behind: number;
  upstreamTree: string | undefined;
}

/** One `git log` over HEAD...upstream gives both sides, with everything the replay needs. */
export async function divergence(git: Git, head: string, upstream: string): Promise<Divergence> {
  const out = await git.read([
    "log", "--left-right", "--topo-order", "--reverse", "-z",
    "--format=%m%x1f%H%x1f%T%x1f%P%x1f%an%x1f%ae%x1f%ad%x1f%B",
    "--date=raw", `${head}...${upstream}`, "--",
  ]);
  const local: LocalCommit[] = [];
  let behind = 0;
  let upstreamTree: string | undefined;
  for (const rec of out.split("\0")) {
    if (rec.trim() === "") continue;
    const [mark, hash, tree, parents, an, ae, ad, ...msg] = rec.split("\x1f");
    if (mark === ">") {
      behind++;
      if (hash === upstream) upstreamTree = tree;
    } else if (mark === "<" && hash && tree) {
      local.push({ hash, tree, parents: (parents ?? "").split(" ").filter(Boolean), authorName: an ?? "", authorEmail: ae ?? "", authorDate: ad ?? "", message: msg.join("\x1f") });
    }
  }
  return { local, behind, upstreamTree };
}

/** Resolves a generated file's conflict from the merged tree (wiki/index.md is regenerated from the articles). */
export type ConflictResolver = (git: Git, tree: string) => Promise<string /* new blob id */>;

export interface ReplayResult {
  tip: string;
  /** Where each local commit went (its replayed commit, or the tip that already had its changes). */
  map: Record<string, string>;
  replayed: number;
  skipped: number;
  resolved: string[];
}

async function replaceInTree(git: Git, tree: string, path: string, blob: string, tmpIndex: string): Promise<string> {
  const env = { GIT_INDEX_FILE: tmpIndex };
  await git.run(["read-tree", tree], { extraEnv: env });
  await git.run(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { extraEnv: env });
  return git.read(["write-tree"], { extraEnv: env });
}

interface RawChange {
  status: string;
  mode: string;
  blob: string;
  path: string;
}

/** Each local commit's own changes, from one `diff-tree --stdin` (commits in the order given). */
async function changesOf(git: Git, commits: string[]): Promise<Map<string, RawChange[]>> {
  const out = await git.read(["diff-tree", "--stdin", "-r", "-z", "--no-renames", "--always"], { input: commits.join("\n") + "\n" });
  const map = new Map<string, RawChange[]>();
  const t = out.split("\0");
  let cur: RawChange[] | undefined;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok.startsWith(":")) {
      const meta = tok.slice(1).split(" ");
      cur?.push({ mode: meta[1]!, blob: meta[3]!, status: meta[4]!, path: t[++i]! });
    } else if (/^[0-9a-f]{40,64}$/.test(tok.trim())) {
      cur = [];
      map.set(tok.trim(), cur);
    }
  }
  return map;
}

/**
 * The common case, in one git process instead of three per commit: none of the paths our commits change was
 * changed upstream since we diverged. Then cherry-picking each commit onto the new tip gives exactly "the tip,
 * with this commit's files set as the commit sets them", which `git fast-import` builds for the whole chain at
 * once. Returns undefined when the case does not hold (the caller replays commit by commit with merge-tree).
 */
async function fastReplay(
  git: Git,
  upstream: string,
  d: Divergence,
  committer: Author,
  tmpDir: string,
  now: Date,
  commonDir: string | undefined,
): Promise<ReplayResult | undefined> {
  const head = d.local[d.local.length - 1]?.hash;
  if (!head || d.local.some((c) => c.parents.length !== 1)) return undefined;
  const theirs = new Set((await git.read(["diff", "--name-only", "-z", "--no-renames", `${head}...${upstream}`, "--"])).split("\0").filter(Boolean));
  const changes = await changesOf(git, d.local.map((c) => c.hash));
  // a path of ours clashes with theirs when it is one of theirs, or a file of one side is a directory of the other
  const dirs = (p: string) => p.split("/").slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join("/"));
  const theirDirs = new Set([...theirs].flatMap(dirs));
  const clash = (p: string) => theirs.has(p) || theirDirs.has(p) || dirs(p).some((dir) => theirs.has(dir));
  for (const c of d.local) {
    const ch = changes.get(c.hash);
    if (!ch || ch.some((x) => clash(x.path) || (x.status !== "D" && !/^(100644|100755|120000)$/.test(x.mode)))) return undefined;
  }
  const date = gitDate(now);
  const picked = d.local.filter((c) => changes.get(c.hash)!.length > 0);
  const ids = await fastImport(
    git,
    tmpDir,
    upstream,
    picked.map((c) => ({
      author: { name: c.authorName, email: c.authorEmail, date: c.authorDate },
      committer: { name: committer.name, email: committer.email, date },
      message: c.message,
      changes: changes.get(c.hash)!.map((x) => (x.status === "D" ? { path: x.path } : { path: x.path, mode: x.mode, blob: x.blob })),
    })),
    commonDir,
  );
  let tip = upstream;
  const map: Record<string, string> = {};
  let n = 0;
  for (const c of d.local) {
    if (changes.get(c.hash)!.length > 0) tip = ids[n++]!;
    map[c.hash] = tip;
  }
  return { tip, map, replayed: picked.length, skipped: d.local.length - picked.length, resolved: [] };
}

export async function replay(
  git: Git,
  upstream: string,
  d: Divergence,
  committer: Author,
  resolvers: Record<string, ConflictResolver>,
  tmpIndex: string,
  onStep?: () => void,
  now: Date = new Date(),
  commonDir?: string,
): Promise<ReplayResult> {
  onStep?.();
  // any failure of the fast path (no merge base, an odd entry) leaves the commit-by-commit replay to decide
  const fast = await fastReplay(git, upstream, d, committer, dirname(tmpIndex), now, commonDir).catch(() => undefined);
  if (fast) return fast;
  let tip = upstream;
  let tipTree = d.upstreamTree ?? (await git.read(["rev-parse", `${upstream}^{tree}`]));
  let replayed = 0;
  let skipped = 0;
  const resolved: string[] = [];
  const map: Record<string, string> = {};
  for (const [i, c] of d.local.entries()) {
    if (c.parents.length !== 1) {
      throw new ConflictError(
        `local commit ${c.hash.slice(0, 10)} is a merge commit; logbook replays only linear history. Rebase it by hand (git pull --rebase), then sync again. Your commits are kept.`,
        { conflicts: [], commit: c.hash },
      );
    }
    onStep?.();
    let base = tip;
    if (i > 0) {
      base = await git.read(["commit-tree", tipTree, "-p", c.parents[0]!, "-m", "logbook replay base"], {
        extraEnv: authorEnv(committer),
      });
    }
    const r = await git.run(["merge-tree", "--write-tree", "-z", "--name-only", base, c.hash], { okCodes: [1] });
    const m = parseMergeTree(r.stdout, r.code);
    let tree = m.tree;
    if (!m.clean) {
      const unresolved = m.conflicts.filter((p) => !resolvers[p]);
      if (unresolved.length) {
        throw new ConflictError(
          `conflict replaying "${c.message.split("\n")[0]}" onto the upstream: ${unresolved.join(", ")} changed on both sides. ` +
            `Nothing was rebased; your commit is kept locally. Resolve by hand (git pull --rebase, fix, git rebase --continue), then sync again.`,
          { conflicts: unresolved, commit: c.hash, messages: m.messages },
        );
      }
      for (const p of m.conflicts) {
        const blob = await resolvers[p]!(git, tree);
        tree = await replaceInTree(git, tree, p, blob, tmpIndex);
        if (!resolved.includes(p)) resolved.push(p);
      }
    }
    if (tree === tipTree) {
      // already upstream (a commit pushed before its branch moved): nothing to replay
      skipped++;
      map[c.hash] = tip;
      continue;
    }
    tip = await git.read(["commit-tree", tree, "-p", tip, "-F", "-"], {
      input: c.message,
      extraEnv: {
        ...authorEnv(committer),
        GIT_AUTHOR_NAME: c.authorName,
        GIT_AUTHOR_EMAIL: c.authorEmail,
        GIT_AUTHOR_DATE: c.authorDate,
      },
    });
    tipTree = tree;
    map[c.hash] = tip;
    replayed++;
  }
  return { tip, map, replayed, skipped, resolved };
}
