// Lock test kit: lock clients as real processes (test/fixtures/lock-holder.ts) that the test drives line by line,
// process states read from /proc, and hand-made owner files for the states no live client produces.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ownerFile, type LockOwner } from "../../src/sync/lock.js";
import { parseLinuxStat } from "../../src/sync/proc.js";
import { PROJECT, waitFor } from "./index.js";
import type { HolderArgs } from "../fixtures/lock-holder.js";

const FIXTURE = join(PROJECT, "test", "fixtures", "lock-holder.ts");

export interface LockClient {
  proc: ChildProcess;
  pid: number;
  lines: string[];
  send(cmd: string): void;
  /** Waits for the next stdout line (after the last one expected) that matches; returns its match. */
  expect(re: RegExp, what?: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Whether some line so far matches (without moving the cursor). */
  saw(re: RegExp): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

export function lockClient(t: Pick<TestContext, "after">, args: HolderArgs): LockClient {
  const proc = spawn(process.execPath, ["--import", "tsx", FIXTURE, JSON.stringify(args)], {
    cwd: PROJECT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const lines: string[] = [];
  let buf = "";
  let stderr = "";
  let running = true;
  proc.stdout!.setEncoding("utf8").on("data", (s: string) => {
    buf += s;
    const parts = buf.split("\n");
    buf = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => void (stderr += s));
  proc.stdin!.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  t.after(async () => {
    if (!running) return;
    proc.kill("SIGCONT");
    proc.kill("SIGKILL");
    await exited;
  });
  let cursor = 0;
  return {
    proc,
    pid: proc.pid!,
    lines,
    send: (cmd) => void proc.stdin!.write(cmd + "\n"),
    async expect(re, what, timeoutMs = 90_000) {
      let found: RegExpExecArray | undefined;
      await waitFor(
        () => {
          for (let i = cursor; i < lines.length; i++) {
            const m = re.exec(lines[i]!);
            if (m) {
              cursor = i + 1;
              found = m;
              return true;
            }
          }
          if (!running && buf === "") throw new Error(`lock client ${proc.pid} exited before ${what ?? re}; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`);
          return false;
        },
        `${what ?? re} from lock client ${proc.pid}; so far:\n${lines.join("\n")}\nstderr:\n${stderr}`,
        timeoutMs,
      );
      return found!;
    },
    saw: (re) => lines.some((l) => re.test(l)),
    exited,
    isRunning: () => running,
  };
}

/** The state letter of a process (R, S, T = stopped, Z...), from /proc; undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    return parseLinuxStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state;
  } catch {
    return undefined;
  }
}

export async function stopped(pid: number): Promise<void> {
  await waitFor(() => procState(pid) === "T", `process ${pid} to be stopped`, 90_000);
}

/** Writes an owner file by hand (a lock as another process would have left it), with its mtime as heartbeat. */
export function writeOwner(lockPath: string, owner: LockOwner, heartbeatAt = owner.heartbeatAt): string {
  mkdirSync(lockPath, { recursive: true });
  const file = ownerFile(lockPath, owner.nonce);
  writeFileSync(file, JSON.stringify(owner) + "\n");
  utimesSync(file, heartbeatAt / 1000, heartbeatAt / 1000);
  return file;
}

/** Sets a path's mtime `ms` into the past (to age a lock without waiting). */
export function age(path: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  utimesSync(path, t, t);
}

/** A pid that was just used by a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => p.on("exit", r));
  return p.pid!;
}

/** A live process that does nothing, killed after the test. */
export function sleeper(t: Pick<TestContext, "after">): ChildProcess {
  const p = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
  t.after(() => void p.kill("SIGKILL"));
  return p;
}

/** mulberry32: a seeded generator, so a random schedule can be replayed from its printed seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
