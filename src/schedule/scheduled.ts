// `logbook sync --scheduled`: the run a scheduler starts. Nobody reads its output, so it prints nothing on success,
// writes one line per run to schedule.log, and exits non-zero only for what a person must fix. A deferral (another
// sync holds the lock and does the work) and an unreachable remote (the commit waits; the next run pushes it) are
// exit 0: a scheduler that mails or flags failed runs would otherwise cry wolf every time the laptop is offline.
import type { Deps } from "../deps.js";
import { DeferredError, exitCodeOf, UnreachableError } from "../errors.js";
import { renderEvent, type LogEvent } from "../events.js";
import { requireRepo, stateDir } from "../git/repo.js";
import type { SyncResult } from "../sync/pipeline.js";
import { appendLine, oneLine, scheduleLogPath } from "./log.js";

export type ScheduledStatus = "ok" | "deferred" | "pending" | "error";

export interface ScheduledOutcome {
  status: ScheduledStatus;
  text: string;
  exitCode: number;
}

export interface ScheduledReport extends ScheduledOutcome {
  /** The line appended to the log, and the log. */
  line: string;
  log: string;
}

/** Exit codes that need no person: the next run finishes the work. */
const NEXT_RUN_FINISHES = new Set([0, 69, 75]);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function outcomeOf(r: SyncResult): ScheduledOutcome {
  if (r.deferred) return { status: "deferred", text: "another sync is running; it does the work, or the next run does", exitCode: 0 };
  // a sweep (plain sync) does not list its files; a paths-mode commit does
  const parts = [r.commit ? `committed ${r.commit.slice(0, 10)}${r.files.length ? ` (${plural(r.files.length, "file")})` : ""}` : "nothing to commit"];
  let status: ScheduledStatus = "ok";
  let exitCode = 0;
  if (r.pushed && r.range) parts.push(`pushed ${r.range} to ${r.remote}/${r.branch}`);
  else if (r.pending) {
    status = "pending";
    parts.push(`push pending: ${r.remote || "the remote"} is unreachable (${r.pendingReason ?? "no answer"}); the commit is kept and the next run pushes it`);
  } else parts.push("up to date");
  if (r.notes.length) parts.push(`${plural(r.notes.length, "note")} for you (logbook notes)`);
  if (r.vault && r.vault.status !== "nothing" && r.vault.status !== "skipped") {
    parts.push(r.vault.message);
    if (r.vault.status === "pending") {
      if (NEXT_RUN_FINISHES.has(r.vault.exitCode)) status = status === "ok" ? "pending" : status;
      else {
        status = "error";
        exitCode = r.vault.exitCode || 1;
      }
    }
  }
  if (exitCode === 0 && !NEXT_RUN_FINISHES.has(r.exitCode)) {
    status = "error";
    exitCode = r.exitCode;
  }
  return { status, text: parts.join("; "), exitCode };
}

export function errorOutcome(e: unknown): ScheduledOutcome {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof DeferredError) return { status: "deferred", text: "another sync is running; it does the work, or the next run does", exitCode: 0 };
  if (e instanceof UnreachableError) return { status: "pending", text: message, exitCode: 0 };
  const code = exitCodeOf(e);
  return { status: "error", text: `${message} (exit ${code})`, exitCode: code };
}

/** `<ISO time> <status>: <what happened> [<notable events>] (<seconds> s)` */
export function logLine(at: Date, o: ScheduledOutcome, notable: string[], ms: number): string {
  const extra = notable.length ? ` [${notable.join("; ")}]` : "";
  return oneLine(`${at.toISOString()} ${o.status}: ${o.text}${extra} (${(ms / 1000).toFixed(1)} s)`);
}

/** Events worth a mention in the log line (the transient ones are summarized by the outcome). */
function notableText(e: LogEvent): string | undefined {
  if (e.type === "lock-wait" || e.type === "push-retry" || e.type === "vault") return undefined;
  return renderEvent(e);
}

/**
 * Runs `sync` the scheduled way: events go to the log line instead of stderr, and the outcome decides the exit
 * code. `empty` makes the result for a deferral or an unreachable remote that was thrown rather than returned.
 */
export async function runScheduled<R extends SyncResult>(
  deps: Deps,
  sync: (deps: Deps) => Promise<R>,
  empty: (o: ScheduledOutcome) => R,
): Promise<R & { scheduled: ScheduledReport }> {
  const repo = requireRepo(deps.cwd);
  const log = scheduleLogPath(stateDir(repo));
  const notable: string[] = [];
  const quiet: Deps = {
    ...deps,
    emit: (e) => {
      const t = notableText(e);
      if (t !== undefined) notable.push(t);
    },
  };
  const started = deps.now();
  let result: R | undefined;
  let outcome: ScheduledOutcome;
  let thrown: unknown;
  try {
    result = await sync(quiet);
    outcome = outcomeOf(result);
  } catch (e) {
    thrown = e;
    outcome = errorOutcome(e);
  }
  const line = logLine(started, outcome, notable, deps.now().getTime() - started.getTime());
  try {
    await appendLine(log, line);
  } catch (e) {
    // Not worth failing a sync that worked; stderr reaches the scheduler's own log (journal, cron mail).
    deps.emit({ type: "warning", message: `could not write ${log}: ${(e as Error).message}` });
  }
  if (outcome.exitCode !== 0) {
    if (thrown !== undefined) throw thrown;
    deps.emit({ type: "warning", message: outcome.text });
  }
  const base = result ?? empty(outcome);
  return { ...base, exitCode: outcome.exitCode, scheduled: { ...outcome, line, log } };
}
