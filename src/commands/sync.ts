// `logbook sync`: the seed's /sync. Without --only it sweeps everything (git add -A); with --only, exactly those paths.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { openRepo, strictWhoami } from "../context.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { DEFERRED_OTHER, runSync, type SyncResult } from "../sync/pipeline.js";
import { noteBanner, postCommitSummary, syncJson } from "../sync/summary.js";
import type { ScheduledReport } from "../schedule/scheduled.js";
import { jsonFlag, strs, type Command } from "./types.js";

export interface SyncOptions {
  only?: string[];
  message?: string | undefined;
  purpose?: "sync" | "checkpoint";
  /** Nothing to commit by construction (a checkpoint of a session that changed nothing): fetch and push only. */
  nothing?: boolean;
  /** Run by a scheduler (`logbook schedule`): silent on success, one line in .git/logbook/schedule.log per run. */
  scheduled?: boolean;
}

export interface SyncCommandResult extends SyncResult {
  author: { name: string; email: string };
  scheduled?: ScheduledReport;
}

/** `--only` paths, relative to the cwd, as repo-relative `/` paths; outside the repo is a usage error. */
export function repoPaths(root: string, cwd: string, paths: string[]): string[] {
  return paths.map((p) => {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    const rel = relative(root, abs);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new UsageError(`--only ${p}: not a file inside the repository ${root}.`);
    if (rel.split(sep).includes(".git")) throw new UsageError(`--only ${p}: paths inside .git cannot be committed.`);
    return rel.split(sep).join("/");
  });
}

export async function run(o: SyncOptions, deps: Deps): Promise<SyncCommandResult> {
  if (o.scheduled) {
    const { runScheduled } = await import("../schedule/scheduled.js");
    return runScheduled<SyncCommandResult>(deps, (quiet) => run({ ...o, scheduled: false }, quiet), () => ({
      committed: false, commit: null, subject: null, files: [], pushed: false, pending: false, range: null, branch: "", remote: "",
      retries: 0, notes: [], deferred: false, vault: null, exitCode: 0, author: { name: "", email: "" },
    }));
  }
  const ctx = await openRepo(deps);
  const who = await strictWhoami(ctx, deps);
  const only = o.only ?? [];
  const paths = repoPaths(ctx.repo.root, deps.cwd, only);
  const purpose = o.purpose ?? "sync";
  const message =
    o.message ??
    (purpose === "checkpoint"
      ? `checkpoint: ${who.user} on ${who.currentMachine}`
      : `sync: ${who.user} on ${who.currentMachine}${paths.length ? ` (${paths.length} path${paths.length > 1 ? "s" : ""})` : ""}`);
  const mode = paths.length || o.nothing ? "paths" : "sweep";
  const r = await runSync(ctx.repo, ctx.config, { mode, paths, message, purpose }, deps, who);
  return { ...r, author: { name: who.name, email: who.email } };
}

export function printSync(r: SyncCommandResult, io: { out: (s: string) => void; json: boolean }): void {
  if (io.json) return io.out(JSON.stringify(r.scheduled ? { ...syncJson(r), scheduled: { status: r.scheduled.status, log: r.scheduled.log } } : syncJson(r)) + "\n");
  // A scheduled run speaks through its log; what a person must fix went to stderr as a warning or an error.
  if (r.scheduled) return;
  if (r.deferred) return io.out(DEFERRED_OTHER + "\n");
  for (const n of r.notes) io.out(noteBanner(n));
  io.out(postCommitSummary(r, r.author));
}

export const command: Command<SyncOptions, SyncCommandResult> = {
  usage: "logbook sync [--only <path>...] [--scheduled] [--json]",
  summary: "commit (everything, or --only paths), fetch, rebase, push through the per-machine lock",
  options: { only: { type: "string", multiple: true }, scheduled: { type: "boolean" }, ...jsonFlag },
  parse: (v) => ({ only: strs(v.only), scheduled: v.scheduled === true }),
  run,
  print: printSync,
  exitCode: (r) => r.exitCode,
};
