// Opens, creates, updates and rebuilds the search index under .git/logbook/. The index follows git's view of
// the tree: it records the HEAD it was read at and the paths that differed from HEAD (with a stat stamp), and on
// each use re-reads only what `git diff <indexed> HEAD` and `git status` name. The index is a cache: a missing,
// corrupt or unwritable one is rebuilt (or held in memory), never a reason for the command to fail.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Deps } from "../deps.js";
import { LogbookError } from "../errors.js";
import { findRepo, type RepoPaths } from "../git/repo.js";
import { CorruptIndex, JS_FILE, type BackendKind, type Batch, type Filters, type Hit, type SearchBackend } from "./backend.js";
import { parseDoc, type SearchDoc } from "./doc.js";
import { fileStamp, fingerprint, treeStamp } from "./fingerprint.js";
import type { TreeView } from "./gitview.js";
import type { ParsedQuery } from "./query.js";
import { makeSnippet } from "./snippet.js";
import { SQLITE_FILE, SqliteBackend, loadSqlite, type Connect } from "./sqlite.js";

/** Written when better-sqlite3 cannot load, so the fallback notice is shown once, not on every run. */
export const NOTICE_FILE = "search-js-notice";

export interface IndexContext {
  repo: RepoPaths;
  /** `.git/logbook`. */
  state: string;
  deps: Pick<Deps, "env" | "emit">;
}

type Choice = { kind: "sqlite"; connect: Connect } | { kind: "js" };

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();
}

function forcedBackend(ctx: IndexContext): BackendKind | undefined {
  const v = ctx.deps.env.LOGBOOK_SEARCH_BACKEND;
  return v === "js" || v === "sqlite" ? v : undefined;
}

/** better-sqlite3 when it loads; otherwise the JS index, saying so once per repository. */
async function choose(ctx: IndexContext): Promise<Choice> {
  if (forcedBackend(ctx) === "js") return { kind: "js" };
  const marker = join(ctx.state, NOTICE_FILE);
  try {
    const connect = loadSqlite();
    if (existsSync(marker)) rmSync(marker, { force: true });
    return { kind: "sqlite", connect };
  } catch (e) {
    if (!existsSync(marker)) {
      ctx.deps.emit({
        type: "warning",
        message:
          `search: the native SQLite module (better-sqlite3) could not be loaded (${firstLine(e)}); using the ` +
          `pure-JS index instead: same results, slower to build. Reinstall with "npm rebuild better-sqlite3" to ` +
          `get it back. This notice is shown once.`,
      });
      try {
        mkdirSync(ctx.state, { recursive: true });
        writeFileSync(marker, `${firstLine(e)}\n`);
      } catch {}
    }
    return { kind: "js" };
  }
}

/** git and its parsers, loaded only when the fingerprint says something moved (spawning needs child_process). */
async function gitTools(ctx: IndexContext) {
  const [{ gitAt }, view] = await Promise.all([import("../git/run.js"), import("./gitview.js")]);
  return { git: gitAt(ctx.repo.root, ctx.deps.env), ...view };
}
type GitTools = Awaited<ReturnType<typeof gitTools>>;

/** The stored index itself is bad (remove and rebuild it), as opposed to busy or unwritable (leave it be). */
function isCorrupt(e: unknown): boolean {
  if (e instanceof CorruptIndex) return true;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) return true;
  return e instanceof Error && /no such (table|column)|malformed|not a database/i.test(e.message);
}

/**
 * The index file. .git/logbook is shared by all worktrees of a repository, and each worktree has its own files,
 * so a linked worktree gets its own index (named after its git directory) instead of churning the main one.
 */
export function indexFile(ctx: Pick<IndexContext, "repo" | "state">, kind: BackendKind): string {
  const name = kind === "sqlite" ? SQLITE_FILE : JS_FILE;
  const { gitDir, commonDir } = ctx.repo;
  return join(ctx.state, gitDir === commonDir ? name : name.replace(/^search/, `search-${basename(gitDir)}`));
}

