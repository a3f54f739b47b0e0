// Step 6: put our local commits on top of the moved upstream without touching the working tree. Each commit is
// cherry-picked in memory with `git merge-tree --write-tree` and recreated with `git commit-tree`; the branch is
// moved afterwards with `git reset --keep`, which refuses rather than overwrite a file another session is editing.
//
// git 2.39 has no `merge-tree --merge-base`, and merge-tree uses the merge base of its two commits. For the first
// commit that base is its parent already. For later ones we merge against a throw-away commit that has the
// current tip's tree and the picked commit's parent as its only parent, so the merge base is that parent: an exact
// cherry-pick (three-way: parent -> tip, parent -> commit).
import { ConflictError } from "../errors.js";
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

export async function replay(
  git: Git,
  upstream: string,
  d: Divergence,
  committer: Author,
  resolvers: Record<string, ConflictResolver>,
  tmpIndex: string,
  onStep?: () => void,
): Promise<ReplayResult> {
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
