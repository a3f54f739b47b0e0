// The offline compiler: a deterministic article from the session logs alone (no network, no key). Same logs and
// same previous article give the same bytes. It extracts infrastructure lines, a host inventory, open items
// (minus the ones a later log resolved), decisions, problems and their resolutions, configuration changes,
// vault references, and one History entry per session; a problem seen in several sessions becomes a Pattern.
import type { SectionKey } from "../log/narrative.js";
import type { Draft } from "./draft.js";
import { findFacts } from "./guards.js";
import { isNone, itemsOf, normKey, oneLine, stripMd, type Item } from "./items.js";
import type { LogDoc, LogEntry } from "./logs.js";
import { appendEntries, markResolved } from "./preserve.js";
import { articlePath, type Target } from "./target.js";

export interface CompileInput {
  target: Target;
  title: string;
  /** Chronological (see sortLogs). */
  logs: readonly LogDoc[];
  /** The previous Patterns and History section bodies ("" when new). */
  patterns: string;
  history: string;
  /** Paths of the logs already in the previous article's sources (their resolutions were applied before). */
  previousSources: ReadonlySet<string>;
  /** Other articles (repo-relative paths), for "related" links. */
  otherArticles: readonly string[];
  vaultDir?: string | undefined;
}

interface Found {
  item: Item;
  entry: LogEntry;
  /** Position of the entry in chronological order. */
  seq: number;
}

const TYPE_WORD: Record<Target["type"], string> = { client: "Client", project: "Project", system: "System", pattern: "Pattern" };
const RESOLVED_WORDS = /\[[xX]\]|\b(?:done|resolved|completed?|fixed|closed|finished)\b/i;

function entriesOf(logs: readonly LogDoc[]): LogEntry[] {
  return logs.flatMap((l) => l.entries);
}

function collect(entries: readonly LogEntry[], key: SectionKey): Found[] {
  const out: Found[] = [];
  entries.forEach((entry, seq) => {
    const body = entry.sections[key];
    if (body === undefined || isNone(body)) return;
    for (const item of itemsOf(body)) out.push({ item, entry, seq });
  });
  return out;
}

const when = (e: LogEntry) => `${e.date} ${e.user}`;

/** Adds ` _(annotation)_` to the first line of a bullet item (blocks are left as they are). */
function annotate(item: Item, note: string): string {
  if (item.block) return item.text;
  const nl = item.text.indexOf("\n");
  return nl === -1 ? `${item.text} _(${note})_` : `${item.text.slice(0, nl)} _(${note})_${item.text.slice(nl)}`;
}

/** Newest first, one per key, at most `cap`, each annotated with date and user. */
function newestList(found: Found[], cap: number): string {
  const seen = new Set<string>();
  const out: string[] = [];
  let more = 0;
  for (let i = found.length - 1; i >= 0; i--) {
    const f = found[i]!;
    if (seen.has(f.item.key)) continue;
    seen.add(f.item.key);
    if (out.length >= cap) {
      more++;
      continue;
    }
    out.push(annotate(f.item, when(f.entry)));
  }
  if (more > 0) out.push(`- _…and ${more} older ${more === 1 ? "entry" : "entries"} in the session logs listed in sources._`);
  return joinItems(out);
}

/** Bullets one per line; blocks (tables, code) set off by blank lines. */
function joinItems(texts: readonly string[]): string {
  let out = "";
  let prevBlock = false;
  for (const t of texts) {
    const block = !t.startsWith("- ");
    if (out !== "") out += block || prevBlock ? "\n\n" : "\n";
    out += t;
    prevBlock = block;
  }
  return out;
}

function environment(infra: Found[]): string {
  const first = new Map<string, { item: Item; from: string; to: string }>();
  for (const f of infra) {
    const cur = first.get(f.item.key);
    if (cur) cur.to = f.entry.date > cur.to ? f.entry.date : cur.to;
    else first.set(f.item.key, { item: f.item, from: f.entry.date, to: f.entry.date });
  }
  return joinItems([...first.values()].map((v) => annotate(v.item, v.from === v.to ? v.from : `${v.from} … ${v.to}`)));
}

