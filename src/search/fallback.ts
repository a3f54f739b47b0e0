// The pure-JS index, for platforms where better-sqlite3 cannot load. Same documents, same tokenizer, and the
// same bm25 formula as FTS5 (fts5Bm25Function: IDF floor 1e-6, k1 1.2, b 0.75, phrase frequency weighted by
// column), so it returns the same results in the same order. Postings hold per-field term counts; phrases are
// checked against the files themselves, which keeps the persisted index small (no positions).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptIndex, WEIGHTS, compareHits, passes, type Batch, type Filters, type Hit, type IndexState, type SearchBackend } from "./backend.js";
import { parseDoc, type DocType, type ScopeKind, type SearchDoc } from "./doc.js";
import type { ParsedQuery, QueryTerm } from "./query.js";
import { tokenize } from "./text.js";

const VERSION = 1;

interface JsDoc {
  path: string;
  type: DocType;
  title: string;
  date: string | null;
  user: string | null;
  scope: ScopeKind;
  scopeName: string | null;
  /** Token counts of title, headings, body. */
  len: [number, number, number];
}

type Freq = [number, number, number];

interface Persisted {
  v: number;
  head: string | null;
  fingerprint: string | null;
  dirty: [string, string][];
  docs: (JsDoc | 0)[];
  /** term -> flat [doc, title count, headings count, body count, doc, ...]. */
  terms: [string, number[]][];
}

function fieldsOf(d: Pick<SearchDoc, "title" | "headings" | "body">): [string, string, string] {
  return [d.title, d.headings, d.body];
}

export class JsBackend implements SearchBackend {
  readonly kind = "js" as const;
  private docs: (JsDoc | null)[] = [];
  private byPath = new Map<string, number>();
  private terms = new Map<string, number[]>();
  private live = 0;
  private totalTokens = 0;
  private state: IndexState = { head: null, dirty: new Map(), fingerprint: null };

  /** `file` null: in memory only (the last resort when nothing can be written). */
  private constructor(
    private readonly file: string | null,
    private readonly root: string,
  ) {}

