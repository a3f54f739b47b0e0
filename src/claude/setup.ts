// What `logbook init` writes for Claude Code: the slash commands, and with --hooks a SessionEnd hook merged into
// .claude/settings.json. A plan (what each file would become, and why) is computed first; apply only writes it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DataError } from "../errors.js";
import { createExclusive, writeFileAtomic } from "../util/fs.js";
import { checkpointCommand, saveCommand, syncCommand, wikiCompileCommand } from "./commands.js";

export interface SetupFile {
  /** Repo-relative, `/`-separated. */
  path: string;
  content: string;
  action: "create" | "skip-exists" | "overwrite" | "merge" | "unchanged";
}

export const SETTINGS_PATH = ".claude/settings.json";
/** How logbook's own hook is recognised in settings.json, whatever command runs logbook. */
const HOOK_ARGS = "hook session-end";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function fileAction(root: string, path: string, content: string, force: boolean): SetupFile {
  const abs = join(root, ...path.split("/"));
  if (!existsSync(abs)) return { path, content, action: "create" };
  let current: string;
  try {
    current = readFileSync(abs, "utf8");
  } catch (e) {
    throw new DataError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  if (current === content) return { path, content, action: "unchanged" };
  return force ? { path, content, action: "overwrite" } : { path, content: current, action: "skip-exists" };
}

interface HookRef {
  entry: Json;
  hook: Json;
}

/** Every logbook SessionEnd hook already in the settings (a second init must not add another). */
function ourHooks(sessionEnd: unknown[]): HookRef[] {
  const found: HookRef[] = [];
  for (const entry of sessionEnd) {
    if (!isObj(entry) || !Array.isArray(entry.hooks)) continue;
    for (const hook of entry.hooks) {
      if (isObj(hook) && typeof hook.command === "string" && hook.command.includes(HOOK_ARGS)) found.push({ entry, hook });
    }
  }
  return found;
}

function settingsAction(root: string, cliCommand: string, force: boolean): SetupFile {
  const command = `${cliCommand} ${HOOK_ARGS}`;
  const ours = { type: "command", command };
  const abs = join(root, ".claude", "settings.json");
  if (!existsSync(abs)) {
    return { path: SETTINGS_PATH, content: JSON.stringify({ hooks: { SessionEnd: [{ hooks: [ours] }] } }, null, 2) + "\n", action: "create" };
  }
  const text = readFileSync(abs, "utf8");
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${SETTINGS_PATH}: not valid JSON (${(e as Error).message}); fix it, then run logbook init --hooks again. Nothing was written.`);
  }
  if (!isObj(settings)) throw new DataError(`${SETTINGS_PATH}: expected a JSON object at the top. Nothing was written.`);
  const hooks = settings.hooks ?? {};
  if (!isObj(hooks)) throw new DataError(`${SETTINGS_PATH}: "hooks" must be an object of events. Nothing was written.`);
  const sessionEnd = hooks.SessionEnd ?? [];
  if (!Array.isArray(sessionEnd)) throw new DataError(`${SETTINGS_PATH}: "hooks.SessionEnd" must be an array. Nothing was written.`);
  const existing = ourHooks(sessionEnd);
  if (existing.length > 0) {
    if (existing.length === 1 && existing[0]!.hook.command === command) return { path: SETTINGS_PATH, content: text, action: "unchanged" };
    if (!force) return { path: SETTINGS_PATH, content: text, action: "skip-exists" };
    // --force: exactly one logbook hook, with this command; the user's other hooks stay where they are.
    existing[0]!.hook.command = command;
    for (const { entry, hook } of existing.slice(1)) entry.hooks = (entry.hooks as unknown[]).filter((h) => h !== hook);
    hooks.SessionEnd = sessionEnd.filter((e) => !isObj(e) || !Array.isArray(e.hooks) || e.hooks.length > 0);
  } else {
    hooks.SessionEnd = [...sessionEnd, { hooks: [ours] }];
  }
  settings.hooks = hooks;
  const indent = /^\{\s*\n(\s+)"/.exec(text)?.[1] ?? "  ";
  return { path: SETTINGS_PATH, content: JSON.stringify(settings, null, indent.includes("\t") ? "\t" : indent.length) + "\n", action: "merge" };
}

/** What init would write for Claude Code. Reads only; throws DataError for a settings.json it cannot merge into. */
export function planClaudeSetup(root: string, o: { hooks: boolean; force: boolean; cliCommand: string }): SetupFile[] {
  const cli = o.cliCommand;
  const plan: SetupFile[] = [
    fileAction(root, ".claude/commands/save.md", saveCommand(cli), o.force),
    fileAction(root, ".claude/commands/sync.md", syncCommand(cli), o.force),
    fileAction(root, ".claude/commands/checkpoint.md", checkpointCommand(cli), o.force),
    fileAction(root, ".claude/commands/wiki-compile.md", wikiCompileCommand(cli), o.force),
  ];
  if (o.hooks) plan.push(settingsAction(root, cli, o.force));
  return plan;
}

/** Writes the plan: atomic writes; a file planned as new is created only if it still does not exist. */
export async function applyClaudeSetup(root: string, plan: SetupFile[]): Promise<void> {
  for (const f of plan) {
    const abs = join(root, ...f.path.split("/"));
    if (f.action === "create") await createExclusive(abs, f.content, dirname(abs));
    else if (f.action === "overwrite" || f.action === "merge") await writeFileAtomic(abs, f.content);
  }
}

/** One line per file for init's report: what was written, and what was left alone and why. */
export function describeClaudeSetup(plan: SetupFile[]): { changes: string[]; skipped: string[] } {
  const changes: string[] = [];
  const skipped: string[] = [];
  for (const f of plan) {
    const hook = f.path === SETTINGS_PATH;
    if (f.action === "create") changes.push(hook ? `created ${f.path} with a SessionEnd hook (logbook hook session-end)` : `created ${f.path}`);
    else if (f.action === "overwrite") changes.push(`overwrote ${f.path} (--force)`);
    else if (f.action === "merge") changes.push(`added the logbook SessionEnd hook to ${f.path} (everything else kept)`);
    else if (f.action === "skip-exists") {
      skipped.push(hook ? `${f.path} already has a different logbook SessionEnd hook; left as it is (--force replaces it)` : `${f.path} exists and differs; left as it is (--force overwrites it)`);
    }
  }
  return { changes, skipped };
}
