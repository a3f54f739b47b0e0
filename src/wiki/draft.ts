// A draft of an article's sections, from the offline compiler or an LLM. The LLM's JSON is validated with zod;
// a draft that fails validation is a synthesis failure (the caller falls back to a refresh).
import * as z from "zod/mini";
import { sectionOf } from "../log/narrative.js";
import { isNone } from "./items.js";
import { SynthesisError } from "./providers/common.js";

export interface Draft {
  overview: string;
  environment: string;
  systems: string;
  openItems: string;
  recentWork: string;
  decisions: string;
  problems: string;
  configuration: string;
  credentials: string;
  reference: string;
  /** The whole Patterns section as proposed: the old text, then new entries. */
  patterns: string;
  /** The whole History section as proposed. */
  history: string;
}

export type GeneratedKey = Exclude<keyof Draft, "patterns" | "history">;

/** The generated sections, in article order (Live sits after Overview; Patterns and History close the article). */
export const GENERATED: readonly { key: GeneratedKey; heading: string; optional?: boolean }[] = [
  { key: "overview", heading: "Overview" },
  { key: "environment", heading: "Environment & Infrastructure" },
  { key: "systems", heading: "Systems" },
  { key: "openItems", heading: "Open Items" },
  { key: "recentWork", heading: "Recent Work" },
  { key: "decisions", heading: "Key Decisions" },
  { key: "problems", heading: "Problems & Resolutions" },
  { key: "configuration", heading: "Configuration Changes" },
  { key: "credentials", heading: "Credentials", optional: true },
  { key: "reference", heading: "Reference" },
];

export const LIVE_HEADING = "Live (Syncro)";

const line = z.string().check(z.maxLength(4000));
const list = z.array(line).check(z.maxLength(400));
const section = z.string().check(z.maxLength(200_000));

export const llmDraftSchema = z.object({
  overview: z.string().check(z.minLength(1), z.maxLength(8000)),
  environment: list,
  systems: list,
  open_items: list,
  recent_work: list,
  key_decisions: list,
  problems: list,
  configuration_changes: list,
  credentials: list,
  reference: list,
  patterns: section,
  history: section,
});

export type LlmDraft = z.infer<typeof llmDraftSchema>;

const strList = (description: string) => ({ type: "array", description, items: { type: "string" } });

/** The JSON schema sent as the structured-output format (Anthropic `output_config.format`, Ollama `format`). */
export const LLM_JSON_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  required: ["overview", "environment", "systems", "open_items", "recent_work", "key_decisions", "problems", "configuration_changes", "credentials", "reference", "patterns", "history"],
  properties: {
    overview: { type: "string", description: "2-5 sentences: who/what this is and where things stand now." },
    environment: strList("Infrastructure facts from the logs: hosts, IPs, services, networks, tenants; one per item."),
    systems: strList("Systems and software in use, one per item, with host/role when known."),
    open_items: strList("Still-open tasks from the logs' Pending sections (drop ones a later log resolved)."),
    recent_work: strList("Newest first: 'YYYY-MM-DD user — topic: one-line summary'."),
    key_decisions: strList("Non-obvious decisions and their rationale."),
    problems: strList("Problems hit and how each was resolved."),
    configuration_changes: strList("Files and settings changed, with paths."),
    credentials: strList("Vault references only (vault:... paths) exactly as written in the logs; never secret values."),
    reference: strList("Ticket IDs, URLs, commit SHAs, file paths worth keeping."),
    patterns: { type: "string", description: "The existing Patterns section text copied exactly, then new recurring patterns appended as '- ' lines." },
    history: { type: "string", description: "The existing History section text copied exactly, then one '- ' line per new session appended." },
  },
};

function bullets(items: readonly string[]): string {
  return items
    .map((s) => s.replace(/\r\n?/g, "\n").trim())
    .filter((s) => s !== "")
    .map((s) => (/^(?:[-*+]|\d+[.)])\s/.test(s) ? s.replace(/^(?:[-*+]|\d+[.)])\s+/, "- ") : `- ${s}`).replace(/\n(?!\s)/g, "\n  "))
    .join("\n");
}

