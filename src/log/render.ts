// The session log's bytes: frontmatter (logbook's record of the session), title, User block, the seed's sections.
import { SECTIONS, type Narrative } from "./narrative.js";

export interface LogHeader {
  session: string;
  user: string;
  date: string;
  scope: string;
  topic: string;
}

export function renderSections(n: Narrative, level: "##" | "###"): string {
  const parts: string[] = [];
  for (const s of SECTIONS) {
    const body = n.sections[s.key];
    if (body === undefined) continue;
    parts.push(`${level} ${s.title}\n\n${body === "" ? "None." : body}\n`);
  }
  // Notes and other extra sections stay `##` even inside an update, so `## Note for <user>` is always found.
  for (const e of n.extra) parts.push(`## ${e.heading}\n${e.body === "" ? "" : `\n${e.body}\n`}`);
  return parts.join("\n");
}

export function renderLog(h: LogHeader, userBlock: string, n: Narrative): string {
  const fm = [
    "---",
    `session: ${h.session}`,
    `user: ${h.user}`,
    `date: ${h.date}`,
    `scope: ${h.scope}`,
    `topic: ${h.topic}`,
    "---",
  ].join("\n");
  return `${fm}\n\n# Session log: ${h.topic} (${h.date})\n\n${userBlock}\n${renderSections(n, "##")}`;
}

/** The seed's same-session continuation: `## Update: HH:MM <zone> — <topic>` and the new narrative. */
export function renderUpdate(time: string, abbr: string, topic: string, n: Narrative): string {
  return `\n## Update: ${time} ${abbr} — ${topic}\n\n${renderSections(n, "###")}`;
}

/** The session id recorded in a log's frontmatter (read from the head of the file only). */
export function recordedSession(head: string): string | undefined {
  if (!head.startsWith("---\n")) return undefined;
  const end = head.indexOf("\n---", 4);
  const fm = end === -1 ? head : head.slice(0, end);
  const m = /^session:[ \t]*(\S+)[ \t]*$/m.exec(fm);
  return m?.[1];
}

export const SESSION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
