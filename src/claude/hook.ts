// Claude Code's SessionEnd hook: the JSON it passes on stdin, the detached child it starts, and the hook's log. Claude
// Code cuts a SessionEnd hook short when it exits, so the work runs in its own process group with its output in a
// log file (never our stdout/stderr pipes, which would keep Claude Code waiting), and the hook returns at once.
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from "node:fs";
import { setPriority } from "node:os";
import { dirname, isAbsolute } from "node:path";
import { DataError, UsageError } from "../errors.js";
import { SESSION_ID_RE } from "../log/render.js";

export interface HookInput {
  session: string;
  event: string | undefined;
  transcriptPath: string | undefined;
  cwd: string | undefined;
  reason: string | undefined;
}

/** Parses the hook JSON (`session_id`, `transcript_path`, `cwd`, `hook_event_name`, `reason`); unknown fields are ignored. */
export function parseHookInput(bytes: Buffer | undefined): HookInput {
  if (bytes === undefined) throw new UsageError("logbook hook reads the JSON Claude Code passes to a hook on stdin; nothing was piped in.");
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new DataError(`stdin: not the JSON Claude Code passes to hooks (${(e as Error).message}).`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DataError("stdin: the hook input must be a JSON object.");
  const o = value as Record<string, unknown>;
  const text = (k: string) => (typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined);
  const session = text("session_id");
  if (session === undefined) throw new DataError("stdin: the hook JSON has no session_id, so there is no session to checkpoint.");
  if (!SESSION_ID_RE.test(session)) throw new DataError(`stdin: session_id "${session.slice(0, 60)}" is not a session id (1-200 letters, digits, '.', '_', ':' or '-').`);
  const cwd = text("cwd");
  return { session, event: text("hook_event_name"), transcriptPath: text("transcript_path"), cwd: cwd && isAbsolute(cwd) ? cwd : undefined, reason: text("reason") };
}

export interface DetachedRun {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Receives the child's stdout and stderr (after `header`, when given). */
  logFile: string;
  header?: string | undefined;
  /** Lower the child's CPU priority by this much (0-19). */
  nice?: number | undefined;
}

/** Past this size the log is rotated to `<log>.1`, so a long-lived machine does not grow it forever. */
export const LOG_ROTATE_BYTES = 1 << 20;

function rotate(logFile: string): void {
  try {
    if (statSync(logFile).size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
  } catch {}
}

/** Appends one line (newlines inside it flattened) to the hook's log, rotating it first when it is too big. */
export function appendHookLog(logFile: string, line: string): void {
  mkdirSync(dirname(logFile), { recursive: true });
  rotate(logFile);
  // One write with O_APPEND: lines of children running at the same time never interleave.
  appendFileSync(logFile, `${line.replace(/\s*\n\s*/g, " ").trimEnd()}\n`);
}

/** Starts `argv` detached from this process, output appended to the log; returns its pid without waiting. */
export function startDetached(r: DetachedRun): number | undefined {
  mkdirSync(dirname(r.logFile), { recursive: true });
  rotate(r.logFile);
  const fd = openSync(r.logFile, "a");
  try {
    if (r.header !== undefined) writeSync(fd, `${r.header}\n`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.env)) if (v !== undefined) env[k] = v;
    const child = spawn(r.argv[0]!, r.argv.slice(1), { cwd: r.cwd, env, detached: true, stdio: ["ignore", fd, fd], windowsHide: true });
    // A failed spawn (say, the binary moved) is reported in the log; it must not crash the ending session's hook.
    child.on("error", (e) => {
      try {
        const efd = openSync(r.logFile, "a");
        writeSync(efd, `could not start ${r.argv.join(" ")}: ${e.message}\n`);
        closeSync(efd);
      } catch {}
    });
    child.unref();
    if (r.nice !== undefined && child.pid !== undefined) {
      // Background work: the child's start-up must not compete with the hook's own exit (Claude Code is waiting
      // for it) or with the person's next session.
      try {
        setPriority(child.pid, r.nice);
      } catch {}
    }
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
