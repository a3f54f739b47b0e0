// The SessionEnd hook: how long `logbook hook session-end` keeps Claude Code waiting (it returns once its child is
// started), the time from the hook to the automatic log on the remote, and what the saved-log check costs the
// detached child in a repo of 10,000 logs (the child's run against a plain `checkpoint --session`, same repo).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, git, median, narrative, run as cli, sandbox, team, time } from "../lib.mjs";

export const name = "hook";

const RUNS = 7;
const LOGS = 10_000;

function transcript(claudeDir, cwd, session, request, file) {
  const dir = join(claudeDir, "projects", cwd.replace(/[/.\\:]/g, "-"));
  mkdirSync(dir, { recursive: true });
  const base = { sessionId: session, cwd, timestamp: "2026-06-05T17:00:00.000Z", isSidechain: false };
  const write = file === undefined ? [] : [
    { ...base, type: "assistant", message: { id: "m1", role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Write", input: { file_path: join(cwd, file), content: "x" } }] } },
    { ...base, type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "File created successfully" }] }, toolUseResult: { type: "create", filePath: join(cwd, file) } },
  ];
  const recs = [
    { ...base, type: "user", message: { role: "user", content: request } },
    ...write,
    { ...base, type: "assistant", message: { id: "t2", role: "assistant", content: [{ type: "tool_use", id: "b1", name: "Bash", input: { command: "dig @10.0.0.10 example.com" } }] } },
    { ...base, type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "b1", content: "status: NOERROR" }] }, toolUseResult: { stdout: "status: NOERROR", stderr: "", interrupted: false } },
    { ...base, type: "assistant", message: { id: "m3", role: "assistant", content: [{ type: "text", text: "Done." }] } },
  ];
  const path = join(dir, `${session}.jsonl`);
  writeFileSync(path, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

const hookInput = (session, cwd, path) => JSON.stringify({ session_id: session, transcript_path: path, cwd, hook_event_name: "SessionEnd", reason: "other" });
const lines = (log) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);

async function until(check, what, timeoutMs = 120_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function run() {
  const sb = sandbox("hook");
  try {
    const { remote, machines } = team(sb, 1);
    const m = machines[0];
    const claude = join(sb.dir, "claude");
    const env = { ...m.env, CLAUDE_CONFIG_DIR: claude };
    const log = join(m.dir, ".git", "logbook", "hooks.log");
    // git grep exits 1 while the remote has no such log yet.
    const remoteHas = (session) => () => {
      try {
        return execFileSync("git", ["--git-dir", remote, "grep", "-l", "--fixed-strings", `session: ${session}`, "main", "--", "session-logs"], { env, encoding: "utf8" }).includes("session-logs/");
      } catch {
        return false;
      }
    };
    const node = [];
    const returns = [];
    const toRemote = [];
    mkdirSync(join(m.dir, "notes"), { recursive: true });
    for (let i = 0; i < RUNS; i++) {
      node.push(time(() => spawnSync(process.execPath, ["-e", "0"])));
      const session = `bench-hook-${i}`;
      writeFileSync(join(m.dir, "notes", `n${i}.md`), "x\n");
      const path = transcript(claude, m.dir, session, `Fix the DNS forwarders, run ${i}`, `notes/n${i}.md`);
      const before = lines(log);
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, "hook", "session-end"], { cwd: m.dir, env, input: hookInput(session, m.dir, path), encoding: "utf8" });
      returns.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 0) throw new Error(`hook exited ${r.status}: ${r.stderr}`);
      await until(remoteHas(session), `the automatic log of ${session} on the remote`);
      toRemote.push(Number(process.hrtime.bigint() - t0) / 1e6);
      // The next run starts once this child is done, so runs do not queue on the sync lock.
      await until(() => lines(log) > before, "the child's line in hooks.log");
    }

    // 10,000 logs in the repo; a session that saved. The child's run minus a plain checkpoint is the saved-log check.
    const dir = join(m.dir, "session-logs");
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < LOGS; i++) writeFileSync(join(dir, `2026-01-01-mike-work-${i}.md`), `---\nsession: s${i}\nuser: mike\ndate: 2026-01-01\nscope: general\ntopic: work-${i}\n---\n\n${narrative(`w${i}`)}`);
    git(m.dir, env, "add", "-A");
    git(m.dir, env, "commit", "-qm", "10,000 logs");
    git(m.dir, env, "push", "-q", "origin", "main");
    const child = [];
    const checkpoint = [];
    for (let i = 0; i < 5; i++) {
      const session = `bench-saved-${i}`;
      // No files: both runs below have nothing to commit, so they differ only by the autolog step.
      transcript(claude, m.dir, session, "Saved work", undefined);
      cli(m.dir, env, ["save", "--scope", "general", "--topic", `saved-${i}`, "--session", session, "--no-wiki", "--no-transcript"], narrative("saved"));
      child.push(time(() => cli(m.dir, env, ["hook", "session-end", "--run", "--session", session])));
      checkpoint.push(time(() => cli(m.dir, env, ["checkpoint", "--session", session])));
    }
    const c = median(child);
    const k = median(checkpoint);
    return [
      { metric: "node -e 0 (same run)", value: median(node), unit: "ms" },
      { metric: "hook session-end: return to Claude Code (child started)", value: median(returns), unit: "ms", goal: 100 },
      // Node's own start-up is most of the return time on a slow machine: what logbook adds, from the same runs.
      { metric: "hook return beyond node -e 0", value: median(returns.map((r, i) => r - node[i])), unit: "ms" },
      { metric: "hook session-end: hook to automatic log on the remote", value: median(toRemote), unit: "ms" },
      { metric: `detached child, session that saved, ${LOGS.toLocaleString("en")} logs`, value: c, unit: "ms" },
      { metric: "checkpoint --session alone (same repo)", value: k, unit: "ms" },
      { metric: "saved-log check (child minus checkpoint)", value: c - k, unit: "ms" },
    ];
  } finally {
    sb.cleanup();
  }
}
