// The demo's sandbox and process helpers: a temp HOME and git config, a bare remote and machines (clones), the
// logbook CLI run as a child process, and the checks a scene records. Nothing here touches the real HOME.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
export const CLI = join(root, "dist", "cli.js");

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);

/** A temp directory with its own HOME, git config and Claude config; no variable of the caller's leaks in. */
export function makeSandbox() {
  const dir = mkdtempSync(join(tmpdir(), "logbook-demo-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LOGBOOK_|CLAUDE_|ANTHROPIC_|OLLAMA_|SYNCRO_|GIT_|XDG_)/.test(k))),
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    NO_COLOR: "1",
  };
  return { dir, env, remote: join(dir, "remote.git") };
}

/** git for the demo's own set-up and inspection (never for what logbook does). */
export function git(sb, cwd, ...args) {
  return execFileSync("git", ["-c", "user.name=Setup", "-c", "user.email=setup@example.com", ...args], { cwd, env: sb.env, encoding: "utf8" });
}

/** Every file under `session-logs/` directories on the remote's main branch. */
export function remoteLogs(sb) {
  return git(sb, sb.dir, "--git-dir", sb.remote, "ls-tree", "-r", "--name-only", "main")
    .split("\n")
    .filter((f) => /(^|\/)session-logs\/[^/]+\.md$/.test(f));
}

/** How many commits of the remote's history added each log (a log pushed twice would show 2). */
export function remoteAdditions(sb) {
  const out = git(sb, sb.dir, "--git-dir", sb.remote, "log", "--format=", "--diff-filter=A", "--name-only", "main");
  const n = new Map();
  for (const f of out.split("\n")) if (/(^|\/)session-logs\/[^/]+\.md$/.test(f)) n.set(f, (n.get(f) ?? 0) + 1);
  return n;
}

/** Starts the CLI on a machine; resolves with {code, signal, stdout, stderr}. `detached` puts it in its own group. */
export function start(sb, m, args, { input = "", env = {}, detached = false } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: m.dir,
    env: { ...sb.env, LOGBOOK_HOSTNAME: m.host, ...env },
    stdio: ["pipe", "pipe", "pipe"],
    detached,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b) => (stdout += b));
  child.stderr.on("data", (b) => (stderr += b));
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  const done = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, pid: child.pid, done, running: () => child.exitCode === null && child.signalCode === null };
}

const quote = (a) => (/[\s"*]/.test(a) ? JSON.stringify(a) : a);

/** Prints `[host] $ logbook ...` (and `< file` when a narrative is piped in). */
export function showCommand(m, args, { input, env } = {}) {
  const pre = env ? Object.entries(env).map(([k, v]) => `${k}=${quote(v)} `).join("") : "";
  console.log(`  [${m.host}] $ ${pre}logbook ${args.map(quote).join(" ")}${input ? " < narrative.md" : ""}`);
}

/**
 * Runs the CLI to completion and prints the command, then its output trimmed by `keep` (a line filter; stderr
 * lines marked `!`) and the exit code. `shownEnv` is what the printed command line mentions of `env`.
 */
export async function lb(sb, m, args, { input, env, shownEnv, keep = () => true, max = 14 } = {}) {
  showCommand(m, args, { input, env: shownEnv });
  const r = await start(sb, m, args, { input, env }).done;
  const lines = [
    ...r.stdout.split("\n").filter((l) => l.trim() && keep(l)),
    ...r.stderr.split("\n").filter((l) => l.trim() && keep(l)).map((l) => `! ${l}`),
  ];
  for (const l of lines.slice(0, max)) console.log(`    ${l}`);
  if (lines.length > max) console.log(`    ... (${lines.length - max} more lines)`);
  console.log(`    (exit ${r.code ?? r.signal})`);
  return r;
}

/** Polls a condition every 10 ms (a state change in another process has no event to wait on); throws after `ms`. */
export async function until(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The process state letter (`T` = stopped), or undefined when the process is gone. */
export function procState(pid) {
  try {
    if (existsSync("/proc")) return /\)\s+(\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
    return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim()[0];
  } catch {
    return undefined;
  }
}

/**
 * Starts a CLI that stops itself at a test-only pause point (LOGBOOK_TEST_PAUSE_AT) and resolves once it really is
 * stopped there: the marker file is written just before the process sends itself SIGSTOP.
 */
export async function startPaused(sb, m, args, input, step) {
  const marker = join(sb.dir, `paused-${step}-${Date.now()}`);
  const p = start(sb, m, args, { input, env: { LOGBOOK_TEST_PAUSE_AT: step, LOGBOOK_TEST_PAUSE_FILE: marker }, detached: true });
  await until(`${args.join(" ")} to stop at ${step}`, async () => {
    if (!p.running()) {
      const r = await p.done;
      throw new Error(`logbook ${args.join(" ")} exited ${r.code ?? r.signal} before reaching ${step}: ${r.stderr.trim()}`);
    }
    return existsSync(marker) && procState(p.pid) === "T";
  });
  return p;
}

/** SIGKILL a detached CLI's whole group: node and the git it is running. */
export function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {}
}

/** A scene's checks: each prints one line, and failures are kept for the closing summary and the exit code. */
export class Checks {
  constructor() {
    this.all = [];
    this.scene = "";
  }
  check(ok, what, detail = "") {
    detail = String(detail).replace(/\s*\n\s*/g, " / ").slice(0, 400);
    this.all.push({ scene: this.scene, ok: Boolean(ok), what, detail });
    console.log(ok ? `  ${paint(32, "ok")}  ${what}` : `  ${paint(31, "FAILED")}  ${what}${detail ? `: ${detail}` : ""}`);
    return Boolean(ok);
  }
  get failed() {
    return this.all.filter((c) => !c.ok);
  }
}

export function heading(n, title, why) {
  console.log(`\n${paint(1, `${n}. ${title}`)}`);
  for (const l of why) console.log(`   ${l}`);
}

export const note = (s) => console.log(`  ${s}`);

export function removeSandbox(sb) {
  rmSync(sb.dir, { recursive: true, force: true, maxRetries: 3 });
}
