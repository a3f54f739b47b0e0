// What gets indexed: session logs and wiki articles, each turned into one document with a title, section
// headings and body (three fields weighted differently) plus the metadata the filters use.
import { headingKey, sectionOf } from "../log/narrative.js";
import { scopeOfPath } from "../log/scope.js";

export type DocType = "log" | "article";
export type ScopeKind = "general" | "project" | "client";

export interface DocKind {
  type: DocType;
  scope: ScopeKind;
  /** The project name or client slug; null for general. */
  scopeName: string | null;
}

export interface SearchDoc extends DocKind {
  /** Repo-relative, `/`-separated. */
  path: string;
  title: string;
  /** YYYY-MM-DD, or null when the document carries none. */
  date: string | null;
  /** The author's user id (logs); null for articles. */
  user: string | null;
  headings: string;
  body: string;
}

/**
 * Git pathspecs for every document (run from the repo root). `*` does not cross `/` under `:(glob)`, so these
 * are exactly the seed's log directories; isDocPath() applies the same rule again to whatever git returns.
 */
export const DOC_PATHSPECS = [
  ":(glob)session-logs/*.md",
  ":(glob)projects/*/session-logs/*.md",
  ":(glob)clients/*/session-logs/*.md",
  ":(glob)wiki/**/*.md",
  ":(exclude)wiki/index.md",
] as const;

/** The kind of document at a repo-relative path, or undefined when the path is not indexed. */
export function docKind(path: string): DocKind | undefined {
  const s = scopeOfPath(path);
  if (s) {
    return s.kind === "general"
      ? { type: "log", scope: "general", scopeName: null }
      : { type: "log", scope: s.kind, scopeName: s.kind === "project" ? s.name : s.slug };
  }
  if (!path.startsWith("wiki/") || !path.endsWith(".md") || path === "wiki/index.md") return undefined;
  const m = /^wiki\/(clients|projects)\/([^/]+)\.md$/.exec(path);
  if (m?.[1] && m[2]) return { type: "article", scope: m[1] === "clients" ? "client" : "project", scopeName: m[2] };
  return { type: "article", scope: "general", scopeName: null };
}

export function isDocPath(path: string): boolean {
  return docKind(path) !== undefined;
}

/** `client:acme`, `project:guru-rmm` or `general`, as `--scope` spells it. */
export function scopeLabel(d: Pick<DocKind, "scope" | "scopeName">): string {
  return d.scope === "general" || d.scopeName === null ? "general" : `${d.scope}:${d.scopeName}`;
}

/** Top-level `key: value` scalars of a frontmatter block; lists and nested maps are skipped (not needed here). */
function frontmatter(text: string): { fields: Map<string, string>; rest: string } {
  const fields = new Map<string, string>();
  if (!text.startsWith("---\n")) return { fields, rest: text };
  const end = /^---[ \t]*$/m.exec(text.slice(4));
  if (!end) return { fields, rest: text };
  const block = text.slice(4, 4 + end.index);
  for (const line of block.split("\n")) {
    const m = /^([A-Za-z_][\w-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m?.[1] || m[2] === undefined || m[2] === "") continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    fields.set(m[1], v);
  }
  return { fields, rest: text.slice(4 + end.index + end[0].length).replace(/^\n/, "") };
}

const DATE = /^(\d{4}-\d{2}-\d{2})/;

function dateOf(v: string | undefined): string | null {
  const m = v === undefined ? null : DATE.exec(v);
  return m?.[1] ?? null;
}

/** A seed section title carries no information (every log has it); an update heading keeps its topic. */
function headingText(h: string): string | undefined {
  if (headingKey(h) === "user" || sectionOf(h) !== undefined) return undefined;
  const u = /^Update:\s*\d{1,2}:\d{2}(?:\s+\S+)?\s*[—–-]\s*(.*)$/.exec(h);
  if (u) return u[1]?.trim() || undefined;
  return h;
}

/** Parses a log or article. undefined when `path` is not a document path. */
export function parseDoc(path: string, raw: string): SearchDoc | undefined {
  const kind = docKind(path);
  if (!kind) return undefined;
  const text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const { fields, rest } = frontmatter(text);
  const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.md$/, "");
  let h1: string | undefined;
  const headings: string[] = [];
  const body: string[] = [];
  let fence: string | undefined;
  for (const line of rest.split("\n")) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f?.[1]) {
      if (fence === undefined) fence = f[1][0]!.repeat(f[1].length);
      else if (f[1].startsWith(fence)) fence = undefined;
      body.push(line);
      continue;
    }
    const h = fence === undefined ? /^(#{1,6})[ \t]+(.+?)[ \t#]*$/.exec(line) : null;
    // Only the first `# ` line is the title; a later one is more likely a shell comment pasted without a fence.
    if (h?.[1] && h[2] && (h[1].length > 1 || h1 === undefined)) {
      if (h[1].length === 1) h1 = h[2];
      else {
        const t = headingText(h[2]);
        if (t !== undefined) headings.push(t);
      }
      continue;
    }
    body.push(line);
  }
  const bodyText = body.join("\n").trim();
  if (kind.type === "article") {
    return {
      ...kind,
      path,
      title: fields.get("title") ?? h1 ?? base,
      date: dateOf(fields.get("last_compiled")) ?? dateOf(fields.get("date")),
      user: null,
      headings: headings.join("\n"),
      body: bodyText,
    };
  }
  const fileDate = dateOf(base);
  const userBlock = /\*\*User:\*\*[^\n]*\(([^()\s]+)\)/.exec(bodyText)?.[1];
  let user = fields.get("user") ?? userBlock ?? null;
  const afterDate = fileDate ? base.slice(fileDate.length + 1) : base;
  if (user === null && fileDate) user = /^([^-]+)-/.exec(afterDate)?.[1] ?? null;
  const fileTopic = user !== null && afterDate.startsWith(`${user}-`) ? afterDate.slice(user.length + 1) : afterDate;
  return {
    ...kind,
    path,
    title: h1 ?? fields.get("topic") ?? (fileTopic || base),
    date: dateOf(fields.get("date")) ?? fileDate,
    user,
    headings: headings.join("\n"),
    body: bodyText,
  };
}
