// Linux with a systemd user session: a oneshot service and a timer in the user's unit directory. Pure: unit texts,
// plans, and the parsers of systemctl/loginctl output (tested on recorded samples).
import { posix } from "node:path";
import type { CmdResult } from "../runner.js";
import { describeEvery, type Plan, type Step, type Target } from "../plan.js";

const HEADER = "# Written by `logbook schedule install`; `logbook schedule remove` deletes it.";

/** Where the user manager reads units: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user. */
export function unitDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  return posix.join(xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, ".config"), "systemd", "user");
}

export interface UnitPaths {
  service: string;
  timer: string;
  /** The symlink `systemctl enable` makes; removed by `disable`, and by us if it outlived that. */
  wants: string;
}

export function unitPaths(dir: string, name: string): UnitPaths {
  return {
    service: posix.join(dir, `${name}.service`),
    timer: posix.join(dir, `${name}.timer`),
    wants: posix.join(dir, "timers.target.wants", `${name}.timer`),
  };
}

/** `%` starts a unit specifier everywhere in a unit file. */
const specifiers = (s: string) => s.replace(/%/g, "%%");

/** A C-style quoted word for systemd's own command-line and assignment parsing. */
function quoted(s: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** One ExecStart= argument: quoted, `%` and `$` (variable expansion) escaped. */
export function execArg(s: string): string {
  return specifiers(quoted(s)).replace(/\$/g, "$$$$");
}

export function execStartLine(t: Target): string {
  return `ExecStart=${t.argv.map(execArg).join(" ")}`;
}

export function serviceUnit(t: Target): string {
  return [
    HEADER,
    "[Unit]",
    `Description=${specifiers(`logbook sync of ${t.root}`)}`,
    "",
    "[Service]",
    "Type=oneshot",
    ...(t.path !== undefined ? [`Environment=${specifiers(quoted(`PATH=${t.path}`))}`] : []),
    execStartLine(t),
    "",
  ].join("\n");
}

export function timerUnit(t: Target): string {
  return [
    HEADER,
    "[Unit]",
    `Description=${specifiers(`logbook sync of ${t.root} ${describeEvery(t.every)}`)}`,
    "",
    "[Timer]",
    // The first run a minute after the timer starts (login, install); then `every` after each run began.
    "OnActiveSec=1min",
    `OnUnitActiveSec=${t.every}min`,
    `Unit=${t.name}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

const ctl = (...args: string[]) => ["systemctl", "--user", ...args];

export function installPlan(t: Target, dir: string, existed: boolean): Plan {
  const p = unitPaths(dir, t.name);
  const timer = `${t.name}.timer`;
  const steps: Step[] = [
    { op: "write", path: p.service, content: serviceUnit(t) },
    { op: "write", path: p.timer, content: timerUnit(t) },
    { op: "run", argv: ctl("daemon-reload") },
    { op: "run", argv: ctl("enable", timer) },
    // restart, not start: a changed interval takes effect now, and a stopped timer is started.
    { op: "run", argv: ctl("restart", timer) },
  ];
  const rollback: Step[] = existed
    ? [{ op: "run", argv: ctl("daemon-reload"), tolerate: true }, { op: "run", argv: ctl("restart", timer), tolerate: true }]
    : [{ op: "run", argv: ctl("disable", "--now", timer), tolerate: true }, { op: "run", argv: ctl("daemon-reload"), tolerate: true }];
  return { scheduler: "systemd", name: t.name, steps, rollback };
}

/**
 * Removes the units. Without a reachable user manager (a cron fallback cleaning up after an earlier systemd
 * install, over ssh say) only the files go; the manager forgets them at its next start.
 */
export function removePlan(name: string, dir: string, present: { service: boolean; timer: boolean; wants: boolean }, reachable: boolean): Plan {
  const p = unitPaths(dir, name);
  const timer = `${name}.timer`;
  const steps: Step[] = [];
  if (reachable && (present.timer || present.wants)) steps.push({ op: "run", argv: ctl("disable", "--now", timer), tolerate: !present.timer });
  if (present.wants) steps.push({ op: "delete", path: p.wants });
  if (present.timer) steps.push({ op: "delete", path: p.timer });
  if (present.service) steps.push({ op: "delete", path: p.service });
  if (reachable && steps.length > 0) {
    steps.push({ op: "run", argv: ctl("daemon-reload") });
    // A failed last run would otherwise keep the unit listed in `systemctl --user --failed`.
    steps.push({ op: "run", argv: ctl("reset-failed", `${name}.service`, timer), tolerate: true });
  }
  return { scheduler: "systemd", name, steps, rollback: [] };
}

// ---- parsers ------------------------------------------------------------------------------------------------

const UP = new Set(["running", "degraded", "starting", "initializing"]);

/**
 * `systemctl --user is-system-running`: `running` (exit 0) or `degraded` (exit 1; one unit failed, the manager is
 * fine) mean a user manager answers. `offline` (no bus, no systemd as PID 1), or a missing systemctl, mean none.
 */
export function parseSystemState(r: CmdResult): { up: boolean; state: string } {
  const state = r.stdout.trim().split("\n")[0]?.trim() ?? "";
  if (r.code === 127) return { up: false, state: "no systemctl" };
  return { up: UP.has(state), state: state || r.stderr.trim().split("\n")[0] || `exit ${r.code}` };
}

/** `loginctl show-user <user> --property=Linger --value` (`yes`), or older systemd's `Linger=yes`. */
export function parseLinger(r: CmdResult): boolean | undefined {
  if (r.code !== 0) return undefined;
  const v = r.stdout.trim().replace(/^Linger=/, "");
  return v === "yes" ? true : v === "no" ? false : undefined;
}

/** The interval of a timer we wrote (`OnUnitActiveSec=15min`). */
export function parseTimerEvery(text: string): number | undefined {
  const m = /^OnUnitActiveSec=(\d+)min\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The ExecStart= line of a service we wrote, for comparing with what install would write now. */
export function parseExecStart(text: string): string | undefined {
  return /^ExecStart=.*$/m.exec(text)?.[0];
}
