// `logbook transcript <file.jsonl> | --session <id>`: the facts of a Claude Code transcript, as `save` would add them.
import { homedir } from "node:os";
import { resolve } from "node:path";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { findRepo } from "../git/repo.js";
import { factsSections } from "../log/facts.js";
import { findTranscript, readTranscript, type TranscriptFacts } from "../log/transcript.js";
import { jsonFlag, str, type Command } from "./types.js";

export interface TranscriptOptions {
  file?: string | undefined;
  session?: string | undefined;
}

export interface TranscriptResult {
  file: string;
  facts: TranscriptFacts;
}

/** HOME as the environment says (tests isolate it), the OS's idea otherwise. */
export function homeOf(env: Deps["env"]): string {
  return env.HOME || env.USERPROFILE || homedir();
}

export async function run(o: TranscriptOptions, deps: Deps): Promise<TranscriptResult> {
  let file: string;
  if (o.file !== undefined) file = resolve(deps.cwd, o.file);
  else if (o.session !== undefined) {
    const found = findTranscript(o.session, deps.env, homeOf(deps.env));
    if (found === undefined) {
      const dir = deps.env.CLAUDE_CONFIG_DIR || "~/.claude";
      throw new UsageError(`no transcript for session ${o.session} under ${dir}/projects/*/ (Claude Code deletes transcripts after 30 days); pass the file instead.`);
    }
    file = found;
  } else throw new UsageError("give a transcript file (logbook transcript <file.jsonl>) or --session <id>.");
  const facts = await readTranscript(file, { repoRoot: findRepo(deps.cwd)?.root });
  for (const message of facts.warnings) deps.emit({ type: "warning", message });
  return { file, facts };
}

export const command: Command<TranscriptOptions, TranscriptResult> = {
  usage: "logbook transcript <file.jsonl> | --session <id> [--json]",
  summary: "print the facts of a Claude Code transcript: files created, edited and deleted, and commands run",
  options: { session: { type: "string" }, ...jsonFlag },
  positionals: { min: 0, max: 1, names: "a transcript file" },
  parse(v, positionals) {
    const session = str(v.session);
    if (positionals[0] !== undefined && session !== undefined) throw new UsageError("give either a transcript file or --session <id>, not both.");
    return { file: positionals[0], session };
  },
  run,
  print({ facts: f }, io) {
    if (io.json) {
      const shape = { session: f.session, filesCreated: f.filesCreated, filesEdited: f.filesEdited, filesDeleted: f.filesDeleted, commands: f.commands };
      return io.out(JSON.stringify(shape) + "\n");
    }
    const s = factsSections(f, {});
    io.out(`Session: ${f.session}\n\n## Configuration Changes\n\n${s.config}\n\n## Commands & Outputs\n\n${s.commands}\n`);
  },
};
