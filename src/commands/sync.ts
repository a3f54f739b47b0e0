// `logbook sync`: the seed's /sync. Without --only it sweeps everything (git add -A); with --only, exactly those paths.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { openRepo, strictWhoami } from "../context.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { DEFERRED_OTHER, runSync, type SyncResult } from "../sync/pipeline.js";
import { noteBanner, postCommitSummary, syncJson } from "../sync/summary.js";
import { jsonFlag, strs, type Command } from "./types.js";

export interface SyncOptions {
  only?: string[];
  message?: string | undefined;
  purpose?: "sync" | "checkpoint";
  /** Nothing to commit by construction (a checkpoint of a session that changed nothing): fetch and push only. */
  nothing?: boolean;
}

export interface SyncCommandResult extends SyncResult {
  author: { name: string; email: string };
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
  const ctx = await openRepo(deps);
  const who = strictWhoami(ctx, deps);
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
  if (io.json) return io.out(JSON.stringify(syncJson(r)) + "\n");
  if (r.deferred) return io.out(DEFERRED_OTHER + "\n");
  for (const n of r.notes) io.out(noteBanner(n));
  io.out(postCommitSummary(r, r.author));
}

export const command: Command<SyncOptions, SyncCommandResult> = {
  usage: "logbook sync [--only <path>...] [--json]",
  summary: "commit (everything, or --only paths), fetch, rebase, push through the per-machine lock",
  options: { only: { type: "string", multiple: true }, ...jsonFlag },
  parse: (v) => ({ only: strs(v.only) }),
  run,
  print: printSync,
  exitCode: (r) => r.exitCode,
};
