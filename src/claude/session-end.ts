// The detached part of `logbook hook session-end`: when no log in the repo carries the ending session's id, write an
// automatic log from its transcript (claimed once per session, however many hooks fire), then commit the session's
// files and logs as `checkpoint --session` does. Nobody sees this process, so everything it did goes into one line
// of .git/logbook/hooks.log; it never throws for a failure of its own work.
import { existsSync, promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { openRepo, strictWhoami, type RepoContext } from "../context.js";
import type { Deps } from "../deps.js";
import { exitCodeOf } from "../errors.js";
import type { LogEvent } from "../events.js";
import { requireRepo, stateDir, type RepoPaths } from "../git/repo.js";
import { gitAt } from "../git/run.js";
import type { Conversation } from "../log/autolog.js";
import { recordedSession } from "../log/render.js";
import { parseScope } from "../log/scope.js";
import { findTranscript, type TranscriptFacts } from "../log/transcript.js";
import { createExclusive, readHead, writeFileAtomic } from "../util/fs.js";
import type { SyncCommandResult } from "../commands/sync.js";
import { appendHookLog } from "./hook.js";

export interface SessionEndRequest {
  session: string;
  /** From the hook JSON; used when it exists, else the transcript is found by session id. */
  transcriptPath?: string | undefined;
  reason?: string | undefined;
}

export type AutologStatus =
  /** An automatic log was written. */
  | "written"
  /** A log (saved, or an earlier automatic one) already carries the session id. */
  | "has-log"
  /** Another hook of this session claimed the automatic log first. */
  | "claimed"
  /** `autolog: false` in the config. */
  | "off"
  | "no-transcript"
  /** Nothing was asked and nothing done: no log. */
  | "empty"
  | "failed";

export interface AutologOutcome {
  status: AutologStatus;
  /** The log written, or the one found. */
  path?: string | undefined;
  /** facts, or the provider that drafted the narrative sections. */
  drafter?: string | undefined;
  detail?: string | undefined;
  warnings: string[];
}

export interface CheckpointOutcome {
  exitCode: number;
  summary: string;
  commit: string | null;
  pushed: boolean;
}

export interface SessionEndReport {
  session: string;
  autolog: AutologOutcome;
  checkpoint: CheckpointOutcome;
  /** The line written to `log`. */
  line: string;
  log: string;
  exitCode: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function runSessionEnd(req: SessionEndRequest, deps: Deps): Promise<SessionEndReport> {
  const repo = requireRepo(deps.cwd);
  const log = join(stateDir(repo), "hooks.log");
  const events: LogEvent[] = [];
  // Events would go to stderr, which is the hook log: collected instead, the warnings end up in the one line.
  const quiet: Deps = { ...deps, cwd: repo.root, emit: (e) => void events.push(e) };
  let autolog: AutologOutcome;
  try {
    autolog = await autologStep(req, repo, quiet);
  } catch (e) {
    autolog = { status: "failed", detail: message(e), warnings: [] };
  }
  const checkpoint = await checkpointStep(req, autolog, quiet);
  const warnings = [...autolog.warnings, ...events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message)];
  const line = hookLine(deps.now(), req, autolog, checkpoint, warnings);
  try {
    appendHookLog(log, line);
  } catch {}
  return { session: req.session, autolog, checkpoint, line, log, exitCode: autolog.status === "failed" && checkpoint.exitCode === 0 ? 1 : checkpoint.exitCode };
}

// ---- finding a log that carries the session id ----

const LOG_PATHSPECS = [":(glob)session-logs/*.md", ":(glob)projects/*/session-logs/*.md", ":(glob)clients/*/session-logs/*.md"];

/**
 * Session logs (tracked or not) whose frontmatter records `session`. One `git grep` over the logs finds the
 * candidates (fast on tens of thousands of logs); each is confirmed from its head, since the text may also appear
 * in a body or as the prefix of a longer id.
 */
export async function sessionLogPaths(root: string, session: string, env: Deps["env"]): Promise<string[]> {
  const r = await gitAt(root, env).run(["grep", "-l", "-z", "-I", "--untracked", "--fixed-strings", "-e", `session: ${session}`, "--", ...LOG_PATHSPECS], {
    readOnly: true,
    okCodes: [1],
  });
  const out: string[] = [];
  for (const p of r.stdout.split("\0")) {
    if (p === "") continue;
    try {
      if (recordedSession(readHead(join(root, ...p.split("/")))) === session) out.push(p);
    } catch {}
  }
  return out;
}

// ---- the claim: one automatic log per session ----

/** Session ids may hold `:`, which Windows does not allow in a file name; `%` never occurs in an id. */
export function claimPath(state: string, session: string): string {
  return join(state, "autolog", session.replace(/:/g, "%3A"));
}

interface ClaimRecord {
  pid: number;
  start: string | null;
  at: string;
  path?: string;
}

export interface Claim {
  /** Records the log written: the claim then stands for good. */
  done(path: string): Promise<void>;
  /** Gives the claim back (nothing was written), so a later hook of this session may try again. */
  release(): Promise<void>;
}

async function readClaim(file: string): Promise<{ text: string; record: ClaimRecord | undefined } | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    return { text, record: JSON.parse(text) as ClaimRecord };
  } catch {
    return { text, record: undefined };
  }
}

