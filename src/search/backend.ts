// The contract both index backends (SQLite FTS5 and the pure-JS fallback) keep: same documents in, same ranked
// results out. Ranking is FTS5's bm25() with these column weights; the JS backend computes the same formula.
import type { DocType, ScopeKind, SearchDoc } from "./doc.js";
import type { ParsedQuery } from "./query.js";

/** bm25 weights of the title, headings and body fields: a word in the title counts as ten in the body. */
export const WEIGHTS = [10, 4, 1] as const;

export type BackendKind = "sqlite" | "js";

/** The JS index's file under .git/logbook (named here so finding it does not load the JS index's code). */
export const JS_FILE = "search-js.json";

/** The stored index cannot be used as it is (unknown format or version); it is removed and rebuilt. */
export class CorruptIndex extends Error {}

export interface Filters {
  scope?: ScopeKind;
  /** The client slug or project name (with scope client/project). */
  scopeName?: string;
  user?: string;
  /** Inclusive YYYY-MM-DD bounds. */
  since?: string;
  until?: string;
  type?: DocType;
}

export interface Hit {
  path: string;
  title: string;
  date: string | null;
  user: string | null;
  scope: ScopeKind;
  scopeName: string | null;
  type: DocType;
  /** Higher is better (FTS5's bm25 negated). */
  score: number;
}

/** What the index knows about the tree it reflects. */
export interface IndexState {
  /** The HEAD commit the committed content was read at; null for an unborn branch. */
  head: string | null;
  /** Paths that differed from HEAD when last indexed, with the stat stamp they had. */
  dirty: Map<string, string>;
  /** The tree's fingerprint (fingerprint.ts) when last brought up to date; null when unknown. */
  fingerprint: string | null;
}

export interface Batch {
  upserts: SearchDoc[];
  removals: string[];
  state: IndexState;
}

export interface SearchBackend {
  readonly kind: BackendKind;
  /** Throws when the stored index is unreadable (the caller rebuilds). */
  readState(): IndexState;
  count(): number;
  /** Applies changes on top of what is indexed. */
  apply(batch: Batch): void;
  /** Replaces everything indexed with `batch.upserts` (a rebuild). */
  replaceAll(batch: Batch): void;
  search(q: ParsedQuery, filters: Filters, limit: number): Hit[];
  close(): void;
}

/** Orders hits the same way in both backends: score, then newest, then path. */
export function compareHits(a: Hit, b: Hit): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.date !== b.date) {
    if (a.date === null) return 1;
    if (b.date === null) return -1;
    return a.date < b.date ? 1 : -1;
  }
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function passes(f: Filters, d: Omit<Hit, "score">): boolean {
  if (f.type !== undefined && d.type !== f.type) return false;
  if (f.scope !== undefined && d.scope !== f.scope) return false;
  if (f.scopeName !== undefined && d.scopeName !== f.scopeName) return false;
  if (f.user !== undefined && d.user !== f.user) return false;
  if (f.since !== undefined && (d.date === null || d.date < f.since)) return false;
  if (f.until !== undefined && (d.date === null || d.date > f.until)) return false;
  return true;
}
