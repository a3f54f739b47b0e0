// One article update, shared by the save phase and `logbook wiki compile`: read the article and its logs, get a
// draft (offline compiler or LLM), run the guards, enforce Patterns/History preservation, refresh Syncro fields,
// write atomically, regenerate the index. Slow work (LLM, Syncro) runs outside the wiki lock; the final
// read-merge-write runs inside it, so concurrent sessions never lose each other's sources.
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import type { RepoContext } from "../context.js";
import type { Deps } from "../deps.js";
import { DataError, InternalError } from "../errors.js";
import { headingKey } from "../log/narrative.js";
import { writeFileAtomic } from "../util/fs.js";
import { findSection, parseArticle, renderArticle, type Article, type ArticleSection } from "./article.js";
import { historyEntries, offlineDraft } from "./compile.js";
import { buildPrompt, draftFromLlm, GENERATED, LIVE_HEADING, LLM_JSON_SCHEMA, SYSTEM_PROMPT, type Draft } from "./draft.js";
import { guardText, knownFacts, stripBilling, type Known } from "./guards.js";
import { INDEX_PATH, writeIndexUnlocked } from "./index.js";
import { trimEndLines } from "./items.js";
import { withWikiLock } from "./lock.js";
import { isLogPath, listAllLogs, listLogs, readLogs, type LogDoc } from "./logs.js";
import { appendedPart, appendEntries, enforcePreserved, isPreserved } from "./preserve.js";
import { SynthesisError, toLogbookError } from "./providers/common.js";
import type { LiveData } from "./syncro.js";
import { ARTICLE_DIRS, articlePath, formatTarget, scopeLogDir, titleFromSlug, type Target } from "./target.js";

export type Mode = "auto" | "full" | "refresh";
export type Status = "compiled" | "seeded" | "refreshed" | "skipped";

export interface UpdateOptions {
  target: Target;
  /** auto: compile, falling back to a refresh on failure; full: compile or fail; refresh: refresh only. */
  mode: Mode;
  /** The log the save just wrote (repo-relative). */
  newLog?: string | undefined;
  /** `logbook wiki compile`: also take logs not yet in sources (the scope's directory; for system and pattern
   *  articles, every log that names the slug). */
  discover: boolean;
}

export interface UpdateResult {
  status: Status;
  target: string;
  /** Repo-relative article path. */
  path: string;
  /** Repo-relative paths written (the article, wiki/index.md). */
  changed: string[];
  warnings: string[];
  sources: string[];
  provider: string;
}

export const SOFTFAIL_PREFIX = "[WARN] wiki refreshed, not recompiled";
export const softfailMessage = (label: string) => `${SOFTFAIL_PREFIX}; run logbook wiki compile ${label} --full later`;

type LiveOutcome = { kind: "data"; data: LiveData } | { kind: "failed"; reason: string } | undefined;

const KNOWN_KEYS = new Set([...GENERATED.map((g) => headingKey(g.heading)), headingKey(LIVE_HEADING), "live", "patterns", "history"]);

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

interface Current {
  text: string | undefined;
  article: Article | undefined;
}

async function readCurrent(root: string, path: string): Promise<Current> {
  let text: string | undefined;
  try {
    text = await fsp.readFile(join(root, ...path.split("/")), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return { text, article: text === undefined ? undefined : await parseArticle(text, path) };
}

function mentions(text: string, slug: string): boolean {
  const t = text.toLowerCase();
  if (slug.includes("-")) return t.includes(slug) || t.includes(slug.replace(/-/g, " "));
  return new RegExp(`(?<![a-z0-9])${slug}(?![a-z0-9])`).test(t);
}

/**
 * The logs an update reads, in the order they came: the article's sources, the logs found (when seeding or
 * asked: the scope's directory, sorted by name, i.e. by date), then the new log.
 */
async function logPaths(root: string, o: UpdateOptions, article: Article | undefined): Promise<string[]> {
  const set = new Set(article?.fm.sources ?? []);
  if (!article || o.discover) {
    const dir = scopeLogDir(o.target);
    if (dir) {
      for (const p of await listLogs(root, dir)) if (p !== o.newLog) set.add(p);
    } else if (o.discover) {
      for (const p of await listAllLogs(root)) {
        if (set.has(p)) continue;
        const text = await fsp.readFile(join(root, ...p.split("/")), "utf8").catch(() => "");
        if (mentions(text, o.target.slug)) set.add(p);
      }
    }
  }
  if (o.newLog !== undefined) set.add(o.newLog);
  return [...set];
}

async function existing(root: string, paths: readonly string[], warn: (m: string) => void): Promise<string[]> {
  const ok = await Promise.all(
    paths.map(async (p) => {
      if (!isLogPath(p)) {
        warn(`wiki: "${p}" is not a session-log path; dropped from sources`);
        return false;
      }
      return fsp.stat(join(root, ...p.split("/"))).then(
        () => true,
        () => (warn(`wiki: ${p} no longer exists; dropped from sources`), false),
      );
    }),
  );
  return paths.filter((_, i) => ok[i]);
}

async function otherArticles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ARTICLE_DIRS) {
    const names = await fsp.readdir(join(root, ...dir.split("/"))).catch(() => [] as string[]);
    for (const n of names) if (n.endsWith(".md") && !n.startsWith(".")) out.push(`${dir}/${n}`);
  }
  return out.sort();
}