/** A claim whose holder died before it wrote the log (machine off while a model drafted): nobody will finish it. */
async function isStale(c: ClaimRecord | undefined): Promise<boolean> {
  if (c === undefined || c.path !== undefined || typeof c.pid !== "number") return false;
  const { probeProcess } = await import("../sync/proc.js");
  const p = await probeProcess(c.pid);
  return !p.alive || (c.start !== null && p.start !== undefined && p.start !== c.start);
}

/**
 * Claims the session's automatic log: an exclusive create of `.git/logbook/autolog/<session>`, so of any number of
 * hooks of one session (started together, or a resumed session ending again) exactly one writes a log.
 */
export async function claimSession(state: string, session: string, deps: Pick<Deps, "pid" | "now">): Promise<Claim | undefined> {
  const file = claimPath(state, session);
  const tmp = join(state, "tmp");
  const { probeProcess } = await import("../sync/proc.js");
  const mine: ClaimRecord = { pid: deps.pid, start: (await probeProcess(deps.pid)).start ?? null, at: deps.now().toISOString() };
  const text = JSON.stringify(mine) + "\n";
  await fsp.mkdir(join(state, "autolog"), { recursive: true });
  if (!(await createExclusive(file, text, tmp))) {
    const held = await readClaim(file);
    if (!held || !(await isStale(held.record))) return undefined;
    // Take a dead holder's claim over: only one of several takers renames it away; the one that did checks it moved
    // the very claim it judged (not a fresh one made meanwhile), else puts that one back.
    const aside = `${file}.${deps.pid}.stale`;
    try {
      await fsp.rename(file, aside);
    } catch {
      return undefined;
    }
    const moved = await fsp.readFile(aside, "utf8").catch(() => "");
    if (moved !== held.text) {
      await fsp.link(aside, file).catch(() => {});
      await fsp.rm(aside, { force: true });
      return undefined;
    }
    await fsp.rm(aside, { force: true });
    if (!(await createExclusive(file, text, tmp))) return undefined;
  }
  return {
    done: (path) => writeFileAtomic(file, JSON.stringify({ ...mine, path }) + "\n", tmp),
    release: () => fsp.rm(file, { force: true }),
  };
}

// ---- the automatic log ----

function transcriptFile(req: SessionEndRequest, env: Deps["env"], home: string): string | undefined {
  if (req.transcriptPath !== undefined && existsSync(req.transcriptPath)) return req.transcriptPath;
  return findTranscript(req.session, env, home);
}

const homeOf = (env: Deps["env"]) => env.HOME || env.USERPROFILE || homedir();

type AutologSettings = Exclude<NonNullable<Config["autolog"]>, false>;

function autologSettings(config: Config): AutologSettings {
  return config.autolog === undefined || config.autolog === false ? {} : config.autolog;
}

interface Drafted {
  narrative: import("../log/narrative.js").Narrative;
  drafter: string;
  warnings: string[];
}

