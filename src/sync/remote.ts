// Fetch and push: bounded in time, never prompting, classified on failure (rejected -> retry, ref lock -> retry,
// unreachable -> 69, credentials -> 77).
import { ConflictError, PermissionError } from "../errors.js";
import { classifyRemoteError, type RemoteFailure } from "../git/parse.js";
import { GitError, type Git } from "../git/run.js";
import type { BranchInfo } from "./repoinfo.js";

export class RemoteFailed extends Error {
  /** One line for people: the line of git's stderr that says what happened (or the timeout). */
  readonly reason: string;
  /** The remote's URL without credentials, when it is worth naming (refused credentials). */
  url: string | undefined;
  constructor(
    readonly kind: RemoteFailure,
    readonly stderr: string,
    readonly op: "fetch" | "push",
    reason?: string,
  ) {
    super(`${op} failed (${kind}): ${stderr.trim().split("\n").slice(-2).join(" | ")}`);
    this.reason = reason ?? keyLine(stderr);
  }
}

/** git ends a failed transfer with generic lines ("the remote end hung up"); the cause is usually above them. */
function keyLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const cause = lines.find((l) => /operation too slow|timed out|could not resolve|connection refused|failed to connect|couldn't connect|returned error|authentication failed|could not read (username|password)|permission denied/i.test(l));
  return (cause ?? lines.at(-1) ?? "no answer").replace(/^(fatal|error):\s*/i, "");
}

/**
 * curl aborts a transfer slower than 1 KB/s for `lowSpeedTime` seconds: a server that stops answering (before
 * replying, or after taking the pack) ends git cleanly. Half the call's timeout (at most 60 s), so git's own
 * message normally wins over the kill at the timeout.
 */
export function lowSpeedSeconds(timeoutSeconds: number): number {
  return Math.min(60, Math.max(1, Math.ceil(timeoutSeconds / 2)));
}

function netConfig(timeoutSeconds: number): string[] {
  return ["-c", "http.lowSpeedLimit=1000", "-c", `http.lowSpeedTime=${lowSpeedSeconds(timeoutSeconds)}`];
}

/**
 * Nobody answers a scheduled sync. GIT_TERMINAL_PROMPT=0 (run.ts) stops the terminal prompt, but git asks an askpass
 * program first (GIT_ASKPASS, then core.askPass, then SSH_ASKPASS), and desktop ones open a dialog and wait. An empty
 * GIT_ASKPASS is git's "no askpass": it shadows the other two, and git goes straight to "terminal prompts disabled".
 * (A program that fails would print "unable to read askpass response" or, like `echo`, answer an empty password.)
 * ssh gets BatchMode from run.ts; SSH_ASKPASS_REQUIRE=never also covers a user's own GIT_SSH_COMMAND.
 */
export const NO_PROMPT_ENV: Readonly<Record<string, string>> = { GIT_ASKPASS: "", SSH_ASKPASS_REQUIRE: "never" };

async function classify(git: Git, b: BranchInfo, e: unknown, op: "fetch" | "push", timeoutSeconds: number): Promise<RemoteFailed> {
  if (!(e instanceof GitError)) throw e;
  if (e.timedOut) {
    return new RemoteFailed("unreachable", `timed out: ${e.stderr}`, op, `no answer within ${timeoutSeconds}s (sync.remoteTimeoutSeconds)`);
  }
  const f = new RemoteFailed(classifyRemoteError(e.stderr), e.stderr, op);
  if (f.kind === "auth") {
    // git's messages name only the host for a missing username; the person fixing it needs the repository
    const url = await git.read(["remote", "get-url", ...(op === "push" ? ["--push"] : []), b.remote]).catch(() => "");
    f.url = (url && withoutCredentials(url)) || remoteUrlIn(e.stderr);
  }
  return f;
}

/** `maintenance: false` for a retry's fetch: the first fetch of the sync already ran git's automatic maintenance. */
export async function fetchUpstream(git: Git, b: BranchInfo, timeoutSeconds: number, onSpawn?: () => void, o: { maintenance?: boolean } = {}): Promise<void> {
  try {
    await git.run([...netConfig(timeoutSeconds), ...(o.maintenance === false ? ["-c", "maintenance.auto=false"] : []), "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", b.remote, `+${b.remoteRef}:${b.tracking}`], {
      timeoutMs: timeoutSeconds * 1000,
      extraEnv: { ...NO_PROMPT_ENV },
      ...(onSpawn ? { onSpawn } : {}),
    });
  } catch (e) {
    throw await classify(git, b, e, "fetch", timeoutSeconds);
  }
}

export async function pushTip(git: Git, b: BranchInfo, tip: string, timeoutSeconds: number, onSpawn?: () => void): Promise<void> {
  try {
    await git.run([...netConfig(timeoutSeconds), "push", "--porcelain", "--quiet", b.remote, `${tip}:${b.remoteRef}`], {
      timeoutMs: timeoutSeconds * 1000,
      extraEnv: { ...NO_PROMPT_ENV },
      ...(onSpawn ? { onSpawn } : {}),
    });
  } catch (e) {
    throw await classify(git, b, e, "push", timeoutSeconds);
  }
}

/** A URL fit to print: no user:password or token (an scp-style ssh address has no secret to drop). */
export function withoutCredentials(url: string): string {
  return url.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, "$1").replace(/\/$/, "");
}

/** The remote's URL as git printed it (git anonymises most messages; be sure). */
export function remoteUrlIn(stderr: string): string | undefined {
  const m = /'((?:https?|ssh|git|ftps?):\/\/[^'\s]+)'/i.exec(stderr);
  return m?.[1] ? withoutCredentials(m[1]) : undefined;
}

export function remoteError(f: RemoteFailed, b: BranchInfo): Error {
  const url = f.url ?? remoteUrlIn(f.stderr);
  const where = `${f.op === "fetch" ? "fetch from" : "push to"} remote "${b.remote}"${url ? ` (${url})` : ""}`;
  if (f.kind === "auth") {
    const forbidden = /\b403\b/.test(f.stderr);
    const what = forbidden
      ? "the credentials were accepted but are not allowed to do this (HTTP 403). Use credentials with write access to this repository"
      : "the credentials are missing or wrong. Fix the credentials for this remote (the credential helper's entry, the token in the URL, or the ssh key)";
    return new PermissionError(`${where} was refused: ${what}, then sync again (logbook sync). Your commits are kept locally. git said: ${f.reason}`, {
      stderr: f.stderr,
      remote: b.remote,
      ...(url ? { url } : {}),
    });
  }
  return new ConflictError(`${where} failed: ${f.stderr.trim().split("\n").slice(-3).join(" | ")}. Your commit is kept locally.`, {
    stderr: f.stderr,
  });
}