async function liveOutcome(ctx: RepoContext, target: Target, title: string, deps: Deps): Promise<LiveOutcome> {
  if (target.type !== "client") return undefined;
  const { fetchLive, syncroSettings } = await import("./syncro.js");
  const s = syncroSettings(ctx.config, deps.env);
  if (!s) return undefined;
  try {
    return { kind: "data", data: await fetchLive(target.slug, title, ctx.config, s, deps) };
  } catch (e) {
    return { kind: "failed", reason: (e as Error).message };
  }
}

async function llmDraft(ctx: RepoContext, label: string, title: string, previous: string | undefined, logs: LogDoc[], deps: Deps): Promise<Draft> {
  const provider = ctx.config.wiki.provider;
  const req = {
    system: SYSTEM_PROMPT,
    prompt: buildPrompt(label, title, previous, logs.map((l) => ({ path: l.path, text: l.text }))),
    schema: LLM_JSON_SCHEMA,
  };
  const json =
    provider === "anthropic"
      ? await (await import("./providers/anthropic.js")).anthropicComplete(req, ctx.config.wiki, deps)
      : await (await import("./providers/ollama.js")).ollamaComplete(req, ctx.config.wiki, deps);
  return draftFromLlm(json, provider === "anthropic" ? "Anthropic" : "Ollama");
}

/** Lines the LLM sent without the blank line that follows the heading in the old text get it back. */
function normaliseCore(old: string, draft: string): string {
  const t = trimEndLines(draft.replace(/\r\n?/g, "\n")).replace(/^\n+/, "");
  return (old === "" || old.startsWith("\n")) && t !== "" ? `\n${t}` : t;
}

interface ComposeArgs {
  target: Target;
  path: string;
  previous: Current;
  draft: Draft;
  logs: LogDoc[];
  live: LiveOutcome;
  now: Date;
  ctx: RepoContext;
  warn: (m: string) => void;
}

function liveCore(previous: ArticleSection | undefined, live: LiveOutcome, now: Date, tz: string, render: typeof import("./syncro.js")): string | undefined {
  if (!live) return previous?.core;
  if (live.kind === "data") return render.renderLive(live.data, tz);
  return render.staleLive(previous?.core, live.reason, now, tz);
}

/** Guards and billing removal on new text; what they did is collected for one warning per token. */
function cleanNew(text: string, known: Known, a: ComposeArgs, seen: { flagged: Set<string>; billing: string[] }): string {
  const g = guardText(text, known, a.ctx.config.vault?.path);
  for (const f of g.flagged) seen.flagged.add(f);
  const b = stripBilling(g.text);
  seen.billing.push(...b.removed);
  return b.text;
}

type Seen = Parameters<typeof cleanNew>[3];

/** A preserved section: the old text, then only what the draft appended (guarded), then `extra` entries. */
function preservedCore(name: string, old: string, draftCore: string, known: Known, a: ComposeArgs, seen: Seen, extra: (core: string) => string[] = () => []): string {
  const enforced = enforcePreserved(old, normaliseCore(old, draftCore));
  if (!enforced.accepted) a.warn(`${a.path}: the draft rewrote existing ${name} text; kept it byte for byte and appended the draft's new entries`);
  const oldLines = old === "" ? 0 : old.split("\n").length;
  const head = enforced.core.split("\n").slice(0, oldLines).join("\n");
  const tail = cleanNew(appendedPart(old, enforced.core), known, a, seen).replace(/\n+$/, "");
  let core = tail === "" ? head : head === "" ? `\n${tail}` : `${head}\n${tail}`;
  core = appendEntries(core, extra(core));
  // The last line of defence: whatever happened above, old text is never lost.
  if (!isPreserved(old, core)) {
    a.warn(`${a.path}: ${name} would have changed; kept the previous text`);
    core = old;
  }
  return core;
}

