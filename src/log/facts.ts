// Transcript facts as the markdown of the seed's "Configuration Changes" and "Commands & Outputs" sections, after
// what the narrative already says there (the agent's words first; facts it already mentions are not repeated).
import type { Command, TranscriptFacts } from "./transcript.js";

/** A log stays readable: past this many commands the oldest successful ones are summarised in one line. */
const MAX_COMMANDS = 150;
const MAX_COMMAND_CHARS = 200;
const MAX_ERROR_CHARS = 200;

export function factsSections(facts: TranscriptFacts, narrative: { config?: string | undefined; commands?: string | undefined }): { config: string; commands: string } {
  return { config: configSection(facts, narrative.config), commands: commandsSection(facts.commands, narrative.commands) };
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = fence.length > 1 || text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** "None." (the seed's word for an empty section) counts as saying nothing. */
function said(text: string | undefined): string {
  const t = (text ?? "").trim();
  return /^(none|n\/a|nothing)\.?$/i.test(t) ? "" : t;
}

function join(narrative: string, facts: string[]): string {
  const parts = [narrative, facts.join("\n")].filter((p) => p !== "");
  return parts.length ? parts.join("\n\n") : "None.";
}

function configSection(facts: TranscriptFacts, narrative: string | undefined): string {
  const text = said(narrative);
  const lines: string[] = [];
  const add = (verb: string, paths: string[]) => {
    for (const p of paths) if (!text.includes(p)) lines.push(`- ${verb} ${code(p)}`);
  };
  add("Created", facts.filesCreated);
  add("Edited", facts.filesEdited);
  add("Deleted", facts.filesDeleted);
  return join(text, lines);
}

function oneLine(command: string): string {
  const lines = command.trim().split("\n");
  let first = lines[0]!.trim();
  const more = lines.length > 1;
  if (first.length > MAX_COMMAND_CHARS) first = first.slice(0, MAX_COMMAND_CHARS) + "…";
  else if (more) first += " …";
  return first;
}

function firstErrorLine(output: string): string {
  const line = output.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return line.length > MAX_ERROR_CHARS ? line.slice(0, MAX_ERROR_CHARS) + "…" : line;
}

function failed(c: Command): boolean {
  return c.isError || (c.exitCode !== null && c.exitCode !== 0);
}

function describe(c: Command, times: number): string {
  const cmd = code(oneLine(c.command));
  const repeat = times > 1 ? ` (×${times})` : "";
  if (c.interrupted) return `- ${cmd} — interrupted${repeat}`;
  if (failed(c)) {
    const status = c.exitCode !== null ? `**failed, exit ${c.exitCode}**` : "**failed**";
    const err = firstErrorLine(c.output);
    return `- ${cmd} — ${status}${err ? `: ${code(err)}` : ""}${repeat}`;
  }
  return `- ${cmd}${c.exitCode === null ? " — exit status unknown" : ""}${repeat}`;
}

function commandsSection(commands: Command[], narrative: string | undefined): string {
  const text = said(narrative);
  // Consecutive runs of the same successful command (polling, re-running a test) are one line.
  const entries: { c: Command; times: number }[] = [];
  for (const c of commands) {
    if (text.includes(c.command.trim()) && !failed(c) && !c.interrupted) continue;
    const last = entries[entries.length - 1];
    if (last && last.c.command === c.command && !failed(c) && !failed(last.c) && !c.interrupted && !last.c.interrupted && last.c.exitCode === c.exitCode) last.times++;
    else entries.push({ c, times: 1 });
  }
  let omitted = 0;
  if (entries.length > MAX_COMMANDS) {
    // Failures are what a later session needs most: the oldest successful commands go first.
    let excess = entries.length - MAX_COMMANDS;
    for (let i = 0; i < entries.length && excess > 0; i++) {
      const e = entries[i]!;
      if (!failed(e.c) && !e.c.interrupted) {
        entries.splice(i--, 1);
        omitted += e.times;
        excess--;
      }
    }
  }
  const lines = entries.map((e) => describe(e.c, e.times));
  if (omitted > 0) lines.unshift(`- (${omitted} earlier successful command${omitted === 1 ? "" : "s"} not listed)`);
  return join(text, lines);
}
