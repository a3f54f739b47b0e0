// npm run demo: a throw-away sandbox (bare remote + two machines, two users), no network, no keys.
// Shows logbook end to end and prints what happened. The sandbox path is printed; nothing is written here.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist", "cli.js");
const sandbox = mkdtempSync(join(tmpdir(), "logbook-demo-"));
const home = join(sandbox, "home");
mkdirSync(home);
const baseEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LOGBOOK_|CLAUDE_|ANTHROPIC_|OLLAMA_|SYNCRO_|GIT_)/.test(k))),
  HOME: home,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
  NO_COLOR: "1",
};
const bold = process.stdout.isTTY && !process.env.NO_COLOR;
const say = (s) => console.log(bold ? `\n\u001b[1m== ${s}\u001b[0m` : `\n== ${s}`);
const git = (cwd, ...args) => execFileSync("git", ["-c", "user.name=Setup", "-c", "user.email=setup@example.com", ...args], { cwd, env: baseEnv, encoding: "utf8" });

function lbAsync(machine, args, input) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [cli, ...args], { cwd: machine.dir, env: { ...baseEnv, LOGBOOK_HOSTNAME: machine.host }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (b) => (out += b));
    c.on("exit", (status) => resolve({ status, out }));
    c.stdin.end(input ?? "");
  });
}

function lb(machine, args, input, extraEnv = {}) {
  const env = { ...baseEnv, LOGBOOK_HOSTNAME: machine.host, ...extraEnv };
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: machine.dir, env, input: input ?? "", encoding: "utf8" });
  const shown = args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ");
  console.log(`\n[${machine.host}] $ logbook ${shown}${input ? " < narrative.md" : ""}`);
  if (r.stdout.trim()) console.log(r.stdout.trimEnd().replace(/^/gm, "  "));
  if (r.stderr.trim()) console.log(r.stderr.trimEnd().replace(/^/gm, "  ! "));
  console.log(`  (exit ${r.status})`);
  return r;
}

const narrative = (what, extra = "") => `## Session Summary
${what}

## Key Decisions
- Kept the old DNS forwarder as a secondary until the new one has run for a week.

## Problems Encountered
- Resolution failed until the firewall rule for 10.0.0.10 was added.

## Configuration Changes
- Edited /etc/bind/named.conf.options on dc01

## Credentials & Secrets
None.

## Infrastructure & Servers
- dc01.acme.local 10.0.0.10 (BIND 9)

## Commands & Outputs
- \`dig @10.0.0.10 example.com\` -> NOERROR

## Pending / Incomplete Tasks
- Remove the old forwarder next week.

## Reference Information
- Ticket 4411
${extra}`;

say(`sandbox: ${sandbox}`);
const remote = join(sandbox, "remote.git");
git(sandbox, "init", "-q", "--bare", "-b", "main", remote);
const seed = join(sandbox, "seed");
git(sandbox, "init", "-q", "-b", "main", seed);
writeFileSync(join(seed, "README.md"), "# acme team knowledge\n");
git(seed, "add", "-A");
git(seed, "commit", "-qm", "start the knowledge repo");
git(seed, "remote", "add", "origin", remote);
git(seed, "push", "-q", "-u", "origin", "main");
const m1 = { host: "laptop-mike", dir: join(sandbox, "laptop-mike") };
const m2 = { host: "desktop-alice", dir: join(sandbox, "desktop-alice") };
git(sandbox, "clone", "-q", remote, m1.dir);
console.log(`a bare remote (${remote}) and two machines: ${m1.dir}, ${m2.dir}`);

say("1. identity: init on each machine (roster entry + this machine's identity.json), shared through sync");
lb(m1, ["init", "--user", "mike", "--name", "Mike Swanson", "--email", "mike@example.com", "--role", "admin", "--timezone", "America/Los_Angeles"]);
lb(m1, ["sync"]);
console.log("\nalice's machine clones the team repo (with mike's roster and config) and adds her:");
git(sandbox, "clone", "-q", remote, m2.dir);
lb(m2, ["init", "--user", "alice", "--name", "Alice Chen", "--email", "alice@example.com", "--role", "tech"]);
lb(m2, ["checkpoint", "-m", "add alice to the roster", "--only", ".logbook/users.json"]);
lb(m2, ["init", "--user", "alice"]);