async function compose(a: ComposeArgs): Promise<Article> {
  const prev = a.previous.article;
  const title = prev?.fm.title ?? titleFromSlug(a.target.slug);
  const known = knownFacts([...a.logs.map((l) => l.text), a.previous.text ?? ""]);
  const seen: Seen = { flagged: new Set(), billing: [] };
  const sections: ArticleSection[] = [];
  const syncro = await import("./syncro.js");
  const live = liveCore(prev && findSection(prev, headingKey(LIVE_HEADING)), a.live, a.now, a.ctx.config.timezone, syncro);
  for (const g of GENERATED) {
    const body = cleanNew(a.draft[g.key], known, a, seen).trim();
    if (body === "" && g.optional) continue;
    sections.push({ heading: g.heading, core: `\n${body === "" ? "_None recorded._" : body}` });
    if (g.key === "overview" && live !== undefined) sections.push({ heading: LIVE_HEADING, core: live });
  }
  // Hand-written sections stay, before Patterns. A second Patterns or History a person added stays too, at the
  // end, so the first of each is still ours on the next read.
  const firstOf = new Set<string>();
  const repeats: ArticleSection[] = [];
  for (const s of prev?.sections ?? []) {
    const k = headingKey(s.heading);
    if ((k === "patterns" || k === "history") && firstOf.has(k)) repeats.push(s);
    else if (!KNOWN_KEYS.has(k)) sections.push(s);
    firstOf.add(k);
  }
  const oldPatterns = prev ? findSection(prev, "patterns") : undefined;
  const oldHistory = prev ? findSection(prev, "history") : undefined;
  sections.push({ heading: oldPatterns?.heading ?? "Patterns", core: preservedCore("Patterns", oldPatterns?.core ?? "", a.draft.patterns, known, a, seen) });
  sections.push({
    heading: oldHistory?.heading ?? "History",
    core: preservedCore("History", oldHistory?.core ?? "", a.draft.history, known, a, seen, (core) => historyEntries(core, a.logs, a.path)),
  });
  sections.push(...repeats);
  for (const f of seen.flagged) a.warn(`${a.path}: "${f}" appears in no source log and not in the previous article; marked (verify)`);
  for (const r of seen.billing) a.warn(`${a.path}: removed a billing figure from the draft (billing comes only from Syncro): "${r.slice(0, 80)}"`);
  return {
    fm: {
      type: a.target.type,
      slug: a.target.slug,
      title,
      last_compiled: isoSeconds(a.now),
      sources: a.logs.map((l) => l.path),
      extra: prev?.fm.extra ?? {},
    },
    preamble: prev ? prev.preamble : `\n# ${title}`,
    sections,
  };
}

/** The seed's surgical refresh: bump last_compiled, record the sources, refresh Syncro fields; nothing else. */
async function refresh(prev: Article, sources: string[], live: LiveOutcome, now: Date, ctx: RepoContext): Promise<Article> {
  const syncro = await import("./syncro.js");
  const liveKey = headingKey(LIVE_HEADING);
  const old = findSection(prev, liveKey);
  const core = liveCore(old, live, now, ctx.config.timezone, syncro);
  let sections = prev.sections;
  if (core !== undefined) {
    const s = { heading: old?.heading ?? LIVE_HEADING, core };
    if (old) sections = sections.map((x) => (x === old ? s : x));
    else {
      const at = sections.findIndex((x) => headingKey(x.heading) === "overview");
      sections = [...sections.slice(0, at + 1), s, ...sections.slice(at + 1)];
    }
  }
  return { ...prev, fm: { ...prev.fm, last_compiled: isoSeconds(now), sources: [...new Set([...prev.fm.sources, ...sources])] }, sections };
}

function stub(target: Target, label: string, sources: string[], now: Date): Article {
  const title = titleFromSlug(target.slug);
  return {
    fm: { type: target.type, slug: target.slug, title, last_compiled: isoSeconds(now), sources, extra: {} },
    preamble: `\n# ${title}`,
    sections: [
      { heading: "Overview", core: `\n_Not compiled yet: run logbook wiki compile ${label} --full._` },
      { heading: "Patterns", core: "" },
      { heading: "History", core: "" },
    ],
  };
}

