// The snippet: the stretch of a document with the most query terms in it, matches wrapped in ** (markdown
// bold, which the human output turns into colour on a TTY). Built in JS for both backends, from the file itself,
// so the index stores no text.
import type { SearchDoc } from "./doc.js";
import type { ParsedQuery, QueryTerm } from "./query.js";
import { isAscii, tokenSpans, type TokenSpan } from "./text.js";

const WINDOW = 24;
const LEAD = 4;

export const HIT_OPEN = "**";
export const HIT_CLOSE = "**";

function termMatches(term: QueryTerm, spans: TokenSpan[], i: number): boolean {
  const n = term.tokens.length;
  if (i + n > spans.length) return false;
  for (let k = 0; k < n; k++) {
    const want = term.tokens[k]!;
    const got = spans[i + k]!.token;
    if (k === n - 1 && term.prefix ? !got.startsWith(want) : got !== want) return false;
  }
  return true;
}

interface Marks {
  /** Which term (index) each hit token belongs to; -1 when none. */
  term: Int32Array;
  starts: number[];
}

function mark(q: ParsedQuery, spans: TokenSpan[]): Marks {
  const term = new Int32Array(spans.length).fill(-1);
  const starts: number[] = [];
  q.terms.forEach((t, ti) => {
    if (t.negate) return;
    for (let i = 0; i < spans.length; i++) {
      if (!termMatches(t, spans, i)) continue;
      starts.push(i);
      for (let k = 0; k < t.tokens.length; k++) term[i + k] = ti;
    }
  });
  starts.sort((a, b) => a - b);
  return { term, starts };
}

function clean(s: string): string {
  return s.replace(/\*{2,}/g, "").replace(/\s+/g, " ");
}

function render(text: string, spans: TokenSpan[], term: Int32Array, from: number, to: number, before: boolean, after: boolean): string {
  let out = before || from > 0 ? "…" : "";
  let inHit = false;
  for (let i = from; i < to; i++) {
    const s = spans[i]!;
    if (i > from) {
      const gap = clean(text.slice(spans[i - 1]!.end, s.start));
      if (inHit && term[i]! < 0) {
        out += HIT_CLOSE;
        inHit = false;
      }
      out += gap;
    }
    if (term[i]! >= 0 && !inHit) {
      out += HIT_OPEN;
      inHit = true;
    }
    out += text.slice(s.start, s.end);
  }
  if (inHit) out += HIT_CLOSE;
  if (after || to < spans.length) out += "…";
  else out += clean(text.slice(spans[to - 1]?.end ?? 0)).trimEnd();
  return out.trim();
}

function best(m: Marks): { start: number; score: number } {
  let bestStart = 0;
  let bestScore = -1;
  for (const at of m.starts) {
    const s = Math.max(0, at - LEAD);
    const distinct = new Set<number>();
    let hits = 0;
    for (let i = s; i < s + WINDOW && i < m.term.length; i++) {
      const t = m.term[i]!;
      if (t >= 0) {
        distinct.add(t);
        hits++;
      }
    }
    const score = distinct.size * 1000 + hits;
    if (score > bestScore) {
      bestScore = score;
      bestStart = s;
    }
  }
  return { start: bestStart, score: bestScore };
}

interface Piece {
  spans: TokenSpan[];
  marks: Marks;
  start: number;
  score: number;
  /** Text exists before / after the tokenized stretch. */
  before: boolean;
  after: boolean;
}

function piece(text: string, q: ParsedQuery, lo: number, hi: number): Piece | undefined {
  // Cut at whitespace so no word is split at the edges of the stretch.
  const a = lo <= 0 ? 0 : Math.max(text.lastIndexOf(" ", lo), text.lastIndexOf("\n", lo), 0);
  let b = hi >= text.length ? text.length : text.indexOf(" ", hi);
  if (b === -1) b = text.length;
  const spans = tokenSpans(text.slice(a, b));
  for (const s of spans) {
    s.start += a;
    s.end += a;
  }
  const marks = mark(q, spans);
  if (marks.starts.length === 0) return undefined;
  const { start, score } = best(marks);
  return { spans, marks, start, score, before: a > 0 && spans[0] !== undefined, after: b < text.length };
}

/** Where in `text` the query's first tokens occur (lowercase search; a few per term is enough to choose from). */
function anchors(text: string, q: ParsedQuery): number[] {
  const lower = text.toLowerCase();
  const out: number[] = [];
  for (const t of q.terms) {
    if (t.negate) continue;
    const tok = t.tokens[0]!;
    for (let i = lower.indexOf(tok), n = 0; i !== -1 && n < 4; i = lower.indexOf(tok, i + tok.length), n++) out.push(i);
  }
  return out.sort((x, y) => x - y).filter((x, i, xs) => i === 0 || x - xs[i - 1]! > 80);
}

const SPAN_CHARS = 200;

/**
 * The snippet for one document: from the body, else the headings, else the body's start. Only stretches around
 * where the terms occur are tokenized (a whole 4 KB log takes milliseconds in a cold process, times 20 hits).
 */
export function makeSnippet(doc: Pick<SearchDoc, "body" | "headings">, q: ParsedQuery): string {
  for (const text of [doc.body, doc.headings]) {
    let found: Piece | undefined;
    const at = anchors(text, q);
    // Folded matches (accents) are not found by a lowercase search: tokenize the whole text then. ASCII text
    // folds by lowercasing alone, so no anchor there means no match.
    if (at.length === 0 && isAscii(text)) continue;
    const around = at.length ? at.map((x) => [x - SPAN_CHARS, x + 2 * SPAN_CHARS] as const) : [[0, text.length] as const];
    for (const [lo, hi] of around) {
      const p = piece(text, q, lo, hi);
      if (p && (!found || p.score > found.score)) found = p;
    }
    if (!found) continue;
    const to = Math.min(found.spans.length, found.start + WINDOW);
    return render(text, found.spans, found.marks.term, found.start, to, found.before, found.after || to < found.spans.length);
  }
  const spans = tokenSpans(doc.body);
  if (spans.length === 0) return "";
  return render(doc.body, spans, new Int32Array(spans.length).fill(-1), 0, Math.min(spans.length, WINDOW), false, false);
}