async function open(ctx: IndexContext, c: Choice): Promise<{ backend: SearchBackend; created: boolean }> {
  const file = indexFile(ctx, c.kind);
  if (!existsSync(file)) mkdirSync(ctx.state, { recursive: true });
  if (c.kind === "sqlite") return SqliteBackend.open(c.connect, file);
  // The JS index is loaded only where it is used: less code to compile in every cold search.
  const { JsBackend } = await import("./fallback.js");
  return JsBackend.open(file, ctx.repo.root);
}

async function openMemory(ctx: IndexContext): Promise<{ backend: SearchBackend; created: boolean }> {
  const { JsBackend } = await import("./fallback.js");
  return JsBackend.open(null, ctx.repo.root);
}

function removeIndex(ctx: IndexContext, kind: BackendKind): void {
  const file = indexFile(ctx, kind);
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

function stamp(root: string, path: string): string {
  return fileStamp(join(root, ...path.split("/")));
}

function readDoc(root: string, path: string): SearchDoc | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, ...path.split("/")), "utf8");
  } catch {
    // Gone, or unreadable (a directory named *.md, no permission): not a document to find.
    return undefined;
  }
  return parseDoc(path, text);
}

/** Reads `paths`; the uncommitted files' stamps are taken first, so a change while reading shows next time. */
function batchFor(root: string, paths: Iterable<string>, view: TreeView, tree: string | null): Batch {
  const dirty = new Map(view.changed.map((p) => [p, stamp(root, p)]));
  const upserts: SearchDoc[] = [];
  const removals: string[] = [];
  for (const p of paths) {
    const d = readDoc(root, p);
    if (d) upserts.push(d);
    else removals.push(p);
  }
  return { upserts, removals, state: { head: view.head, dirty, fingerprint: fingerprint(tree, dirty, Date.now()) } };
}

async function rebuild(ctx: IndexContext, g: GitTools, backend: SearchBackend, view: TreeView, tree: string | null): Promise<number> {
  const paths = await g.allDocPaths(g.git);
  const batch = batchFor(ctx.repo.root, paths, view, tree);
  backend.replaceAll({ ...batch, removals: [] });
  return batch.upserts.length;
}

/**
 * Brings the index up to date with git's view. `tree` is the tree stamp taken before git looked, stored (in the
 * fingerprint) so the next run can skip git when nothing moved.
 */
async function refresh(ctx: IndexContext, backend: SearchBackend, full: boolean, tree: string | null): Promise<Refreshed> {
  const g = await gitTools(ctx);
  const view = await g.treeView(g.git);
  if (full) return { updated: await rebuild(ctx, g, backend, view, tree), rebuilt: true };
  const root = ctx.repo.root;
  const stored = backend.readState();
  const read = new Set<string>();
  if (stored.head !== view.head) {
    const diff = stored.head !== null && view.head !== null ? await g.changedBetween(g.git, stored.head, view.head) : undefined;
    // No diff possible (first commit since an unborn index, or the indexed commit was rewritten away): re-read all.
    if (diff === undefined) return { updated: await rebuild(ctx, g, backend, view, tree), rebuilt: true };
    for (const p of diff) read.add(p);
  }
  const now = new Set(view.changed);
  for (const p of view.changed) if (stored.dirty.get(p) !== stamp(root, p)) read.add(p);
  for (const p of stored.dirty.keys()) if (!now.has(p)) read.add(p);
  const batch = batchFor(root, read, view, tree);
  if (read.size === 0 && stored.head === view.head && stored.fingerprint === batch.state.fingerprint) return { updated: 0, rebuilt: false };
  backend.apply(batch);
  return { updated: batch.upserts.length + batch.removals.length, rebuilt: false };
}

interface Refreshed {
  /** Documents re-read or removed. */
  updated: number;
  rebuilt: boolean;
}

export interface Session {
  backend: SearchBackend;
  kind: BackendKind;
  updated: number;
  rebuilt: boolean;
}

/**
 * Opens the index, brings it up to date and runs `use` on it. Anything wrong with the index (unreadable file,
 * unknown schema, a corrupt page met mid-query) removes it and rebuilds; if even that fails (e.g. .git is
 * read-only), a JS index held in memory serves this run. Usage errors and a failing git are not the index's
 * fault and are thrown.
 */
