// The one way logbook talks to the platform's scheduler (systemctl, crontab, launchctl, schtasks, loginctl). Commands
// are argv data, never shell strings. Tests inject their own runner, so no test ever touches the machine's scheduler.
import { spawn } from "node:child_process";

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` (argv[0] is the program), feeding `input` on stdin; never rejects: a missing program is exit 127. */
export type Runner = (argv: readonly string[], input?: string) => Promise<CmdResult>;

/** A command that is missing from this machine (the runner's answer for ENOENT). */
export const NOT_FOUND = 127;

/** The real runner: bounded in time, no window on Windows, C locale so the outputs parsed here stay in English. */
export function realRunner(env: Readonly<Record<string, string | undefined>>, timeoutMs = 30_000): Runner {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) base[k] = v;
  Object.assign(base, { LC_ALL: "C", LANG: "C" });
  return (argv, input) =>
    new Promise((resolve) => {
      const [file, ...args] = argv;
      if (file === undefined) return resolve({ code: NOT_FOUND, stdout: "", stderr: "empty command" });
      const child = spawn(file, args, { env: base, windowsHide: true, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: e.code === "ENOENT" ? NOT_FOUND : -1, stdout: "", stderr: `${file}: ${e.code === "ENOENT" ? "command not found" : e.message}` });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString("utf8");
        resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: timedOut ? `${stderr}\n${file}: timed out after ${timeoutMs} ms` : stderr });
      });
      child.stdin.on("error", () => {});
      child.stdin.end(input ?? "");
    });
}

/** How a command is shown to people (dry run, errors): POSIX-shell quoting, readable and copy-pasteable. */
export function showArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
