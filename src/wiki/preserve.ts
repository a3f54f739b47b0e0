// Patterns and History survive every recompile byte for byte. The only changes allowed: new entries appended at
// the end, and an existing line marked resolved (`[ ]` -> `[x]`, or a `resolved ...` note added at its end).
// Enforced here by comparing before and after, whoever wrote the draft.
import { normKey } from "./items.js";

const RESOLVED_SUFFIX = /^\s*(?:[—–-]\s*)?[_*(~\s]*resolved\b[^\n]*$/i;

/** `after` is `before` marked resolved (and nothing else changed). */
export function isResolvedMark(before: string, after: string): boolean {
  if (after === before) return true;
  const candidates = [before];
  if (before.includes("[ ]")) candidates.push(before.replace("[ ]", "[x]"));
  for (const c of candidates) {
    if (after === c) return true;
    if (after.startsWith(c) && RESOLVED_SUFFIX.test(after.slice(c.length))) return true;
  }
  return false;
}

/** Every line of `before` is still there, in order, unchanged or marked resolved; anything else comes after. */
export function isPreserved(before: string, after: string): boolean {
  if (before === "") return true;
  const a = before.split("\n");
  const b = after.split("\n");
  if (b.length < a.length) return false;
  // Line by line: `- foo` may not become `- foo bar` by "appending" to it.
  for (let i = 0; i < a.length; i++) if (!isResolvedMark(a[i]!, b[i]!)) return false;
  return true;
}

/** The lines after the preserved head (what was appended), as one text without leading blank lines. */
export function appendedPart(before: string, after: string): string {
  if (before === "") return after.replace(/^\n+/, "");
  return after.split("\n").slice(before.split("\n").length).join("\n").replace(/^\n+/, "");
}

const LIST = /^\s*(?:[-*+]|\d+[.)])\s+/;

/** Appends entries (one bullet each) at the end of a section core. */
export function appendEntries(core: string, entries: readonly string[]): string {
  let out = core;
  for (const e of entries) {
    const line = LIST.test(e) ? e : `- ${e}`;
    out = out === "" ? `\n${line}` : `${out}\n${line}`;
  }
  return out;
}

export interface Enforced {
  core: string;
  /** The draft kept the old text (only appended or marked resolved). */
  accepted: boolean;
  /** The entries taken from the draft when it did not. */
  salvaged: string[];
}

/**
 * The draft's section if it preserves `before`; otherwise `before` with the draft's new entries appended
 * (lines whose text is in no line of `before`). A draft never removes or rewrites what was there.
 */
export function enforcePreserved(before: string, draft: string): Enforced {
  if (isPreserved(before, draft)) return { core: before === "" && draft !== "" && !draft.startsWith("\n") ? `\n${draft}` : draft, accepted: true, salvaged: [] };
  const old = new Set(before.split("\n").map(normKey).filter((k) => k !== ""));
  const salvaged: string[] = [];
  const seen = new Set<string>();
  for (const line of draft.split("\n")) {
    if (line.trim() === "" || /^\s*#/.test(line)) continue;
    const k = normKey(line);
    if (k === "" || old.has(k) || seen.has(k)) continue;
    // Indented continuation lines belong to the entry above; keep them only if that entry was kept.
    if (/^\s+/.test(line) && !LIST.test(line)) continue;
    seen.add(k);
    salvaged.push(line.trim());
  }
  return { core: appendEntries(before, salvaged), accepted: false, salvaged };
}

/** Marks lines of `core` resolved (` _(resolved <date>)_`) where `resolvedOn` says so; nothing else changes. */
export function markResolved(core: string, resolvedOn: (line: string) => string | undefined): string {
  return core
    .split("\n")
    .map((line) => {
      if (!LIST.test(line) || /\bresolved\b/i.test(line) || /\[[xX]\]/.test(line)) return line;
      const date = resolvedOn(line);
      if (date === undefined) return line;
      return `${line.includes("[ ]") ? line.replace("[ ]", "[x]") : line} _(resolved ${date})_`;
    })
    .join("\n");
}
