// Phase 2 of the seed: put the log on disk. The plan is pure; applying it claims a per-session-unique name.
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { createExclusive, readHead, writeFileAtomic } from "../util/fs.js";
import { recordedSession } from "./render.js";

export interface LogWritePlan {
  /** Repo-relative directory, `/`-separated. */
  dir: string;
  /** `YYYY-MM-DD-<user>-<topic>` without `.md`. */
  base: string;
  session: string;
  /** File name prefixes (`<date>-<user>-`) where this session's own earlier log may be. */
  ownPrefixes: string[];
  /** The whole file, when a new file is created. */
  content: string;
  /** What is appended when this session already has a log. */
  update: string;
}

export interface LogWriteResult {
  /** Repo-relative path, `/`-separated. */
  path: string;
  appended: boolean;
  linesAdded: number;
}

function countLines(s: string): number {
  return s === "" ? 0 : s.split("\n").length - (s.endsWith("\n") ? 1 : 0);
}

/** This session's existing log in `dir`, found by the id recorded in it (whatever suffix its name has). */
export async function findSessionLog(absDir: string, prefixes: string[], session: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await fsp.readdir(absDir);
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    if (!name.endsWith(".md") || !prefixes.some((p) => name.startsWith(p))) continue;
    try {
      if (recordedSession(readHead(join(absDir, name))) === session) return name;
    } catch {}
  }
  return undefined;
}

export async function applyLogWrite(root: string, tmpDir: string, plan: LogWritePlan): Promise<LogWriteResult> {
  const absDir = join(root, ...plan.dir.split("/"));
  await fsp.mkdir(absDir, { recursive: true });
  const own = await findSessionLog(absDir, plan.ownPrefixes, plan.session);
  if (own) {
    const abs = join(absDir, own);
    const before = await fsp.readFile(abs, "utf8");
    const sep = before.endsWith("\n") ? "" : "\n";
    await writeFileAtomic(abs, before + sep + plan.update, tmpDir);
    return { path: `${plan.dir}/${own}`, appended: true, linesAdded: countLines(sep + plan.update) };
  }
  for (let n = 1; n < 10000; n++) {
    const name = `${plan.base}${n === 1 ? "" : `-${n}`}.md`;
    if (await createExclusive(join(absDir, name), plan.content, tmpDir)) {
      return { path: `${plan.dir}/${name}`, appended: false, linesAdded: countLines(plan.content) };
    }
  }
  throw new Error(`no free name for ${plan.dir}/${plan.base}.md after 9999 tries`);
}
