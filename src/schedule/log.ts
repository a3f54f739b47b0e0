// `.git/logbook/schedule.log`: one line per `logbook sync --scheduled` run, since nobody watches a scheduler's output.
// Rotated at 1 MB into `schedule.log.1` (one generation kept).
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";

export const SCHEDULE_LOG = "schedule.log";
export const ROTATE_BYTES = 1 << 20;

export function scheduleLogPath(stateDir: string): string {
  return join(stateDir, SCHEDULE_LOG);
}

/**
 * Moves a full log aside. Through a unique name first: two runs that both saw a full log cannot both rotate (the
 * second rename finds nothing), so the `.1` generation is never replaced by an almost empty log.
 */
async function rotate(file: string): Promise<void> {
  const aside = `${file}.${randomBytes(4).toString("hex")}.rotating`;
  try {
    await fsp.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  await fsp.rename(aside, `${file}.1`);
}

/** Appends one line (newlines inside it flattened). One write on an O_APPEND file: lines of parallel runs never mix. */
export async function appendLine(file: string, line: string, limit = ROTATE_BYTES): Promise<void> {
  await fsp.mkdir(join(file, ".."), { recursive: true });
  try {
    if ((await fsp.stat(file)).size >= limit) await rotate(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await fsp.appendFile(file, `${oneLine(line)}\n`);
}

export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " | ").trim();
}

export interface LogSummary {
  /** The newest line. */
  last: string | undefined;
  /** Consecutive newest runs whose push is pending (remote unreachable), and when that began. */
  pendingRuns: number;
  pendingSince: string | undefined;
}

/** Reads only the log's tail: enough for the last run and a streak of pending runs. */
export async function summarize(file: string, tailBytes = 64 * 1024): Promise<LogSummary> {
  let text: string;
  try {
    const fh = await fsp.open(file, "r");
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - tailBytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      text = buf.toString("utf8");
      if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    } finally {
      await fh.close();
    }
  } catch {
    return { last: undefined, pendingRuns: 0, pendingSince: undefined };
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  let pendingRuns = 0;
  let pendingSince: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(\S+) (\w+):/.exec(lines[i]!);
    if (m?.[2] === "deferred") continue; // a deferred run says nothing about the remote
    if (m?.[2] !== "pending") break;
    pendingRuns++;
    pendingSince = m[1];
  }
  return { last: lines.at(-1), pendingRuns, pendingSince };
}
