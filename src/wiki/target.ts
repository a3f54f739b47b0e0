// What a wiki compile is about: `<type>:<slug>`, where its article lives and which logs feed it.
import { UsageError } from "../errors.js";
import { scopeOfPath } from "../log/scope.js";
import { slugProblem } from "../log/slug.js";

export const ARTICLE_TYPES = ["client", "project", "system", "pattern"] as const;
export type ArticleType = (typeof ARTICLE_TYPES)[number];

export interface Target {
  type: ArticleType;
  slug: string;
}

const DIRS: Record<ArticleType, string> = { client: "clients", project: "projects", system: "systems", pattern: "patterns" };

export function formatTarget(t: Target): string {
  return `${t.type}:${t.slug}`;
}

export function parseTarget(text: string): Target {
  const m = /^([a-z]+):(.*)$/s.exec(text);
  const type = m?.[1];
  if (!m || !(ARTICLE_TYPES as readonly string[]).includes(type ?? "")) {
    throw new UsageError(`"${text}": a wiki target is <client|project|system|pattern>:<slug>, e.g. client:acme or project:guru-rmm.`);
  }
  const slug = m[2] ?? "";
  const problem = slugProblem(slug);
  if (problem) throw new UsageError(`"${text}": the slug "${slug}" ${problem}; use a lowercase kebab slug such as acme.`);
  return { type: type as ArticleType, slug };
}

/** Repo-relative path of the target's article. */
export function articlePath(t: Target): string {
  return `wiki/${DIRS[t.type]}/${t.slug}.md`;
}

/** The article a repo-relative path names, if it is one (wiki/<dir>/<slug>.md). */
export function targetOfArticlePath(path: string): Target | undefined {
  const m = /^wiki\/(clients|projects|systems|patterns)\/([^/]+)\.md$/.exec(path.replace(/\\/g, "/"));
  if (!m?.[1] || !m[2]) return undefined;
  const type = (Object.keys(DIRS) as ArticleType[]).find((k) => DIRS[k] === m[1])!;
  return { type, slug: m[2] };
}

export const ARTICLE_DIRS: readonly string[] = ARTICLE_TYPES.map((t) => `wiki/${DIRS[t]}`);

/** The seed's Phase 3 rule: a client or project log implies its article; a root log implies none. */
export function targetOfLog(logPath: string): Target | undefined {
  const s = scopeOfPath(logPath);
  if (!s || s.kind === "general") return undefined;
  return s.kind === "client" ? { type: "client", slug: s.slug } : { type: "project", slug: s.name };
}

/** The session-log directory whose logs belong to the target (clients and projects only). */
export function scopeLogDir(t: Target): string | undefined {
  if (t.type === "client") return `clients/${t.slug}/session-logs`;
  if (t.type === "project") return `projects/${t.slug}/session-logs`;
  return undefined;
}

/** A default title from the slug: `guru-rmm` -> `Guru Rmm`. */
export function titleFromSlug(slug: string): string {
  return slug
    .split("-")
    .map((w) => (w === "" ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join(" ");
}
