// Sync (issue 4): one uncontended `logbook sync` of one new log against the raw git commands it stands for (add,
// commit, fetch, rebase, push to a local bare remote, as one shell script), runs interleaved with `node -e 0`;
// 64 concurrent saves (4 clones x 16) against 64 serial saves (issue 8, three trials); and a sync in a 10,000-log repo against a 100-log one.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, narrative, runAsync, sandbox, team, time, timeAsync } from "../lib.mjs";
import { cli, generatedRepo, logsOnRemote } from "./scale.mjs";

export const name = "sync";

const BURST_TRIALS = 3;

const RAW = "git add -A && git -c user.name=Mike -c user.email=mike@example.com commit -qm raw && git fetch -q && git rebase -q @{u} && git push -q";

function newLog(dir, tag) {
  const rel = join("clients", "acme", "session-logs", `2026-01-01-mike-bench-${tag}.md`);
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), `# bench ${tag}\n\n${narrative(tag)}`);
}

function sh(cwd, env, script) {
  const r = spawnSync("sh", ["-c", script], { cwd, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
}

/** (sync - node start) / raw git, as issue 4's acceptance computes it. */
function uncontended(m) {
  newLog(m.dir, "warm-l");
  cli(m.dir, m.env, ["sync"]);
  newLog(m.dir, "warm-r");
  sh(m.dir, m.env, RAW);
  const L = [], R = [], N = [];
  for (let i = 0; i < 11; i++) {
    newLog(m.dir, `l${i}`);
    L.push(time(() => cli(m.dir, m.env, ["sync"])));
    newLog(m.dir, `r${i}`);
    R.push(time(() => sh(m.dir, m.env, RAW)));
    N.push(time(() => spawnSync(process.execPath, ["-e", "0"])));
  }
  return { sync: median(L), raw: median(R), node: median(N) };
}

/** Issue 8's goal: 64 concurrent saves (4 clones x 16 sessions) against 64 serial ones, in the same run. */
async function burst(sb, clones = 4, perClone = 16) {
  const n = clones * perClone;
  const { remote, machines } = team(sb, clones);
  const save = (m, topic, session) => runAsync(m.dir, m.env, ["save", "--scope", "client:acme", "--topic", topic, "--session", session, "--no-wiki"], narrative(topic));
  const serial = await timeAsync(async () => {
    for (let i = 0; i < n; i++) await save(machines[i % clones], `serial-${i}`, `se-${i}`);
  });
  const concurrent = await timeAsync(() => Promise.all(Array.from({ length: n }, (_, i) => save(machines[i % clones], `burst-${i}`, `bu-${i}`))));
  const env = machines[0].env;
  const landed = { serial: logsOnRemote(remote, env, "-serial-"), burst: logsOnRemote(remote, env, "-burst-") };
  if (landed.serial !== n || landed.burst !== n) throw new Error(`${n} saves each: ${landed.serial} serial and ${landed.burst} concurrent landed`);
  return { serial, concurrent };
}

function bigVsSmall(sb) {
  const big = generatedRepo(sb, "big", 10_000, 0);
  const small = generatedRepo(sb, "small", 100, 0);
  const B = [], S = [];
  for (const r of [big, small]) {
    newLog(r.dir, "warm");
    cli(r.dir, r.env, ["sync"]);
  }
  for (let i = 0; i < 9; i++) {
    newLog(big.dir, `b${i}`);
    B.push(time(() => cli(big.dir, big.env, ["sync"])));
    newLog(small.dir, `s${i}`);
    S.push(time(() => cli(small.dir, small.env, ["sync"])));
  }
  return { big: median(B), small: median(S) };
}

export async function run() {
  const rows = [];
  let sb = sandbox("sync");
  try {
    const { machines } = team(sb, 1);
    const u = uncontended(machines[0]);
    rows.push({ metric: "node -e 0", value: u.node, unit: "ms" });
    rows.push({ metric: "raw git: add, commit, fetch, rebase, push", value: u.raw, unit: "ms" });
    rows.push({ metric: "logbook sync, one new log", value: u.sync, unit: "ms", ratio: u.sync / u.raw });
    rows.push({ metric: "  (sync - node -e 0) / raw git", value: u.sync - u.node, unit: "ms", ratio: Math.max(u.sync - u.node, 0) / u.raw, goal: 1.15 });
  } finally {
    sb.cleanup();
  }
  // Three trials, each in a fresh sandbox (serial, then concurrent): on a shared 2-core VM one burst can take 19 s
  // or 28 s depending on what else the host runs, so the trial with the median ratio is reported, and all three.
  const trials = [];
  for (let i = 0; i < BURST_TRIALS; i++) {
    sb = sandbox("sync-burst");
    try {
      trials.push(await burst(sb));
    } finally {
      sb.cleanup();
    }
  }
  const ratios = trials.map((b) => b.concurrent / b.serial);
  const mid = trials[ratios.indexOf(median(ratios))];
  const all = ratios.map((r) => r.toFixed(2)).join(", ");
  rows.push({ metric: "64 serial saves (4 clones), wall", value: mid.serial, unit: "ms" });
  rows.push({ metric: `64 concurrent saves (4 clones x 16), wall; all landed (median of ${BURST_TRIALS} trials: ${all})`, value: mid.concurrent, unit: "ms", ratio: mid.concurrent / mid.serial, goal: 0.5 });
  sb = sandbox("sync-scale");
  try {
    const s = bigVsSmall(sb);
    rows.push({ metric: "sync of one new log, 100 logs", value: s.small, unit: "ms" });
    rows.push({ metric: "sync of one new log, 10,000 logs (ratio to 100)", value: s.big, unit: "ms", ratio: s.big / s.small, goal: 1.3 });
  } finally {
    sb.cleanup();
  }
  return rows;
}
