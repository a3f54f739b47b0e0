// What `logbook schedule` installs, as data: the entry's name, the command the scheduler runs, and the steps (files
// to write or delete, scheduler commands to run). Pure: the platform modules build plans, apply.ts carries them out.
import { createHash } from "node:crypto";
import { posix, win32 } from "node:path";
import { ConfigError, UsageError } from "../errors.js";

export type SchedulerKind = "systemd" | "cron" | "launchd" | "schtasks";

export const SCHEDULER_NAMES: Record<SchedulerKind, string> = {
  systemd: "systemd user timer",
  cron: "crontab entry",
  launchd: "launchd agent",
  schtasks: "Task Scheduler task",
};

export const DEFAULT_EVERY = 15;
/** A day: beyond that a "scheduled sync" is no longer what the team relies on between sessions. */
export const MAX_EVERY = 1440;

/** What one repo's entry runs, and how often. */
export interface Target {
  /** The repo's working tree root, canonical (realpath): the same repo always gets the same name. */
  root: string;
  /** `logbook-sync-<8 hex>`: the scheduler's name for this repo's entry. */
  name: string;
  /** Minutes between runs. */
  every: number;
  /** The command the scheduler runs: [node, cli.js, "-C", root, "sync", "--scheduled"], all absolute. */
  argv: string[];
  /** PATH for the run: schedulers start jobs with a bare PATH where git (and its helpers) may be missing. */
  path: string | undefined;
}

export type Step =
  | { op: "write"; path: string; content: string }
  | { op: "delete"; path: string }
  /**
   * `tolerate`: a failure is expected and harmless (the entry was not there); it never stops the plan. `retries`: a
   * command that can fail for a moment (launchd still tearing down the agent it just booted out).
   */
  | { op: "run"; argv: string[]; input?: string; tolerate?: boolean; retries?: number };

export interface Plan {
  scheduler: SchedulerKind;
  name: string;
  steps: Step[];
  /** Best effort after a failed step, once the files are restored: put the scheduler back as it was. */
  rollback: Step[];
}

/** The entry's name from the repo path. Windows and macOS paths are case-insensitive: one repo, one name. */
export function entryName(root: string, platform: NodeJS.Platform): string {
  const key = platform === "win32" || platform === "darwin" ? root.toLowerCase() : root;
  return `logbook-sync-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/** `--every` as minutes; a usage error names the flag and the range. */
export function parseEvery(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_EVERY;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > MAX_EVERY) {
    throw new UsageError(`--every ${raw}: the interval is a whole number of minutes from 1 to ${MAX_EVERY} (default ${DEFAULT_EVERY}).`);
  }
  return Number(raw);
}

/** A control character (a newline above all) cannot live in a unit file, a crontab line or a plist string. */
function hasControl(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

export function target(o: { root: string; every: number; launcher: readonly string[]; path: string | undefined; platform: NodeJS.Platform }): Target {
  const paths = [o.root, ...o.launcher];
  const bad = paths.find(hasControl);
  if (bad !== undefined) {
    throw new ConfigError(`${JSON.stringify(bad)} holds a control character (a newline?); a scheduler entry cannot carry it. Move the repo or logbook to a plain path.`);
  }
  const abs = o.platform === "win32" ? win32.isAbsolute : posix.isAbsolute;
  const rel = o.launcher.find((p) => !abs(p));
  if (o.launcher.length === 0 || rel !== undefined) {
    throw new ConfigError(`the scheduler needs absolute paths to node and logbook's cli.js; got ${JSON.stringify(rel ?? "")}.`);
  }
  return {
    root: o.root,
    name: entryName(o.root, o.platform),
    every: o.every,
    argv: [...o.launcher, "-C", o.root, "sync", "--scheduled"],
    path: o.path === undefined || o.path === "" || hasControl(o.path) ? undefined : o.path,
  };
}

/** `every 15 minutes`, `every hour`, `every 2 hours`. */
export function describeEvery(every: number): string {
  if (every === 1) return "every minute";
  if (every % 60 === 0) return every === 60 ? "every hour" : `every ${every / 60} hours`;
  return `every ${every} minutes`;
}

