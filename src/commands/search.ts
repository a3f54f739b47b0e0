// `logbook search`: ranked full-text search over session logs and wiki articles, from a local index under
// .git/logbook/ that follows git (see src/search/index.ts). Also the MCP server's search tool (runSearch).
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { requireRepo, stateDir } from "../git/repo.js";
import type { BackendKind, Filters } from "../search/backend.js";
import { scopeLabel, type DocType, type ScopeKind } from "../search/doc.js";
import { searchIndex } from "../search/index.js";
import { parseQuery } from "../search/query.js";
import { jsonFlag, str, type Command } from "./types.js";

export interface SearchOptions {
  query: string;
  /** general | project | client, or project:<name> / client:<slug>. */
  scope?: string | undefined;
  client?: string | undefined;
  project?: string | undefined;
  user?: string | undefined;
  /** Inclusive YYYY-MM-DD bounds. */
  since?: string | undefined;
  until?: string | undefined;
  type?: string | undefined;
  /** Default 20, at most 1000. */
  limit?: number | undefined;
  /** Rebuild the index from scratch first. */
  reindex?: boolean | undefined;
}

export interface SearchResultRow {
  path: string;
  title: string;
  date: string | null;
  user: string | null;
  /** general, project:<name> or client:<slug>. */
  scope: string;
  type: DocType;
  score: number;
  /** Matches wrapped in **. */
  snippet: string;
}

export interface SearchResult {
  query: string;
  results: SearchResultRow[];
  backend: BackendKind;
  /** Documents in the index (counted when nothing matched, or after --reindex). */
  documents?: number | undefined;
  /** Documents re-read or removed to bring the index up to date in this run. */
  updated: number;
  rebuilt: boolean;
}

export const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new UsageError(`${flag} "${v}": not a date; use YYYY-MM-DD (e.g. ${flag} 2026-01-31).`);
  }
  return v;
}

function nonEmpty(flag: string, v: string | undefined): string | undefined {
  if (v !== undefined && v.trim() === "") throw new UsageError(`${flag} is empty; give a value or leave the flag out.`);
  return v;
}

