// A wiki article: YAML frontmatter (type, slug, title, last_compiled, sources) and `##` sections. Parsing keeps
// every section's bytes so Patterns, History and hand-written sections can be written back unchanged.
import { DataError } from "../errors.js";
import { slugProblem } from "../log/slug.js";
import { headingKey } from "../log/narrative.js";
import { splitAt, trimEndLines } from "./items.js";
import { ARTICLE_TYPES, targetOfArticlePath, type ArticleType } from "./target.js";

export interface Frontmatter {
  type: ArticleType;
  slug: string;
  title: string;
  last_compiled: string;
  sources: string[];
  /** Keys a person added; written back after the known ones. */
  extra: Record<string, unknown>;
}

export interface ArticleSection {
  heading: string;
  /** The body without trailing blank lines (it starts with "\n" when a blank line follows the heading). */
  core: string;
}

export interface Article {
  fm: Frontmatter;
  /** Text between the frontmatter and the first `##` heading (the `# Title` line), trailing blank lines trimmed. */
  preamble: string;
  sections: ArticleSection[];
}

export const KNOWN_KEYS = ["type", "slug", "title", "last_compiled", "sources"] as const;

// ---- frontmatter: a fast reader for the simple shape logbook writes; anything else goes to the yaml library ----

function scalar(v: string): unknown {
  if (v === "[]") return [];
  if (v.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(v);
      return typeof s === "string" ? s : undefined;
    } catch {
      return undefined;
    }
  }
  if (/^['{[&*!|>%@`#]/.test(v) || / #/.test(v) || /: /.test(v) || v.endsWith(":")) return undefined;
  return v;
}

/** The simple `key: value` / `key:` + `- item` subset; undefined when the text needs a real YAML parser. */
export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let listKey: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || /^\s*#/.test(line)) continue;
    let m = /^([A-Za-z_][\w-]*):(?:[ \t]+(.*?))?[ \t]*$/.exec(line);
    if (m?.[1]) {
      const v = m[2] ?? "";
      if (v === "") {
        out[m[1]] = null;
        listKey = m[1];
      } else {
        const s = scalar(v);
        if (s === undefined) return undefined;
        out[m[1]] = s;
        listKey = undefined;
      }
      continue;
    }
    m = /^[ \t]*-[ \t]+(.*?)[ \t]*$/.exec(line);
    if (m && listKey !== undefined) {
      const s = scalar(m[1] ?? "");
      if (typeof s !== "string") return undefined;
      const cur = out[listKey];
      if (cur === null) out[listKey] = [s];
      else (cur as unknown[]).push(s);
      continue;
    }
    return undefined;
  }
  return out;
}

async function parseYamlText(text: string): Promise<unknown> {
  const { parseYaml } = await import("../util/yaml.js");
  return parseYaml(text);
}

/** Splits `---\n...\n---\n` off the top; undefined when the text has no frontmatter block. */
export function splitFrontmatter(text: string): { fm: string; body: string } | undefined {
  if (!text.startsWith("---\n")) return undefined;
  const end = text.indexOf("\n---", 3);
  if (end === -1) return undefined;
  const after = text.indexOf("\n", end + 4);
  const closing = text.slice(end + 1, after === -1 ? text.length : after);
  if (closing.trim() !== "---") return undefined;
  return { fm: text.slice(4, end), body: after === -1 ? "" : text.slice(after + 1) };
}

