// The automatic log end to end: Claude Code's hook JSON in, the hook returns, its detached child writes the log from
// the transcript and checkpoints it with the session's files onto the bare remote. Real CLI processes, real git.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { acquireLock } from "../../src/sync/lock.js";
import { LOCK_NAME } from "../../src/sync/locking.js";
import { makeTeam, narrative, waitFor, type Machine, type Team } from "../helpers/index.js";
import { fakeAnthropic } from "../helpers/fake-services.js";
import { alive, hookJson, TranscriptBuilder } from "../helpers/transcripts.js";

const AUTO_LOG = /^session-logs\/\d{4}-\d\d-\d\d-mike-auto-[a-z0-9-]+\.md$/;

/** A session that wrote notes/dns.md and ran two commands (one failed), and never saved. */
function dnsSession(m: Machine, session: string): string {
  mkdirSync(join(m.dir, "notes"), { recursive: true });
  writeFileSync(join(m.dir, "notes", "dns.md"), "forwarders: 10.0.0.10\n");
  return new TranscriptBuilder(session, m.dir)
    .user("Please fix the DNS forwarders on dc01.\n\nThey time out since Monday.")
    .assistant("Looking at the forwarders first.")
    .write("notes/dns.md")
    .bash("dig @10.0.0.10 example.com", { output: "status: NOERROR" })
    .bash("npm run build", { exit: 2, output: "src/dns.ts(3,1): error TS2304: Cannot find name 'resolver'." })
    .assistant("Forwarders fixed on dc01; the build still fails on `resolver`.", "msg_last")
    .save(m.env.CLAUDE_CONFIG_DIR!);
}

