// The automatic log of a Claude Code session that ended without a save: planned from the transcript's facts, the
// session's first request and its last assistant message (pure), or with Session Summary, Key Decisions and
// Problems Encountered drafted by a model, guarded like the wiki's drafts. Nothing here reads files or the network.
import * as z from "zod/mini";
import { demoteHeadings } from "../wiki/draft.js";
import { guardText, knownFacts } from "../wiki/guards.js";
import { SynthesisError } from "../wiki/providers/common.js";
import { factsSections } from "./facts.js";
import type { Narrative } from "./narrative.js";
import { slugProblem, toSlug } from "./slug.js";
import type { TranscriptFacts } from "./transcript.js";

/** What an automatic log says in a section nobody wrote. */
export const NONE_RECORDED = "None recorded.";

/** The start of Session Summary's first line: how a reader (or a tool) tells an automatic log from a saved one. */
export const AUTOLOG_MARK = "Automatic log:";

export interface Turn {
  role: "user" | "assistant";
  text: string;
}

/** The session's words (not its tool traffic), as read from its transcript. */
export interface Conversation {
  /** The first thing the user asked (slash-command wrappers and system reminders removed). */
  firstRequest: string | undefined;
  /** The text of the last assistant message. */
  lastAssistant: string | undefined;
  /** The first turns and the latest ones, within a budget, for a model's draft. */
  turns: Turn[];
  /** Turns left out between the first and the latest ones, before `turns[omittedAt]`. */
  omittedTurns: number;
  omittedAt: number;
}

/** Nothing was asked and nothing was done (a session opened and closed): no log is worth writing. */
export function isEmptySession(facts: TranscriptFacts, conv: Conversation): boolean {
  return conv.firstRequest === undefined && facts.commands.length === 0 && facts.filesCreated.length + facts.filesEdited.length + facts.filesDeleted.length === 0;
}

const PARAGRAPH_MIN = 160;
const PARAGRAPH_MAX = 600;

/**
 * Text trimmed to one paragraph on one line: the first paragraph, joined with the next ones while it is shorter than
 * a sentence or two ("Fix these:" alone says nothing), cut at a word near `max` with `…` when anything was left out.
 */
export function paragraph(text: string, max = PARAGRAPH_MAX): string {
  const paras = text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p !== "");
  let out = "";
  let used = 0;
  for (const p of paras) {
    if (out !== "" && out.length >= PARAGRAPH_MIN) break;
    out = out === "" ? p : `${out} ${p}`;
    used++;
  }
  let cut = used < paras.length;
  if (out.length > max) {
    const at = out.lastIndexOf(" ", max);
    out = out.slice(0, at > max / 2 ? at : max).replace(/[\s,;:]+$/, "");
    cut = true;
  }
  return cut ? `${out} …` : out;
}

const STOP = new Set(
  "a an the and or but so to of in on at for with from by into about please pls can could would will you your we i me my us our let lets let's hi hey hello ok okay now just then also this that these those is are be it its".split(" "),
);

/** `auto-` and a kebab slug of the first request's leading words (stop words dropped); safe as a `--topic`. */
export function autologTopic(firstRequest: string | undefined): string {
  const words = (firstRequest ?? "")
    .split(/\n[ \t]*\n/)[0]!
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .filter((w) => w !== "" && !STOP.has(w));
  let slug = toSlug(words.slice(0, 6).join(" "));
  if (slug === "session" && firstRequest) slug = toSlug(firstRequest);
  const topic = `auto-${slug}`;
  return slugProblem(topic) ? "auto-session" : topic;
}

function quote(label: string, text: string | undefined): string {
  return text === undefined ? `${label}: none found in the transcript.` : `${label}:\n\n> ${paragraph(text)}`;
}

function factsOrNone(text: string): string {
  return /^none\.?$/i.test(text.trim()) ? NONE_RECORDED : text;
}

/** Configuration Changes and Commands & Outputs from the facts; every other section a reader fills in later. */
function baseSections(facts: TranscriptFacts): Narrative["sections"] {
  const f = factsSections(facts, {});
  return {
    decisions: NONE_RECORDED,
    problems: NONE_RECORDED,
    config: factsOrNone(f.config),
    secrets: NONE_RECORDED,
    infra: NONE_RECORDED,
    commands: factsOrNone(f.commands),
    pending: NONE_RECORDED,
    reference: NONE_RECORDED,
  };
}

/** The facts-only automatic log: every section of the seed, in its order (the renderer orders them). */
export function factsNarrative(facts: TranscriptFacts, conv: Conversation): Narrative {
  const summary = [
    `${AUTOLOG_MARK} this session ended without a save, so logbook wrote this log from its transcript.`,
    quote("First request", conv.firstRequest),
    quote("Last assistant message", conv.lastAssistant),
  ].join("\n\n");
  return { sections: { summary, ...baseSections(facts) }, extra: [] };
}

// ---- the model-drafted variant ----

