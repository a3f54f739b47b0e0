// What every torture case shares: its options and result shape, a cleanup scope standing in for node:test's
// TestContext (so the test fixture kit works outside a test), seeded randomness, worker bundling, and process
// helpers (stop, continue, kill a process group, read its /proc state).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { parseLinuxStat } from "../src/sync/proc.js";
import { seeded } from "../test/helpers/lock-kit.js";
import { PROJECT } from "../test/helpers/index.js";

export { seeded };

export interface CaseOptions {
  seed: number;
  /** "full" is `npm run torture`; "short" is the version inside `npm test`. */
  scale: "full" | "short";
  log: (line: string) => void;
}

export interface CaseResult {
  case: string;
  seed: number;
  runs: number;
  failures: number;
  durationMs: number;
  /** Figures worth printing (counts, medians), by name. */
  figures: Record<string, number | string>;
  /** One line per failure (the first few are enough to start from). */
  failed: string[];
}

export type Rng = () => number;

/** An integer in [lo, hi]. */
export const between = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Stands in for node:test's TestContext where the fixture kit asks for one: `after` hooks run at close(). */
export class Scope {
  private readonly hooks: (() => unknown)[] = [];
  readonly ctx = { after: (fn: () => unknown) => void this.hooks.push(fn) } as unknown as Pick<TestContext, "after">;

  after(fn: () => unknown): void {
    this.hooks.push(fn);
  }

  tmp(prefix = "lb-torture-"): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.after(() => rmSync(d, { recursive: true, force: true }));
    return d;
  }

  async close(): Promise<void> {
    for (const fn of this.hooks.reverse()) {
      try {
        await fn();
      } catch {}
    }
  }
}

/** Collects failures and counts runs for one case. */
export class Tally {
  runs = 0;
  readonly failed: string[] = [];
  failures = 0;

  fail(what: string): void {
    this.failures++;
    if (this.failed.length < 20) this.failed.push(what);
  }

  check(ok: boolean, what: () => string): boolean {
    if (!ok) this.fail(what());
    return ok;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Bundles a TypeScript worker (and the project code it imports) into one ESM file, so that the many worker
 * processes a case starts and restarts cost a plain `node` start-up instead of a tsx one (~10x less).
 */
export async function bundleWorker(scope: Scope, entry: string): Promise<string> {
  const { build } = await import("esbuild");
  const out = join(scope.tmp("lb-torture-bundle-"), "worker.mjs");
  await build({
    entryPoints: [join(PROJECT, entry)],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  });
  return out;
}

/** The state letter of a process (R, S, T = stopped, Z...); undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    return parseLinuxStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state;
  } catch {
    return undefined;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL a process group (a CLI started detached, with its git children). */
export function killGroup(pid: number): void {
  signal(-pid, "SIGKILL");
}

/** Polls until `check` holds; false on timeout (the caller reports it as a failure, never hangs). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running: () => boolean;
}

/** Starts a process with captured output; `onLine` sees each stdout line as it arrives. */
export function start(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; detached?: boolean; onLine?: (line: string) => void } = {},
): Proc {
  const child = spawn(cmd, args, { cwd: o.cwd ?? PROJECT, env: o.env ?? process.env, stdio: ["pipe", "pipe", "pipe"], detached: o.detached ?? false });
  let out = "";
  let buf = "";
  let running = true;
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    if (!o.onLine) return;
    buf += s;
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) o.onLine(l);
  });
  child.stderr!.setEncoding("utf8").on("data", (s: string) => void (out += s));
  child.stdin!.on("error", () => {});
  child.stdin!.end(o.input ?? "");
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, sig) => {
      running = false;
      resolve({ code, signal: sig });
    }),
  );
  return { child, pid: child.pid!, out: () => out, exited, running: () => running };
}

export const tail = (s: string, n = 4): string => s.trim().split("\n").slice(-n).join(" | ");

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** git in `cwd` (or with `--git-dir`), synchronously; stdout, or throws with stderr. */
export function gitOut(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync("git", ["-c", "user.name=Setup", "-c", "user.email=setup@example.com", ...args], { cwd, env, encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} (in ${cwd}) failed: ${r.stderr}`);
  return r.stdout;
}

/** How many commits added each path under `prefix` on a branch of a bare repo (every one must be exactly 1). */
export function additions(bare: string, branch: string, prefix: string, env: NodeJS.ProcessEnv): Map<string, number> {
  const out = gitOut(bare, ["--git-dir", bare, "log", "--format=", "--name-only", "--diff-filter=A", "--no-renames", branch, "--", prefix], env);
  const m = new Map<string, number>();
  for (const p of out.split("\n").filter(Boolean)) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

/** Paths in a branch's tree under `prefix`. */
export function treeFiles(bare: string, branch: string, prefix: string, env: NodeJS.ProcessEnv): string[] {
  return gitOut(bare, ["--git-dir", bare, "ls-tree", "-r", "--name-only", branch, "--", prefix], env).split("\n").filter(Boolean);
}

/**
 * Starts the CLI (detached: its own process group) so that it stops itself at `step` (LOGBOOK_TEST_PAUSE_AT), and
 * resolves once it is stopped there; undefined plus its output if it exited first.
 */
export async function pausedCli(
  m: { dir: string; env: Record<string, string> },
  cli: string,
  args: string[],
  input: string,
  step: string,
  marker: string,
): Promise<{ proc: Proc; reached: boolean }> {
  const proc = start(process.execPath, [cli, ...args], {
    cwd: m.dir,
    env: { ...m.env, LOGBOOK_TEST_PAUSE_AT: step, LOGBOOK_TEST_PAUSE_FILE: marker },
    input,
    detached: true,
  });
  const reached = await until(() => (existsSync(marker) && procState(proc.pid) === "T") || !proc.running(), 120_000);
  return { proc, reached: reached && proc.running() && existsSync(marker) };
}

/** What every case body gets: its seeded randomness, a scope for temp dirs and processes, a tally and its figures. */
export interface CaseFrame {
  rand: Rng;
  scope: Scope;
  tally: Tally;
  figures: Record<string, number | string>;
  t0: number;
}

/**
 * The frame every case shares: seeded randomness, a scope closed at the end whatever happens, a crash of the case
 * itself counted as a failure, and the result record.
 */
export async function runCase(name: string, o: CaseOptions, body: (f: CaseFrame) => Promise<void>): Promise<CaseResult> {
  const f: CaseFrame = { rand: seeded(o.seed), scope: new Scope(), tally: new Tally(), figures: {}, t0: Date.now() };
  try {
    await body(f);
  } catch (e) {
    f.tally.fail(`${name} case crashed: ${(e as Error).stack ?? String(e)}`);
  } finally {
    await f.scope.close();
  }
  const { tally } = f;
  return { case: name, seed: o.seed, runs: tally.runs, failures: tally.failures, durationMs: Date.now() - f.t0, figures: f.figures, failed: tally.failed };
}
