// `logbook save`: read -> plan -> apply the session log, then the wiki phase and the sync phase.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { TranscriptFacts } from "../log/transcript.js";
import { openRepo, strictWhoami, type RepoContext } from "../context.js";
import type { Deps } from "../deps.js";
import { DataError, UsageError } from "../errors.js";
import { userBlock } from "../identity/identity.js";
import { decodeNarrative, parseNarrative, type Narrative, type SectionKey } from "../log/narrative.js";
import { renderLog, renderUpdate, SESSION_ID_RE } from "../log/render.js";
import { formatScope, logDir, parseScope, type Scope } from "../log/scope.js";
import { slugProblem } from "../log/slug.js";
import { applyLogWrite, type LogWritePlan } from "../log/write.js";
import { zoned } from "../util/time.js";
import { jsonFlag, str, type Command } from "./types.js";
import type { SyncResult } from "../sync/pipeline.js";
import { announce, queueState } from "../sync/arrivals.js";
import { DEFERRED_SAVE } from "../sync/messages.js";
import { noteBanner, postCommitSummary, syncJson } from "../sync/summary.js";
import type { WikiPhaseResult } from "../wiki/phase.js";

export interface SaveOptions {
  scope: string;
  topic: string;
  session?: string | undefined;
  /** A narrative file; else `narrative`; else stdin. */
  file?: string | undefined;
  narrative?: string | undefined;
  wiki?: boolean;
  sync?: boolean;
  /** A Claude Code transcript to take facts from; false: do not look for one; undefined: find it by session id. */
  transcript?: string | false | undefined;
}

export interface SaveResult {
  /** The wiki phase's outcome (undefined: skipped by --no-wiki or a general-scope log). */
  wiki?: WikiPhaseResult | undefined;
  /** The sync phase's outcome (undefined: --no-sync). */
  sync?: SyncResult | undefined;
  author: { name: string; email: string };
  exitCode: number;
  path: string;
  session: string;
  /** The id was generated here (the caller should reuse it). */
  newSession: boolean;
  appended: boolean;
  linesAdded: number;
  warnings: string[];
}

export interface SaveInputs {
  scope: Scope;
  topic: string;
  session: string;
  newSession: boolean;
}

/** Flags first: a bad flag value is a usage error (64) before anything is read. */
export function checkSaveFlags(o: SaveOptions, deps: Pick<Deps, "env" | "newId">): SaveInputs {
  const scope = parseScope(o.scope);
  const problem = slugProblem(o.topic);
  if (problem) throw new UsageError(`--topic "${o.topic}" ${problem}. Use a short lowercase kebab slug of the session's main work, e.g. --topic dns-fix.`);
  let session = o.session ?? deps.env.LOGBOOK_SESSION_ID ?? deps.env.CLAUDE_CODE_SESSION_ID;
  let newSession = false;
  if (session === undefined || session === "") {
    session = deps.newId();
    newSession = true;
  }
  if (!SESSION_ID_RE.test(session)) {
    throw new UsageError(`--session "${session.slice(0, 60)}": a session id is 1-200 letters, digits, '.', '_', ':' or '-' (a Claude Code session id is a UUID).`);
  }
  return { scope, topic: o.topic, session, newSession };
}

