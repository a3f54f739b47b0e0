// Fetch and push: bounded in time, classified on failure (rejected -> retry, ref lock -> retry, unreachable -> 69,
// credentials -> 77).
import { ConflictError, PermissionError } from "../errors.js";
import { classifyRemoteError, type RemoteFailure } from "../git/parse.js";
import { GitError, type Git } from "../git/run.js";
import type { BranchInfo } from "./repoinfo.js";

export class RemoteFailed extends Error {
  constructor(
    readonly kind: RemoteFailure,
    readonly stderr: string,
    readonly op: "fetch" | "push",
  ) {
    super(`${op} failed (${kind}): ${stderr.trim().split("\n").slice(-2).join(" | ")}`);
  }
}

/** Bounded network calls: a scheduled sync must never hang holding the lock. */
function netConfig(timeoutSeconds: number): string[] {
  return ["-c", "http.lowSpeedLimit=1000", "-c", `http.lowSpeedTime=${Math.max(5, Math.min(timeoutSeconds, 60))}`];
}

function classify(e: unknown, op: "fetch" | "push"): RemoteFailed {
  if (e instanceof GitError) {
    if (e.timedOut) return new RemoteFailed("unreachable", `timed out: ${e.stderr}`, op);
    return new RemoteFailed(classifyRemoteError(e.stderr), e.stderr, op);
  }
  throw e;
}

export async function fetchUpstream(git: Git, b: BranchInfo, timeoutSeconds: number, onSpawn?: () => void): Promise<void> {
  try {
    await git.run([...netConfig(timeoutSeconds), "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", b.remote, `+${b.remoteRef}:${b.tracking}`], {
      timeoutMs: timeoutSeconds * 1000,
      ...(onSpawn ? { onSpawn } : {}),
    });
  } catch (e) {
    throw classify(e, "fetch");
  }
}

export async function pushTip(git: Git, b: BranchInfo, tip: string, timeoutSeconds: number, onSpawn?: () => void): Promise<void> {
  try {
    await git.run([...netConfig(timeoutSeconds), "push", "--porcelain", "--quiet", b.remote, `${tip}:${b.remoteRef}`], {
      timeoutMs: timeoutSeconds * 1000,
      ...(onSpawn ? { onSpawn } : {}),
    });
  } catch (e) {
    throw classify(e, "push");
  }
}

export function remoteError(f: RemoteFailed, b: BranchInfo): Error {
  if (f.kind === "auth") {
    return new PermissionError(
      `${f.op} to remote "${b.remote}" was refused: the credentials are missing or wrong. Fix the credentials for this remote (credential helper, token or ssh key) and sync again; your commit is kept locally.`,
      { stderr: f.stderr },
    );
  }
  return new ConflictError(`${f.op} to remote "${b.remote}" failed: ${f.stderr.trim().split("\n").slice(-3).join(" | ")}. Your commit is kept locally.`, {
    stderr: f.stderr,
  });
}
