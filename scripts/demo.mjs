// npm run demo: a throw-away sandbox (bare remote + two machines, two users), no network, no keys.
// Shows logbook end to end and prints what happened. The sandbox path is printed; nothing is written here.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

function lb(machine, args, input) {
  const env = { ...baseEnv, LOGBOOK_HOSTNAME: machine.host };
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
for (const m of [m1, m2]) git(sandbox, "clone", "-q", remote, m.dir);
console.log(`a bare remote (${remote}) and two machines: ${m1.dir}, ${m2.dir}`);

say("1. identity: init on each machine (roster entry + this machine's identity.json)");
lb(m1, ["init", "--user", "mike", "--name", "Mike Swanson", "--email", "mike@example.com", "--role", "admin", "--timezone", "America/Los_Angeles"]);
// The roster is committed; alice's machine needs it (until sync exists, copy it over as a clone would receive it).
mkdirSync(join(m2.dir, ".logbook"), { recursive: true });
writeFileSync(join(m2.dir, ".logbook", "config.yaml"), readFileSync(join(m1.dir, ".logbook", "config.yaml")));
writeFileSync(join(m2.dir, ".logbook", "users.json"), readFileSync(join(m1.dir, ".logbook", "users.json")));
lb(m2, ["init", "--user", "alice", "--name", "Alice Chen", "--email", "alice@example.com", "--role", "tech"]);
lb(m2, ["init", "--user", "alice"]);

say("2. whoami: the seed's User block, from identity.json + users.json only");
lb(m1, ["whoami"]);
lb(m2, ["whoami", "--json"]);
console.log("\nthe same identity.json on another machine is stale:");
lb({ ...m1, host: "someone-elses-pc" }, ["whoami", "--strict"]);

say("3. save: each machine writes a session log");
lb(m1, ["save", "--scope", "client:acme", "--topic", "dns-forwarders", "--session", "demo-s1", "--no-wiki", "--no-sync"], narrative("Replaced the DNS forwarders on dc01 and verified resolution from three clients."));
lb(m1, ["save", "--scope", "client:acme", "--topic", "dns-forwarders", "--session", "demo-s1", "--no-wiki", "--no-sync"], narrative("Follow-up: confirmed the forwarders after the reboot."));
lb(m2, ["save", "--scope", "project:guru-rmm", "--topic", "agent-update", "--no-wiki", "--no-sync"], narrative("Rolled the RMM agent update to the pilot group."));
console.log("\nbad input is refused and writes nothing:");
lb(m2, ["save", "--scope", "client:..", "--topic", "x", "--no-wiki", "--no-sync"], narrative("nope"));

say("the log mike's machine wrote");
const logDir = join(m1.dir, "clients", "acme", "session-logs");
const file = execFileSync("ls", [logDir], { encoding: "utf8" }).trim().split("\n")[0];
console.log(readFileSync(join(logDir, file), "utf8").replace(/^/gm, "  | "));
say(`done. Sandbox left at ${sandbox} (remove it when finished).`);
