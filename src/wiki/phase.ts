// The seed's Phase 3 inside `save`: fold the log just written into its client or project article before the
// sync commit. Softfail: it never throws and never blocks the save; a failed synthesis becomes a refresh with
// the seed's `[WARN] wiki refreshed, not recompiled` line.
import type { RepoContext } from "../context.js";
import type { Deps } from "../deps.js";
import { formatTarget, targetOfLog } from "./target.js";

export interface WikiPhaseResult {
  status: "compiled" | "seeded" | "refreshed" | "skipped";
  target?: string;
  /** Repo-relative paths written (the article, wiki/index.md): the save commits them with the log. */
  changed: string[];
  warnings: string[];
}

export async function runWikiPhase(ctx: RepoContext, logPath: string, deps: Deps): Promise<WikiPhaseResult> {
  const target = targetOfLog(logPath);
  // Root session-logs/ imply no single article: the seed skips the phase.
  if (!target) return { status: "skipped", changed: [], warnings: [] };
  const label = formatTarget(target);
  try {
    const { updateArticle } = await import("./update.js");
    const r = await updateArticle(ctx, { target, mode: "auto", newLog: logPath, discover: false }, deps);
    const message = r.status === "compiled" || r.status === "seeded" ? `wiki: ${r.status} ${label} (${r.path})` : undefined;
    deps.emit({ type: "wiki", status: r.status, target: label, path: r.path, ...(message ? { message } : {}) });
    return { status: r.status, target: label, changed: r.changed, warnings: r.warnings };
  } catch (e) {
    const message = `wiki: ${label} was not updated: ${(e as Error).message.replace(/\.?$/, "")}. The save goes on; run logbook wiki compile ${label} once it is fixed.`;
    try {
      deps.emit({ type: "warning", message });
    } catch {}
    return { status: "skipped", target: label, changed: [], warnings: [message] };
  }
}
