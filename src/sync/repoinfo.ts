// Step 1 of the pipeline: is this a repository logbook can sync? Reads only; refuses with a clear message.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, ConflictError } from "../errors.js";
import type { RepoPaths } from "../git/repo.js";
import type { Git } from "../git/run.js";

export interface BranchInfo {
  branch: string; // "main"
  remote: string; // "origin"
  remoteRef: string; // "refs/heads/main"
  tracking: string; // "refs/remotes/origin/main"
  userName: string | undefined;
  userEmail: string | undefined;
  /** core.hooksPath, when set. */
  hooksPath?: string | undefined;
  /** core.fileMode (git's default: true). */
  fileMode?: boolean;
}

/** Operations of someone else's that a sync must not run through. logbook itself never runs `git rebase`. */
export function inProgress(gitDir: string): string | undefined {
  if (existsSync(join(gitDir, "rebase-merge")) || existsSync(join(gitDir, "rebase-apply"))) return "a rebase";
  if (existsSync(join(gitDir, "MERGE_HEAD"))) return "a merge";
  if (existsSync(join(gitDir, "CHERRY_PICK_HEAD"))) return "a cherry-pick";
  if (existsSync(join(gitDir, "REVERT_HEAD"))) return "a revert";
  return undefined;
}

export async function branchInfo(repo: RepoPaths, git: Git): Promise<BranchInfo> {
  const op = inProgress(repo.gitDir);
  if (op) {
    throw new ConflictError(
      `${op} is in progress in ${repo.root} (not started by logbook). Finish it or abort it (git ${op === "a rebase" ? "rebase" : op.slice(2)} --continue / --abort), then sync again. Nothing was changed.`,
    );
  }
  let head: string;
  try {
    head = readFileSync(join(repo.gitDir, "HEAD"), "utf8").trim();
  } catch (e) {
    throw new ConfigError(`cannot read ${join(repo.gitDir, "HEAD")}: ${(e as Error).message}`);
  }
  const m = /^ref: refs\/heads\/(.+)$/.exec(head);
  if (!m?.[1]) {
    throw new ConflictError(`HEAD is detached in ${repo.root}: sync needs a branch. Check out your branch (git switch main) and sync again. Nothing was changed.`);
  }
  const branch = m[1];
  const cfg = await git.run(["config", "-z", "--get-regexp", `^(branch\\.${branch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(remote|merge)|user\\.(name|email)|core\\.(hookspath|filemode))$`], {
    readOnly: true,
    okCodes: [1],
  });
  const values: Record<string, string> = {};
  for (const rec of cfg.stdout.split("\0")) {
    const i = rec.indexOf("\n");
    if (i > 0) values[rec.slice(0, i).toLowerCase()] = rec.slice(i + 1);
  }
  const remote = values[`branch.${branch.toLowerCase()}.remote`];
  const merge = values[`branch.${branch.toLowerCase()}.merge`];
  if (!remote || !merge || remote === ".") {
    throw new ConfigError(
      `branch "${branch}" has no upstream, so there is nowhere to push. Set one: git push -u origin ${branch} (or git branch --set-upstream-to origin/${branch}). Nothing was changed.`,
    );
  }
  const short = merge.replace(/^refs\/heads\//, "");
  return {
    branch,
    remote,
    remoteRef: merge,
    tracking: `refs/remotes/${remote}/${short}`,
    userName: values["user.name"],
    userEmail: values["user.email"],
    hooksPath: values["core.hookspath"],
    fileMode: !/^(false|no|off|0)$/i.test((values["core.filemode"] ?? "true").trim()),
  };
}
