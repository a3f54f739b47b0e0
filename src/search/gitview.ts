// Git's own view of what changed since the index was last brought up to date: the HEAD commit and the paths
// that differ from it (status), the paths two commits differ in (diff), and every document path (rebuild).
// Builders and parsers are pure; the calls go through the one git runner.
import type { Git } from "../git/run.js";
import { DOC_PATHSPECS, isDocPath } from "./doc.js";

export interface TreeView {
  /** HEAD's commit id, or null on an unborn branch. */
  head: string | null;
  /** Document paths that differ from HEAD: staged, unstaged, untracked, deleted, unmerged. */
  changed: string[];
}

export const STATUS_ARGS = [
  "status",
  "--porcelain=v2",
  "-z",
  "--branch",
  "--no-ahead-behind",
  "--untracked-files=all",
  "--no-renames",
  "--ignore-submodules=all",
  "--",
  ...DOC_PATHSPECS,
] as const;

/** Parses `git status --porcelain=v2 -z --branch --no-renames`. */
export function parseStatus(out: string): TreeView {
  let head: string | null = null;
  const changed: string[] = [];
  for (const rec of out.split("\0")) {
    if (rec === "") continue;
    if (rec.startsWith("# branch.oid ")) {
      const oid = rec.slice("# branch.oid ".length).trim();
      head = /^[0-9a-f]{40,64}$/.test(oid) ? oid : null;
      continue;
    }
    if (rec.startsWith("#")) continue;
    // Ordinary (8 fields before the path), unmerged (10), untracked (1).
    const fields = rec[0] === "1" ? 8 : rec[0] === "u" ? 10 : rec[0] === "?" ? 1 : -1;
    if (fields < 0) continue;
    let at = 0;
    for (let i = 0; i < fields && at !== -1; i++) at = rec.indexOf(" ", at) + 1 || -1;
    if (at <= 0) continue;
    const path = rec.slice(at);
    if (isDocPath(path)) changed.push(path);
  }
  return { head, changed };
}

export function diffArgs(from: string, to: string): string[] {
  return ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", from, to, "--", ...DOC_PATHSPECS];
}

export const LIST_ARGS = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...DOC_PATHSPECS] as const;

/** NUL-separated path lists (diff --name-only -z, ls-files -z), documents only, each once. */
export function parsePaths(out: string): string[] {
  return [...new Set(out.split("\0").filter((p) => p !== "" && isDocPath(p)))];
}

export async function treeView(git: Git): Promise<TreeView> {
  return parseStatus(await git.read([...STATUS_ARGS]));
}

/** Paths changed between two commits, or undefined when `from` is gone (history rewritten and pruned). */
export async function changedBetween(git: Git, from: string, to: string): Promise<string[] | undefined> {
  const r = await git.run(diffArgs(from, to), { readOnly: true, okCodes: [128] });
  return r.code === 0 ? parsePaths(r.stdout) : undefined;
}

export async function allDocPaths(git: Git): Promise<string[]> {
  return parsePaths(await git.read([...LIST_ARGS]));
}
