// `logbook schedule install|remove|status`: a periodic `logbook sync --scheduled` for this repo in the platform's own
// scheduler (systemd user timer or crontab on Linux, launchd on macOS, Task Scheduler on Windows). docs/schedule.md.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { requireRepo } from "../git/repo.js";
import { install, remove, status, type Host, type InstallResult, type RemoveResult, type StatusResult } from "../schedule/manage.js";
import { describeEvery, parseEvery, SCHEDULER_NAMES, type Step } from "../schedule/plan.js";
import { windowsCommandLine } from "../schedule/platforms/schtasks.js";
import { realRunner, showArgv, type Runner } from "../schedule/runner.js";
import { jsonFlag, str, type Command } from "./types.js";

export interface ScheduleOptions {
  action: "install" | "remove" | "status";
  /** Minutes between runs (install). */
  every: number;
  dryRun: boolean;
  /** How the scheduler runs logbook: [node, cli.js], absolute. The CLI passes process.execPath and its own script. */
  launcher: string[];
  /** The user id, for launchd's gui/<uid> domain. */
  uid: number | undefined;
  /** The one way to the scheduler's commands; tests pass a fake. Default: the real one. */
  runner?: Runner;
}

export type ScheduleResult = InstallResult | RemoveResult | StatusResult;

export async function run(o: ScheduleOptions, deps: Deps): Promise<ScheduleResult> {
  const repo = requireRepo(deps.cwd);
  const host: Host = {
    platform: deps.platform,
    env: deps.env,
    runner: o.runner ?? realRunner(deps.env),
    home: deps.env.HOME || deps.env.USERPROFILE,
    uid: o.uid,
  };
  switch (o.action) {
    case "install":
      return install(repo, { every: o.every, dryRun: o.dryRun, launcher: o.launcher }, host);
    case "remove":
      return remove(repo, { dryRun: o.dryRun }, host);
    case "status":
      return status(repo, { launcher: o.launcher }, host);
  }
}

// ---- printing -------------------------------------------------------------------------------------------------

/** Steps exactly as they would happen: whole file contents, whole command lines, whole stdin. */
export function renderSteps(steps: Step[], platform: NodeJS.Platform): string {
  const show = (argv: string[]) => (platform === "win32" ? windowsCommandLine(argv) : showArgv(argv));
  const block = (text: string) => (text.endsWith("\n") || text === "" ? text : `${text}\n`);
  const out: string[] = [];
  for (const s of steps) {
    if (s.op === "write") out.push(`=== write ${s.path}\n${block(s.content)}=== end of ${s.path}\n`);
    else if (s.op === "delete") out.push(`=== delete ${s.path}\n`);
    else {
      const note = s.tolerate ? "   (a failure here is expected when there is nothing to undo)" : "";
      out.push(`$ ${show(s.argv)}${note}\n`);
      if (s.input !== undefined) out.push(`=== stdin of ${s.argv.join(" ")}\n${block(s.input)}=== end of stdin\n`);
    }
  }
  return out.join("");
}

function printInstall(r: InstallResult, platform: NodeJS.Platform): string {
  const what = `${r.name} (${SCHEDULER_NAMES[r.scheduler]})`;
  const cmd = platform === "win32" ? windowsCommandLine(r.argv) : showArgv(r.argv);
  const notes = r.notes.map((n) => `note: ${n}\n`).join("");
  if (r.dryRun) {
    const head = `Dry run, nothing changed. logbook schedule install would set up ${what} for ${r.root}, ${describeEvery(r.every)}:\n  ${cmd}\n`;
    if (!r.changed) return `${head}It is already installed exactly so: install would change nothing.\n${notes}`;
    return `${head}\n${renderSteps(r.steps, platform)}${notes}`;
  }
  if (!r.changed) return `${what} is already installed exactly so (${describeEvery(r.every)}); nothing changed.\n${notes}`;
  return `Installed ${what}: ${describeEvery(r.every)} it runs\n  ${cmd}\nEach run adds one line to ${r.log} (logbook schedule status shows the last one).\n${notes}`;
}

