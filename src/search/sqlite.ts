// The SQLite FTS5 index (better-sqlite3, native and optional): a contentless FTS5 table (no copy of the text; the
// snippet is cut from the file itself) with title, headings and body, ranked by bm25() with WEIGHTS.
import { existsSync, linkSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CorruptIndex, WEIGHTS, type Batch, type Filters, type Hit, type IndexState, type SearchBackend } from "./backend.js";
import type { DocType, ScopeKind } from "./doc.js";
import { toFtsMatch, type ParsedQuery } from "./query.js";

/** The part of better-sqlite3's API used here (the package ships no types). */
interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}
/** Opens a database file. */
export type Connect = (file: string, options?: { timeout?: number; fileMustExist?: boolean }) => Database;

type Ctor = new (file: string, options?: { timeout?: number; fileMustExist?: boolean; nativeBinding?: unknown }) => Database;

/** The addon's own database class, as better-sqlite3 12.x's lib/database.js constructs and calls it. */
interface Addon {
  isInitialized?: boolean;
  setErrorConstructor(ctor: unknown): void;
  Database: new (
    filename: string, given: string, anonymous: boolean, readonly: boolean, fileMustExist: boolean,
    timeout: number, verbose: null, buffer: null,
  ) => { prepare(sql: string, owner: unknown, pragmaMode: boolean): Statement; exec(sql: string): void; close(): void };
}

const SCHEMA_VERSION = "1";
/** How long a writer waits for another process's transaction (a rebuild of a large repo takes seconds). */
const BUSY_MS = 30_000;
export const SQLITE_FILE = "search.sqlite";

const loaded = new Map<string, Connect>();

/**
 * Loads the native module once per process; throws when it is missing or built for another Node.
 *
 * A cold search spends most of its own time loading code, so this takes the shortest way in: the addon is loaded
 * directly and driven the way better-sqlite3 12's own thin JS wrapper drives it (prepare/exec/close), which skips
 * that wrapper's dozen files and the `bindings` package's path search (~10 ms of a ~50 ms search). Any other
 * major version, or any surprise, goes through the public API instead (`wrapper` forces that, for tests).
 */
export function loadSqlite(opts: { wrapper?: boolean } = {}): Connect {
  const key = opts.wrapper ? "wrapper" : "auto";
  const cached = loaded.get(key);
  if (cached) return cached;
  // require, not import(): the ESM loader would first parse the CommonJS sources for their exports. A computed
  // specifier keeps TypeScript from demanding types and the bundler from following it.
  const require = createRequire(import.meta.url);
  const id = "better-sqlite3";
  let version = "";
  let addon: Addon | undefined;
  try {
    const pkgFile = require.resolve(`${id}/package.json`);
    version = (require(pkgFile) as { version?: string }).version ?? "";
    const file = join(dirname(pkgFile), "build", "Release", "better_sqlite3.node");
    if (existsSync(file)) addon = require(file) as Addon;
  } catch {}
  let connect: Connect | undefined;
  if (!opts.wrapper && addon && /^12\./.test(version) && typeof addon.Database === "function") {
    try {
      const a = addon;
      if (!a.isInitialized) {
        a.setErrorConstructor(require(`${id}/lib/sqlite-error.js`));
        a.isInitialized = true;
      }
      const lite: Connect = (file, o) => {
        const owner = {};
        const db = new a.Database(file, file, file === ":memory:", false, o?.fileMustExist ?? false, o?.timeout ?? 5000, null, null);
        return { prepare: (sql) => db.prepare(sql, owner, false), exec: (sql) => db.exec(sql), close: () => db.close() };
      };
      lite(":memory:").close();
      connect = lite;
    } catch {}
  }
  if (!connect) {
    const Database = require(id) as Ctor;
    if (typeof Database !== "function") throw new Error("better-sqlite3 exports no Database class");
    const open: Connect = (file, options) => new Database(file, { ...options, ...(addon ? { nativeBinding: addon } : {}) });
    // Opening a database is what loads the binary when the addon was not found above: fail here, not mid-query.
    open(":memory:").close();
    connect = open;
  }
  loaded.set(key, connect);
  return connect;
}

/** Runs `fn` in a write transaction taken at once (no upgrade from a read lock that could deadlock). */
function immediate(db: Database, fn: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (e) {
    try {
      db.exec("ROLLBACK");
    } catch {}
    throw e;
  }
}

const SCHEMA = `
BEGIN;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  title TEXT NOT NULL, date TEXT, user TEXT, scope TEXT NOT NULL, scope_name TEXT);
CREATE TABLE dirty(path TEXT PRIMARY KEY, stamp TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(title, headings, body, content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2');
INSERT INTO meta(key, value) VALUES ('schema', '${SCHEMA_VERSION}');
COMMIT;
`;

interface Row {
  path: string;
  title: string;
  date: string | null;
  user: string | null;
  scope: ScopeKind;
  scopeName: string | null;
  type: DocType;
  score: number;
}

export class SqliteBackend implements SearchBackend {
  readonly kind = "sqlite" as const;
  private db: Database;

  private constructor(
    private readonly connect: Connect,
    private readonly file: string,
    db: Database,
  ) {
    this.db = db;
  }

