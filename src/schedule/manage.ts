// install / remove / status: read what the scheduler has now (through the runner and the files), plan with the
// platform module, then apply (or, with --dry-run, only return the plan).
import { promises as fsp, realpathSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { stateDir, type RepoPaths } from "../git/repo.js";
import { applyPlan, exists, SchedulerError } from "./apply.js";
import { scheduleLogPath, summarize, type LogSummary } from "./log.js";
import { DEFAULT_EVERY, entryName, target, type Plan, type SchedulerKind, type Step, type Target } from "./plan.js";
import type { Runner } from "./runner.js";
import * as cron from "./platforms/cron.js";
import * as launchd from "./platforms/launchd.js";
import * as schtasks from "./platforms/schtasks.js";
import * as systemd from "./platforms/systemd.js";

/** The machine as the scheduler code sees it; tests pass a fake runner, a temp HOME and any platform. */
export interface Host {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  runner: Runner;
  home: string | undefined;
  /** The user id (launchd's gui/<uid> domain). */
  uid: number | undefined;
  sleep?: (ms: number) => Promise<void>;
}

export interface Common {
  name: string;
  root: string;
  /** The scheduler install would use on this machine now. */
  scheduler: SchedulerKind;
  platform: NodeJS.Platform;
  log: string;
}

export interface InstallResult extends Common {
  action: "install";
  dryRun: boolean;
  every: number;
  argv: string[];
  /** False when the entry was already exactly this (install twice: one entry, nothing rewritten). */
  changed: boolean;
  steps: Step[];
  notes: string[];
}

export interface RemoveResult extends Common {
  action: "remove";
  dryRun: boolean;
  /** The schedulers an entry was removed from (empty: there was none). */
  removed: SchedulerKind[];
  steps: Step[];
}

export interface EntryStatus {
  scheduler: SchedulerKind;
  every: number | undefined;
  /** The command and interval are what install would write now (a moved node or logbook makes this false). */
  upToDate: boolean;
  /** The scheduler's own word: active, running, enabled... */
  state: string | undefined;
  files: string[];
}

export interface StatusResult extends Common {
  action: "status";
  entries: EntryStatus[];
  lastRun: LogSummary;
}

const canonical = (root: string) => {
  try {
    return realpathSync.native(root);
  } catch {
    return root;
  }
};

function homeOf(host: Host): string {
  if (host.home === undefined || host.home === "") throw new ConfigError("HOME (USERPROFILE on Windows) is not set, so the scheduler's files have no place; set it and try again.");
  return host.home;
}

function uidOf(host: Host): number {
  if (host.uid === undefined) throw new ConfigError("launchd needs the user id (gui/<uid> domain) and this process could not tell it.");
  return host.uid;
}

function makeTarget(repo: RepoPaths, every: number, launcher: readonly string[], host: Host): Target {
  return target({ root: canonical(repo.root), every, launcher, path: host.env.PATH ?? host.env.Path, platform: host.platform });
}

const readText = (path: string) => fsp.readFile(path, "utf8").catch(() => undefined);

/** What a Unix (non-macOS) machine has: a user manager or not, our unit files, our crontab line. */
async function unixProbe(name: string, host: Host) {
  const state = systemd.parseSystemState(await host.runner(["systemctl", "--user", "is-system-running"]));
  const dir = systemd.unitDir(host.env, homeOf(host));
  const p = systemd.unitPaths(dir, name);
  const present = { service: await exists(p.service), timer: await exists(p.timer), wants: await exists(p.wants) };
  const crontab = cron.parseCrontabList(await host.runner(["crontab", "-l"]));
  return { state, dir, paths: p, present, crontab };
}

function merge(scheduler: SchedulerKind, name: string, plans: Plan[]): Plan {
  return { scheduler, name, steps: plans.flatMap((p) => p.steps), rollback: plans.flatMap((p) => p.rollback) };
}

function common(repo: RepoPaths, t: Pick<Target, "name" | "root">, scheduler: SchedulerKind, host: Host): Common {
  return { name: t.name, root: t.root, scheduler, platform: host.platform, log: scheduleLogPath(stateDir(repo)) };
}

export async function install(repo: RepoPaths, o: { every: number; dryRun: boolean; launcher: readonly string[] }, host: Host): Promise<InstallResult> {
  const t = makeTarget(repo, o.every, o.launcher, host);
  for (const p of o.launcher) {
    if (!(await exists(p))) throw new ConfigError(`${p} does not exist, so the scheduler could not run it; run logbook schedule install from an installed logbook (node dist/cli.js).`);
  }
  const notes: string[] = [];
  let plan: Plan;
  let changed: boolean;
  if (host.platform === "win32") {
    const info = schtasks.parseTaskXml(await host.runner(schtasks.queryArgv(t.name)));
    plan = schtasks.installPlan(t);
    changed = !info || !info.enabled || info.every !== t.every || info.command !== schtasks.normalizeCommand(schtasks.taskRun(t));
  } else if (host.platform === "darwin") {
    const home = homeOf(host);
    const uid = uidOf(host);
    const loaded = launchd.parsePrint(await host.runner(launchd.printArgv(uid, t.name))).loaded;
    const current = await readText(launchd.plistPath(home, t.name));
    plan = launchd.installPlan(t, home, uid, loaded, current !== undefined);
    changed = !loaded || current !== launchd.plist(t);
  } else {
    const u = await unixProbe(t.name, host);
    if (u.state.up) {
      const [service, timer] = [await readText(u.paths.service), await readText(u.paths.timer)];
      const plans = [systemd.installPlan(t, u.dir, service !== undefined || timer !== undefined)];
      const active = (await host.runner(["systemctl", "--user", "is-active", `${t.name}.timer`])).stdout.trim() === "active";
      changed = service !== systemd.serviceUnit(t) || timer !== systemd.timerUnit(t) || !u.present.wants || !active;
      // one entry per repo: a crontab line from an install made without a user session goes
      if (u.crontab.kind === "ok" && cron.findEntry(u.crontab.text, t.name)) {
        plans.push(cron.removePlan(t.name, u.crontab.text));
        changed = true;
      }
      plan = merge("systemd", t.name, plans);
      const user = host.env.USER ?? host.env.LOGNAME;
      const linger = user ? systemd.parseLinger(await host.runner(["loginctl", "show-user", user, "--property=Linger", "--value"])) : undefined;
      if (linger === false) {
        notes.push(`the timer runs while ${user} is logged in; to keep it running after logout: loginctl enable-linger ${user}`);
      }
    } else {
      if (u.crontab.kind === "missing") {
        throw new ConfigError(
          `no systemd user session here (systemctl --user is-system-running: ${u.state.state}) and no crontab command, so there is no scheduler to install into. Install cron (e.g. apt install cron) or log in with a systemd user session, then run logbook schedule install again.`,
        );
      }
      if (u.crontab.kind === "error") throw new SchedulerError(`${u.crontab.message}. Nothing was installed.`);
      const plans = [cron.installPlan(t, u.crontab.text)];
      changed = plans[0]!.steps.length > 0;
      if (u.present.service || u.present.timer || u.present.wants) {
        plans.push(systemd.removePlan(t.name, u.dir, u.present, false));
        changed = true;
      }
      plan = merge("cron", t.name, plans);
      notes.push(`no systemd user session (systemctl --user is-system-running: ${u.state.state}): using the crontab`);
    }
  }
  if (!o.dryRun && changed) await applyPlan(plan, { runner: host.runner, ...(host.sleep ? { sleep: host.sleep } : {}) });
  return { action: "install", dryRun: o.dryRun, ...common(repo, t, plan.scheduler, host), every: t.every, argv: t.argv, changed, steps: plan.steps, notes };
}

export async function remove(repo: RepoPaths, o: { dryRun: boolean }, host: Host): Promise<RemoveResult> {
  const root = canonical(repo.root);
  const t = { name: entryName(root, host.platform), root };
  const plans: Plan[] = [];
  let scheduler: SchedulerKind;
  if (host.platform === "win32") {
    scheduler = "schtasks";
    plans.push(schtasks.removePlan(t.name, schtasks.parseTaskXml(await host.runner(schtasks.queryArgv(t.name))) !== undefined));
  } else if (host.platform === "darwin") {
    scheduler = "launchd";
    const home = homeOf(host);
    const uid = uidOf(host);
    const loaded = launchd.parsePrint(await host.runner(launchd.printArgv(uid, t.name))).loaded;
    plans.push(launchd.removePlan(t.name, home, uid, loaded, await exists(launchd.plistPath(home, t.name))));
  } else {
    const u = await unixProbe(t.name, host);
    scheduler = u.state.up ? "systemd" : "cron";
    plans.push(systemd.removePlan(t.name, u.dir, u.present, u.state.up));
    if (u.crontab.kind === "ok") plans.push(cron.removePlan(t.name, u.crontab.text));
    else if (u.crontab.kind === "error") throw new SchedulerError(`${u.crontab.message}. Nothing was removed.`);
  }
  const removed = plans.filter((p) => p.steps.length > 0).map((p) => p.scheduler);
  // The run log belongs to the entry: nothing is left behind.
  const log = scheduleLogPath(stateDir(repo));
  const logs: Plan = { scheduler, name: t.name, rollback: [], steps: [] };
  for (const f of [log, `${log}.1`]) if (await exists(f)) logs.steps.push({ op: "delete", path: f });
  const plan = merge(scheduler, t.name, [...plans, logs]);
  if (!o.dryRun) await applyPlan(plan, { runner: host.runner, ...(host.sleep ? { sleep: host.sleep } : {}) });
  return { action: "remove", dryRun: o.dryRun, ...common(repo, t, scheduler, host), removed, steps: plan.steps };
}

export async function status(repo: RepoPaths, o: { launcher: readonly string[] }, host: Host): Promise<StatusResult> {
  const probe = makeTarget(repo, DEFAULT_EVERY, o.launcher, host);
  const entries: EntryStatus[] = [];
  let scheduler: SchedulerKind;
  if (host.platform === "win32") {
    scheduler = "schtasks";
    const info = schtasks.parseTaskXml(await host.runner(schtasks.queryArgv(probe.name)));
    if (info) {
      const upToDate = info.every !== undefined && info.command === schtasks.normalizeCommand(schtasks.windowsCommandLine(probe.argv));
      entries.push({ scheduler, every: info.every, upToDate, state: info.enabled ? "enabled" : "disabled", files: [] });
    }
  } else if (host.platform === "darwin") {
    scheduler = "launchd";
    const path = launchd.plistPath(homeOf(host), probe.name);
    const text = await readText(path);
    const print = launchd.parsePrint(await host.runner(launchd.printArgv(uidOf(host), probe.name)));
    if (text !== undefined || print.loaded) {
      const every = text !== undefined ? launchd.parsePlistEvery(text) : undefined;
      const argv = text !== undefined ? launchd.parsePlistArgv(text) : undefined;
      const upToDate = every !== undefined && JSON.stringify(argv) === JSON.stringify(probe.argv) && print.loaded;
      const state = print.loaded ? [print.state ?? "loaded", print.lastExit ? `last exit code ${print.lastExit}` : ""].filter(Boolean).join(", ") : "not loaded";
      entries.push({ scheduler, every, upToDate, state, files: text !== undefined ? [path] : [] });
    }
  } else {
    const u = await unixProbe(probe.name, host);
    scheduler = u.state.up ? "systemd" : "cron";
    if (u.present.service || u.present.timer) {
      const [service, timer] = [(await readText(u.paths.service)) ?? "", (await readText(u.paths.timer)) ?? ""];
      const every = systemd.parseTimerEvery(timer);
      const upToDate = every !== undefined && systemd.parseExecStart(service) === systemd.execStartLine(probe);
      const active = u.state.up ? (await host.runner(["systemctl", "--user", "is-active", `${probe.name}.timer`])).stdout.trim() || "unknown" : `unknown (no systemd user session: ${u.state.state})`;
      entries.push({ scheduler: "systemd", every, upToDate, state: active, files: [u.paths.service, u.paths.timer].filter((_, i) => (i === 0 ? u.present.service : u.present.timer)) });
    }
    const entry = u.crontab.kind === "ok" ? cron.findEntry(u.crontab.text, probe.name) : undefined;
    if (entry) {
      const upToDate = entry.every !== undefined && entry.command === cron.commandOf(`* * * * * ${cron.cronCommand(probe)}`);
      entries.push({ scheduler: "cron", every: entry.every, upToDate, state: "in crontab", files: [] });
    }
  }
  const log = scheduleLogPath(stateDir(repo));
  return { action: "status", ...common(repo, probe, scheduler, host), entries, lastRun: await summarize(log) };
}
