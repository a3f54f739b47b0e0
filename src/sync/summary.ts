// The seed's Post-commit Summary and notes banner, rendered in one place for save, sync and checkpoint.
import type { Note } from "./notes.js";
import type { SyncResult } from "./pipeline.js";

const BANNER = "=".repeat(60);

export function noteBanner(n: Note): string {
  return [BANNER, `MESSAGE FROM ${n.authorName} (${n.date})`, BANNER, n.body.trimEnd(), BANNER].join("\n") + "\n";
}

export function postCommitSummary(
  r: SyncResult,
  who: { name: string; email: string },
  file?: { path: string; linesAdded: number; appended: boolean },
  wiki?: { changed: string[] },
): string {
  const lines = ["## Post-commit Summary"];
  lines.push(r.commit ? `Commit: ${r.commit.slice(0, 10)} ${r.subject ?? ""}`.trimEnd() : "Commit: nothing new to commit");
  lines.push(`Author: ${who.name} <${who.email}>`);
  if (r.pushed && r.range) lines.push(`Push: ${r.range} ${r.branch} -> ${r.branch} (${r.remote})`);
  else if (r.pending) lines.push(`Push: pending — ${r.remote || "the remote"} is unreachable (${r.pendingReason ?? "no answer"}); committed locally, the next sync will push it`);
  else lines.push("Push: nothing to push (up to date)");
  if (file) lines.push(`File: ${file.path} (+${file.linesAdded} lines, ${file.appended ? "appended" : "created"})`);
  if (wiki) {
    const articles = wiki.changed.filter((p) => p !== "wiki/index.md");
    const kinds = [...new Set(articles.map((p) => p.split("/")[1]))].join("/");
    lines.push(`Wiki updates (if any): ${articles.length} article${articles.length === 1 ? "" : "s"} updated${kinds ? ` (${kinds})` : ""}`);
  }
  if (r.groupedBy !== undefined) lines.push(`Group commit: committed and pushed by the sync already running on this machine (pid ${r.groupedBy})`);
  if (r.behind?.length) lines.push(`Note: local branch not moved (uncommitted edits in ${r.behind.join(", ")}); the next sync catches up`);
  if (r.vault) lines.push(`Vault: ${r.vault.message}`);
  return lines.join("\n") + "\n";
}

export function syncJson(r: SyncResult): Record<string, unknown> {
  return {
    committed: r.committed,
    pushed: r.pushed,
    commit: r.commit,
    retries: r.retries,
    deferred: r.deferred,
    pending: r.pending,
    notes: r.notes.map((n) => ({ author: n.author, date: n.date, path: n.path, heading: n.heading, body: n.body })),
    vault: r.vault ? { status: r.vault.status, message: r.vault.message } : null,
  };
}
