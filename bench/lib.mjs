// Shared bench helpers: a sandbox team, timing, medians. Benchmarks measure; tests never assert wall-clock bounds.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;
export const CLI = join(ROOT, "dist", "cli.js");

export function sandbox(name) {
  const dir = mkdtempSync(join(tmpdir(), `logbook-bench-${name}-`));
  const home = join(dir, "home");
  mkdirSync(home);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LOGBOOK_|CLAUDE_|ANTHROPIC_|OLLAMA_|SYNCRO_|GIT_)/.test(k))),
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    NO_COLOR: "1",
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function git(cwd, env, ...args) {
  return execFileSync("git", ["-c", "user.name=Setup", "-c", "user.email=setup@example.com", ...args], { cwd, env, encoding: "utf8" });
}

/** A bare remote + `n` initialised clones (mike, alice, ...). */
export function team(sb, n = 1) {
  const remote = join(sb.dir, "remote.git");
  git(sb.dir, sb.env, "init", "-q", "--bare", "-b", "main", remote);
  const seed = join(sb.dir, "seed");
  git(sb.dir, sb.env, "init", "-q", "-b", "main", seed);
  mkdirSync(join(seed, ".logbook"));
  writeFileSync(join(seed, ".logbook/users.json"), JSON.stringify({ users: { mike: { name: "Mike Swanson", email: "mike@example.com", role: "admin" }, alice: { name: "Alice Chen", email: "alice@example.com", role: "tech" } } }));
  writeFileSync(join(seed, ".logbook/config.yaml"), "timezone: America/Los_Angeles\n");
  writeFileSync(join(seed, ".gitignore"), ".logbook/identity.json\n");
  git(seed, sb.env, "add", "-A");
  git(seed, sb.env, "commit", "-qm", "init");
  git(seed, sb.env, "remote", "add", "origin", remote);
  git(seed, sb.env, "push", "-q", "-u", "origin", "main");
  const machines = [];
  for (let i = 1; i <= n; i++) {
    const dir = join(sb.dir, `m${i}`);
    git(sb.dir, sb.env, "clone", "-q", remote, dir);
    const env = { ...sb.env, LOGBOOK_HOSTNAME: `host${i}` };
    run(dir, env, ["init", "--user", i % 2 ? "mike" : "alice"]);
    machines.push({ dir, env });
  }
  return { remote, seed, machines };
}

export function run(cwd, env, args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, input: input ?? "", encoding: "utf8" });
  if (r.status !== 0) throw new Error(`logbook ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
}

export function runAsync(cwd, env, args, input) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (b) => (err += b));
    c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`logbook ${args.join(" ")} exited ${code}: ${err}`))));
    c.stdin.end(input ?? "");
  });
}

export function time(fn) {
  const a = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - a) / 1e6;
}

export async function timeAsync(fn) {
  const a = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - a) / 1e6;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function narrative(marker) {
  return `## Session Summary\nWorked on ${marker}.\n\n## Key Decisions\n- none\n\n## Configuration Changes\nNone.\n\n## Credentials & Secrets\nNone.\n\n## Infrastructure & Servers\n- dc01 10.0.0.10\n\n## Commands & Outputs\nNone.\n\n## Pending / Incomplete Tasks\nNone.\n\n## Reference Information\nNone.\n`;
}
