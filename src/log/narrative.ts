// The narrative an agent writes: markdown with the seed's `##` sections. Parsed, validated, never trusted for
// the User block.
import { DataError } from "../errors.js";

export type SectionKey =
  | "summary"
  | "decisions"
  | "problems"
  | "config"
  | "secrets"
  | "infra"
  | "commands"
  | "pending"
  | "reference";

/** The seed's required sections, in the seed's order (after the generated User block). */
export const SECTIONS: readonly { key: SectionKey; title: string; required: boolean; aliases: readonly string[] }[] = [
  { key: "summary", title: "Session Summary", required: true, aliases: ["sessionsummary", "summary"] },
  { key: "decisions", title: "Key Decisions", required: true, aliases: ["keydecisions", "decisions"] },
  { key: "problems", title: "Problems Encountered", required: false, aliases: ["problemsencountered", "problems", "issuesencountered"] },
  { key: "config", title: "Configuration Changes", required: true, aliases: ["configurationchanges", "configchanges", "configuration", "filechanges"] },
  { key: "secrets", title: "Credentials & Secrets", required: true, aliases: ["credentialsandsecrets", "credentialssecrets", "credentials", "secrets", "secretsandcredentials"] },
  { key: "infra", title: "Infrastructure & Servers", required: true, aliases: ["infrastructureandservers", "infrastructureservers", "infrastructure", "servers", "serversandinfrastructure"] },
  { key: "commands", title: "Commands & Outputs", required: true, aliases: ["commandsandoutputs", "commandsoutputs", "commands", "commandsandoutput"] },
  { key: "pending", title: "Pending / Incomplete Tasks", required: true, aliases: ["pendingincompletetasks", "pendingincomplete", "pendingtasks", "pending", "incompletetasks", "pendingandincompletetasks"] },
  { key: "reference", title: "Reference Information", required: true, aliases: ["referenceinformation", "reference", "references", "referenceinfo"] },
];

const byAlias = new Map<string, SectionKey>();
for (const s of SECTIONS) for (const a of s.aliases) byAlias.set(a, s.key);

export function headingKey(heading: string): string {
  return heading.toLowerCase().replace(/&/g, "and").replace(/[^a-z0-9]/g, "");
}

export function sectionOf(heading: string): SectionKey | undefined {
  return byAlias.get(headingKey(heading));
}

export interface RawSection {
  heading: string;
  body: string;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Splits markdown on headings of exactly `level` (2 -> `## `) outside fenced code blocks. */
export function splitAt(text: string, level: number): { preamble: string; sections: RawSection[] } {
  const re = new RegExp(`^${"#".repeat(level)}[ \\t]+(.+?)[ \\t#]*$`);
  const sections: RawSection[] = [];
  const pre: string[] = [];
  let cur: { heading: string; lines: string[] } | undefined;
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const f = FENCE.exec(line);
    if (f?.[1]) {
      if (fence === undefined) fence = f[1][0]!.repeat(f[1].length);
      else if (f[1].startsWith(fence)) fence = undefined;
    }
    const h = fence === undefined && !f ? re.exec(line) : null;
    if (h?.[1]) {
      if (cur) sections.push({ heading: cur.heading, body: cur.lines.join("\n") });
      cur = { heading: h[1].trim(), lines: [] };
    } else if (cur) cur.lines.push(line);
    else pre.push(line);
  }
  if (cur) sections.push({ heading: cur.heading, body: cur.lines.join("\n") });
  return { preamble: pre.join("\n"), sections };
}

/** The seed's sections: `## ` headings outside fenced code blocks. */
export function splitSections(text: string): { preamble: string; sections: RawSection[] } {
  return splitAt(text, 2);
}

export interface Narrative {
  sections: Partial<Record<SectionKey, string>>;
  /** Other `##` sections (notes for users...), in input order, kept after the required ones. */
  extra: RawSection[];
}

export interface ParsedNarrative {
  value: Narrative | undefined;
  errors: string[];
  warnings: string[];
}

/** Decodes stdin/--file bytes: strict UTF-8, no NUL, not empty. Throws DataError (65). */
export function decodeNarrative(bytes: Buffer, source: string): string {
  if (bytes.includes(0)) throw new DataError(`${source}: the narrative contains a NUL byte; it must be UTF-8 markdown text.`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${source}: the narrative is not valid UTF-8; save it as UTF-8 markdown and try again.`);
  }
  text = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (text.trim() === "") {
    throw new DataError(
      `${source}: empty narrative: nothing to save. Write the seed's sections (## Session Summary, ## Key Decisions, ...) on stdin or in --file.`,
    );
  }
  return text;
}

function cleanBody(body: string): string {
  return body.replace(/[ \t]+$/gm, "").replace(/^\n+/, "").replace(/\n+$/, "");
}

/**
 * Validates the narrative's sections. `optional` lists sections that may be missing because logbook fills them
 * (Configuration Changes and Commands & Outputs from a transcript).
 */
export function parseNarrative(text: string, source: string, optional: ReadonlySet<SectionKey> = new Set()): ParsedNarrative {
  const errors: string[] = [];
  const warnings: string[] = [];
  const { preamble, sections } = splitSections(text);
  const out: Partial<Record<SectionKey, string>> = {};
  const extra: RawSection[] = [];
  const pre = preamble.split("\n").filter((l) => !/^#\s/.test(l)).join("\n").trim();
  for (const s of sections) {
    const body = cleanBody(s.body);
    if (headingKey(s.heading) === "user") {
      warnings.push(`${source}: the "## User" section was ignored: the User block is always generated from identity.json`);
      continue;
    }
    const key = sectionOf(s.heading);
    if (!key) {
      extra.push({ heading: s.heading, body });
      continue;
    }
    const prev = out[key];
    if (prev !== undefined) {
      warnings.push(`${source}: section "${s.heading}" appears twice; the two were joined`);
      out[key] = `${prev}\n\n${body}`;
    } else out[key] = body;
  }
  if (pre !== "") {
    warnings.push(`${source}: text before the first ## section was kept at the top of Session Summary`);
    if (out.summary !== undefined) out.summary = `${pre}\n\n${out.summary}`;
  }
  const missing = SECTIONS.filter((s) => s.required && out[s.key] === undefined && !optional.has(s.key)).map((s) => s.title);
  if (missing.length) {
    errors.push(
      `${source}: missing required section${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"## ${m}"`).join(", ")}; ` +
        `every required section must be present (write "None." when there is nothing to say)`,
    );
  }
  return { value: errors.length ? undefined : { sections: out, extra }, errors, warnings };
}
