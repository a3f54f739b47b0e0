// The one fixture kit: temp dirs, an isolated environment, real git repos, bare remotes and clones ("machines"),
// the built CLI as a real process, and in-process deps. Every test uses it; everything it makes is removed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { Deps } from "../../src/deps.js";
import type { LogEvent } from "../../src/events.js";

export const PROJECT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(PROJECT, "dist", "cli.js");

type Ctx = Pick<TestContext, "after">;

/** A temp dir removed after the test. */
export function tmpDir(t: Ctx, prefix = "lb-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const LEAKY = /^(LOGBOOK_|CLAUDE_|ANTHROPIC_|OLLAMA_|SYNCRO_|GIT_|NODE_TEST|NODE_OPTIONS$)/;

/** An environment that cannot touch the real ~/.claude, ~/.config or git config. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(home, { recursive: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !LEAKY.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    NO_COLOR: "1",
    TZ: "UTC",
  });
  return { ...env, ...extra };
}

/** Runs git synchronously for fixture set-up; throws with stderr on failure. */
export function git(cwd: string, args: string[], env?: Record<string, string>): string {
  const r = spawnSync("git", ["-c", "user.name=Setup", "-c", "user.email=setup@example.com", ...args], {
    cwd,
    env: env ?? isolatedEnv(join(cwd, "..", ".home")),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} (in ${cwd}) failed: ${r.stderr}`);
  return r.stdout;
}

export const USERS = {
  users: {
    mike: { name: "Mike Swanson", email: "mike@example.com", role: "admin" },
    alice: { name: "Alice Chen", email: "alice@example.com", role: "tech" },
  },
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Machine {
  dir: string;
  host: string;
  env: Record<string, string>;
  /** Runs the built CLI in this clone as this machine. */
  cli(args: string[], opts?: { input?: string | Buffer; env?: Record<string, string>; cwd?: string }): Promise<CliResult>;
  /** Starts the CLI without waiting (for concurrency and kill tests). */
  spawn(args: string[], opts?: { input?: string | Buffer; env?: Record<string, string>; detached?: boolean }): ChildProcess;
  git(args: string[]): string;
}

export interface Team {
  root: string;
  remote: string;
  home: string;
  machines: Machine[];
  /** Files on the remote's main branch. */
  remoteFiles(): string[];
  remoteGit(args: string[]): string;
}

export function runCli(args: string[], opts: { cwd: string; env: Record<string, string>; input?: string | Buffer }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

function machine(dir: string, host: string, home: string): Machine {
  const env = isolatedEnv(home, { LOGBOOK_HOSTNAME: host });
  return {
    dir,
    host,
    env,
    cli: (args, opts) => runCli(args, { cwd: opts?.cwd ?? dir, env: { ...env, ...opts?.env }, ...(opts?.input !== undefined ? { input: opts.input } : {}) }),
    spawn(args, opts) {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { ...env, ...opts?.env },
        stdio: ["pipe", "pipe", "pipe"],
        detached: opts?.detached ?? false,
      });
      child.stdin?.on("error", () => {});
      child.stdin?.end(opts?.input ?? "");
      return child;
    },
    git: (args) => git(dir, args, env),
  };
}

/**
 * A bare remote with one commit (roster + config) and `machines` clones. With `init`, each clone runs
 * `logbook init --user <users[i]>`.
 */
export async function makeTeam(
  t: Ctx,
  opts: { machines?: number; users?: string[]; init?: boolean; config?: string } = {},
): Promise<Team> {
  const root = tmpDir(t, "lb-team-");
  const home = join(root, "home");
  const env = isolatedEnv(home);
  const remote = join(root, "remote.git");
  git(root, ["init", "-q", "--bare", "-b", "main", remote], env);
  const seed = join(root, "seed");
  git(root, ["init", "-q", "-b", "main", seed], env);
  mkdirSync(join(seed, ".logbook"), { recursive: true });
  writeFileSync(join(seed, ".logbook", "users.json"), JSON.stringify(USERS, null, 2) + "\n");
  writeFileSync(join(seed, ".logbook", "config.yaml"), opts.config ?? "timezone: America/Los_Angeles\n");
  // init writes Claude Code slash commands into every clone; keep them out of the sync tests' `git status`
  writeFileSync(join(seed, ".gitignore"), ".logbook/identity.json\n.claude/commands/\n");
  writeFileSync(join(seed, "README.md"), "# team knowledge\n");
  // what init would add: so init leaves nothing untracked in the clones
  writeFileSync(join(seed, ".gitattributes"), "*.md text eol=lf\n.logbook/*.yaml text eol=lf\n.logbook/*.json text eol=lf\n");
  git(seed, ["add", "-A"], env);
  git(seed, ["commit", "-qm", "init"], env);
  git(seed, ["remote", "add", "origin", remote], env);
  git(seed, ["push", "-q", "-u", "origin", "main"], env);
  const machines: Machine[] = [];
  const users = opts.users ?? ["mike", "alice"];
  for (let i = 1; i <= (opts.machines ?? 2); i++) {
    const dir = join(root, `m${i}`);
    git(root, ["clone", "-q", remote, dir], env);
    const m = machine(dir, `host${i}`, home);
    machines.push(m);
    if (opts.init !== false) {
      const user = users[(i - 1) % users.length]!;
      const r = await m.cli(["init", "--user", user]);
      if (r.code !== 0) throw new Error(`init m${i}: ${r.stderr}`);
    }
  }
  return {
    root,
    remote,
    home,
    machines,
    remoteFiles: () => git(root, ["--git-dir", remote, "ls-tree", "-r", "--name-only", "main"], env).split("\n").filter(Boolean),
    remoteGit: (args) => git(root, ["--git-dir", remote, ...args], env),
  };
}

/** A narrative with every section of the seed; `marker` makes it identifiable. */
export function narrative(marker: string, extra = ""): string {
  return `## Session Summary
Worked on ${marker}. Replaced the DNS forwarders on dc01 and verified resolution.

## Key Decisions
- Kept the old forwarder as secondary for ${marker}.

## Problems Encountered
- Resolution failed until the firewall rule was added.

## Configuration Changes
- Edited /etc/bind/named.conf.options

## Credentials & Secrets
None.

## Infrastructure & Servers
- dc01.acme.local 10.0.0.10

## Commands & Outputs
- dig @10.0.0.10 example.com

## Pending / Incomplete Tasks
- Remove the old forwarder next week.

## Reference Information
- Ticket 4411
${extra}`;
}

export interface TestDeps extends Deps {
  events: LogEvent[];
  output: string[];
}

/** In-process deps with a fixed clock and ids; everything printed or emitted is recorded. */
export function testDeps(cwd: string, over: Partial<Deps> & { stdin?: string | Buffer } = {}): TestDeps {
  const events: LogEvent[] = [];
  const output: string[] = [];
  let n = 0;
  const { stdin, ...rest } = over;
  return {
    cwd,
    env: {},
    now: () => new Date("2026-06-05T18:50:00Z"),
    newId: () => `test-id-${++n}`,
    hostname: () => "testhost",
    readStdin: async () => (stdin === undefined ? undefined : Buffer.from(stdin)),
    out: (s) => void output.push(s),
    emit: (e) => void events.push(e),
    fetch: globalThis.fetch,
    pid: process.pid,
    platform: process.platform,
    events,
    output,
    ...rest,
  } as TestDeps;
}

/** Waits until `check` holds (polling), failing after `timeoutMs`. For conditions, never for fixed delays. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fingerprint of a working tree: git status plus every file's bytes and every directory (outside .git). */
export function treeState(dir: string): string {
  const { createHash } = require_("node:crypto") as typeof import("node:crypto");
  const { readdirSync, readFileSync } = require_("node:fs") as typeof import("node:fs");
  const h = createHash("sha256");
  const status = spawnSync("git", ["status", "--porcelain=v1", "-uall"], { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } });
  h.update(status.stdout);
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (rel === "" && e.name === ".git") continue;
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        h.update(`d ${r}\n`);
        walk(p, r);
      } else h.update(`f ${r} `).update(readFileSync(p)).update("\n");
    }
  };
  walk(dir, "");
  return h.digest("hex");
}
import { createRequire } from "node:module";
const require_ = createRequire(import.meta.url);