  static open(file: string | null, root: string): { backend: JsBackend; created: boolean } {
    const b = new JsBackend(file, root);
    if (file === null || !existsSync(file)) return { backend: b, created: true };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      if (e instanceof SyntaxError) throw new CorruptIndex(`not JSON: ${e.message}`);
      throw e;
    }
    b.load(raw);
    return { backend: b, created: false };
  }

  private load(raw: unknown): void {
    const p = raw as Persisted;
    if (!p || typeof p !== "object" || p.v !== VERSION || !Array.isArray(p.docs) || !Array.isArray(p.terms) || !Array.isArray(p.dirty)) {
      throw new CorruptIndex("the JS search index has an unknown format");
    }
    this.state = {
      head: typeof p.head === "string" ? p.head : null,
      dirty: new Map(p.dirty),
      fingerprint: typeof p.fingerprint === "string" ? p.fingerprint : null,
    };
    this.docs = p.docs.map((d) => (d === 0 ? null : d));
    this.docs.forEach((d, i) => {
      if (!d) return;
      this.byPath.set(d.path, i);
      this.live++;
      this.totalTokens += d.len[0] + d.len[1] + d.len[2];
    });
    this.terms = new Map(p.terms);
  }

  readState(): IndexState {
    return { ...this.state, dirty: new Map(this.state.dirty) };
  }

  count(): number {
    return this.live;
  }

  private remove(path: string): void {
    const i = this.byPath.get(path);
    if (i === undefined) return;
    const d = this.docs[i]!;
    this.totalTokens -= d.len[0] + d.len[1] + d.len[2];
    this.live--;
    this.docs[i] = null;
    this.byPath.delete(path);
  }

  private add(doc: SearchDoc): void {
    this.remove(doc.path);
    const idx = this.docs.length;
    const counts = new Map<string, Freq>();
    const len: [number, number, number] = [0, 0, 0];
    fieldsOf(doc).forEach((text, col) => {
      const toks = tokenize(text);
      len[col] = toks.length;
      for (const t of toks) {
        let c = counts.get(t);
        if (!c) counts.set(t, (c = [0, 0, 0]));
        c[col]!++;
      }
    });
    for (const [t, c] of counts) {
      let p = this.terms.get(t);
      if (!p) this.terms.set(t, (p = []));
      p.push(idx, c[0], c[1], c[2]);
    }
    const { path, type, title, date, user, scope, scopeName } = doc;
    this.docs.push({ path, type, title, date, user, scope, scopeName, len });
    this.byPath.set(path, idx);
    this.live++;
    this.totalTokens += len[0] + len[1] + len[2];
  }

  apply(batch: Batch): void {
    for (const p of batch.removals) this.remove(p);
    for (const d of batch.upserts) this.add(d);
    this.state = { ...batch.state, dirty: new Map(batch.state.dirty) };
    this.save();
  }

  replaceAll(batch: Batch): void {
    this.docs = [];
    this.byPath = new Map();
    this.terms = new Map();
    this.live = 0;
    this.totalTokens = 0;
    this.apply(batch);
  }

  /** Drops postings of removed documents once they are a quarter of the slots (updates append). */
  private compact(): void {
    const dead = this.docs.length - this.live;
    if (dead === 0 || dead * 4 < this.docs.length) return;
    const remap = new Int32Array(this.docs.length).fill(-1);
    const docs: JsDoc[] = [];
    this.docs.forEach((d, i) => {
      if (d) {
        remap[i] = docs.length;
        docs.push(d);
      }
    });
    const terms = new Map<string, number[]>();
    for (const [t, p] of this.terms) {
      const q: number[] = [];
      for (let k = 0; k < p.length; k += 4) {
        const n = remap[p[k]!]!;
        if (n >= 0) q.push(n, p[k + 1]!, p[k + 2]!, p[k + 3]!);
      }
      if (q.length) terms.set(t, q);
    }
    this.docs = docs;
    this.terms = terms;
    this.byPath = new Map(docs.map((d, i) => [d.path, i]));
  }

  private save(): void {
    if (this.file === null) return;
    this.compact();
    const p: Persisted = {
      v: VERSION,
      head: this.state.head,
      fingerprint: this.state.fingerprint,
      dirty: [...this.state.dirty],
      docs: this.docs.map((d) => d ?? 0),
      terms: [...this.terms],
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(p));
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Per-document field counts of one query term (a word, a prefix, or a phrase checked against the file). */
  private freqs(t: QueryTerm, readFields: (doc: number) => string[][] | undefined): Map<number, Freq> {
    const out = new Map<number, Freq>();
    const addPostings = (p: number[] | undefined, into: Map<number, Freq>) => {
      if (!p) return;
      for (let k = 0; k < p.length; k += 4) {
        const d = p[k]!;
        if (!this.docs[d]) continue;
        const f = into.get(d);
        if (f) {
          f[0] += p[k + 1]!;
          f[1] += p[k + 2]!;
          f[2] += p[k + 3]!;
        } else into.set(d, [p[k + 1]!, p[k + 2]!, p[k + 3]!]);
      }
    };
    const last = t.tokens[t.tokens.length - 1]!;
    const lastPostings = (into: Map<number, Freq>) => {
      if (!t.prefix) addPostings(this.terms.get(last), into);
      else for (const [term, p] of this.terms) if (term.startsWith(last)) addPostings(p, into);
    };
    if (t.tokens.length === 1) {
      lastPostings(out);
      return out;
    }
    // A phrase: documents holding every token are candidates; the file says how often the sequence occurs.
    let cands = new Map<number, Freq>();
    lastPostings(cands);
    for (const tok of t.tokens.slice(0, -1)) {
      const has = new Map<number, Freq>();
      addPostings(this.terms.get(tok), has);
      cands = new Map([...cands].filter(([d]) => has.has(d)));
    }
    for (const d of cands.keys()) {
      const fields = readFields(d);
      if (!fields) continue;
      const f: Freq = [0, 0, 0];
      fields.forEach((toks, col) => (f[col] = countPhrase(toks, t)));
      if (f[0] + f[1] + f[2] > 0) out.set(d, f);
    }
    return out;
  }

  search(q: ParsedQuery, filters: Filters, limit: number): Hit[] {
    if (this.live === 0) return [];
    const cache = new Map<number, string[][] | undefined>();
    const readFields = (d: number) => {
      if (!cache.has(d)) {
        const doc = this.docs[d]!;
        let fields: string[][] | undefined;
        try {
          const parsed = parseDoc(doc.path, readFileSync(join(this.root, ...doc.path.split("/")), "utf8"));
          fields = parsed ? fieldsOf(parsed).map(tokenize) : undefined;
        } catch {
          fields = undefined;
        }
        cache.set(d, fields);
      }
      return cache.get(d);
    };
    const N = this.live;
    const pos = q.terms.filter((t) => !t.negate).map((t) => this.freqs(t, readFields));
    const neg = q.terms.filter((t) => t.negate).map((t) => this.freqs(t, readFields));
    const idf = pos.map((m) => {
      const v = Math.log((N - m.size + 0.5) / (m.size + 0.5));
      return v <= 0 ? 1e-6 : v;
    });
    const avgdl = this.totalTokens / N;
    const k1 = 1.2;
    const b = 0.75;
    const smallest = pos.reduce((a, m) => (m.size < a.size ? m : a));
    const hits: Hit[] = [];
    for (const d of smallest.keys()) {
      if (!pos.every((m) => m.has(d)) || neg.some((m) => m.has(d))) continue;
      const doc = this.docs[d]!;
      if (!passes(filters, doc)) continue;
      const D = doc.len[0] + doc.len[1] + doc.len[2];
      let score = 0;
      pos.forEach((m, i) => {
        const f = m.get(d)!;
        const freq = f[0] * WEIGHTS[0] + f[1] * WEIGHTS[1] + f[2] * WEIGHTS[2];
        score += idf[i]! * ((freq * (k1 + 1.0)) / (freq + k1 * (1 - b + (b * D) / avgdl)));
      });
      const { path, title, date, user, scope, scopeName, type } = doc;
      hits.push({ path, title, date, user, scope, scopeName, type, score });
    }
    return hits.sort(compareHits).slice(0, limit);
  }

  close(): void {}
}

function countPhrase(toks: string[], t: QueryTerm): number {
  const n = t.tokens.length;
  let c = 0;
  outer: for (let i = 0; i + n <= toks.length; i++) {
    for (let k = 0; k < n; k++) {
      const got = toks[i + k]!;
      const want = t.tokens[k]!;
      if (k === n - 1 && t.prefix ? !got.startsWith(want) : got !== want) continue outer;
    }
    c++;
  }
  return c;
}