say("2. whoami: the seed's User block, from identity.json + users.json only");
lb(m1, ["whoami"]);
lb(m2, ["whoami", "--json"]);
console.log("\nthe same identity.json on another machine is stale:");
lb({ ...m1, host: "someone-elses-pc" }, ["whoami", "--strict"]);

say("3. save: a session log, its wiki article, one commit with only this session's files, pushed");
lb(m1, ["save", "--scope", "client:acme", "--topic", "dns-forwarders", "--session", "demo-s1"], narrative("Replaced the DNS forwarders on dc01 and verified resolution from three clients."));
console.log("\nthe same session saves again: an Update section is appended to its own log");
lb(m1, ["save", "--scope", "client:acme", "--topic", "dns-forwarders", "--session", "demo-s1"], narrative("Follow-up: confirmed the forwarders after the reboot."));

say("4. a note between users: alice leaves one for mike; mike's next sync shows it before the summary");
lb(m2, ["save", "--scope", "project:guru-rmm", "--topic", "agent-update", "--session", "demo-s2"], narrative("Rolled the RMM agent update to the pilot group.", "\n## Note for mike\nThe acme backup job still points at the old NAS; can you move it this week?\n"));
lb(m1, ["sync"]);
lb(m1, ["notes", "--ack"]);

say("5. a burst: 6 sessions on mike's machine and 4 on alice's save at the same moment");
const burst = [];
for (let i = 1; i <= 6; i++) burst.push(lbAsync(m1, ["save", "--scope", "client:acme", "--topic", `burst-${i}`, "--session", `b1-${i}`, "--no-wiki", "--json"], narrative(`burst ${i} on mike's machine`)));
for (let i = 1; i <= 4; i++) burst.push(lbAsync(m2, ["save", "--scope", "client:acme", "--topic", `burst-${i}`, "--session", `b2-${i}`, "--no-wiki", "--json"], narrative(`burst ${i} on alice's machine`)));
const results = await Promise.all(burst);
const landed = git(sandbox, "--git-dir", remote, "ls-tree", "-r", "--name-only", "main").split("\n").filter((f) => f.includes("-burst-")).length;
console.log(`  exit codes: ${results.map((r) => r.status).join(" ")}; logs from the burst on the remote: ${landed} of 10`);

say("6. the lock: a sync holds it (stopped on purpose), another save waits 2 s and defers with exit 75");
const held = spawn(process.execPath, [cli, "save", "--scope", "general", "--topic", "long-sync", "--session", "demo-held"], {
  cwd: m1.dir,
  env: { ...baseEnv, LOGBOOK_HOSTNAME: m1.host, LOGBOOK_TEST_PAUSE_AT: "after-lock", LOGBOOK_TEST_PAUSE_FILE: join(sandbox, "paused") },
  stdio: ["pipe", "ignore", "ignore"],
  detached: true,
});
held.stdin.end(narrative("A sync that will be killed while it holds the lock."));
while (!existsSync(join(sandbox, "paused"))) await new Promise((r) => setTimeout(r, 20));
lb(m1, ["save", "--scope", "general", "--topic", "impatient", "--session", "demo-s3"], narrative("A save while another sync holds the lock."), { LOGBOOK_LOCK_WAIT: "2" });
console.log("\nthe holder is killed (SIGKILL) mid-sync; the next sync reclaims the dead lock and pushes both logs:");
process.kill(-held.pid, "SIGKILL");
await new Promise((r) => held.on("exit", r));
lb(m1, ["sync"]);

say("the log mike's machine wrote");
const logDir = join(m1.dir, "clients", "acme", "session-logs");
const file = readdirSync(logDir).find((f) => f.includes("dns-forwarders"));
console.log(readFileSync(join(logDir, file), "utf8").split("\n").slice(0, 40).join("\n").replace(/^/gm, "  | "));
if (existsSync(join(m1.dir, "wiki", "clients", "acme.md"))) {
  say("the wiki article compiled offline from the logs (wiki/clients/acme.md, first lines)");
  console.log(readFileSync(join(m1.dir, "wiki", "clients", "acme.md"), "utf8").split("\n").slice(0, 30).join("\n").replace(/^/gm, "  | "));
}
say("the remote's history");
console.log(git(sandbox, "--git-dir", remote, "log", "--format=%h %an: %s", "-n", "12", "main").replace(/^/gm, "  "));
say(`done. Sandbox left at ${sandbox} (remove it when finished).`);
