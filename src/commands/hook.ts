// `logbook hook session-end`: run by Claude Code's SessionEnd hook (installed by `logbook init --hooks`). Reads the
// hook JSON on stdin, starts `logbook -C <repo> hook session-end --run --session <id>` detached, and returns at once;
// that child writes the automatic log when the session saved none, then checkpoints the session's files.
import { join } from "node:path";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { findRepo, requireRepo, stateDir } from "../git/repo.js";
import { parseHookInput, startDetached } from "../claude/hook.js";
import type { SessionEndReport, SessionEndRequest } from "../claude/session-end.js";
import { SESSION_ID_RE } from "../log/render.js";
import { jsonFlag, str, type Command } from "./types.js";

export interface HookOptions {
  event: "session-end";
  /** How to run logbook itself: [node, cli.js] by default. Tests put a stand-in here to watch the detached child. */
  launcher: string[];
  /** Set in the detached child (`--run`): do the work instead of starting it. */
  child?: SessionEndRequest | undefined;
}

export interface HookResult {
  session: string;
  /** The detached process; undefined when it could not be started (the log says why). */
  pid: number | undefined;
  argv: string[];
  log: string;
  transcriptPath: string | undefined;
}

/** The hook itself: parse, find the repo, start the child, return. Loads nothing else (the hook's start-up budget). */
export async function run(o: HookOptions, deps: Deps): Promise<HookResult> {
  const input = parseHookInput(await deps.readStdin());
  // The hook JSON's cwd is the session's own directory; the hook process may have been started elsewhere.
  const repo = (input.cwd !== undefined ? findRepo(input.cwd) : undefined) ?? requireRepo(deps.cwd);
  const argv = [...o.launcher, "-C", repo.root, "hook", "session-end", "--run", "--session", input.session];
  // `--flag=value`: a value that starts with "-" is still that flag's value.
  if (input.transcriptPath !== undefined) argv.push(`--transcript=${input.transcriptPath}`);
  if (input.reason !== undefined) argv.push(`--reason=${input.reason}`);
  const log = join(stateDir(repo), "hooks.log");
  // No header: the child writes the run's one line when it knows what it did (its stdout/stderr only ever carry a
  // crash, which is worth seeing there too).
  const pid = startDetached({ argv, cwd: repo.root, env: deps.env, logFile: log, nice: 10 });
  return { session: input.session, pid, argv, log, transcriptPath: input.transcriptPath };
}

/** The detached child: the automatic log, then the checkpoint; one line in hooks.log. */
export async function runChild(req: SessionEndRequest, deps: Deps): Promise<SessionEndReport> {
  const { runSessionEnd } = await import("../claude/session-end.js");
  return runSessionEnd(req, deps);
}

type Result = HookResult | SessionEndReport;
const isReport = (r: Result): r is SessionEndReport => "checkpoint" in r;

export const command: Command<HookOptions, Result> = {
  usage: "logbook hook session-end [--json] < hook.json",
  summary: "Claude Code SessionEnd hook: in the background, write an automatic log if the session saved none, then checkpoint its files (see logbook init --hooks)",
  options: { ...jsonFlag, run: { type: "boolean" }, session: { type: "string" }, transcript: { type: "string" }, reason: { type: "string" } },
  positionals: { min: 1, max: 1, names: "a hook event (session-end)" },
  parse(v, positionals) {
    if (positionals[0] !== "session-end") throw new UsageError(`unknown hook event "${positionals[0]}"; logbook handles: session-end.`);
    const cli = process.argv[1];
    if (cli === undefined) throw new UsageError("cannot tell how logbook was started (no script path in argv).");
    const o: HookOptions = { event: "session-end", launcher: [process.execPath, cli] };
    if (v.run !== true) return o;
    // --run is what the hook starts; a person never needs it, but it is safe to run by hand.
    const session = str(v.session);
    if (session === undefined || !SESSION_ID_RE.test(session)) throw new UsageError("hook session-end --run needs --session <id> (a Claude Code session id).");
    o.child = { session, transcriptPath: str(v.transcript), reason: str(v.reason) };
    return o;
  },
  run: (o, deps) => (o.child ? runChild(o.child, deps) : run(o, deps)),
  print(r, io) {
    if (isReport(r)) {
      // The child's stdout is the hook log: the one line is already there.
      if (io.json) io.out(JSON.stringify({ session: r.session, autolog: r.autolog, checkpoint: r.checkpoint, log: r.log }) + "\n");
      return;
    }
    if (io.json) return io.out(JSON.stringify({ session: r.session, pid: r.pid ?? null, log: r.log }) + "\n");
    io.out(`session ${r.session}: automatic log (if it saved none) and checkpoint started in the background (pid ${r.pid ?? "?"}); see ${r.log}\n`);
  },
  exitCode: (r) => (isReport(r) ? r.exitCode : 0),
};