/** The narrative: drafted by the configured model, or (also when the model fails) from the facts alone. */
async function narrativeFor(ctx: RepoContext, session: string, facts: TranscriptFacts, conv: Conversation, deps: Deps): Promise<Drafted> {
  const auto = autologSettings(ctx.config);
  const provider = auto.provider ?? "facts";
  const a = await import("../log/autolog.js");
  if (provider === "facts") return { narrative: a.factsNarrative(facts, conv), drafter: "facts", warnings: [] };
  const settings = { ...ctx.config.wiki, provider };
  const model = auto.model ?? ctx.config.wiki.model;
  if (model !== undefined) settings.model = model;
  const timeout = auto.timeoutSeconds ?? ctx.config.wiki.timeoutSeconds;
  if (timeout !== undefined) settings.timeoutSeconds = timeout;
  try {
    const { SynthesisError } = await import("../wiki/providers/common.js");
    if (model === undefined) throw new SynthesisError("config", `autolog.provider is ${provider} but neither autolog.model nor wiki.model is set in .logbook/config.yaml`);
    if (provider === "anthropic" && !deps.env.ANTHROPIC_API_KEY) throw new SynthesisError("config", "autolog.provider is anthropic but ANTHROPIC_API_KEY is not set in the hook's environment");
    const prompt = a.autologPrompt(session, facts, conv);
    const req = { system: a.AUTOLOG_SYSTEM_PROMPT, prompt, schema: a.AUTOLOG_JSON_SCHEMA };
    const name = provider === "anthropic" ? "Anthropic" : "Ollama";
    const json =
      provider === "anthropic"
        ? await (await import("../wiki/providers/anthropic.js")).anthropicComplete(req, settings, deps)
        : await (await import("../wiki/providers/ollama.js")).ollamaComplete(req, settings, deps);
    const d = a.draftedNarrative(facts, a.parseModelDraft(json, name), prompt, `${provider} (${model})`, ctx.config.vault?.path);
    const warnings = d.flagged.length ? [`the ${name} draft names ${d.flagged.map((f) => `"${f}"`).join(", ")}, which the transcript does not; marked (verify)`] : [];
    return { narrative: d.narrative, drafter: provider, warnings };
  } catch (e) {
    return { narrative: a.factsNarrative(facts, conv), drafter: "facts", warnings: [`autolog: the ${provider} draft failed (${message(e)}); wrote the facts-only log`] };
  }
}

async function autologStep(req: SessionEndRequest, repo: RepoPaths, deps: Deps): Promise<AutologOutcome> {
  const ctx = await openRepo(deps);
  if (ctx.config.autolog === false) return { status: "off", warnings: [] };
  const file = transcriptFile(req, deps.env, homeOf(deps.env));
  if (file === undefined) return { status: "no-transcript", detail: `no transcript for it under ${deps.env.CLAUDE_CONFIG_DIR || "~/.claude"}/projects/*/`, warnings: [] };
  const found = await sessionLogPaths(repo.root, req.session, deps.env);
  if (found.length > 0) return { status: "has-log", path: found[0], warnings: [] };
  // Checked before anything is read or claimed: a stale identity or a bad scope is for a person to fix.
  const who = await strictWhoami(ctx, deps);
  const scope = parseScope(autologSettings(ctx.config).scope ?? "general");

  const [{ readTranscript }, { readConversation }, a] = await Promise.all([import("../log/transcript.js"), import("./conversation.js"), import("../log/autolog.js")]);
  const facts = await readTranscript(file, { repoRoot: repo.root });
  const conv = await readConversation(file);
  const warnings = [...facts.warnings];
  if (a.isEmptySession(facts, conv)) return { status: "empty", detail: "the session asked and did nothing", warnings };

  const claim = await claimSession(ctx.state, req.session, deps);
  if (!claim) return { status: "claimed", detail: "another hook of this session writes its automatic log", warnings };
  try {
    const drafted = await narrativeFor(ctx, req.session, facts, conv, deps);
    warnings.push(...drafted.warnings);
    const { planLogWrite } = await import("../commands/save.js");
    const inputs = { scope, topic: a.autologTopic(conv.firstRequest), session: req.session, newSession: false };
    const now = deps.now();
    let narrative = drafted.narrative;
    if (ctx.config.secrets === "vault") {
      // The same rule as save: values in Credentials & Secrets go to the vault, never into the log.
      const draft = planLogWrite(inputs, who, narrative, now, ctx.config.timezone);
      const { vaultSecrets } = await import("../vault/save.js");
      const vaulted = await vaultSecrets(narrative, { root: repo.root, config: ctx.config, logDir: draft.dir, base: draft.base, session: req.session, deps });
      narrative = vaulted.narrative;
    }
    const { applyLogWrite } = await import("../log/write.js");
    const written = await applyLogWrite(repo.root, join(ctx.state, "tmp"), planLogWrite(inputs, who, narrative, now, ctx.config.timezone));
    await claim.done(written.path);
    return { status: "written", path: written.path, drafter: drafted.drafter, warnings };
  } catch (e) {
    await claim.release().catch(() => {});
    throw e;
  }
}

