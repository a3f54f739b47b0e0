// Search over a generated repo of 10,000 logs of ~4 KB: index build, a cold `logbook search` process against
// `git grep -i -l` on the same tree (interleaved, same run), the incremental update after 10 new logs arrive,
// and the same figures for the pure-JS fallback index.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, git, median, sandbox, team, time } from "../lib.mjs";

export const name = "search";

const N = 10_000;
const WORDS = ("dns dhcp firewall vlan printer backup exchange mailbox certificate switch router vpn laptop intune " +
  "policy disk raid forwarder spooler replication gateway tunnel quota license domain controller share").split(" ");
const CLIENTS = ["acme", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

/** A deterministic generator, so every run searches the same corpus. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function logText(i, r, marker = "") {
  const date = `2026-${String(1 + (i % 11)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
  const para = () => Array.from({ length: 120 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
  return [
    "---", `session: s${i}`, "user: mike", `date: ${date}`, `scope: client:${CLIENTS[i % CLIENTS.length]}`, `topic: work-${i}`, "---", "",
    `# Session log: work-${i} (${date})`, "", "## User", "- **User:** Mike Swanson (mike)", "",
    "## Session Summary", "", para(), marker, "", "## Key Decisions", "", para(), "", "## Infrastructure & Servers", "",
    `- srv${i % 300}.${CLIENTS[i % CLIENTS.length]}.local 10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}`, "",
    "## Commands & Outputs", "", para(), "", "## Pending / Incomplete Tasks", "", para(), "",
  ].join("\n");
}

function pathOf(i) {
  const date = `2026-${String(1 + (i % 11)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
  return join("clients", CLIENTS[i % CLIENTS.length], "session-logs", `${date}-mike-work-${i}.md`);
}

function writeLogs(dir, from, to, r, marker) {
  for (let i = from; i < to; i++) {
    const p = join(dir, pathOf(i));
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, logText(i, r, i % 997 === 0 ? marker : ""));
  }
}

function search(m, args, env = {}) {
  const r = spawnSync(process.execPath, [CLI, "search", ...args], { cwd: m.dir, env: { ...m.env, ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`logbook search ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Cold searches, git grep and bare node, interleaved so machine load hits all three alike. */
function coldRuns(m, env, runs) {
  const S = [], G = [], B = [];
  for (let i = 0; i < runs; i++) {
    S.push(time(() => search(m, ["quokkaflux", "--json"], env)));
    G.push(time(() => spawnSync("git", ["grep", "-i", "-l", "quokkaflux"], { cwd: m.dir })));
    B.push(time(() => spawnSync(process.execPath, ["-e", "0"])));
  }
  return { s: median(S), g: median(G), node: median(B) };
}

export async function run() {
  const sb = sandbox("search");
  try {
    const { machines } = team(sb, 1);
    const m = machines[0];
    const r = rng(7);
    writeLogs(m.dir, 0, N, r, "The quokkaflux appliance rebooted.");
    git(m.dir, m.env, "add", "-A");
    git(m.dir, m.env, "commit", "-qm", "10k logs");
    const rows = [];
    let next = N;

    for (const backend of ["sqlite", "js"]) {
      const env = { LOGBOOK_SEARCH_BACKEND: backend };
      const label = backend === "sqlite" ? "" : " (JS fallback)";
      const builds = [];
      for (let i = 0; i < (backend === "sqlite" ? 3 : 1); i++) builds.push(time(() => search(m, ["--reindex"], env)));
      rows.push({ metric: `index build, ${N} logs${label}`, value: median(builds), unit: "ms" });
      // Past git's racy window, so the runs below see a settled tree (as a search usually does).
      await new Promise((res) => setTimeout(res, 2100));
      search(m, ["quokkaflux"], env);
      const c = coldRuns(m, env, backend === "sqlite" ? 11 : 5);
      if (backend === "sqlite") {
        rows.push({ metric: "node -e 0", value: c.node, unit: "ms" });
        rows.push({ metric: "git grep -i -l <word>", value: c.g, unit: "ms" });
      }
      rows.push({ metric: `cold logbook search <word>${label}`, value: c.s, unit: "ms", ratio: c.s / c.g, goal: 1 });
      rows.push({ metric: `  its own work (minus node start) / git grep${label}`, value: c.s - c.node, unit: "ms", ratio: Math.max(c.s - c.node, 0) / c.g, goal: 0.5 });

      // 10 new logs arrive (committed, as a pull or a save leaves them); the next search re-reads just those.
      const inc = [];
      for (let k = 0; k < 3; k++) {
        writeLogs(m.dir, next, next + 10, r, "");
        next += 10;
        git(m.dir, m.env, "add", "-A");
        git(m.dir, m.env, "commit", "-qm", "10 more");
        inc.push(time(() => search(m, ["quokkaflux", "--json"], env)));
      }
      rows.push({ metric: `search right after 10 new logs (incremental update)${label}`, value: median(inc), unit: "ms" });
      rows.push({ metric: `  the update's share (minus a cold search)${label}`, value: Math.max(median(inc) - c.s, 0), unit: "ms" });
    }
    return rows;
  } finally {
    sb.cleanup();
  }
}
