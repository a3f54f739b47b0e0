// Finds the working tree root and the git directory the way git does, without spawning git (start-up cost).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

export interface RepoPaths {
  /** The working tree root. */
  root: string;
  /** This worktree's git directory (HEAD, index, rebase state). */
  gitDir: string;
  /** The shared git directory (refs, config, logbook's lock and state). */
  commonDir: string;
}

function readGitFile(dotGit: string): string | undefined {
  try {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
    if (!m?.[1]) return undefined;
    return isAbsolute(m[1]) ? m[1] : resolve(dirname(dotGit), m[1]);
  } catch {
    return undefined;
  }
}

export function findRepo(start: string): RepoPaths | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, ".git");
    let st;
    try {
      st = statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st) {
      const gitDir = st.isDirectory() ? dotGit : readGitFile(dotGit);
      if (gitDir && existsSync(join(gitDir, "HEAD"))) {
        let commonDir = gitDir;
        try {
          const c = readFileSync(join(gitDir, "commondir"), "utf8").trim();
          commonDir = isAbsolute(c) ? c : resolve(gitDir, c);
        } catch {}
        return { root: dir, gitDir, commonDir };
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function requireRepo(start: string): RepoPaths {
  const repo = findRepo(start);
  if (!repo) {
    throw new ConfigError(
      `${resolve(start)} is not inside a git working tree. Run logbook inside your knowledge repo (or pass -C <dir>); ` +
        `to start one: git init && logbook init --user <id> --name "<full name>" --email <email>.`,
    );
  }
  return repo;
}

/** logbook's own state, outside every commit. */
export function stateDir(repo: RepoPaths): string {
  return join(repo.commonDir, "logbook");
}

/** Where validated settings files are cached by their text (config/cache.ts). */
export function parseCacheDir(repo: RepoPaths): string {
  return join(stateDir(repo), "cache");
}