// ---- the commit ----

function describeSync(r: SyncCommandResult): CheckpointOutcome {
  const sha = r.commit?.slice(0, 10) ?? null;
  let summary: string;
  if (r.deferred) summary = "deferred: another sync holds the lock; the files stay for the next sync";
  else if (r.groupedBy !== undefined) summary = `committed and pushed by the sync of pid ${r.groupedBy}`;
  else if (!r.committed) summary = r.pushed ? "nothing to commit; pushed earlier commits" : "nothing to commit";
  else if (r.pending) summary = `committed ${sha} (${r.files.length} file${r.files.length === 1 ? "" : "s"}); push pending: ${r.pendingReason ?? "remote unreachable"}`;
  else summary = `committed ${sha} (${r.files.length} file${r.files.length === 1 ? "" : "s"})${r.pushed ? " and pushed" : ""}`;
  return { exitCode: r.exitCode, summary, commit: r.commit, pushed: r.pushed };
}

async function checkpointStep(req: SessionEndRequest, autolog: AutologOutcome, deps: Deps): Promise<CheckpointOutcome> {
  try {
    // checkpoint --session finds the transcript by id; when only the hook's path had it, the log goes alone.
    if (autolog.status === "written" && autolog.path !== undefined && findTranscript(req.session, deps.env, homeOf(deps.env)) === undefined) {
      const { run } = await import("../commands/sync.js");
      return describeSync(await run({ only: [join(deps.cwd, ...autolog.path.split("/"))], purpose: "checkpoint", message: `checkpoint: session ${req.session} (automatic log)` }, deps));
    }
    const { run } = await import("../commands/checkpoint.js");
    return describeSync(await run({ session: req.session }, deps));
  } catch (e) {
    return { exitCode: exitCodeOf(e), summary: `failed (exit ${exitCodeOf(e)}): ${message(e)}`, commit: null, pushed: false };
  }
}

// ---- the hook's log line ----

function describeAutolog(a: AutologOutcome): string {
  switch (a.status) {
    case "written":
      return `automatic log ${a.path} (${a.drafter === "facts" ? "from the transcript's facts" : `drafted by ${a.drafter}`})`;
    case "has-log":
      return `no automatic log: ${a.path} carries this session`;
    case "claimed":
      return `no automatic log: ${a.detail}`;
    case "off":
      return "no automatic log: autolog is false in .logbook/config.yaml";
    case "no-transcript":
    case "empty":
      return `no automatic log: ${a.detail}`;
    case "failed":
      return `automatic log FAILED: ${a.detail}`;
  }
}

const MAX_LINE = 4000;

export function hookLine(now: Date, req: SessionEndRequest, a: AutologOutcome, c: CheckpointOutcome, warnings: readonly string[]): string {
  const parts = [`${now.toISOString()} session-end ${req.session}${req.reason ? ` (${req.reason})` : ""}: ${describeAutolog(a)}; checkpoint: ${c.summary}`];
  if (warnings.length) parts.push(`warnings: ${warnings.join(" | ")}`);
  const line = parts.join("; ").replace(/\s*\n\s*/g, " ");
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}