function printRemove(r: RemoveResult, platform: NodeJS.Platform): string {
  if (r.dryRun) {
    if (r.steps.length === 0) return `Dry run: there is no scheduled sync for ${r.root}; remove would do nothing.\n`;
    return `Dry run, nothing changed. logbook schedule remove would:\n\n${renderSteps(r.steps, platform)}`;
  }
  if (r.removed.length === 0) return `No scheduled sync is installed for ${r.root} (${r.name}); nothing to remove.\n`;
  return `Removed ${r.name} (${r.removed.map((k) => SCHEDULER_NAMES[k]).join(", ")}) and its run log; nothing of it is left.\n`;
}

function printStatus(r: StatusResult): string {
  const lines = [`Scheduled sync of ${r.root} (${r.name}):`];
  if (r.entries.length === 0) lines.push(`  not installed (logbook schedule install would add a ${SCHEDULER_NAMES[r.scheduler]})`);
  for (const e of r.entries) {
    const every = e.every !== undefined ? describeEvery(e.every) : "interval unknown";
    lines.push(`  ${SCHEDULER_NAMES[e.scheduler]}: ${every}, ${e.state ?? "state unknown"}${e.upToDate ? "" : "; OUT OF DATE: its command is not what install writes now (node or logbook moved?): run logbook schedule install again"}`);
    for (const f of e.files) lines.push(`    ${f}`);
  }
  if (r.entries.length > 1) lines.push("  warning: more than one entry for this repo; logbook schedule install keeps one, logbook schedule remove removes all");
  lines.push(`Last run: ${r.lastRun.last ?? "none yet"}`);
  if (r.lastRun.pendingRuns > 0) {
    lines.push(`Push pending for the last ${r.lastRun.pendingRuns} run(s), since ${r.lastRun.pendingSince}: the remote is unreachable; commits wait locally until it answers.`);
  }
  lines.push(`Log: ${r.log}`);
  return lines.join("\n") + "\n";
}

export function printSchedule(r: ScheduleResult, io: { out: (s: string) => void; json: boolean }): void {
  if (io.json) return io.out(JSON.stringify(r) + "\n");
  io.out(r.action === "install" ? printInstall(r, r.platform) : r.action === "remove" ? printRemove(r, r.platform) : printStatus(r));
}

const ACTIONS = ["install", "remove", "status"] as const;

export const command: Command<ScheduleOptions, ScheduleResult> = {
  usage: "logbook schedule install [--every <minutes>] [--dry-run] | remove [--dry-run] | status [--json]",
  summary: "run `logbook sync --scheduled` for this repo periodically in the platform's scheduler (systemd, cron, launchd, Task Scheduler)",
  options: { every: { type: "string" }, "dry-run": { type: "boolean" }, ...jsonFlag },
  positionals: { min: 1, max: 1, names: "an action: install, remove or status" },
  parse(v, positionals) {
    const action = ACTIONS.find((a) => a === positionals[0]);
    if (action === undefined) throw new UsageError(`unknown action "${positionals[0]}"; logbook schedule takes install, remove or status.`);
    if (v.every !== undefined && action !== "install") throw new UsageError(`--every goes with install (logbook schedule install --every <minutes>).`);
    if (v["dry-run"] === true && action === "status") throw new UsageError("status changes nothing; --dry-run goes with install or remove.");
    const every = parseEvery(str(v.every));
    const cli = process.argv[1];
    if (cli === undefined) throw new UsageError("cannot tell how logbook was started (no script path in argv).");
    let script = resolve(cli);
    try {
      script = realpathSync(script); // an npm-linked `logbook` symlink becomes dist/cli.js itself
    } catch {}
    return { action, every, dryRun: v["dry-run"] === true, launcher: [process.execPath, script], uid: process.getuid?.() };
  },
  run,
  print: printSchedule,
};