interface Host {
  name: string;
  addresses: Set<string>;
  last: string;
}

/** A label for an inventory line without a host name: the words before its first address. */
function labelOf(line: string, firstAt: number): string {
  return stripMd(line.slice(0, firstAt))
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")
    .replace(/^\s*\|/, "")
    .replace(/[\s:=|(,–—-]+$/, "")
    .trim()
    .slice(0, 60);
}

function inventory(infra: Found[]): Host[] {
  const hosts = new Map<string, Host>();
  const add = (name: string, ips: string[], date: string) => {
    const k = name.toLowerCase();
    const h = hosts.get(k) ?? { name, addresses: new Set<string>(), last: date };
    for (const ip of ips) h.addresses.add(ip);
    if (date > h.last) h.last = date;
    hosts.set(k, h);
  };
  for (const f of infra) {
    for (const line of f.item.text.split("\n")) {
      if (/^\s*\|?\s*-{3,}/.test(line) || !/[.:]/.test(line)) continue;
      const facts = findFacts(line);
      const ips = facts.filter((x) => x.kind === "ip").map((x) => x.text);
      const names = facts.filter((x) => x.kind === "host").map((x) => x.text);
      if (names.length > 0) {
        add(names[0]!, ips, f.entry.date);
        for (const n of names.slice(1)) add(n, [], f.entry.date);
      } else if (ips.length > 0) {
        const label = labelOf(line, facts.find((x) => x.kind === "ip")!.start);
        add(label === "" || /^`?$/.test(label) ? ips[0]! : label, label === "" ? ips.slice(1) : ips, f.entry.date);
      }
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...hosts.values()].sort((a, b) => cmp(a.name.toLowerCase(), b.name.toLowerCase()) || cmp(a.name, b.name));
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

function systems(hosts: Host[], related: string[]): string {
  const parts: string[] = [];
  if (hosts.length > 0) {
    const rows = hosts.map((h) => `| ${cell(h.name)} | ${[...h.addresses].sort().join(", ") || "—"} | ${h.last} |`);
    parts.push(["| System | Addresses | Last seen |", "| --- | --- | --- |", ...rows].join("\n"));
  }
  if (related.length > 0) parts.push(`Related articles:\n\n${related.join("\n")}`);
  return parts.join("\n\n");
}

function relatedArticles(input: CompileInput): string[] {
  const self = articlePath(input.target);
  const others = input.otherArticles.filter((p) => p !== self);
  if (others.length === 0) return [];
  const text = input.logs.map((l) => l.text.toLowerCase()).join("\n");
  const out: string[] = [];
  for (const p of [...others].sort()) {
    const m = /^wiki\/([a-z]+)\/([^/]+)\.md$/.exec(p);
    if (!m?.[1] || !m[2]) continue;
    const slug = m[2];
    if (slug.length < 3) continue;
    const hit = slug.includes("-") ? text.includes(slug) || text.includes(slug.replace(/-/g, " ")) : text.includes(slug) && new RegExp(`(?<![a-z0-9])${slug}(?![a-z0-9])`).test(text);
    if (hit) out.push(`- [${m[1]}/${slug}](../${m[1]}/${slug}.md)`);
  }
  return out;
}

/** Text of a list item without its marker, checkbox and trailing annotation. */
function itemBody(text: string): string {
  return text
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")
    .replace(/^\[[ xX]\]\s+/, "");
}

interface Resolution {
  seq: number;
  entry: LogEntry;
}

/**
 * Lines that say something was done or resolved, keyed. In Pending only a checked box counts (an open task may
 * well say "done"); `skip` leaves sections out.
 */
function resolutionLines(entries: readonly LogEntry[], skip: readonly SectionKey[] = []): { key: string; seq: number; entry: LogEntry }[] {
  const out: { key: string; seq: number; entry: LogEntry }[] = [];
  entries.forEach((entry, seq) => {
    for (const [k, body] of Object.entries(entry.sections) as [SectionKey, string | undefined][]) {
      if (!body || skip.includes(k)) continue;
      const marker = k === "pending" ? /\[[xX]\]/ : RESOLVED_WORDS;
      for (const line of body.split("\n")) if (marker.test(line)) out.push({ key: normKey(line), seq, entry });
    }
  });
  return out;
}

/** Long enough to match on without false hits. */
const matchable = (k: string) => k.split(" ").length >= 3 && k.length >= 12;

function openItems(pending: Found[], resolutions: ReturnType<typeof resolutionLines>): { text: string; open: number } {
  const byKey = new Map<string, { first: Found; lastPending: number; resolved?: Resolution }>();
  for (const f of pending) {
    if (f.item.block) continue;
    const checked = /^\s*-\s+\[[xX]\]/.test(f.item.text);
    const cur = byKey.get(f.item.key) ?? { first: f, lastPending: -1 };
    if (checked) cur.resolved = { seq: f.seq, entry: f.entry };
    else cur.lastPending = Math.max(cur.lastPending, f.seq);
    byKey.set(f.item.key, cur);
  }
  for (const [key, v] of byKey) {
    if (!matchable(key)) continue;
    for (const r of resolutions) {
      if (r.seq <= v.first.seq || !r.key.includes(key)) continue;
      if (!v.resolved || r.seq > v.resolved.seq) v.resolved = { seq: r.seq, entry: r.entry };
    }
  }
  const open: string[] = [];
  const done: { seq: number; text: string }[] = [];
  for (const v of byKey.values()) {
    const body = itemBody(v.first.item.text);
    const origin = `${when(v.first.entry)}, ${v.first.entry.topic}`;
    if (v.resolved && v.resolved.seq >= v.lastPending) {
      done.push({ seq: v.resolved.seq, text: annotate({ ...v.first.item, text: `- [x] ${body}` }, `resolved ${when(v.resolved.entry)}`) });
    } else open.push(annotate({ ...v.first.item, text: `- [ ] ${body}` }, origin));
  }
  done.sort((a, b) => b.seq - a.seq);
  const recentDone = done.slice(0, 10).map((d) => d.text);
  const parts = [open.join("\n")];
  if (recentDone.length > 0) parts.push(`Recently resolved:\n\n${recentDone.join("\n")}`);
  return { text: parts.filter((p) => p !== "").join("\n\n"), open: open.length };
}

function workLine(e: LogEntry): string {
  const summary = oneLine(e.sections.summary ?? "") || "(no summary)";
  return `**${e.date}** ${e.user} — ${e.topic}${e.update ? ` (update ${e.update})` : ""}: ${summary}`;
}

function recentWork(entries: readonly LogEntry[], cap = 15): string {
  const out: string[] = [];
  for (let i = entries.length - 1; i >= 0 && out.length < cap; i--) out.push(`- ${workLine(entries[i]!)}`);
  if (entries.length > cap) out.push(`- _…and ${entries.length - cap} earlier sessions and updates: see History._`);
  return out.join("\n");
}

function credentials(found: Found[], vaultDir: string | undefined): string {
  const refs = found.filter((f) => findFacts(f.item.text, vaultDir).some((x) => x.kind === "vault"));
  const others = found.length - refs.length;
  const parts: string[] = [];
  if (refs.length > 0) parts.push(newestList(refs, 40));
  if (others > 0) parts.push("_Credentials written in the session logs are not copied into the wiki; see the logs listed in sources._");
  return parts.join("\n\n");
}

function overview(input: CompileInput, entries: readonly LogEntry[], open: number, hosts: number): string {
  const { logs, target, title } = input;
  if (logs.length === 0) return `${TYPE_WORD[target.type]} **${title}**: no session logs yet.`;
  const users = [...new Set(logs.map((l) => l.user))].sort();
  const first = logs[0]!.date;
  const last = logs[logs.length - 1]!.date;
  const span = first === last ? `on ${first}` : `from ${first} to ${last}`;
  const latest = entries[entries.length - 1]!;
  const paras = [
    `${TYPE_WORD[target.type]} **${title}**: compiled from ${logs.length} session log${logs.length === 1 ? "" : "s"} ${span}, by ${users.join(", ")}.`,
    `Latest (${latest.date}, ${latest.user}, ${latest.topic}${latest.update ? `, update ${latest.update}` : ""}): ${oneLine(latest.sections.summary ?? "") || "no summary."}`,
    `${open} open item${open === 1 ? "" : "s"}; ${hosts} system${hosts === 1 ? "" : "s"} on record.`,
  ];
  return paras.join("\n\n");
}

/** Problems seen in two or more sessions, as new Pattern entries (those the section does not already hold). */
function recurringPatterns(problems: Found[], patternsCore: string): string[] {
  const byKey = new Map<string, { item: Item; logs: Set<string>; first: string }>();
  for (const f of problems) {
    if (f.item.block || f.item.key === "") continue;
    const cur = byKey.get(f.item.key) ?? { item: f.item, logs: new Set<string>(), first: f.entry.date };
    cur.logs.add(f.entry.path);
    byKey.set(f.item.key, cur);
  }
  const have = normKey(patternsCore);
  const out: string[] = [];
  for (const [key, v] of byKey) {
    if (v.logs.size < 2 || have.includes(key)) continue;
    out.push(`- Recurring problem (${v.logs.size} sessions since ${v.first}): ${itemBody(v.item.text).replace(/\n\s*/g, " ")}`);
  }
  return out;
}

/** The part of a Pattern line to look for in a log that says it is resolved. */
function patternKey(line: string): string {
  return normKey(
    line
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")
      .replace(/^[^:]{0,80}\):\s*/, "")
      .replace(/\s_\([^)]*\)_\s*$/, ""),
  );
}

function markPatterns(core: string, input: CompileInput, entries: readonly LogEntry[]): string {
  const fresh = entries.filter((e) => !input.previousSources.has(e.path));
  if (fresh.length === 0 || core === "") return core;
  // A problem that happened again and was fixed again is not the pattern going away: Problems do not count.
  const lines = resolutionLines(fresh, ["problems"]);
  return markResolved(core, (line) => {
    const k = patternKey(line);
    if (!matchable(k)) return undefined;
    const hit = lines.filter((r) => r.key.includes(k)).pop();
    return hit ? hit.entry.date : undefined;
  });
}

export function articleLink(article: string, logPath: string): string {
  const depth = article.split("/").length - 1;
  return `${"../".repeat(depth)}${logPath}`;
}

/** History entries for the sessions the section does not mention yet (by log file name), oldest first. */
export function historyEntries(core: string, logs: readonly LogDoc[], article: string): string[] {
  const named = new Set(core.match(/(?<![\w-])[\w.-]+\.md(?![\w-])/g) ?? []);
  const out: string[] = [];
  for (const l of logs) {
    if (named.has(l.file)) continue;
    const e = l.entries[0]!;
    const summary = oneLine(e.sections.summary ?? "", 200) || "(no summary)";
    out.push(`- ${l.date} ${l.user} — ${l.topic}: ${summary} ([${l.file}](${articleLink(article, l.path)}))`);
  }
  return out;
}

export function offlineDraft(input: CompileInput): Draft {
  const path = articlePath(input.target);
  const entries = entriesOf(input.logs);
  const infra = collect(entries, "infra");
  const hosts = inventory(infra);
  const resolutions = resolutionLines(entries);
  const open = openItems(collect(entries, "pending"), resolutions);
  const problems = collect(entries, "problems");
  const patterns = appendEntries(markPatterns(input.patterns, input, entries), recurringPatterns(problems, input.patterns));
  const history = appendEntries(input.history, historyEntries(input.history, input.logs, path));
  return {
    overview: overview(input, entries, open.open, hosts.length),
    environment: environment(infra),
    systems: systems(hosts, relatedArticles(input)),
    openItems: open.text,
    recentWork: recentWork(entries),
    decisions: newestList(collect(entries, "decisions"), 30),
    problems: newestList(problems, 30),
    configuration: newestList(collect(entries, "config"), 30),
    credentials: credentials(collect(entries, "secrets"), input.vaultDir),
    reference: newestList(collect(entries, "reference"), 40),
    patterns,
    history,
  };
}