/** Reads frontmatter into a record: the fast path, else the yaml library. Throws DataError naming the file. */
export async function readFrontmatter(fmText: string, file: string): Promise<Record<string, unknown>> {
  let raw: unknown = parseSimpleYaml(fmText);
  if (raw === undefined) {
    try {
      raw = await parseYamlText(fmText);
    } catch (e) {
      throw new DataError(`${file}: the frontmatter is not valid YAML (${(e as Error).message.split("\n")[0]}); fix it by hand and compile again.`);
    }
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DataError(`${file}: the frontmatter must be a mapping of keys (type, slug, title, last_compiled, sources).`);
  return raw as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : v instanceof Date ? v.toISOString() : undefined);

/** Validates frontmatter against the article's path: a missing field gets its obvious default, a wrong one is an error. */
export function validateFrontmatter(raw: Record<string, unknown>, path: string): Frontmatter {
  const where = targetOfArticlePath(path);
  const bad = (field: string, why: string) => new DataError(`${path}: frontmatter field "${field}" ${why}; fix it by hand and compile again.`, { file: path, field });
  const type = raw.type === undefined ? where?.type : str(raw.type);
  if (type === undefined || !(ARTICLE_TYPES as readonly string[]).includes(type)) throw bad("type", `must be one of ${ARTICLE_TYPES.join(", ")}`);
  if (where && where.type !== type) throw bad("type", `is "${type}" but the article is in the ${where.type} directory`);
  const slug = raw.slug === undefined ? where?.slug : str(raw.slug);
  if (slug === undefined || slugProblem(slug)) throw bad("slug", "must be a lowercase kebab slug");
  if (where && where.slug !== slug) throw bad("slug", `is "${slug}" but the file is named ${where.slug}.md`);
  const title = raw.title === undefined || raw.title === null ? slug : str(raw.title);
  if (title === undefined || title.trim() === "") throw bad("title", "must be a non-empty string");
  const last = raw.last_compiled === undefined || raw.last_compiled === null ? "" : str(raw.last_compiled);
  if (last === undefined) throw bad("last_compiled", "must be an ISO date-time string");
  let sources: string[] = [];
  if (raw.sources !== undefined && raw.sources !== null) {
    if (!Array.isArray(raw.sources) || raw.sources.some((s) => typeof s !== "string")) throw bad("sources", "must be a list of repo-relative session-log paths");
    sources = raw.sources as string[];
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!(KNOWN_KEYS as readonly string[]).includes(k)) extra[k] = v;
  return { type: type as ArticleType, slug, title, last_compiled: last, sources, extra };
}

const YAML_WORDS = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

/** A scalar as YAML: plain when that reads back as the same string, else JSON-quoted (valid YAML). */
export function yamlScalar(s: string): string {
  const plain =
    /^[A-Za-z0-9_][\w ./()+,:@-]*$/.test(s) &&
    !/[ :]$/.test(s) &&
    !/: /.test(s) &&
    !YAML_WORDS.test(s) &&
    !/^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(s) &&
    !/^0[xob]/i.test(s);
  return plain ? s : JSON.stringify(s);
}

export async function renderFrontmatter(fm: Frontmatter): Promise<string> {
  const lines = [
    "---",
    `type: ${fm.type}`,
    `slug: ${yamlScalar(fm.slug)}`,
    `title: ${yamlScalar(fm.title)}`,
    `last_compiled: ${yamlScalar(fm.last_compiled)}`,
  ];
  if (fm.sources.length === 0) lines.push("sources: []");
  else lines.push("sources:", ...fm.sources.map((s) => `  - ${yamlScalar(s)}`));
  if (Object.keys(fm.extra).length > 0) {
    const { stringifyYaml } = await import("../util/yaml.js");
    lines.push(stringifyYaml(fm.extra).replace(/\n$/, ""));
  }
  lines.push("---");
  return lines.join("\n") + "\n";
}

/** Parses an article's text (CRLF is read as LF). Throws DataError naming the file and field. */
export async function parseArticle(text: string, path: string): Promise<Article> {
  const t = text.replace(/\r\n?/g, "\n").replace(/^\uFEFF/, "");
  const split = splitFrontmatter(t);
  if (!split) throw new DataError(`${path}: no frontmatter block (--- ... ---) at the top; restore it (type, slug, title, last_compiled, sources) or delete the article to seed it again.`, { file: path, field: "frontmatter" });
  const fm = validateFrontmatter(await readFrontmatter(split.fm, path), path);
  const { preamble, sections } = splitAt(split.body, 2);
  return {
    fm,
    preamble: trimEndLines(preamble),
    sections: sections.map((s) => ({ heading: s.heading, core: trimEndLines(s.body) })),
  };
}

export function renderSection(s: ArticleSection): string {
  return `## ${s.heading}\n${s.core}\n`;
}

export async function renderArticle(a: Article): Promise<string> {
  const head = await renderFrontmatter(a.fm);
  const pre = a.preamble === "" ? "" : `${a.preamble}\n`;
  return `${head}${pre}${a.sections.length > 0 && pre !== "" ? "\n" : ""}${a.sections.map(renderSection).join("\n")}`;
}

export function findSection(a: Pick<Article, "sections">, key: string): ArticleSection | undefined {
  return a.sections.find((s) => headingKey(s.heading) === key);
}