/** Turns the options into index filters, refusing contradictions (exit 64). */
export function filtersOf(o: SearchOptions): Filters {
  const f: Filters = {};
  let scope: ScopeKind | undefined;
  let scopeName: string | undefined;
  if (o.scope !== undefined) {
    const m = /^(general|project|client)(?::(.+))?$/.exec(o.scope);
    if (!m || (m[1] === "general" && m[2] !== undefined)) {
      throw new UsageError(`--scope "${o.scope}": use general, project or client (or project:<name>, client:<slug>).`);
    }
    scope = m[1] as ScopeKind;
    scopeName = m[2];
  }
  const client = nonEmpty("--client", o.client);
  const project = nonEmpty("--project", o.project);
  if (client !== undefined && project !== undefined) throw new UsageError("--client and --project exclude each other: a document has one scope.");
  for (const [flag, kind, v] of [["--client", "client", client], ["--project", "project", project]] as const) {
    if (v === undefined) continue;
    if (scope !== undefined && scope !== kind) throw new UsageError(`${flag} ${v} contradicts --scope ${o.scope}.`);
    if (scopeName !== undefined && scopeName !== v) throw new UsageError(`${flag} ${v} contradicts --scope ${o.scope}.`);
    scope = kind;
    scopeName = v;
  }
  if (scope !== undefined) f.scope = scope;
  if (scopeName !== undefined) f.scopeName = scopeName;
  const user = nonEmpty("--user", o.user);
  if (user !== undefined) f.user = user;
  const since = checkDate("--since", o.since);
  const until = checkDate("--until", o.until);
  if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since ${since} is after --until ${until}.`);
  if (since !== undefined) f.since = since;
  if (until !== undefined) f.until = until;
  if (o.type !== undefined) {
    if (o.type !== "log" && o.type !== "article") throw new UsageError(`--type "${o.type}": use log or article.`);
    f.type = o.type;
  }
  return f;
}

function limitOf(v: number | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(v) || v < 1 || v > MAX_LIMIT) throw new UsageError(`--limit ${v}: give a whole number from 1 to ${MAX_LIMIT}.`);
  return v;
}

/** The command and the MCP tool. */
export async function runSearch(o: SearchOptions, deps: Deps): Promise<SearchResult> {
  const text = o.query.trim();
  if (text === "" && !o.reindex) {
    throw new UsageError('search: give a query (e.g. logbook search "dns forwarder" --client acme), or --reindex to rebuild the index.');
  }
  const q = text === "" ? undefined : parseQuery(text);
  const filters = filtersOf(o);
  const limit = limitOf(o.limit);
  const repo = requireRepo(deps.cwd);
  const r = await searchIndex({ repo, state: stateDir(repo), deps }, q, filters, limit, o.reindex === true);
  return {
    query: text,
    backend: r.backend,
    documents: r.documents,
    updated: r.updated,
    rebuilt: r.rebuilt,
    results: r.hits.map((h) => ({
      path: h.path,
      title: h.title,
      date: h.date,
      user: h.user,
      scope: scopeLabel(h),
      type: h.type,
      score: Number(h.score.toPrecision(6)),
      snippet: h.snippet,
    })),
  };
}

export const run = runSearch;

/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org). Presentation only, CLI side. */
function useColor(): boolean {
  const nc = process.env.NO_COLOR;
  return process.stdout.isTTY === true && (nc === undefined || nc === "");
}

export function formatHuman(r: SearchResult, color: boolean): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  if (r.query === "") return `search index rebuilt: ${r.documents ?? 0} document(s) (${r.backend})\n`;
  if (r.results.length === 0) return `no matches for ${r.query} (${r.documents ?? 0} document(s) searched)\n`;
  const lines: string[] = [];
  r.results.forEach((x, i) => {
    lines.push(`${c("1", `${i + 1}. ${x.title}`)}`);
    const meta = [x.path, x.date, x.user, x.scope, `score ${x.score}`].filter((v) => v !== null && v !== "");
    lines.push(`   ${c("2", meta.join(" · "))}`);
    if (x.snippet !== "") {
      const snip = color ? x.snippet.replace(/\*\*(.+?)\*\*/g, (_, m: string) => c("1;33", m)) : x.snippet;
      lines.push(`   ${snip}`);
    }
  });
  return lines.join("\n") + "\n";
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} "${v}": give a whole number (e.g. ${flag} 50).`);
  return Number(v);
}

export const command: Command<SearchOptions, SearchResult> = {
  usage:
    "logbook search <query> [--scope general|project|client] [--client <slug>] [--project <name>] [--user <id>] " +
    "[--since <date>] [--until <date>] [--type log|article] [--limit N] [--json] [--reindex]",
  summary:
    'ranked full-text search over session logs and wiki articles: words (all must match), "exact phrases", ' +
    "-exclude, prefix word*; IPs and hostnames as typed. Put -- before a query that starts with -.",
  options: {
    scope: { type: "string" },
    client: { type: "string" },
    project: { type: "string" },
    user: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    type: { type: "string" },
    limit: { type: "string" },
    reindex: { type: "boolean" },
    ...jsonFlag,
  },
  positionals: { min: 0, max: 1000, names: "a query" },
  parse: (v, positionals) => ({
    query: positionals.join(" "),
    scope: str(v.scope),
    client: str(v.client),
    project: str(v.project),
    user: str(v.user),
    since: str(v.since),
    until: str(v.until),
    type: str(v.type),
    limit: positiveInt("--limit", str(v.limit)),
    reindex: v.reindex === true,
  }),
  run: runSearch,
  print(r, io) {
    if (io.json) io.out(JSON.stringify({ results: r.results }) + "\n");
    else io.out(formatHuman(r, useColor()));
  },
};