export interface ModelDraft {
  summary: string;
  decisions: string[];
  problems: string[];
}

const item = z.string().check(z.maxLength(4000));
const draftSchema = z.object({
  summary: z.string().check(z.minLength(1), z.maxLength(8000)),
  key_decisions: z.array(item).check(z.maxLength(100)),
  problems: z.array(item).check(z.maxLength(100)),
});

const strList = (description: string) => ({ type: "array", description, items: { type: "string" } });

/** The structured-output schema (Anthropic `output_config.format`, Ollama `format`). */
export const AUTOLOG_JSON_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  required: ["summary", "key_decisions", "problems"],
  properties: {
    summary: { type: "string", description: "3-6 sentences, past tense: what the session set out to do, what it did, and where things stand at the end." },
    key_decisions: strList("Non-obvious decisions made in the session and their rationale, one per item; empty when there were none."),
    problems: strList("Problems hit and how each was resolved (or that it was not), one per item; empty when there were none."),
  },
};

export const AUTOLOG_SYSTEM_PROMPT = [
  "You write the narrative sections of an engineer's session log from the transcript of a Claude Code session that ended without the engineer saving a log.",
  "Write for a technician who needs the facts at a glance: concise, factual, past tense, no filler, no emojis.",
  "Use only facts stated in the transcript excerpt. Never invent IP addresses, host names, vault paths, people or dates.",
  "Never write passwords, keys, tokens or other secret values, even when the transcript shows them.",
  "Return only the JSON object described by the schema.",
].join("\n");

/** The prompt: the conversation's text turns and the facts logbook read from the transcript. */
export function autologPrompt(session: string, facts: TranscriptFacts, conv: Conversation): string {
  const f = factsSections(facts, {});
  const turns = conv.turns.map((t, i) => `${conv.omittedTurns > 0 && i === conv.omittedAt ? `(${conv.omittedTurns} turns omitted)\n\n` : ""}[${t.role}] ${t.text}`);
  return [
    `Session ${session}. Draft its log's Session Summary, Key Decisions and Problems Encountered.`,
    `<first_request>\n${conv.firstRequest ?? "(none)"}\n</first_request>`,
    `<conversation>\n${turns.join("\n\n")}\n</conversation>`,
    `<files_changed>\n${f.config}\n</files_changed>`,
    `<commands>\n${f.commands}\n</commands>`,
  ].join("\n\n");
}

/** The model's reply as a draft; throws SynthesisError("invalid") when it does not fit the schema. */
export function parseModelDraft(json: unknown, provider: string): ModelDraft {
  const r = draftSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join(".") || "(top level)" : "?";
    throw new SynthesisError("invalid", `${provider} returned a draft that does not match the autolog schema (field "${where}": ${first?.code ?? "invalid"})`);
  }
  return { summary: r.data.summary, decisions: r.data.key_decisions, problems: r.data.problems };
}

/** A fence the model opened and never closed would swallow every later section of the log: close it. */
function closeFences(text: string): string {
  let open: string | undefined;
  for (const line of text.split("\n")) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!f) continue;
    if (open === undefined) open = f[0]!.repeat(f.length);
    else if (f.startsWith(open)) open = undefined;
  }
  return open === undefined ? text : `${text}\n${open}`;
}

function clean(text: string): string {
  return closeFences(demoteHeadings(text.replace(/\r\n?/g, "\n").trim()));
}

function bullets(items: readonly string[]): string {
  const lines = items
    .map((s) => clean(s))
    .filter((s) => s !== "")
    .map((s) => `- ${s.replace(/^(?:[-*+]|\d+[.)])\s+/, "")}`.replace(/\n(?!\s)/g, "\n  "));
  return lines.length === 0 ? NONE_RECORDED : lines.join("\n");
}

export interface DraftedNarrative {
  narrative: Narrative;
  /** IPs, hosts and vault paths the transcript does not mention, marked ` (verify)`. */
  flagged: string[];
}

/**
 * The facts-only log with the three narrative sections from the model. Whatever the draft names that `sources`
 * (the prompt the model saw) does not is marked ` (verify)`, as the wiki's guards do.
 */
export function draftedNarrative(facts: TranscriptFacts, draft: ModelDraft, sources: string, drafter: string, vaultDir?: string): DraftedNarrative {
  const known = knownFacts([sources]);
  const flagged: string[] = [];
  const guard = (text: string) => {
    if (text === NONE_RECORDED) return text;
    const g = guardText(text, known, vaultDir);
    for (const f of g.flagged) if (!flagged.includes(f)) flagged.push(f);
    return g.text;
  };
  const summary = [`${AUTOLOG_MARK} this session ended without a save, so logbook wrote this log from its transcript; ${drafter} drafted the summary, decisions and problems.`, guard(clean(draft.summary))].join("\n\n");
  const sections = { ...baseSections(facts), summary, decisions: guard(bullets(draft.decisions)), problems: guard(bullets(draft.problems)) };
  return { narrative: { sections, extra: [] }, flagged };
}