/** Model text never gets to open a section of its own: `#`/`##` headings are demoted. */
export function demoteHeadings(s: string): string {
  return s.replace(/\r\n?/g, "\n").replace(/^[ \t]{0,3}#{1,2}(?=[ \t])/gm, "###");
}

/** The LLM's reply (parsed JSON) as a Draft; throws SynthesisError("invalid") when it does not fit the schema. */
export function draftFromLlm(json: unknown, provider: string): Draft {
  const r = llmDraftSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join(".") || "(top level)" : "?";
    throw new SynthesisError("invalid", `${provider} returned a draft that does not match the article schema (field "${where}": ${first?.code ?? "invalid"})`);
  }
  const d = r.data;
  const b = (xs: readonly string[]) => demoteHeadings(bullets(xs));
  return {
    overview: demoteHeadings(d.overview.trim()),
    environment: b(d.environment),
    systems: b(d.systems),
    openItems: b(d.open_items),
    recentWork: b(d.recent_work),
    decisions: b(d.key_decisions),
    problems: b(d.problems),
    configuration: b(d.configuration_changes),
    credentials: b(d.credentials),
    reference: b(d.reference),
    patterns: demoteHeadings(d.patterns),
    history: demoteHeadings(d.history),
  };
}

export interface PromptLog {
  path: string;
  text: string;
}

/** Logs beyond this many characters are left out, oldest first: the previous article already summarises them. */
export const PROMPT_BUDGET = 300_000;

export const SYSTEM_PROMPT = [
  "You maintain one article of a team's internal technical wiki, compiled from session logs written by engineers and coding agents.",
  "Write for a technician who needs the facts at a glance: concise, factual, past tense for work done, no filler, no emojis.",
  "Use only facts stated in the session logs or the existing article. Never invent IP addresses, host names, vault paths, people or dates.",
  "Do not state billing figures (hours, ticket counts): those come from the PSA, not from you.",
  "Patterns and History: copy the existing section text exactly, character for character, and only append new entries at the end.",
  "You may mark an existing entry resolved (append ' _(resolved YYYY-MM-DD)_' to its line) only when a log says it is resolved.",
  "Each new History entry is one line: '- YYYY-MM-DD user — topic: one-line summary (<log file name>)'.",
  "Return only the JSON object described by the schema.",
].join("\n");

/**
 * The seed writes credentials unredacted into the logs; they are no business of a wiki and are not sent to an
 * LLM: in Credentials & Secrets sections only vault references (and blank lines) are kept.
 */
export function withholdSecrets(text: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split("\n")) {
    const h = /^(#{1,3})[ \t]+(.+?)[ \t#]*$/.exec(line);
    if (h?.[2]) {
      inside = sectionOf(h[2]) === "secrets";
      out.push(line);
      continue;
    }
    if (!inside || isNone(line) || /vault:|\.age\b/.test(line)) out.push(line);
    else if (out[out.length - 1] !== WITHHELD) out.push(WITHHELD);
  }
  return out.join("\n");
}

const WITHHELD = "[credential lines withheld from the wiki compiler]";

export function buildPrompt(target: string, title: string, previous: string | undefined, logs: readonly PromptLog[]): string {
  const kept: PromptLog[] = [];
  let used = previous?.length ?? 0;
  for (const raw of [...logs].reverse()) {
    const l = { path: raw.path, text: withholdSecrets(raw.text) };
    if (used + l.text.length > PROMPT_BUDGET && kept.length > 0) break;
    kept.unshift(l);
    used += l.text.length;
  }
  const parts = [`Article: ${target} ("${title}").`];
  parts.push(previous ? `<existing_article>\n${previous}\n</existing_article>` : "There is no article yet: write the first version.");
  if (kept.length < logs.length) parts.push(`(${logs.length - kept.length} older logs are omitted; the existing article covers them.)`);
  parts.push("<session_logs>");
  for (const l of kept) parts.push(`<log path="${l.path}">\n${l.text}\n</log>`);
  parts.push("</session_logs>");
  return parts.join("\n\n");
}
