// `logbook hook session-end`: run by Claude Code's SessionEnd hook (installed by `logbook init --hooks`). Reads the
// hook JSON on stdin, starts `logbook checkpoint --session <id>` detached, and returns at once.
import { join } from "node:path";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { findRepo, requireRepo, stateDir } from "../git/repo.js";
import { parseHookInput, startDetached } from "../claude/hook.js";
import { jsonFlag, type Command } from "./types.js";

export interface HookOptions {
  event: "session-end";
  /** How to run logbook itself: [node, cli.js] by default. Tests put a stand-in here to watch the detached child. */
  launcher: string[];
}

export interface HookResult {
  session: string;
  /** The detached process; undefined when it could not be started (the log says why). */
  pid: number | undefined;
  argv: string[];
  log: string;
  transcriptPath: string | undefined;
}

export async function run(o: HookOptions, deps: Deps): Promise<HookResult> {
  const input = parseHookInput(await deps.readStdin());
  // The hook JSON's cwd is the session's own directory; the hook process may have been started elsewhere.
  const repo = (input.cwd !== undefined ? findRepo(input.cwd) : undefined) ?? requireRepo(deps.cwd);
  const argv = [...o.launcher, "-C", repo.root, "checkpoint", "--session", input.session];
  const log = join(stateDir(repo), "hooks.log");
  const header = `${deps.now().toISOString()} ${input.event ?? "hook"} session ${input.session}${input.reason ? ` (${input.reason})` : ""}: ${argv.join(" ")}`;
  const pid = startDetached({ argv, cwd: repo.root, env: deps.env, logFile: log, header });
  return { session: input.session, pid, argv, log, transcriptPath: input.transcriptPath };
}

export const command: Command<HookOptions, HookResult> = {
  usage: "logbook hook session-end < hook.json",
  summary: "Claude Code SessionEnd hook: checkpoint the ending session's files in the background (see logbook init --hooks)",
  options: { ...jsonFlag },
  positionals: { min: 1, max: 1, names: "a hook event (session-end)" },
  parse(_v, positionals) {
    if (positionals[0] !== "session-end") throw new UsageError(`unknown hook event "${positionals[0]}"; logbook handles: session-end.`);
    const cli = process.argv[1];
    if (cli === undefined) throw new UsageError("cannot tell how logbook was started (no script path in argv).");
    return { event: "session-end", launcher: [process.execPath, cli] };
  },
  run,
  print(r, io) {
    if (io.json) return io.out(JSON.stringify({ session: r.session, pid: r.pid ?? null, log: r.log }) + "\n");
    io.out(`checkpoint of session ${r.session} started in the background (pid ${r.pid ?? "?"}); its output goes to ${r.log}\n`);
  },
};