export async function withIndex<T>(
  ctx: IndexContext,
  opts: { reindex?: boolean; onlyIfExists?: boolean },
  use: (s: Session) => T,
): Promise<T | undefined> {
  const choice = await choose(ctx);
  if (opts.onlyIfExists && !existsSync(indexFile(ctx, choice.kind))) return undefined;

  const attempt = async (c: Choice, forceFull: boolean, memory: boolean): Promise<T> => {
    const { backend, created } = memory ? await openMemory(ctx) : await open(ctx, c);
    try {
      const full = forceFull || created;
      if (created && !memory && !forceFull) {
        ctx.deps.emit({ type: "info", message: `search: building the index under ${ctx.state} (first use)` });
      }
      let r: Refreshed = { updated: 0, rebuilt: false };
      // Stamps are compared with the file system's clock, so this is the real clock, not deps.now.
      const tree = treeStamp(ctx.repo, Date.now());
      let fresh = false;
      if (!full && tree !== null) {
        const stored = backend.readState();
        const dirty = new Map([...stored.dirty.keys()].map((p) => [p, stamp(ctx.repo.root, p)]));
        const fp = fingerprint(tree, dirty, Date.now());
        fresh = fp !== null && fp === stored.fingerprint;
      }
      if (!fresh) r = await refresh(ctx, backend, full, tree);
      return use({ backend, kind: backend.kind, ...r });
    } finally {
      backend.close();
    }
  };

  let problem: unknown;
  try {
    return await attempt(choice, opts.reindex === true, false);
  } catch (e) {
    if (e instanceof LogbookError) throw e;
    problem = e;
  }
  if (isCorrupt(problem)) {
    ctx.deps.emit({
      type: "warning",
      message: `search: the index ${indexFile(ctx, choice.kind)} was unusable (${firstLine(problem)}); rebuilding it`,
    });
    try {
      removeIndex(ctx, choice.kind);
      return await attempt(choice, true, false);
    } catch (e) {
      if (e instanceof LogbookError) throw e;
      problem = e;
    }
  }
  // Busy beyond the wait, read-only, disk full...: the stored index is left alone and this run builds its own.
  ctx.deps.emit({
    type: "warning",
    message: `search: could not use the index under ${ctx.state} (${firstLine(problem)}); searching with a temporary in-memory index`,
  });
  return attempt({ kind: "js" }, true, true);
}

export interface SearchHit extends Hit {
  snippet: string;
}

export interface IndexSearch {
  hits: SearchHit[];
  backend: BackendKind;
  updated: number;
  rebuilt: boolean;
  /** Documents in the index; counted only when there are no hits to show (it costs a scan). */
  documents: number | undefined;
}

/** Runs a query against the up-to-date index; snippets are cut from the files of the hits. */
export async function searchIndex(
  ctx: IndexContext,
  q: ParsedQuery | undefined,
  filters: Filters,
  limit: number,
  reindex: boolean,
): Promise<IndexSearch> {
  const r = await withIndex(ctx, { reindex }, (s) => {
    const hits = q ? s.backend.search(q, filters, limit) : [];
    return { hits, backend: s.kind, updated: s.updated, rebuilt: s.rebuilt, documents: hits.length ? undefined : s.backend.count() };
  });
  const out = r!;
  return {
    ...out,
    hits: out.hits.map((h) => {
      const d = q ? readDoc(ctx.repo.root, h.path) : undefined;
      return { ...h, snippet: d && q ? makeSnippet(d, q) : "" };
    }),
  };
}

/**
 * Brings an existing index up to date (call after every sync). Cheap when nothing changed; does nothing when
 * no index was ever built (the first search builds it). Never throws.
 */
export async function updateSearchIndex(
  root: string,
  state: string,
  deps: Pick<Deps, "env" | "emit">,
): Promise<{ updated: number; backend: BackendKind }> {
  let backend: BackendKind = deps.env.LOGBOOK_SEARCH_BACKEND === "js" ? "js" : "sqlite";
  try {
    const repo = findRepo(root);
    if (!repo) return { updated: 0, backend };
    const r = await withIndex({ repo, state, deps }, { onlyIfExists: true }, (s) => ({ updated: s.updated, backend: s.kind }));
    if (r) return r;
    if (!existsSync(indexFile({ repo, state }, "sqlite")) && existsSync(indexFile({ repo, state }, "js"))) backend = "js";
  } catch {}
  return { updated: 0, backend };
}
