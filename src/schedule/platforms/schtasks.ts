// Windows: a Task Scheduler task created with `schtasks /Create ... /F` (the /F replaces an existing task in one
// step, so install is idempotent and atomic). No file of ours is written. Pure: argv, command line, XML parser.
import { ConfigError } from "../../errors.js";
import type { CmdResult } from "../runner.js";
import type { Plan, Target } from "../plan.js";

/** schtasks refuses a /TR longer than this. */
export const TR_MAX = 261;

/** One word of a Windows command line, as CommandLineToArgvW reads it back. */
export function windowsArg(s: string): string {
  if (s !== "" && !/[\s"]/.test(s)) return s;
  // Backslashes are literal except before a quote: double those, and the ones before the closing quote.
  return `"${s.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, "$1$1")}"`;
}

export function windowsCommandLine(argv: readonly string[]): string {
  return argv.map(windowsArg).join(" ");
}

export function taskRun(t: Target): string {
  const tr = windowsCommandLine(t.argv);
  if (tr.length > TR_MAX) {
    throw new ConfigError(
      `the command for Task Scheduler is ${tr.length} characters (${tr}); schtasks accepts at most ${TR_MAX}. Move the repo or the logbook install to a shorter path, then install again.`,
    );
  }
  return tr;
}

/** `/SC MINUTE /MO n` takes 1-1439 minutes; a whole day is `/SC DAILY`. */
export function createArgv(t: Target): string[] {
  const when = t.every < 1440 ? ["/SC", "MINUTE", "/MO", String(t.every)] : ["/SC", "DAILY"];
  return ["schtasks", "/Create", "/TN", t.name, "/TR", taskRun(t), ...when, "/F"];
}

export const queryArgv = (name: string) => ["schtasks", "/Query", "/TN", name, "/XML"];

export function installPlan(t: Target): Plan {
  return { scheduler: "schtasks", name: t.name, steps: [{ op: "run", argv: createArgv(t) }], rollback: [] };
}

export function removePlan(name: string, present: boolean): Plan {
  return { scheduler: "schtasks", name, steps: present ? [{ op: "run", argv: ["schtasks", "/Delete", "/TN", name, "/F"] }] : [], rollback: [] };
}

// ---- parsers ------------------------------------------------------------------------------------------------

export interface TaskInfo {
  every: number | undefined;
  /** Command and arguments, quotes dropped and spaces collapsed: comparable with `normalizeCommand(taskRun(t))`. */
  command: string;
  enabled: boolean;
}

const unxml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

export function normalizeCommand(s: string): string {
  return s.replace(/"/g, "").replace(/\s+/g, " ").trim();
}

/** ISO 8601 durations as Task Scheduler writes them: PT15M, PT1H, PT1H30M, P1D. */
export function isoMinutes(d: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(d.trim());
  if (!m || d.trim() === "P" || d.trim() === "PT") return undefined;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * `schtasks /Query /TN <name> /XML`: the task's definition (not localized, unlike /FO LIST). Exit non-zero ("ERROR:
 * The system cannot find the file specified."): no such task.
 */
export function parseTaskXml(r: CmdResult): TaskInfo | undefined {
  if (r.code !== 0 || !/<Task[\s>]/.test(r.stdout)) return undefined;
  const x = r.stdout;
  const tag = (name: string, within = x) => {
    const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(within);
    return m ? unxml(m[1]!.trim()) : undefined;
  };
  const exec = /<Exec>([\s\S]*?)<\/Exec>/.exec(x)?.[1] ?? "";
  const interval = tag("Interval");
  const days = tag("DaysInterval");
  const every = interval !== undefined ? isoMinutes(interval) : days !== undefined ? Number(days) * 1440 : undefined;
  const settings = /<Settings>([\s\S]*?)<\/Settings>/.exec(x)?.[1] ?? "";
  return {
    every,
    command: normalizeCommand(`${tag("Command", exec) ?? ""} ${tag("Arguments", exec) ?? ""}`),
    enabled: tag("Enabled", settings) !== "false",
  };
}
