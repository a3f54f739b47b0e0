// Carries out a plan: files through atomic writes, commands through the injected runner. When a command fails, the
// files are put back as they were and the plan's rollback runs, so a failed install leaves the old entry (or none).
import { promises as fsp } from "node:fs";
import { dirname } from "node:path";
import { LogbookError, EXIT } from "../errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { Plan, Step } from "./plan.js";
import { showArgv, type CmdResult, type Runner } from "./runner.js";

/** A scheduler command refused (exit 1): the message names the command and what it said. */
export class SchedulerError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.failure, detail);
  }
}

type Saved = { link: string } | { content: string } | undefined;

async function save(path: string): Promise<Saved> {
  try {
    const st = await fsp.lstat(path);
    return st.isSymbolicLink() ? { link: await fsp.readlink(path) } : { content: await fsp.readFile(path, "utf8") };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** lstat, not stat: the wants/ symlink `systemctl enable` makes is removed even when its target is gone. */
export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export interface ApplyOptions {
  runner: Runner;
  sleep?: (ms: number) => Promise<void>;
}

async function runStep(s: Extract<Step, { op: "run" }>, o: ApplyOptions): Promise<CmdResult> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let r = await o.runner(s.argv, s.input);
  for (let i = 0; i < (s.retries ?? 0) && r.code !== 0; i++) {
    await sleep(500 * (i + 1));
    r = await o.runner(s.argv, s.input);
  }
  return r;
}

export async function applyPlan(plan: Plan, o: ApplyOptions): Promise<void> {
  const before = new Map<string, Saved>();
  const remember = async (path: string) => {
    if (!before.has(path)) before.set(path, await save(path));
  };
  for (const s of plan.steps) {
    if (s.op === "write") {
      await remember(s.path);
      await fsp.mkdir(dirname(s.path), { recursive: true });
      await writeFileAtomic(s.path, s.content);
    } else if (s.op === "delete") {
      await remember(s.path);
      await fsp.rm(s.path, { force: true });
    } else {
      const r = await runStep(s, o);
      if (r.code === 0 || s.tolerate) continue;
      await restore(before);
      for (const b of plan.rollback) if (b.op === "run") await o.runner(b.argv, b.input).catch(() => undefined);
      const said = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" | ");
      throw new SchedulerError(
        `${showArgv(s.argv)} failed (exit ${r.code})${said ? `: ${said}` : ""}. The ${plan.name} entry was left as it was before; fix the cause and run the command again.`,
        { argv: s.argv, code: r.code, stderr: r.stderr },
      );
    }
  }
}

async function restore(before: Map<string, Saved>): Promise<void> {
  for (const [path, saved] of before) {
    try {
      await fsp.rm(path, { force: true });
      if (saved === undefined) continue;
      if ("link" in saved) await fsp.symlink(saved.link, path);
      else await writeFileAtomic(path, saved.content);
    } catch {}
  }
}
