// The one place logbook runs git. argv is data (never a shell string); failures keep argv, exit code and stderr.
import { spawn } from "node:child_process";
import { LogbookError, EXIT } from "../errors.js";

export interface GitOptions {
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra variables for this call only (GIT_INDEX_FILE, author dates...). */
  extraEnv?: Record<string, string>;
  input?: string | Buffer;
  /** A read-only call: GIT_OPTIONAL_LOCKS=0 so it never takes index.lock behind another git's back. */
  readOnly?: boolean;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: readonly number[];
  /** Kill the command after this long (network calls are bounded so a sync never hangs holding the lock). */
  timeoutMs?: number;
  /** Called once the git process has started (test pause points use it to stop "during" a step). */
  onSpawn?: () => void;
}

export interface GitResult {
  stdout: string;
  /** stdout as bytes (for cat-file --batch, where sizes are in bytes). */
  raw: Buffer;
  stderr: string;
  code: number;
}

export class GitError extends LogbookError {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stderr: string;
  readonly timedOut: boolean;
  constructor(argv: readonly string[], code: number, stderr: string, timedOut = false) {
    const first = stderr.trim().split("\n").slice(-3).join(" | ");
    super(
      `git ${argv.join(" ")} failed (exit ${code}${timedOut ? ", timed out" : ""})${first ? `: ${first}` : ""}`,
      EXIT.failure,
      { argv: [...argv], code, stderr },
    );
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
    this.timedOut = timedOut;
  }
}

/** The environment every git call gets: no prompts, stable messages, our own locale. */
export function gitEnv(
  base: Readonly<Record<string, string | undefined>> | undefined,
  readOnly: boolean,
  extra?: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base ?? process.env)) if (v !== undefined) env[k] = v;
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  env.LC_ALL = "C";
  env.LANGUAGE = "C";
  // An ssh remote must never wait for a password or a host-key answer either.
  if (env.GIT_SSH_COMMAND === undefined) env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  if (readOnly) env.GIT_OPTIONAL_LOCKS = "0";
  else delete env.GIT_OPTIONAL_LOCKS;
  if (extra) Object.assign(env, extra);
  return env;
}

export function runGit(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: opts.cwd,
      env: gitEnv(opts.env, opts.readOnly ?? false, opts.extraEnv),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      }, opts.timeoutMs);
    }
    child.on("exit", () => {
      // A killed git can leave its transport helper (git-remote-https, stuck in curl's 300 s connect timeout) holding
      // our stdout/stderr: stop waiting for them, or the timeout bounds nothing.
      if (timedOut) {
        child.stdout.destroy();
        child.stderr.destroy();
      }
    });
    opts.onSpawn?.();
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(new GitError(args, -1, `could not run git: ${e.message}. Is git installed and on PATH?`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const raw = Buffer.concat(out);
      const result: GitResult = {
        raw,
        stdout: raw.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? (signal ? 128 + 9 : -1),
      };
      if (result.code === 0 || (opts.okCodes ?? []).includes(result.code)) resolve(result);
      else reject(new GitError(args, result.code, result.stderr || result.stdout, timedOut));
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** A git runner bound to a directory and environment. */
export interface Git {
  readonly cwd: string;
  run(args: readonly string[], opts?: Omit<GitOptions, "cwd" | "env">): Promise<GitResult>;
  /** stdout of a read-only command, trailing newline removed. */
  read(args: readonly string[], opts?: Omit<GitOptions, "cwd" | "env" | "readOnly">): Promise<string>;
}

export function gitAt(cwd: string, env?: Readonly<Record<string, string | undefined>>): Git {
  return {
    cwd,
    run: (args, opts) => runGit(args, { ...opts, cwd, ...(env ? { env } : {}) }),
    read: async (args, opts) => {
      const r = await runGit(args, { ...opts, cwd, readOnly: true, ...(env ? { env } : {}) });
      return r.stdout.replace(/\n$/, "");
    },
  };
}
