// Small, fence-aware markdown helpers for the compiler: sections at any level, list items, normalised keys.

// One fence-aware heading splitter for logs and articles alike.
export { splitAt, type RawSection as Section } from "../log/narrative.js";

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Text without trailing blank lines (trailing spaces on the last real line are kept). */
export function trimEndLines(s: string): string {
  return s.replace(/(\n[ \t]*)+$/, "").replace(/^[ \t]+$/, "");
}

/** Markdown reduced to plain words: for keys, summaries and comparisons. */
export function stripMd(s: string): string {
  return s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`+/g, "")
    .replace(/(\*\*|__|~~)/g, "")
    .replace(/(^|\s)[*_](\S)/g, "$1$2")
    .replace(/(\S)[*_](?=\s|$|[.,;:!?)])/g, "$1");
}

const keys = new Map<string, string>();

/** A comparison key: case, markdown, checkboxes, punctuation and spacing do not matter. Memoised: the same
 *  lines come up again on every compile of an article. */
export function normKey(s: string): string {
  const hit = keys.get(s);
  if (hit !== undefined) return hit;
  const k = computeKey(s);
  if (keys.size > 50_000) keys.clear();
  keys.set(s, k);
  return k;
}

function computeKey(s: string): string {
  let t = s;
  if (t.includes("](")) t = t.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1");
  t = t.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "");
  if (t.includes("[")) t = t.replace(/\[[ xX]\]/g, " ");
  // Markdown emphasis and code marks are punctuation here, so they go with the rest.
  t = t.toLowerCase();
  return (!/\P{ASCII}/u.test(t) ? t.replace(/[^a-z0-9]+/g, " ") : t.replace(/[^\p{L}\p{N}]+/gu, " ")).trim();
}

const NONE = new Set(["none", "n a", "na", "nothing", "none yet", "nothing pending", "no", "nil", "tbd", "none so far", "none recorded", "nothing new"]);

/** "None.", "N/A" and friends: a section with nothing to say. */
export function isNone(text: string): boolean {
  // The phrases below are short; most items are not, and this runs on every item of every log.
  if (text.length > 40) return false;
  const k = normKey(text);
  return k === "" || NONE.has(k) || (/^none\b/.test(k) && k.split(" ").length <= 4);
}

export interface Item {
  /** Markdown of the item: a `- ` bullet (with its indented continuation) or a block (table, code). */
  text: string;
  key: string;
  block: boolean;
}

const BULLET = /^ {0,3}(?:[-*+]|\d+[.)])[ \t]+(.*)$/;

/** The items of a section body: bullets, paragraphs (as bullets), tables and code blocks (as blocks). */
export function itemsOf(body: string): Item[] {
  const lines = body.split("\n");
  const out: Item[] = [];
  const push = (text: string, block: boolean) => {
    const t = text.replace(/[ \t]+$/gm, "");
    if (!block && isNone(t)) return;
    if (block && t.trim() === "") return;
    out.push({ text: t, key: normKey(t), block });
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "" || /^#{1,6}\s/.test(line)) {
      i++;
      continue;
    }
    const f = FENCE.exec(line);
    if (f?.[1]) {
      const fence = f[1][0]!.repeat(f[1].length);
      const buf = [line];
      i++;
      while (i < lines.length) {
        const l = lines[i]!;
        buf.push(l);
        i++;
        const g = FENCE.exec(l);
        if (g?.[1]?.startsWith(fence)) break;
      }
      push(buf.join("\n"), true);
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const buf: string[] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) buf.push(lines[i++]!);
      push(buf.join("\n"), true);
      continue;
    }
    const b = BULLET.exec(line);
    if (b) {
      const buf = [`- ${b[1] ?? ""}`];
      i++;
      while (i < lines.length && /^[ \t]+\S/.test(lines[i]!) && !BULLET.test(lines[i]!)) buf.push(lines[i++]!);
      push(buf.join("\n"), false);
      continue;
    }
    const buf = [line.trim()];
    i++;
    while (i < lines.length && lines[i]!.trim() !== "" && !BULLET.test(lines[i]!) && !FENCE.test(lines[i]!) && !/^\s*\|/.test(lines[i]!) && !/^#{1,6}\s/.test(lines[i]!)) {
      buf.push(lines[i++]!.trim());
    }
    push(`- ${buf.join(" ")}`, false);
  }
  return out;
}

/** The first sentence or two of a summary, plain text, at most `max` characters. */
export function oneLine(text: string, max = 240): string {
  const para = text
    .split(/\n\s*\n/)
    .map((p) => stripMd(p).replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, "").replace(/\s+/g, " ").trim())
    .find((p) => p !== "" && !/^#/.test(p));
  if (!para) return "";
  // Split after sentence punctuation followed by a space, so dotted names (dc01.acme.local) stay whole.
  const sentences = para.split(/(?<=[.!?])\s+/);
  let s = "";
  for (const x of sentences) {
    const next = (s + " " + x.trim()).trim();
    if (s !== "" && next.length > max) break;
    s = next;
    if (s.length >= 80) break;
  }
  if (s.length > max) s = s.slice(0, max - 1).replace(/\s+\S*$/, "") + "…";
  return s;
}
