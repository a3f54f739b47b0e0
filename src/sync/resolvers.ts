// Conflict resolvers for generated files. wiki/index.md is regenerated from the articles of the merged tree
// (read with git, not from the working tree, which may hold someone's uncommitted edits).
import type { Git } from "../git/run.js";
import type { ConflictResolver } from "./replay.js";

export const INDEX_PATH = "wiki/index.md";

async function articlesInTree(git: Git, tree: string): Promise<{ path: string; content: string }[]> {
  const ls = await git.read(["ls-tree", "-r", "-z", tree, "--", "wiki/"]);
  const entries = ls
    .split("\0")
    .filter(Boolean)
    .map((l) => {
      const tab = l.indexOf("\t");
      const [, type, oid] = l.slice(0, tab).split(" ");
      return { path: l.slice(tab + 1), type, oid: oid ?? "" };
    })
    .filter((e) => e.type === "blob" && e.path.endsWith(".md") && e.path !== INDEX_PATH);
  if (entries.length === 0) return [];
  // one cat-file process for every article
  const r = await git.run(["cat-file", "--batch"], { readOnly: true, input: entries.map((e) => e.oid).join("\n") + "\n" });
  const buf = r.raw;
  const out: { path: string; content: string }[] = [];
  let pos = 0;
  for (const e of entries) {
    const nl = buf.indexOf(0x0a, pos);
    const size = Number(buf.toString("utf8", pos, nl).split(" ")[2]);
    out.push({ path: e.path, content: buf.toString("utf8", nl + 1, nl + 1 + size) });
    pos = nl + 1 + size + 1;
  }
  return out;
}

export const regenerateIndex: ConflictResolver = async (git, tree) => {
  const { renderIndex } = await import("../wiki/index.js");
  const content = renderIndex(await articlesInTree(git, tree));
  return git.read(["hash-object", "-w", "--stdin"], { input: content });
};

export const RESOLVERS: Record<string, ConflictResolver> = { [INDEX_PATH]: regenerateIndex };