export async function readNarrativeText(o: SaveOptions, deps: Deps): Promise<{ text: string; source: string }> {
  if (o.file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(o.file);
    } catch (e) {
      throw new UsageError(`--file ${o.file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    return { text: decodeNarrative(bytes, o.file), source: o.file };
  }
  if (o.narrative !== undefined) return { text: decodeNarrative(Buffer.from(o.narrative, "utf8"), "narrative"), source: "narrative" };
  const bytes = await deps.readStdin();
  if (bytes === undefined) {
    throw new DataError("no narrative: pipe the session narrative on stdin or pass --file <narrative.md>.");
  }
  return { text: decodeNarrative(bytes, "stdin"), source: "stdin" };
}

export function planLogWrite(
  inputs: SaveInputs,
  who: { user: string; name: string; role: string; machine: string },
  narrative: Narrative,
  now: Date,
  timeZone: string,
): LogWritePlan {
  const z = zoned(now, timeZone);
  const yesterday = zoned(new Date(now.getTime() - 86400_000), timeZone).date;
  const header = { session: inputs.session, user: who.user, date: z.date, scope: formatScope(inputs.scope), topic: inputs.topic };
  return {
    dir: logDir(inputs.scope),
    base: `${z.date}-${who.user}-${inputs.topic}`,
    session: inputs.session,
    ownPrefixes: [...new Set([`${z.date}-${who.user}-`, `${yesterday}-${who.user}-`])],
    content: renderLog(header, userBlock(who), narrative),
    update: renderUpdate(z.time, z.abbr, inputs.topic, narrative),
  };
}

export async function run(o: SaveOptions, deps: Deps, optional: ReadonlySet<SectionKey> = new Set()): Promise<SaveResult> {
  const inputs = checkSaveFlags(o, deps);
  const ctx = await openRepo(deps);
  // In a burst of saves, tell a holder about to take the queue that this session's request is coming (unless a
  // wiki provider may keep this session busy for a while first).
  const offlineWiki = o.wiki === false || inputs.scope.kind === "general" || ctx.config.wiki.provider === "offline";
  const arrived = o.sync !== false && offlineWiki ? announce(queueState(ctx.repo)) : undefined;
  try {
    return await saveIn(ctx, inputs, o, deps, optional);
  } finally {
    arrived?.();
  }
}

async function saveIn(ctx: RepoContext, inputs: SaveInputs, o: SaveOptions, deps: Deps, optional: ReadonlySet<SectionKey>): Promise<SaveResult> {
  const who = await strictWhoami(ctx, deps);
  // Facts from the session's transcript fill Configuration Changes and Commands & Outputs (read before writing).
  let facts: TranscriptFacts | undefined;
  if (o.transcript !== false) {
    const { findTranscript, readTranscript } = await import("../log/transcript.js");
    const file =
      o.transcript !== undefined
        ? resolve(deps.cwd, o.transcript)
        : inputs.newSession
          ? undefined
          : findTranscript(inputs.session, deps.env, deps.env.HOME || deps.env.USERPROFILE || homedir());
    if (file !== undefined) {
      facts = await readTranscript(file, { repoRoot: ctx.repo.root });
      for (const message of facts.warnings) deps.emit({ type: "warning", message });
    }
  }
  const { text, source } = await readNarrativeText(o, deps);
  const parsed = parseNarrative(text, source, facts ? new Set<SectionKey>([...optional, "config", "commands"]) : optional);
  if (!parsed.value) throw new DataError(parsed.errors.join("; ") + ". Nothing was written.", { errors: parsed.errors });
  if (facts) {
    const { factsSections } = await import("../log/facts.js");
    const merged = factsSections(facts, { config: parsed.value.sections.config, commands: parsed.value.sections.commands });
    parsed.value.sections.config = merged.config;
    parsed.value.sections.commands = merged.commands;
  }
  for (const message of parsed.warnings) deps.emit({ type: "warning", message });
  if (inputs.newSession) deps.emit({ type: "session-id", session: inputs.session });

  const warnings = [...parsed.warnings];
  const now = deps.now();
  let narrative = parsed.value;
  if (ctx.config.secrets === "vault") {
    // Values go to the vault clone encrypted; the log keeps `vault:<path>#<label>` (the seed: never half-redact).
    const draft = planLogWrite(inputs, who, narrative, now, ctx.config.timezone);
    const { vaultSecrets } = await import("../vault/save.js");
    const vaulted = await vaultSecrets(narrative, { root: ctx.repo.root, config: ctx.config, logDir: draft.dir, base: draft.base, session: inputs.session, deps });
    narrative = vaulted.narrative;
    warnings.push(...vaulted.warnings);
  }
  const plan = planLogWrite(inputs, who, narrative, now, ctx.config.timezone);
  const written = await applyLogWrite(ctx.repo.root, join(ctx.state, "tmp"), plan);
  deps.emit({ type: "saved", path: written.path, appended: written.appended });

  // Phase 3: the wiki (never blocks the save)
  let wiki: WikiPhaseResult | undefined;
  if (o.wiki !== false && inputs.scope.kind !== "general") {
    const { runWikiPhase } = await import("../wiki/phase.js");
    wiki = await runWikiPhase(ctx, written.path, deps);
    warnings.push(...wiki.warnings);
  }

  // Phase 4: sync exactly what this session wrote
  let sync: SyncResult | undefined;
  if (o.sync !== false) {
    const { runSync } = await import("../sync/pipeline.js");
    const paths = [written.path, ...(wiki?.changed ?? [])];
    const message = `session log${written.appended ? " update" : ""}: ${who.user} ${formatScope(inputs.scope)} ${inputs.topic}`;
    sync = await runSync(ctx.repo, ctx.config, { mode: "paths", paths, message, purpose: "save" }, deps, who);
  }
  return {
    path: written.path,
    session: inputs.session,
    newSession: inputs.newSession,
    appended: written.appended,
    linesAdded: written.linesAdded,
    warnings,
    wiki,
    sync,
    author: { name: who.name, email: who.email },
    exitCode: sync?.exitCode ?? 0,
  };
}

export const command: Command<SaveOptions, SaveResult> = {
  usage:
    "logbook save --scope <general|project:<name>|client:<slug>> --topic <kebab-slug> [--session <id>] [--file <narrative.md>] [--transcript <file.jsonl> | --no-transcript] [--no-wiki] [--no-sync] [--json]",
  summary: "write this session's log (narrative on stdin or --file), then compile the wiki and sync",
  options: {
    scope: { type: "string" },
    topic: { type: "string" },
    session: { type: "string" },
    file: { type: "string" },
    "no-wiki": { type: "boolean" },
    "no-sync": { type: "boolean" },
    transcript: { type: "string" },
    "no-transcript": { type: "boolean" },
    ...jsonFlag,
  },
  parse(v) {
    const scope = str(v.scope);
    const topic = str(v.topic);
    if (scope === undefined) throw new UsageError("--scope is required: general, project:<name> or client:<slug>.");
    if (topic === undefined) throw new UsageError("--topic is required: a short kebab slug of this session's main work, e.g. dns-fix.");
    if (v["no-transcript"] === true && str(v.transcript) !== undefined) throw new UsageError("--transcript and --no-transcript contradict each other: give one of them.");
    if (str(v.session) === "") throw new UsageError("--session is empty: give the session id (or leave the flag out to get a new one).");
    const transcript = v["no-transcript"] === true ? false : str(v.transcript);
    return { scope, topic, session: str(v.session), file: str(v.file), wiki: v["no-wiki"] !== true, sync: v["no-sync"] !== true, transcript };
  },
  run: (o, deps) => run(o, deps),
  print(r, io) {
    if (io.json) {
      const wiki = r.wiki ? { status: r.wiki.status, target: r.wiki.target ?? null, changed: r.wiki.changed } : null;
      return io.out(JSON.stringify({ path: r.path, session: r.session, appended: r.appended, warnings: r.warnings, wiki, ...(r.sync ? syncJson(r.sync) : {}) }) + "\n");
    }
    if (r.newSession) io.out(`Session: ${r.session} (new; pass --session ${r.session} to save into this log again)\n`);
    const file = { path: r.path, linesAdded: r.linesAdded, appended: r.appended };
    if (!r.sync) return io.out(`File: ${r.path} (+${r.linesAdded} lines, ${r.appended ? "appended" : "created"})\n`);
    if (r.sync.deferred) {
      io.out(`File: ${r.path} (+${r.linesAdded} lines, ${r.appended ? "appended" : "created"})\n`);
      return io.out(`${DEFERRED_SAVE}\n`);
    }
    for (const n of r.sync.notes) io.out(noteBanner(n));
    io.out(postCommitSummary(r.sync, r.author, file, r.wiki ? { changed: r.wiki.changed } : { changed: [] }));
  },
  exitCode: (r) => r.exitCode,
};