  /** Opens the index at `file`, creating an empty one when there is none. Throws when it is unreadable. */
  static open(connect: Connect, file: string): { backend: SqliteBackend; created: boolean } {
    const created = !existsSync(file) && SqliteBackend.create(connect, file);
    const db = connect(file, { fileMustExist: true, timeout: BUSY_MS });
    const backend = new SqliteBackend(connect, file, db);
    try {
      const v = backend.meta().get("schema");
      if (v !== SCHEMA_VERSION) throw new CorruptIndex(`index schema ${v ?? "unknown"}, expected ${SCHEMA_VERSION}`);
    } catch (e) {
      backend.close();
      throw e;
    }
    return { backend, created };
  }

  /**
   * Creates the file with its schema, complete before anyone can open it: built under a temp name and hard-linked
   * into place (exclusive), so a concurrent first search opens either nothing or a whole empty index. Never
   * renamed over an existing index: another process may have it open, and SQLite's journal goes by file name.
   * Returns false when another process created it first.
   */
  private static create(connect: Connect, file: string): boolean {
    const tmp = `${file}.${process.pid}.new`;
    rmSync(tmp, { force: true });
    try {
      const db = connect(tmp, { timeout: BUSY_MS });
      db.exec(SCHEMA);
      db.close();
      try {
        linkSync(tmp, file);
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return false;
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EXDEV") throw e;
        // No hard links on this file system: a rename, with a short race window against another first search.
        if (existsSync(file)) return false;
        renameSync(tmp, file);
        return true;
      }
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** The meta table, read once per open (it holds the schema version, the indexed HEAD and the fingerprint). */
  private metaCache: Map<string, string | null> | undefined;
  private meta(): Map<string, string | null> {
    if (this.metaCache) return this.metaCache;
    const meta = new Map<string, string | null>();
    for (const r of this.db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string | null }[]) meta.set(r.key, r.value);
    return (this.metaCache = meta);
  }

  readState(): IndexState {
    const meta = this.meta();
    const dirty = new Map<string, string>();
    for (const r of this.db.prepare("SELECT path, stamp FROM dirty").all() as { path: string; stamp: string }[]) dirty.set(r.path, r.stamp);
    return { head: meta.get("head") ?? null, dirty, fingerprint: meta.get("fingerprint") ?? null };
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM docs").get() as { n: number }).n;
  }

  apply(batch: Batch): void {
    this.metaCache = undefined;
    write(this.db, batch, false);
  }

  /** Replaces everything, in place and in one transaction: readers see the old index or the new one. */
  replaceAll(batch: Batch): void {
    this.metaCache = undefined;
    write(this.db, batch, true);
  }

  search(q: ParsedQuery, f: Filters, limit: number): Hit[] {
    const where: string[] = ["fts MATCH ?"];
    const params: unknown[] = [toFtsMatch(q)];
    const eq = (col: string, v: string | undefined) => {
      if (v === undefined) return;
      where.push(`d.${col} = ?`);
      params.push(v);
    };
    eq("type", f.type);
    eq("scope", f.scope);
    eq("scope_name", f.scopeName);
    eq("user", f.user);
    if (f.since !== undefined) {
      where.push("d.date >= ?");
      params.push(f.since);
    }
    if (f.until !== undefined) {
      where.push("d.date <= ?");
      params.push(f.until);
    }
    params.push(limit);
    const sql =
      `SELECT d.path, d.title, d.date, d.user, d.scope, d.scope_name AS scopeName, d.type, ` +
      `-bm25(fts, ${WEIGHTS.join(", ")}) AS score FROM fts JOIN docs d ON d.id = fts.rowid ` +
      `WHERE ${where.join(" AND ")} ORDER BY score DESC, d.date DESC, d.path LIMIT ?`;
    return this.db.prepare(sql).all(...params) as Row[];
  }

  close(): void {
    try {
      this.db.close();
    } catch {}
  }
}

function write(db: Database, batch: Batch, reset: boolean): void {
  const find = db.prepare("SELECT id FROM docs WHERE path = ?");
  const delFts = db.prepare("DELETE FROM fts WHERE rowid = ?");
  const delDoc = db.prepare("DELETE FROM docs WHERE id = ?");
  const insDoc = db.prepare(
    "INSERT INTO docs(path, type, title, date, user, scope, scope_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const insFts = db.prepare("INSERT INTO fts(rowid, title, headings, body) VALUES (?, ?, ?, ?)");
  const remove = (path: string) => {
    const row = find.get(path) as { id: number } | undefined;
    if (!row) return;
    delFts.run(row.id);
    delDoc.run(row.id);
  };
  immediate(db, () => {
    if (reset) {
      // 'delete-all' is how a contentless FTS5 table is emptied.
      db.prepare("INSERT INTO fts(fts) VALUES ('delete-all')").run();
      db.prepare("DELETE FROM docs").run();
    }
    for (const p of batch.removals) remove(p);
    for (const d of batch.upserts) {
      if (!reset) remove(d.path);
      const r = insDoc.run(d.path, d.type, d.title, d.date, d.user, d.scope, d.scopeName);
      insFts.run(r.lastInsertRowid, d.title, d.headings, d.body);
    }
    db.prepare("DELETE FROM dirty").run();
    const insDirty = db.prepare("INSERT INTO dirty(path, stamp) VALUES (?, ?)");
    for (const [p, s] of batch.state.dirty) insDirty.run(p, s);
    const setMeta = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    setMeta.run("head", batch.state.head);
    setMeta.run("fingerprint", batch.state.fingerprint);
  });
}
