// Session logs as the compiler reads them: who, when, what topic, and the seed's sections, for the log itself
// and for every `## Update:` appended to it. Older seed logs have no frontmatter: then the User block, the title
// line and the file name (`YYYY-MM-DD-<user>-<topic>.md`) say who and when.
import { promises as fsp, readFileSync } from "node:fs";
import { join } from "node:path";
import { headingKey, sectionOf, splitSections, type SectionKey } from "../log/narrative.js";
import { scopeOfPath } from "../log/scope.js";
import { parseSimpleYaml, splitFrontmatter } from "./article.js";
import { splitAt } from "./items.js";

export interface LogEntry {
  /** Repo-relative path of the log. */
  path: string;
  file: string;
  date: string;
  user: string;
  topic: string;
  /** `14:05 PDT — follow-up` for an appended update; undefined for the log's first save. */
  update?: string;
  sections: Partial<Record<SectionKey, string>>;
}

export interface LogDoc {
  path: string;
  file: string;
  date: string;
  user: string;
  topic: string;
  text: string;
  entries: LogEntry[];
}

const FILE_RE = /^(\d{4}-\d{2}-\d{2})-([a-z0-9]+)-(.+)\.md$/;

function sectionsOf(list: { heading: string; body: string }[]): Partial<Record<SectionKey, string>> {
  const out: Partial<Record<SectionKey, string>> = {};
  for (const s of list) {
    const key = sectionOf(s.heading);
    if (!key) continue;
    const prev = out[key];
    out[key] = prev === undefined ? s.body : `${prev}\n\n${s.body}`;
  }
  return out;
}

export function parseLog(path: string, raw: string): LogDoc {
  const text = raw.replace(/\r\n?/g, "\n").replace(/^\uFEFF/, "");
  const file = path.slice(path.lastIndexOf("/") + 1);
  const split = splitFrontmatter(text);
  const fm = (split && parseSimpleYaml(split.fm)) ?? {};
  const body = split ? split.body : text;
  const { preamble, sections } = splitSections(body);
  const byName = FILE_RE.exec(file);
  const title = /^#[ \t]+Session log:[ \t]*(.+?)[ \t]*\((\d{4}-\d{2}-\d{2})\)[ \t]*$/m.exec(preamble);
  const userSection = sections.find((s) => headingKey(s.heading) === "user");
  const fromBlock = userSection ? /\*\*User:\*\*[^\n]*\(([a-z0-9][a-z0-9-]*)\)/.exec(userSection.body)?.[1] : undefined;
  const s = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const date = s(fm.date) ?? byName?.[1] ?? title?.[2] ?? "unknown";
  const user = s(fm.user) ?? fromBlock ?? byName?.[2] ?? "unknown";
  const topic = s(fm.topic) ?? title?.[1] ?? byName?.[3] ?? file.replace(/\.md$/, "");
  const base = { path, file, date, user, topic };
  const first: { heading: string; body: string }[] = [];
  const entries: LogEntry[] = [];
  for (const sec of sections) {
    const u = /^Update:\s*(.+)$/i.exec(sec.heading);
    if (u?.[1]) entries.push({ ...base, update: u[1].trim(), sections: sectionsOf(splitAt(sec.body, 3).sections) });
    else first.push(sec);
  }
  entries.unshift({ ...base, sections: sectionsOf(first) });
  return { ...base, text, entries };
}

/** A repo-relative path that may be read as a session log (no escaping the repo, in a session-logs dir). */
export function isLogPath(p: string): boolean {
  return !p.startsWith("/") && !/^[A-Za-z]:/.test(p) && !p.split("/").includes("..") && !p.includes("\\") && scopeOfPath(p) !== undefined;
}

/**
 * Reads logs, in chronological order; a missing or unreadable one is reported through `warn` and left out.
 * Logs of the same day keep their order in `paths` (an article's sources are kept in the order they came).
 */
export async function readLogs(root: string, paths: readonly string[], warn: (m: string) => void): Promise<LogDoc[]> {
  const docs: LogDoc[] = [];
  for (const p of paths) {
    if (!isLogPath(p)) {
      warn(`wiki: "${p}" is not a session-log path; left out of the compile`);
      continue;
    }
    try {
      // Sync reads: hundreds of small files go several times faster than through the thread pool.
      docs.push(parseLog(p, readFileSync(join(root, ...p.split("/")), "utf8")));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      warn(`wiki: ${p}: ${code === "ENOENT" ? "no longer exists" : `cannot be read (${code ?? (e as Error).message})`}; left out of the compile and its sources`);
    }
  }
  return sortLogs(docs);
}

/** Chronological by date; a log has no time of day, so ties keep the given order (Array.sort is stable). */
export function sortLogs(docs: LogDoc[]): LogDoc[] {
  return docs.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The `.md` logs directly in a repo-relative session-logs directory. */
export async function listLogs(root: string, dir: string): Promise<string[]> {
  try {
    const names = await fsp.readdir(join(root, ...dir.split("/")));
    return names.filter((n) => n.endsWith(".md") && !n.startsWith(".")).sort().map((n) => `${dir}/${n}`);
  } catch {
    return [];
  }
}

/** Every session log in the repo: root, projects/*, clients/*. */
export async function listAllLogs(root: string): Promise<string[]> {
  const out = await listLogs(root, "session-logs");
  for (const kind of ["projects", "clients"]) {
    let names: string[] = [];
    try {
      names = (await fsp.readdir(join(root, kind), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {}
    for (const n of names) out.push(...(await listLogs(root, `${kind}/${n}/session-logs`)));
  }
  return out;
}