export async function updateArticle(ctx: RepoContext, o: UpdateOptions, deps: Deps): Promise<UpdateResult> {
  const root = ctx.repo.root;
  const path = articlePath(o.target);
  const label = formatTarget(o.target);
  const provider = ctx.config.wiki.provider;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    deps.emit({ type: "warning", message });
  };
  const result = (status: Status, changed: string[], sources: string[]): UpdateResult => ({ status, target: label, path, changed, warnings, sources, provider });

  const before = await readCurrent(root, path);
  if (!before.article && (await logPaths(root, o, undefined)).length === 0) {
    const where = scopeLogDir(o.target);
    throw new DataError(`${label}: no article and no session logs to compile it from (${where ? `${where}/ has none` : `no log mentions "${o.target.slug}"`}). Save a log for it first.`);
  }
  const title = before.article?.fm.title ?? titleFromSlug(o.target.slug);
  const live = await liveOutcome(ctx, o.target, title, deps);
  if (live?.kind === "failed") warn(`wiki: Syncro refresh failed for ${label}: ${live.reason}; kept the previous values, marked with their date`);

  // An LLM draft is written outside the lock, from the article as it was read here.
  let draft: Draft | undefined;
  let failure: string | undefined;
  let llmLogs: LogDoc[] | undefined;
  if (o.mode !== "refresh" && provider !== "offline") {
    llmLogs = await readLogs(root, await logPaths(root, o, before.article), warn);
    try {
      draft = await llmDraft(ctx, label, title, before.text, llmLogs, deps);
    } catch (e) {
      const err = e instanceof SynthesisError ? e : new SynthesisError("invalid", `the ${provider} draft failed: ${(e as Error).message}`);
      if (o.mode === "full") throw toLogbookError(err, label);
      failure = err.message;
    }
  }

  const locked = await withWikiLock(ctx.state, { pid: deps.pid, now: deps.now }, async () => {
    const now = deps.now();
    const cur = await readCurrent(root, path);
    let status: Status;
    let article: Article;
    let logs: LogDoc[] | undefined;
    if (o.mode !== "refresh" && failure === undefined) {
      if (provider !== "offline" && cur.text !== before.text) {
        failure = "another session changed the article while the draft was being written";
        if (o.mode === "full") throw new InternalError(`${path} changed while the draft was being written; run logbook wiki compile ${label} --full again.`);
      } else {
        try {
          logs = provider === "offline" ? await readLogs(root, await logPaths(root, o, cur.article), warn) : llmLogs!;
          if (!draft) {
            const prev = cur.article;
            draft = offlineDraft({
              target: o.target,
              title: prev?.fm.title ?? titleFromSlug(o.target.slug),
              logs,
              patterns: (prev && findSection(prev, "patterns")?.core) ?? "",
              history: (prev && findSection(prev, "history")?.core) ?? "",
              previousSources: new Set(prev?.fm.sources ?? []),
              otherArticles: await otherArticles(root),
              vaultDir: ctx.config.vault?.path,
            });
          }
        } catch (e) {
          if (o.mode === "full") throw e;
          failure = `the offline compiler failed: ${(e as Error).message}`;
        }
      }
    }
    if (o.mode !== "refresh" && failure === undefined && draft && logs) {
      article = await compose({ target: o.target, path, previous: cur, draft, logs, live, now, ctx, warn });
      status = cur.article ? "compiled" : "seeded";
    } else {
      if (failure !== undefined) warn(`wiki: ${label}: ${failure}`);
      // A refresh records the new log (and, for wiki compile, the logs found); a seed takes what a seed takes.
      const wanted = new Set<string>(cur.article?.fm.sources ?? []);
      if (!cur.article || o.discover) for (const p of await logPaths(root, o, cur.article)) wanted.add(p);
      if (o.newLog !== undefined) wanted.add(o.newLog);
      const sources = await existing(root, [...wanted], warn);
      if (cur.article) article = await refresh({ ...cur.article, fm: { ...cur.article.fm, sources: [] } }, sources, live, now, ctx);
      else {
        // Nothing to refresh yet: seed offline from the logs (a stub when even that fails).
        try {
          const seedLogs = await readLogs(root, sources, warn);
          const seedDraft = offlineDraft({ target: o.target, title, logs: seedLogs, patterns: "", history: "", previousSources: new Set(), otherArticles: await otherArticles(root), vaultDir: ctx.config.vault?.path });
          article = await compose({ target: o.target, path, previous: cur, draft: seedDraft, logs: seedLogs, live, now, ctx, warn });
        } catch {
          article = stub(o.target, label, sources, now);
        }
      }
      if (failure !== undefined) warn(softfailMessage(label));
      status = "refreshed";
    }
    const text = await renderArticle(article);
    const changed: string[] = [];
    if (text !== cur.text) {
      await fsp.mkdir(join(root, ...path.split("/").slice(0, -1)), { recursive: true });
      await writeFileAtomic(join(root, ...path.split("/")), text, join(ctx.state, "tmp"));
      changed.push(path);
    }
    if ((await writeIndexUnlocked(root)).changed) changed.push(INDEX_PATH);
    return result(status, changed, article.fm.sources);
  });
  if (!locked) {
    warn(`wiki: ${label} not updated: another logbook process held the wiki lock for 30 s; run logbook wiki compile ${label} later`);
    return result("skipped", [], before.article?.fm.sources ?? []);
  }
  return locked.value;
}
