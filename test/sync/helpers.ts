// Small helpers shared by the sync tests.
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Machine, Team } from "../helpers/index.js";
import { narrative, tmpDir, waitFor } from "../helpers/index.js";
import type { TestContext } from "node:test";

export function save(m: Machine, topic: string, session: string, opts: { scope?: string; extra?: string; env?: Record<string, string>; args?: string[] } = {}) {
  return m.cli(["save", "--scope", opts.scope ?? "client:acme", "--topic", topic, "--session", session, "--no-wiki", ...(opts.args ?? [])], {
    input: narrative(topic, opts.extra ?? ""),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

export function countOnRemote(team: Team, needle: string): number {
  return team.remoteFiles().filter((f) => f.includes(needle)).length;
}

/** Starts a save that stops itself at `step` (LOGBOOK_TEST_PAUSE_AT), and resolves once it is stopped there. */
export async function pausedSave(
  t: Pick<TestContext, "after">,
  m: Machine,
  step: string,
  topic: string,
  session: string,
  args: string[] = ["save", "--scope", "client:acme", "--topic", topic, "--session", session, "--no-wiki"],
): Promise<{ child: ChildProcess; pid: number; done: Promise<number | null>; output: () => string; marker: string }> {
  const marker = join(tmpDir(t, "lb-pause-"), "paused");
  const child = m.spawn(args, { input: narrative(topic), env: { LOGBOOK_TEST_PAUSE_AT: step, LOGBOOK_TEST_PAUSE_FILE: marker }, detached: true });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  t.after(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  });
  await waitFor(() => existsSync(marker) || child.exitCode !== null, `the save to stop at ${step}`);
  if (!existsSync(marker)) throw new Error(`save exited (${child.exitCode}) before reaching ${step}: ${out}`);
  await waitFor(() => {
    try {
      return /\) T /.test(readFileSync(`/proc/${child.pid}/stat`, "utf8"));
    } catch {
      return true;
    }
  }, "the process to be stopped");
  return { child, pid: child.pid!, done, output: () => out, marker };
}

/** SIGKILL the whole process group (node and its git children). */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {}
}

export function cont(pid: number): void {
  process.kill(pid, "SIGCONT");
}

/** How many requests with this extension (`.req`, `.taken`, `.done`) sit in a clone's group-commit queue. */
export const queued = (dir: string, ext: string): number => {
  try {
    return readdirSync(join(dir, ".git/logbook/queue")).filter((f) => f.endsWith(ext)).length;
  } catch {
    return 0;
  }
};

/** Whether a process paused with LOGBOOK_TEST_PAUSE_FILE=marker has stopped at `step`. */
export const stoppedAt = (marker: string, step: string): boolean => existsSync(marker) && readFileSync(marker, "utf8").includes(` ${step}\n`);
