// Scale (issue 8): a knowledge repo with 10,000 logs and 1,000 wiki articles against one with 100 logs and 10
// articles: save + sync of one new log, `wiki index`, and a search (with its index built), each as the whole CLI
// process, runs of the two repos interleaved, medians, ratios from the same run. The repos are generated with one
// `git add`/`commit` (not through logbook), pushed to a bare remote, then initialised as a machine.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, git, median, narrative, sandbox, time } from "../lib.mjs";

export const name = "scale";

const CLIENTS = ["acme", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
const WORDS = "dns dhcp firewall vlan printer backup exchange mailbox certificate switch router vpn laptop policy raid spooler gateway".split(" ");

function day(i) {
  return new Date(Date.UTC(2024, 0, 1) + (i % 700) * 86400_000).toISOString().slice(0, 10);
}

function logFile(i) {
  const client = CLIENTS[i % CLIENTS.length];
  const user = i % 3 ? "mike" : "alice";
  const topic = `work-${i}`;
  const words = (n) => Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(" ");
  const body = [
    "---", `session: gen-${i}`, `user: ${user}`, `date: ${day(i)}`, `scope: client:${client}`, `topic: ${topic}`, "---", "",
    `# Session log: ${topic} (${day(i)})`, "", "## User", `- **User:** Generated (${user})`, "",
    "## Session Summary", "", `Worked on ${topic}: ${words(60)}.`, "", "## Key Decisions", "", `- ${words(12)}`, "",
    "## Configuration Changes", "", `- Edited /etc/app${i % 9}.conf`, "", "## Credentials & Secrets", "", "None.", "",
    "## Infrastructure & Servers", "", `- srv${i % 300}.${client}.local 10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}`, "",
    "## Commands & Outputs", "", `- ping srv${i % 300}`, "", "## Pending / Incomplete Tasks", "", `- ${words(8)}`, "",
    "## Reference Information", "", `- Ticket ${4000 + i}`, "",
  ].join("\n");
  return { path: join("clients", client, "session-logs", `${day(i)}-${user}-${topic}.md`), body };
}

function articleFile(i) {
  const types = [["clients", "client"], ["projects", "project"], ["systems", "system"], ["patterns", "pattern"]];
  const [dir, type] = types[i % 4];
  const slug = `item-${i}`;
  return {
    path: join("wiki", dir, `${slug}.md`),
    body: `---\ntype: ${type}\nslug: ${slug}\ntitle: Item ${i}\nlast_compiled: 2026-06-05T18:50:00Z\nsources:\n  - ${logFile(i).path}\n---\n\n# Item ${i}\n\n## Overview\n\nText ${i}.\n\n## Patterns\n\n## History\n`,
  };
}

/**
 * A machine's clone of a team repo holding `logs` logs and `articles` articles, with a bare remote, initialised for
 * mike. Generated directly: files written, one commit, one push.
 */
export function generatedRepo(sb, label, logs, articles) {
  const remote = join(sb.dir, `${label}.git`);
  const dir = join(sb.dir, label);
  git(sb.dir, sb.env, "init", "-q", "--bare", "-b", "main", remote);
  git(sb.dir, sb.env, "init", "-q", "-b", "main", dir);
  mkdirSync(join(dir, ".logbook"));
  writeFileSync(join(dir, ".logbook/users.json"), JSON.stringify({ users: { mike: { name: "Mike Swanson", email: "mike@example.com", role: "admin" }, alice: { name: "Alice Chen", email: "alice@example.com", role: "tech" } } }));
  writeFileSync(join(dir, ".logbook/config.yaml"), "timezone: America/Los_Angeles\n");
  writeFileSync(join(dir, ".gitignore"), ".logbook/identity.json\n.claude/commands/\n");
  const made = new Set();
  const put = (f) => {
    const d = join(dir, f.path, "..");
    if (!made.has(d)) mkdirSync(d, { recursive: true });
    made.add(d);
    writeFileSync(join(dir, f.path), f.body);
  };
  for (let i = 0; i < logs; i++) put(logFile(i));
  for (let i = 0; i < articles; i++) put(articleFile(i));
  git(dir, sb.env, "add", "-A");
  git(dir, sb.env, "commit", "-qm", `${logs} logs, ${articles} articles`);
  git(dir, sb.env, "remote", "add", "origin", remote);
  git(dir, sb.env, "push", "-q", "-u", "origin", "main");
  const env = { ...sb.env, LOGBOOK_HOSTNAME: "bench1" };
  cli(dir, env, ["init", "--user", "mike"]);
  return { dir, env, remote };
}

export function cli(cwd, env, args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, input: input ?? "", encoding: "utf8" });
  if (r.status !== 0) throw new Error(`logbook ${args.join(" ")} (in ${cwd}) exited ${r.status}: ${r.stderr}`);
  return r;
}

export function logsOnRemote(remote, env, needle) {
  return execFileSync("git", ["--git-dir", remote, "ls-tree", "-r", "--name-only", "main"], { env, encoding: "utf8", maxBuffer: 64 << 20 })
    .split("\n")
    .filter((l) => l.includes(needle)).length;
}

export async function run() {
  const sb = sandbox("scale");
  try {
    const big = generatedRepo(sb, "big", 10_000, 1_000);
    const small = generatedRepo(sb, "small", 100, 10);
    // Warm both: the first sync after init, and the search index.
    for (const r of [big, small]) {
      cli(r.dir, r.env, ["sync"]);
      cli(r.dir, r.env, ["search", "--reindex"]);
    }
    const S = { big: [], small: [] };
    const W = { big: [], small: [] };
    const Q = { big: [], small: [] };
    const runs = 7;
    for (let i = 0; i < runs; i++) {
      for (const [k, r] of [["big", big], ["small", small]]) {
        const topic = `scale-${i}`;
        S[k].push(time(() => cli(r.dir, r.env, ["save", "--scope", "client:acme", "--topic", topic, "--session", `sc-${i}`, "--no-wiki"], narrative(topic))));
        W[k].push(time(() => cli(r.dir, r.env, ["wiki", "index"])));
        Q[k].push(time(() => cli(r.dir, r.env, ["search", "firewall gateway", "--limit", "20"])));
      }
    }
    for (const [k, r] of [["big", big], ["small", small]]) {
      const landed = logsOnRemote(r.remote, r.env, "-mike-scale-");
      if (landed !== runs) throw new Error(`${k} repo: ${landed} of ${runs} saved logs on the remote`);
    }
    const row = (metric, m, goal) => ({ metric, value: median(m.big), unit: "ms", ratio: median(m.big) / median(m.small), ...(goal ? { goal } : {}) });
    return [
      { metric: "save + sync, 100 logs", value: median(S.small), unit: "ms" },
      row("save + sync, 10,000 logs + 1,000 articles (ratio to 100 logs)", S),
      { metric: "wiki index, 10 articles", value: median(W.small), unit: "ms" },
      row("wiki index, 1,000 articles (ratio to 10)", W),
      { metric: "search, 100 logs", value: median(Q.small), unit: "ms" },
      row("search, 10,000 logs + 1,000 articles (ratio to 100 logs)", Q),
    ];
  } finally {
    sb.cleanup();
  }
}
