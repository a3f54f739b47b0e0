// The detached child's work in process (runSessionEnd): drafts by Ollama with the wiki's settings, every kind of
// provider failure falling back to the facts-only log, and the sessions that get no log at all.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runSessionEnd } from "../../src/claude/session-end.js";
import { makeTeam, testDeps, type Machine } from "../helpers/index.js";
import { fakeAnthropic, fakeOllama } from "../helpers/fake-services.js";
import { TranscriptBuilder } from "../helpers/transcripts.js";

function session(m: Machine, id: string): TranscriptBuilder {
  mkdirSync(join(m.dir, "notes"), { recursive: true });
  writeFileSync(join(m.dir, "notes", `${id}.md`), "x\n");
  return new TranscriptBuilder(id, m.dir)
    .user("Rotate the backup keys on nas01")
    .write(`notes/${id}.md`)
    .bash("ssh nas01 rotate-keys", { output: "rotated 3 keys" })
    .assistant("Rotated the keys on nas01.", "msg_end");
}

const run = (m: Machine, id: string, env: Record<string, string> = {}) => runSessionEnd({ session: id }, testDeps(m.dir, { env: { ...m.env, ...env } }));

test("Ollama drafts with the wiki's model and host; its failures (500s after retries, malformed JSON, the wrong shape) fall back to the facts-only log", async (t) => {
  const good = { summary: "Rotated the backup keys on nas01.", key_decisions: ["Rotated all three keys at once"], problems: [] };
  const ollama = await fakeOllama(t, [
    { kind: "draft", draft: () => good },
    { kind: "error", status: 500, error: "boom" },
    { kind: "error", status: 500, error: "boom" },
    { kind: "error", status: 500, error: "boom" },
    { kind: "malformed" },
    { kind: "draft", draft: () => ({ summary: "x", key_decisions: "not a list", problems: [] }) },
  ]);
  const config = `timezone: UTC\nwiki:\n  model: llama3.1:8b\n  ollama:\n    host: ${ollama.url}\nautolog:\n  provider: ollama\n`;
  const team = await makeTeam(t, { machines: 1, config });
  const m = team.machines[0]!;

  session(m, "s-draft").save(m.env.CLAUDE_CONFIG_DIR!);
  const r = await run(m, "s-draft");
  assert.equal(r.autolog.status, "written", r.line);
  assert.equal(r.autolog.drafter, "ollama");
  assert.equal(r.exitCode, 0, r.line);
  assert.equal(r.autolog.path, "session-logs/2026-06-05-mike-auto-rotate-backup-keys-nas01.md");
  const text = team.remoteGit(["show", `main:${r.autolog.path}`]);
  assert.match(text, /ollama \(llama3\.1:8b\) drafted the summary, decisions and problems\.\n\nRotated the backup keys on nas01\.\n\n## Key Decisions\n\n- Rotated all three keys at once\n\n## Problems Encountered\n\nNone recorded\.\n/);
  const body = ollama.requests[0]!.body as { model: string; format: { required: string[] }; messages: { role: string; content: string }[] };
  assert.equal(body.model, "llama3.1:8b");
  assert.deepEqual(body.format.required, ["summary", "key_decisions", "problems"]);
  assert.match(body.messages[1]!.content, /\[user\] Rotate the backup keys on nas01/);

  const failures: [string, RegExp][] = [
    ["s-500", /the ollama draft failed \(Ollama 500: boom\); wrote the facts-only log/],
    ["s-malformed", /the ollama draft failed \(.*not valid JSON.*\); wrote the facts-only log/],
    ["s-shape", /the ollama draft failed \(Ollama returned a draft that does not match the autolog schema \(field "key_decisions": invalid_type\)\); wrote the facts-only log/],
  ];
  for (const [id, why] of failures) {
    session(m, id).save(m.env.CLAUDE_CONFIG_DIR!);
    const f = await run(m, id);
    assert.equal(f.autolog.status, "written", f.line);
    assert.equal(f.autolog.drafter, "facts");
    assert.match(f.line, why);
    assert.equal(f.exitCode, 0, f.line);
    const log = team.remoteGit(["show", `main:${f.autolog.path}`]);
    assert.match(log, /First request:\n\n> Rotate the backup keys on nas01\n/);
  }
  assert.equal(ollama.requests.length, 6, "the 500 was retried (3 tries), the others were not");
});

test("anthropic without an API key or a model falls back at once, without a request", async (t) => {
  const api = await fakeAnthropic(t, [{ kind: "draft", draft: () => ({}) }]);
  const team = await makeTeam(t, { machines: 1, config: "timezone: UTC\nautolog:\n  provider: anthropic\n" });
  const m = team.machines[0]!;
  session(m, "s-nomodel").save(m.env.CLAUDE_CONFIG_DIR!);
  const a = await run(m, "s-nomodel", { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "k" });
  assert.match(a.line, /the anthropic draft failed \(autolog\.provider is anthropic but neither autolog\.model nor wiki\.model is set in \.logbook\/config\.yaml\)/);
  writeFileSync(join(m.dir, ".logbook", "config.yaml"), "timezone: UTC\nautolog:\n  provider: anthropic\n  model: claude-x\n");
  session(m, "s-nokey").save(m.env.CLAUDE_CONFIG_DIR!);
  const b = await run(m, "s-nokey", { ANTHROPIC_BASE_URL: api.url });
  assert.match(b.line, /the anthropic draft failed \(autolog\.provider is anthropic but ANTHROPIC_API_KEY is not set in the hook's environment\)/);
  assert.equal(b.autolog.status, "written");
  assert.equal(api.requests.length, 0);
});

test("no transcript, an empty session, a stale identity: no log, and the line says why", async (t) => {
  const team = await makeTeam(t, { machines: 1, config: "timezone: UTC\n" });
  const m = team.machines[0]!;
  const none = await run(m, "s-none");
  assert.equal(none.autolog.status, "no-transcript");
  assert.match(none.line, /^2026-06-05T18:50:00\.000Z session-end s-none: no automatic log: no transcript for it under .*\/projects\/\*\/; checkpoint: failed \(exit 65\): no transcript for session s-none/);
  assert.equal(none.exitCode, 65);

  new TranscriptBuilder("s-empty", m.dir).user("<command-name>/clear</command-name><command-args></command-args>").save(m.env.CLAUDE_CONFIG_DIR!);
  const empty = await run(m, "s-empty");
  assert.equal(empty.autolog.status, "empty", empty.line);
  assert.match(empty.line, /no automatic log: the session asked and did nothing; checkpoint: nothing to commit/);

  session(m, "s-stale").save(m.env.CLAUDE_CONFIG_DIR!);
  const stale = await run(m, "s-stale", { LOGBOOK_HOSTNAME: "another-machine" });
  assert.equal(stale.autolog.status, "failed");
  assert.match(stale.line, /automatic log FAILED: \[WARNING\] .*identity\.json is stale for this machine/);
  assert.notEqual(stale.exitCode, 0);
});