async function hook(m: Machine, session: string, transcript: string, env: Record<string, string> = {}): Promise<{ pid: number; log: string }> {
  const r = await m.cli(["hook", "session-end", "--json"], { input: hookJson(session, m.dir, transcript), env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  return JSON.parse(r.stdout) as { pid: number; log: string };
}

const hookLines = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []);
const remoteLogs = (team: Team) => team.remoteFiles().filter((f) => f.startsWith("session-logs/"));
const localLogs = (m: Machine) => (existsSync(join(m.dir, "session-logs")) ? readdirSync(join(m.dir, "session-logs")) : []);

async function finished(pid: number, log: string, lines = 1): Promise<string[]> {
  await waitFor(() => !alive(pid) && hookLines(log).length >= lines, "the hook's detached child to finish", 90_000);
  return hookLines(log);
}

test("hook JSON in: the hook returns before its child has committed anything; the automatic log lands on the remote with the transcript's facts", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000001";
  const transcript = dnsSession(m, session);
  // Hold this clone's sync lock: the child can write the log but not commit it, so what the test sees after the
  // hook exits is provably the child's work after the hook returned, not the hook's.
  const lock = await acquireLock({ path: join(m.dir, ".git", LOCK_NAME), host: m.host, pid: process.pid, waitMs: 0, staleMs: 600_000, deferredMessage: "held by the test" });
  let released = false;
  t.after(async () => {
    if (!released) await lock.release();
  });
  const { pid, log } = await hook(m, session, transcript);
  await waitFor(() => localLogs(m).length === 1, "the child to write the automatic log");
  assert.ok(alive(pid), "the child still runs (it waits for the lock) although the hook has returned");
  assert.deepEqual(remoteLogs(team), []);
  assert.deepEqual(hookLines(log), [], "the hook itself writes nothing; the child writes its line when done");
  await lock.release();
  released = true;

  await waitFor(() => remoteLogs(team).length === 1, "the automatic log on the remote", 90_000);
  const [lines] = [await finished(pid, log)];
  const path = remoteLogs(team)[0]!;
  assert.match(path, AUTO_LOG);
  assert.match(path, /-mike-auto-fix-dns-forwarders-dc01\.md$/);
  assert.ok(team.remoteFiles().includes("notes/dns.md"), "the session's own file went with it");
  const text = team.remoteGit(["show", `main:${path}`]);
  assert.match(text, new RegExp(`^---\\nsession: ${session}\\nuser: mike\\ndate: \\d{4}-\\d\\d-\\d\\d\\nscope: general\\ntopic: auto-fix-dns-forwarders-dc01\\n---\\n`));
  const headings = [...text.matchAll(/^## (.+)$/gm)].map((x) => x[1]);
  assert.deepEqual(headings, [
    "User",
    "Session Summary",
    "Key Decisions",
    "Problems Encountered",
    "Configuration Changes",
    "Credentials & Secrets",
    "Infrastructure & Servers",
    "Commands & Outputs",
    "Pending / Incomplete Tasks",
    "Reference Information",
  ]);
  assert.match(text, /## User\n- \*\*User:\*\* Mike Swanson \(mike\)/);
  assert.match(text, /## Session Summary\n\nAutomatic log: this session ended without a save, so logbook wrote this log from its transcript\.\n/);
  assert.match(text, /First request:\n\n> Please fix the DNS forwarders on dc01\. They time out since Monday\.\n/);
  assert.match(text, /Last assistant message:\n\n> Forwarders fixed on dc01; the build still fails on `resolver`\.\n/);
  assert.match(text, /## Configuration Changes\n\n- Created `notes\/dns\.md`\n/);
  assert.match(text, /## Commands & Outputs\n\n- `dig @10\.0\.0\.10 example\.com`\n- `npm run build` — \*\*failed, exit 2\*\*: `src\/dns\.ts\(3,1\): error TS2304: Cannot find name 'resolver'\.`\n/);
  for (const s of ["Key Decisions", "Problems Encountered", "Credentials & Secrets", "Infrastructure & Servers", "Pending / Incomplete Tasks", "Reference Information"]) {
    assert.match(text, new RegExp(`## ${s.replace(/[/&]/g, "\\$&")}\\n\\nNone recorded\\.\\n`), s);
  }
  assert.equal(lines.length, 1, "one line per run");
  assert.match(lines[0]!, new RegExp(`^\\S+Z session-end ${session} \\(prompt_input_exit\\): automatic log ${path.replace(/\./g, "\\.")} \\(from the transcript's facts\\); checkpoint: committed [0-9a-f]{10} \\(2 files\\) and pushed$`));
  // (init may leave files of its own, such as .gitattributes: only the session's are checked.)
  assert.doesNotMatch(m.git(["status", "--porcelain"]), /notes\/|session-logs\//, "nothing of the session is left uncommitted");
});

test("a session that saved gets no automatic log; its files are still checkpointed", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000002";
  const saved = await m.cli(["save", "--scope", "general", "--topic", "dns-fix", "--session", session, "--no-wiki", "--no-transcript", "--json"], { input: narrative("saved") });
  assert.equal(saved.code, 0, saved.stderr);
  const transcript = dnsSession(m, session);
  const { pid, log } = await hook(m, session, transcript);
  const lines = await finished(pid, log);
  const savedPath = (JSON.parse(saved.stdout) as { path: string }).path;
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(`no automatic log: ${savedPath.replace(/\./g, "\\.")} carries this session; checkpoint: committed`));
  assert.deepEqual(remoteLogs(team), [savedPath]);
  assert.deepEqual(localLogs(m), [savedPath.split("/").pop()]);
  assert.ok(team.remoteFiles().includes("notes/dns.md"));
});

test("two SessionEnd hooks of one session started together, then a third (the session resumed): one automatic log", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000003";
  const transcript = dnsSession(m, session);
  const [a, b] = await Promise.all([hook(m, session, transcript), hook(m, session, transcript)]);
  const lines = await finished(a.pid, a.log, 2);
  await waitFor(() => !alive(b.pid), "the second child to exit", 90_000);
  assert.equal(lines.length, 2, lines.join("\n"));
  const wrote = lines.filter((l) => / automatic log session-logs\//.test(l));
  assert.equal(wrote.length, 1, lines.join("\n"));
  const other = lines.find((l) => !wrote.includes(l))!;
  assert.match(other, /no automatic log: (another hook of this session writes its automatic log|session-logs\/\S+ carries this session)/);
  await waitFor(() => remoteLogs(team).length === 1, "the automatic log on the remote", 90_000);
  assert.equal(localLogs(m).length, 1);

  const c = await hook(m, session, transcript);
  const after = await finished(c.pid, c.log, 3);
  assert.match(after[2]!, /no automatic log: session-logs\/\S+ carries this session/);
  assert.equal(localLogs(m).length, 1);
  assert.equal(remoteLogs(team).length, 1);
  assert.ok(existsSync(join(m.dir, ".git", "logbook", "autolog", session)), "the claim stays: the session has had its automatic log");
});

test("autolog: false writes no log; the checkpoint still runs", async (t) => {
  const team = await makeTeam(t, { machines: 1, config: "timezone: America/Los_Angeles\nautolog: false\n" });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000004";
  const { pid, log } = await hook(m, session, dnsSession(m, session));
  const lines = await finished(pid, log);
  assert.match(lines[0]!, /no automatic log: autolog is false in \.logbook\/config\.yaml; checkpoint: committed [0-9a-f]{10} \(1 file\) and pushed/);
  assert.deepEqual(localLogs(m), []);
  assert.deepEqual(remoteLogs(team), []);
  assert.ok(team.remoteFiles().includes("notes/dns.md"));
});

test("autolog.provider anthropic: the model drafts summary, decisions and problems; unsourced facts are marked (verify)", async (t) => {
  const api = await fakeAnthropic(t, [
    {
      kind: "draft",
      draft: () => ({
        summary: "Fixed the DNS forwarders on dc01 (they pointed at 10.0.0.10) and moved the backups to 10.99.99.99.\n## Not a section",
        key_decisions: ["Kept 10.0.0.10 as the forwarder"],
        problems: ["npm run build failed on `resolver`; not fixed yet"],
      }),
    },
  ]);
  const config = "timezone: America/Los_Angeles\nautolog:\n  provider: anthropic\n  model: claude-test-1\n  scope: client:acme\n";
  const team = await makeTeam(t, { machines: 1, config });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000005";
  const { pid, log } = await hook(m, session, dnsSession(m, session), { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-test" });
  const lines = await finished(pid, log);
  assert.match(lines[0]!, /automatic log clients\/acme\/session-logs\/\S+-mike-auto-fix-dns-forwarders-dc01\.md \(drafted by anthropic\); checkpoint: committed/);
  assert.match(lines[0]!, /warnings: the Anthropic draft names "10\.99\.99\.99", which the transcript does not; marked \(verify\)/);
  const path = team.remoteFiles().find((f) => f.startsWith("clients/acme/session-logs/"))!;
  const text = team.remoteGit(["show", `main:${path}`]);
  assert.match(text, /^scope: client:acme$/m);
  assert.match(text, /## Session Summary\n\nAutomatic log: this session ended without a save, so logbook wrote this log from its transcript; anthropic \(claude-test-1\) drafted the summary, decisions and problems\.\n\nFixed the DNS forwarders on dc01 \(they pointed at 10\.0\.0\.10\) and moved the backups to 10\.99\.99\.99 \(verify\)\.\n### Not a section\n/);
  assert.match(text, /## Key Decisions\n\n- Kept 10\.0\.0\.10 as the forwarder\n/);
  assert.match(text, /## Problems Encountered\n\n- npm run build failed on `resolver`; not fixed yet\n/);
  assert.match(text, /## Configuration Changes\n\n- Created `notes\/dns\.md`\n/);
  assert.match(text, /## Pending \/ Incomplete Tasks\n\nNone recorded\.\n/);
  // What the model was given: the conversation and the facts, with the structured-output schema.
  assert.equal(api.requests.length, 1);
  const body = api.requests[0]!.body as { model: string; system: string; messages: { content: string }[]; output_config: { format: { schema: { required: string[] } } } };
  assert.equal(body.model, "claude-test-1");
  assert.deepEqual(body.output_config.format.schema.required, ["summary", "key_decisions", "problems"]);
  assert.match(body.messages[0]!.content, /\[user\] Please fix the DNS forwarders on dc01\./);
  assert.match(body.messages[0]!.content, /npm run build/);
});

test("a failing provider falls back to the facts-only log, with the reason in hooks.log", async (t) => {
  const api = await fakeAnthropic(t, [{ kind: "error", status: 401, type: "authentication_error", message: "invalid x-api-key" }]);
  const config = "timezone: America/Los_Angeles\nautolog:\n  provider: anthropic\n  model: claude-test-1\n";
  const team = await makeTeam(t, { machines: 1, config });
  const m = team.machines[0]!;
  const session = "5a1c0e7e-0d1f-4b8e-9a55-000000000006";
  const { pid, log } = await hook(m, session, dnsSession(m, session), { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-wrong" });
  const lines = await finished(pid, log);
  assert.match(lines[0]!, /automatic log session-logs\/\S+ \(from the transcript's facts\); checkpoint: committed [0-9a-f]{10} \(2 files\) and pushed; warnings: autolog: the anthropic draft failed \(Anthropic API 401 authentication_error: invalid x-api-key \(check ANTHROPIC_API_KEY\)\); wrote the facts-only log$/);
  const path = remoteLogs(team)[0]!;
  const text = team.remoteGit(["show", `main:${path}`]);
  assert.match(text, /First request:\n\n> Please fix the DNS forwarders/);
  assert.match(text, /## Key Decisions\n\nNone recorded\./);
});
