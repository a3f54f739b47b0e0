// Is a process alive, and when did it start? The lock uses the start time to tell its owner from an unrelated
// process that got the same pid later. One small probe per platform; each one's output parser is pure and tested
// on recorded outputs. A start time we cannot read is `undefined`: the lock then falls back to heartbeat age.
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import { pidExists } from "../util/pid.js";

export interface ProcessProbe {
  alive: boolean;
  /** An opaque start-time id: equal for the same process, different for a later process with the same pid. */
  start?: string;
}

// ---- pure parsers -------------------------------------------------------------------------------------------

/**
 * /proc/<pid>/stat: `pid (comm) state ... starttime(22) ...`. comm may hold spaces and parentheses, so fields are
 * counted after the LAST `)`. starttime is in clock ticks since boot, so it is only comparable with the boot id.
 */
export function parseLinuxStat(text: string): { state: string; start: string } | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state); starttime is field 22.
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
  return { state, start: `ticks:${start}` };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `ps -o stat= -o lstart= -p <pid>` run with TZ=UTC, LC_ALL=C: `Ss   Thu Jun  5 18:50:00 2026`. */
export function parseDarwinPs(text: string): { state: string; start: string } | undefined {
  const m = /^\s*(\S+)\s+[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) return undefined;
  const t = Date.UTC(Number(m[7]), month, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return { state: m[1]!, start: new Date(t).toISOString().replace(".000Z", "Z") };
}

/** `sysctl -n kern.boottime`: `{ sec = 1717400000, usec = 123456 } Mon Jun  3 09:00:00 2024`. */
export function parseDarwinBoottime(text: string): string | undefined {
  const m = /sec\s*=\s*(\d+)\s*,\s*usec\s*=\s*(\d+)/.exec(text);
  return m ? `${m[1]}.${m[2]!.padStart(6, "0")}` : undefined;
}

/** A UTC instant as ISO with millisecond precision, so both Windows probes give the same id. */
function isoMs(t: number): string {
  return new Date(t).toISOString();
}

/** PowerShell `StartTime.ToUniversalTime().ToString('o')`: `2026-06-05T18:50:00.1234567Z`. */
export function parsePowerShellStart(text: string): string | undefined {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  return isoMs(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

/** `wmic process where ProcessId=<pid> get CreationDate /value`: `CreationDate=20260605115000.123456-420` (local
 * time, offset in minutes east of UTC). */
export function parseWmicCreationDate(text: string): string | undefined {
  const m = /CreationDate=(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-]\d{1,4})/.exec(text);
  if (!m) return undefined;
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]!.slice(0, 3)));
  return isoMs(local - Number(m[8]) * 60_000);
}

// ---- probes -------------------------------------------------------------------------------------------------

function run(file: string, args: string[], timeout: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // TZ and locale fixed: two processes with different TZ must print the same start time for one process.
      { timeout, windowsHide: true, encoding: "utf8", env: { ...process.env, TZ: "UTC", LC_ALL: "C", LANG: "C" } },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
}

// Zombies (exited, not yet reaped) still answer signal 0; they are dead for the lock.
const DEAD_STATES = new Set(["Z", "X", "x"]);

async function probeLinux(pid: number): Promise<ProcessProbe> {
  try {
    const parsed = parseLinuxStat(await fsp.readFile(`/proc/${pid}/stat`, "utf8"));
    if (!parsed) return { alive: pidExists(pid) };
    return DEAD_STATES.has(parsed.state) ? { alive: false } : { alive: true, start: parsed.start };
  } catch {
    // Gone between the two checks, or no /proc (some sandboxes): trust signal 0 and say nothing about start.
    return { alive: pidExists(pid) };
  }
}

async function probeDarwin(pid: number): Promise<ProcessProbe> {
  const out = await run("ps", ["-o", "stat=", "-o", "lstart=", "-p", String(pid)], 5000);
  const parsed = out === undefined ? undefined : parseDarwinPs(out);
  if (!parsed) return { alive: pidExists(pid) };
  return parsed.state.startsWith("Z") ? { alive: false } : { alive: true, start: parsed.start };
}

async function probeWindows(pid: number): Promise<ProcessProbe> {
  const script = `$p = Get-Process -Id ${pid} -ErrorAction SilentlyContinue; if ($p) { $p.StartTime.ToUniversalTime().ToString('o') }`;
  const ps = await run("powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", script], 15_000);
  let start = ps === undefined ? undefined : parsePowerShellStart(ps);
  if (start === undefined) {
    const wmic = await run("wmic", ["process", "where", `ProcessId=${pid}`, "get", "CreationDate", "/value"], 15_000);
    start = wmic === undefined ? undefined : parseWmicCreationDate(wmic);
  }
  return start === undefined ? { alive: true } : { alive: true, start };
}

/** Whether `pid` runs on this machine, and its start-time id where the platform tells it. */
export async function probeProcess(pid: number, platform: NodeJS.Platform = process.platform): Promise<ProcessProbe> {
  // Signal 0 first: a dead pid costs no /proc read and no spawned ps.
  if (!pidExists(pid)) return { alive: false };
  switch (platform) {
    case "linux":
    case "android":
      return probeLinux(pid);
    case "darwin":
      return probeDarwin(pid);
    case "win32":
      return probeWindows(pid);
    default:
      return { alive: true };
  }
}

let bootCache: Promise<string | undefined> | undefined;

/** An id of the current boot of this machine (Linux boot_id, macOS kern.boottime); undefined elsewhere. */
export function bootId(platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== process.platform) return Promise.resolve(undefined);
  bootCache ??= (async () => {
    if (platform === "linux" || platform === "android") {
      try {
        return (await fsp.readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim() || undefined;
      } catch {
        return undefined;
      }
    }
    if (platform === "darwin") {
      const out = await run("sysctl", ["-n", "kern.boottime"], 5000);
      return out === undefined ? undefined : parseDarwinBoottime(out);
    }
    return undefined;
  })();
  return bootCache;
}

let nsCache: Promise<string | undefined> | undefined;

/**
 * The pid namespace (Linux): two containers can share a hostname and a bind-mounted repo while their pids mean
 * different processes, so a pid is only checked against processes of the same namespace.
 */
export function pidNamespace(platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== "linux" || process.platform !== "linux") return Promise.resolve(undefined);
  nsCache ??= fsp.readlink("/proc/self/ns/pid").then(
    (s) => s,
    () => undefined,
  );
  return nsCache;
}
