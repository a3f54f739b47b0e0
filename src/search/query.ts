// The search syntax: words (all must match), "exact phrases", -exclude, prefix word*. Anything typed with
// punctuation inside (an IP, a hostname, a path, guru-rmm) becomes a phrase of its tokens, so 10.0.0.10 finds
// exactly that sequence and dc01.acme.local finds the host as typed.
import { UsageError } from "../errors.js";
import { tokenize } from "./text.js";

export interface QueryTerm {
  /** Folded tokens that must appear consecutively in one field. */
  tokens: string[];
  /** The last token is a prefix (`word*`). */
  prefix: boolean;
  /** `-term`: documents containing it are left out. */
  negate: boolean;
  /** As typed, for messages. */
  raw: string;
}

export interface ParsedQuery {
  text: string;
  /** At least one positive term; duplicates removed. */
  terms: QueryTerm[];
}

interface RawTerm {
  text: string;
  quoted: boolean;
  negate: boolean;
}

/** Splits the query into whitespace-separated words and "quoted phrases", each possibly negated with `-`. */
function lex(text: string): RawTerm[] {
  const out: RawTerm[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let negate = false;
    if (text[i] === "-" && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      negate = true;
      i++;
    }
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      // An unterminated quote takes the rest of the query as the phrase.
      const end = close === -1 ? text.length : close;
      let phrase = text.slice(i + 1, end);
      i = end + 1;
      // `"foo bar"*` makes the phrase's last word a prefix.
      if (text[i] === "*") {
        phrase += "*";
        i++;
      }
      out.push({ text: phrase, quoted: true, negate });
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!)) j++;
    out.push({ text: text.slice(i, j), quoted: false, negate });
    i = j;
  }
  return out;
}

export function parseQuery(text: string): ParsedQuery {
  const terms: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const r of lex(text)) {
    const trimmed = r.text.trim();
    const prefix = trimmed.endsWith("*");
    const tokens = tokenize(prefix ? trimmed.replace(/\*+$/, "") : trimmed);
    if (tokens.length === 0) continue;
    const key = `${r.negate ? "-" : "+"}${prefix ? "*" : ""}${tokens.join(" ")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ tokens, prefix, negate: r.negate, raw: `${r.negate ? "-" : ""}${r.quoted ? `"${r.text}"` : r.text}` });
  }
  if (!terms.some((t) => !t.negate)) {
    throw new UsageError(
      `search: the query ${JSON.stringify(text)} has nothing to look for: give at least one word or "phrase" ` +
        `(-word only leaves words out; e.g. logbook search "dns forwarder" -test).`,
    );
  }
  return { text, terms };
}

function ftsPhrase(t: QueryTerm): string {
  // Tokens hold only letters and digits, so quoting them is enough to keep FTS5 syntax out.
  return `"${t.tokens.join(" ")}"${t.prefix ? "*" : ""}`;
}

/** The FTS5 MATCH expression for a parsed query. */
export function toFtsMatch(q: ParsedQuery): string {
  const pos = q.terms.filter((t) => !t.negate).map(ftsPhrase);
  const neg = q.terms.filter((t) => t.negate).map(ftsPhrase);
  let expr = pos.length === 1 ? pos[0]! : `(${pos.join(" AND ")})`;
  for (const n of neg) expr += ` NOT ${n}`;
  return expr;
}
