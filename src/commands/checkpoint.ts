// `logbook checkpoint`: commit and push through the same lock without writing a log (every commit path goes
// through the lock: the seed's follow-up).
import { isAbsolute, join, resolve } from "node:path";
import type { Deps } from "../deps.js";
import { DataError, UsageError } from "../errors.js";
import { parseStatusV2 } from "../git/parse.js";
import { requireRepo } from "../git/repo.js";
import { gitAt } from "../git/run.js";
import { recordedSession } from "../log/render.js";
import { findTranscript, readTranscript } from "../log/transcript.js";
import { readHead } from "../util/fs.js";
import { homeOf } from "./transcript.js";
import { printSync, run as runSyncCommand, type SyncCommandResult } from "./sync.js";
import { jsonFlag, str, strs, type Command } from "./types.js";

export interface CheckpointOptions {
  message?: string | undefined;
  only?: string[];
  /** Commit exactly what this Claude Code session's transcript says it created, edited or deleted, plus its log. */
  session?: string | undefined;
}

/** Uncommitted session logs that record this session id. */
async function sessionLogs(root: string, session: string, deps: Deps): Promise<string[]> {
  const st = await gitAt(root, deps.env).read(["status", "--porcelain=v2", "-z", "--untracked-files=all"]);
  const out: string[] = [];
  for (const e of parseStatusV2(st)) {
    if (!/(^|\/)session-logs\/[^/]+\.md$/.test(e.path)) continue;
    try {
      if (recordedSession(readHead(join(root, ...e.path.split("/")))) === session) out.push(e.path);
    } catch {}
  }
  return out;
}

export async function run(o: CheckpointOptions, deps: Deps): Promise<SyncCommandResult> {
  const only = [...(o.only ?? [])];
  let message = o.message;
  if (o.session !== undefined) {
    const repo = requireRepo(deps.cwd);
    const file = findTranscript(o.session, deps.env, homeOf(deps.env));
    if (file === undefined) {
      throw new DataError(
        `no transcript for session ${o.session} under ${deps.env.CLAUDE_CONFIG_DIR || "~/.claude"}/projects/*/, so its files are unknown; checkpoint named paths with --only instead. Nothing was committed.`,
      );
    }
    const facts = await readTranscript(file, { repoRoot: repo.root });
    const touched = [...facts.filesCreated, ...facts.filesEdited, ...facts.filesDeleted].filter((p) => !isAbsolute(p));
    const logs = await sessionLogs(repo.root, o.session, deps);
    for (const p of [...touched, ...logs]) if (!only.includes(p)) only.push(resolve(repo.root, p));
    message ??= `checkpoint: session ${o.session} (${touched.length} file${touched.length === 1 ? "" : "s"})`;
    if (only.length === 0) {
      deps.emit({ type: "info", message: `session ${o.session} changed no files in this repository; nothing to commit` });
      return runSyncCommand({ only: [], message, purpose: "checkpoint", nothing: true }, deps);
    }
  }
  return runSyncCommand({ only, message, purpose: "checkpoint" }, deps);
}

export const command: Command<CheckpointOptions, SyncCommandResult> = {
  usage: "logbook checkpoint [-m <message>] [--only <path>...] [--session <id>] [--json]",
  summary: "commit and push through the sync lock, without writing a log",
  options: { message: { type: "string", short: "m" }, only: { type: "string", multiple: true }, session: { type: "string" }, ...jsonFlag },
  parse(v) {
    if (str(v.message)?.trim() === "") throw new UsageError("-m is empty: give a commit message (or leave -m out for the default one).");
    return { message: str(v.message), only: strs(v.only), session: str(v.session) };
  },
  run,
  print: printSync,
  exitCode: (r) => r.exitCode,
};
