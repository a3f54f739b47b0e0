// The tokenizer, shared by the query parser, the pure-JS index and snippets. It mirrors SQLite FTS5's
// `unicode61 remove_diacritics 2` (token characters are Unicode letters, numbers and private-use characters;
// everything else separates; case and diacritics are folded), so both backends see the same tokens and the
// fallback returns the same results as FTS5.

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
// For ASCII text (most logs) the same tokens come from a plain class, without the Unicode tables' cost.
const ASCII_TOKEN = /[A-Za-z0-9]+/g;
const MARKS = /\p{M}/gu;

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

export function fold(token: string): string {
  if (isAscii(token)) return token.toLowerCase();
  return token.normalize("NFD").replace(MARKS, "").toLowerCase();
}

/** The folded tokens of `text`, in order. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  if (isAscii(text)) {
    for (const m of text.matchAll(ASCII_TOKEN)) out.push(m[0].toLowerCase());
  } else for (const m of text.matchAll(TOKEN)) out.push(fold(m[0]));
  return out;
}

export interface TokenSpan {
  token: string;
  start: number;
  end: number;
}

/** Tokens with their character offsets in `text` (for snippets). */
export function tokenSpans(text: string): TokenSpan[] {
  const out: TokenSpan[] = [];
  const ascii = isAscii(text);
  for (const m of text.matchAll(ascii ? ASCII_TOKEN : TOKEN)) {
    out.push({ token: ascii ? m[0].toLowerCase() : fold(m[0]), start: m.index, end: m.index + m[0].length });
  }
  return out;
}
