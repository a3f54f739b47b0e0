// `logbook hook session-end`: reads Claude Code's hook JSON, starts the checkpoint detached, returns at once.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { run } from "../../src/commands/hook.js";
import { git, isolatedEnv, makeTeam, runCli, testDeps, tmpDir, waitFor } from "../helpers/index.js";

const SESSION = "8f14e45f-ceea-467f-a0e6-2b7d0c1f9a11";
const hookJson = (cwd: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: SESSION, transcript_path: `/home/x/.claude/projects/-r/${SESSION}.jsonl`, cwd, hook_event_name: "SessionEnd", reason: "prompt_input_exit", ...over });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stand-in for `logbook`: records its argv, then waits for a go-file, so the test sees it outlive the hook. */
const STAND_IN = `
import { existsSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
const [marker, go] = [process.env.MARKER, process.env.GO];
writeFileSync(marker + ".started", JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }));
console.log("stand-in: started");
const t = setInterval(() => {
  if (!existsSync(dirname(go))) process.exit(1);
  if (existsSync(go)) { clearInterval(t); console.error("stand-in: finished"); writeFileSync(marker + ".done", "ok"); }
}, 10);
`;

test("the hook returns while its detached child still runs; the child gets -C <repo> hook session-end --run --session <id> ...; output goes to hooks.log", async (t) => {
  // Registered before the temp dir's removal (after-hooks run in order): never leave the child waiting.
  let release = () => {};
  t.after(() => release());
  const dir = tmpDir(t);
  const repo = join(dir, "repo");
  const env = isolatedEnv(join(dir, "home"));
  git(dir, ["init", "-q", "-b", "main", repo], env);
  mkdirSync(join(repo, "sub"));
  const standIn = join(dir, "stand-in.mjs");
  writeFileSync(standIn, STAND_IN);
  const marker = join(dir, "marker");
  const go = join(dir, "go");
  release = () => writeFileSync(go, "");
  // The hook process itself starts elsewhere: the hook JSON's cwd (a subdirectory of the repo) decides.
  const deps = testDeps(dir, { stdin: hookJson(join(repo, "sub")), env: { ...env, MARKER: marker, GO: go } });
  const r = await run({ event: "session-end", launcher: [process.execPath, standIn] }, deps);
  // run() has returned although the child cannot finish before the go-file exists: it did not wait.
  assert.ok(r.pid !== undefined && r.pid > 0);
  assert.equal(existsSync(`${marker}.done`), false);
  // The stand-in's writeFileSync is not atomic: wait until the file holds its whole JSON.
  let started: { argv: string[]; cwd: string } | undefined;
  await waitFor(() => {
    try {
      started = JSON.parse(readFileSync(`${marker}.started`, "utf8")) as { argv: string[]; cwd: string };
      return true;
    } catch {
      return false;
    }
  }, "the detached child to start");
  assert.ok(started);
  assert.deepEqual(started.argv, ["-C", repo, "hook", "session-end", "--run", "--session", SESSION, `--transcript=/home/x/.claude/projects/-r/${SESSION}.jsonl`, "--reason=prompt_input_exit"]);
  assert.equal(started.cwd, repo);
  assert.ok(alive(r.pid), "the child is still running after the hook returned");
  writeFileSync(go, "");
  await waitFor(() => existsSync(`${marker}.done`), "the detached child to finish");
  await waitFor(() => !alive(r.pid!), "the detached child to exit");
  assert.equal(r.log, join(repo, ".git", "logbook", "hooks.log"));
  const log = readFileSync(r.log, "utf8");
  // The hook writes no line of its own (the child writes the run's one line); the child's output goes there.
  assert.match(log, /^stand-in: started\n/);
  assert.match(log, /stand-in: finished\n/);
  assert.equal(r.transcriptPath, `/home/x/.claude/projects/-r/${SESSION}.jsonl`);
});

test("bad hook input: not JSON or no session id is 65, an unknown event is 64, and nothing is started", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const logFile = join(m.dir, ".git", "logbook", "hooks.log");
  const cases: [string[], string, number, RegExp][] = [
    [["hook", "session-end"], "not json", 65, /stdin: not the JSON Claude Code passes to hooks/],
    [["hook", "session-end"], "", 65, /stdin: not the JSON/],
    [["hook", "session-end"], JSON.stringify({ cwd: m.dir }), 65, /no session_id/],
    [["hook", "session-end"], JSON.stringify({ session_id: "../../x" }), 65, /is not a session id/],
    [["hook", "stop"], hookJson(m.dir), 64, /unknown hook event "stop"/],
  ];
  for (const [args, input, code, re] of cases) {
    const r = await m.cli(args, { input });
    assert.equal(r.code, code, `${input}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(existsSync(logFile), false);
});

test("through the CLI: the hook exits 0 at once and its child (the real logbook) runs detached, logging one line to hooks.log", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const elsewhere = tmpDir(t);
  const r = await runCli(["hook", "session-end", "--json"], { cwd: elsewhere, env: m.env, input: hookJson(m.dir) });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { session: string; pid: number; log: string };
  assert.equal(out.session, SESSION);
  assert.equal(out.log, join(m.dir, ".git", "logbook", "hooks.log"));
  await waitFor(() => !alive(out.pid), "the detached child to exit");
  // No transcript exists for this session: no automatic log, and the checkpoint cannot tell the session's files.
  assert.match(
    readFileSync(out.log, "utf8"),
    new RegExp(`^\\S+ session-end ${SESSION} \\(prompt_input_exit\\): no automatic log: no transcript for it under .*; checkpoint: failed \\(exit 65\\): no transcript for session ${SESSION} .*\\n$`),
  );
});

test("end to end: SessionEnd hook JSON in, the session's own files land on the remote, another session's file does not", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const help = await m.cli(["checkpoint", "--help"]);
  if (!help.stdout.includes("--session")) return t.skip("logbook checkpoint --session is not built yet");
  mkdirSync(join(m.dir, "notes"));
  writeFileSync(join(m.dir, "notes", "from-session.md"), "written by the session\n");
  writeFileSync(join(m.dir, "notes", "other-session.md"), "half-done work of another session\n");
  const projects = join(m.env.CLAUDE_CONFIG_DIR!, "projects", m.dir.replace(/[/.]/g, "-"));
  mkdirSync(projects, { recursive: true });
  const rec = (o: object) => JSON.stringify({ sessionId: SESSION, cwd: m.dir, timestamp: "2026-06-05T17:00:00.000Z", ...o });
  writeFileSync(
    join(projects, `${SESSION}.jsonl`),
    [
      rec({ type: "assistant", message: { id: "msg_1", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input: { file_path: join(m.dir, "notes", "from-session.md"), content: "x" } }] } }),
      rec({ type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "File created successfully" }] }, toolUseResult: { type: "create", filePath: join(m.dir, "notes", "from-session.md") } }),
    ].join("\n") + "\n",
  );
  const r = await m.cli(["hook", "session-end", "--json"], { input: hookJson(m.dir, { transcript_path: join(projects, `${SESSION}.jsonl`) }) });
  assert.equal(r.code, 0, r.stderr);
  const { pid, log } = JSON.parse(r.stdout) as { pid: number; log: string };
  await waitFor(() => !alive(pid), "the detached checkpoint to exit", 60_000);
  assert.ok(team.remoteFiles().includes("notes/from-session.md"), readFileSync(log, "utf8"));
  assert.ok(!team.remoteFiles().includes("notes/other-session.md"));
  assert.equal(readFileSync(join(m.dir, "notes", "other-session.md"), "utf8"), "half-done work of another session\n");
});
