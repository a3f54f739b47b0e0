// The automatic log's plan (pure), the conversation read from a transcript, the per-session claim, the saved-log
// search and the hook log: in process, no CLI.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { appendHookLog, LOG_ROTATE_BYTES } from "../../src/claude/hook.js";
import { readConversation, userText } from "../../src/claude/conversation.js";
import { claimPath, claimSession, hookLine, sessionLogPaths } from "../../src/claude/session-end.js";
import { validateConfig } from "../../src/config/schema.js";
import { SynthesisError } from "../../src/wiki/providers/common.js";
import { autologTopic, draftedNarrative, factsNarrative, NONE_RECORDED, paragraph, parseModelDraft, type Conversation } from "../../src/log/autolog.js";
import { parseNarrative, SECTIONS } from "../../src/log/narrative.js";
import { renderLog } from "../../src/log/render.js";
import { slugProblem } from "../../src/log/slug.js";
import { readTranscript, type TranscriptFacts } from "../../src/log/transcript.js";
import { git, isolatedEnv, PROJECT, tmpDir } from "../helpers/index.js";
import { TranscriptBuilder } from "../helpers/transcripts.js";

const FIXTURE = join(PROJECT, "test", "fixtures", "transcripts", "session.jsonl");
const noFacts: TranscriptFacts = { session: "s", filesCreated: [], filesEdited: [], filesDeleted: [], commands: [], warnings: [] };
const conv = (o: Partial<Conversation>): Conversation => ({ firstRequest: undefined, lastAssistant: undefined, turns: [], omittedTurns: 0, omittedAt: 0, ...o });

/** The log as save would write it, parsed back: the sections a reader (and the wiki) will see. */
function roundTrip(n: ReturnType<typeof factsNarrative>) {
  const text = renderLog({ session: "s", user: "mike", date: "2026-06-05", scope: "general", topic: "auto-x" }, "## User\n- **User:** M (mike)\n", n);
  // The body a reader parses: from the User block on (the frontmatter and title are not narrative).
  const parsed = parseNarrative(text.slice(text.indexOf("## User")), "log");
  assert.deepEqual(parsed.errors, []);
  return { text, sections: parsed.value!.sections, extra: parsed.value!.extra };
}

test("the facts-only plan from the fixture transcript: every section in the seed's order, facts filled, the rest None recorded.", async () => {
  const facts = await readTranscript(FIXTURE, { repoRoot: "/home/dev/acme-kb" });
  const c = await readConversation(FIXTURE);
  assert.equal(c.firstRequest, "Replace the DNS forwarders and write a runbook");
  assert.equal(c.lastAssistant, "Done: forwarders replaced, runbook written, build error to fix next.");
  const { text, sections } = roundTrip(factsNarrative(facts, c));
  assert.deepEqual(
    [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]),
    ["User", ...SECTIONS.map((s) => s.title)],
  );
  assert.equal(
    sections.summary,
    "Automatic log: this session ended without a save, so logbook wrote this log from its transcript.\n\n" +
      "First request:\n\n> Replace the DNS forwarders and write a runbook\n\n" +
      "Last assistant message:\n\n> Done: forwarders replaced, runbook written, build error to fix next.",
  );
  assert.match(sections.config!, /^- Created `docs\/runbook\.md`$/m);
  assert.match(sections.config!, /^- Deleted `docs\/old-runbook\.md`$/m);
  assert.match(sections.commands!, /^- `npm run build` — \*\*failed, exit 2\*\*/m);
  for (const k of ["decisions", "problems", "secrets", "infra", "pending", "reference"] as const) assert.equal(sections[k], NONE_RECORDED, k);
  assert.equal(autologTopic(c.firstRequest), "auto-replace-dns-forwarders-write-runbook");
});

test("no facts and no words: the fact sections say None recorded. and the quotes say none was found", () => {
  const { sections } = roundTrip(factsNarrative(noFacts, conv({})));
  assert.equal(sections.config, NONE_RECORDED);
  assert.equal(sections.commands, NONE_RECORDED);
  assert.match(sections.summary!, /First request: none found in the transcript\.\n\nLast assistant message: none found in the transcript\.$/);
});

test("a request full of markdown (headings, an open fence) stays inside Session Summary", () => {
  const nasty = "## Credentials & Secrets\n```bash\nrm -rf /\n\n## Key Decisions\nnone";
  const { sections, extra } = roundTrip(factsNarrative(noFacts, conv({ firstRequest: nasty, lastAssistant: "# Done\n\n```" })));
  assert.equal(sections.secrets, NONE_RECORDED);
  assert.equal(sections.decisions, NONE_RECORDED);
  assert.deepEqual(extra, []);
  assert.match(sections.summary!, /> ## Credentials & Secrets ```bash rm -rf \/ ## Key Decisions none\n/);
});

test("paragraph: one line, short first paragraphs joined with the next, long text cut at a word with …", () => {
  assert.equal(paragraph("  Fix the build.  \n"), "Fix the build.");
  assert.equal(paragraph("Fix these:\n\n1. the build\n2. the tests\n\nThen deploy.\n\nAnd more."), "Fix these: 1. the build 2. the tests Then deploy. And more.");
  const long = `${"word ".repeat(40).trim()}.\n\nSecond paragraph that is not needed.`;
  assert.equal(paragraph(long), `${"word ".repeat(40).trim()}. …`);
  const huge = "abcdefgh ".repeat(200);
  const p = paragraph(huge);
  assert.ok(p.length <= 602, String(p.length));
  assert.match(p, /abcdefgh …$/);
});

test("autologTopic: auto- and a safe kebab slug of the request's leading words", () => {
  const cases: [string | undefined, string][] = [
    ["Please fix the DNS forwarders on dc01.\n\nThey time out.", "auto-fix-dns-forwarders-dc01"],
    ["Could you migrate Acme's mailboxes to Exchange Online, then update the runbook and notify the client", "auto-migrate-acme-s-mailboxes-exchange-online-update"],
    ["Réparer le serveur d'impression", "auto-reparer-le-serveur-d-impression"],
    ["the", "auto-the"],
    ["🚀🚀", "auto-session"],
    ["", "auto-session"],
    [undefined, "auto-session"],
    ["../../etc/passwd", "auto-etc-passwd"],
    ["CON", "auto-session"],
  ];
  for (const [input, want] of cases) {
    const got = autologTopic(input);
    assert.equal(got, want, String(input));
    assert.equal(slugProblem(got), undefined, got);
  }
});

test("userText: slash commands become /name args, reminders and interruptions are not requests", () => {
  assert.equal(userText("Fix it <system-reminder>be careful</system-reminder>"), "Fix it");
  assert.equal(userText("<command-message>save is running…</command-message>\n<command-name>/save</command-name>\n<command-args>--scope general</command-args>"), "/save --scope general");
  assert.equal(userText("<command-name>/clear</command-name>\n<command-message>clear</command-message>\n<command-args></command-args>"), undefined);
  assert.equal(userText("<local-command-stdout>cleared</local-command-stdout>"), undefined);
  assert.equal(userText("[Request interrupted by user]"), undefined);
  assert.equal(userText([{ type: "tool_result", tool_use_id: "t", content: "x" }]), undefined);
  assert.equal(userText([{ type: "text", text: "look at this" }, { type: "image", source: {} }]), "look at this");
});

test("readConversation: sidechains and meta records skipped, split assistant turns joined once, long sessions keep head and tail", async (t) => {
  const dir = tmpDir(t);
  const b = new TranscriptBuilder("s1", "/r")
    .user("Caveat: local commands below", { isMeta: true })
    .user("Subagent prompt", { isSidechain: true })
    .user("Real first request")
    .assistant("Part one.", "msg_a")
    .assistant("Part one.", "msg_a")
    .assistant("Part two.", "msg_a")
    .assistant("Sidechain answer", "msg_side", { isSidechain: true });
  for (let i = 0; i < 40; i++) b.user(`request ${i} ${"x".repeat(500)}`).assistant(`answer ${i} ${"y".repeat(500)}`, `msg_${i}`);
  b.bash("ls").assistant("The end.", "msg_end");
  writeFileSync(join(dir, "s1.jsonl"), b.text() + "not json\n");
  const c = await readConversation(join(dir, "s1.jsonl"), { headTurns: 2, tailChars: 5000, turnChars: 300 });
  assert.equal(c.firstRequest, "Real first request");
  assert.equal(c.lastAssistant, "The end.");
  assert.deepEqual(c.turns.slice(0, 2), [
    { role: "user", text: "Real first request" },
    { role: "assistant", text: "Part one.\n\nPart two." },
  ]);
  assert.equal(c.turns.at(-1)!.text, "The end.");
  assert.ok(c.turns.every((x) => x.text.length <= 301));
  assert.equal(c.omittedAt, 2);
  assert.equal(c.omittedTurns + c.turns.length, 2 + 80 + 1);
  assert.ok(c.turns.slice(2).reduce((n, x) => n + x.text.length, 0) <= 5000);
});

test("the drafted variant: guards mark what the sources do not name, headings are demoted, open fences closed, empty lists None recorded.", () => {
  const draft = parseModelDraft({ summary: "Moved dc01 to 10.0.0.10 and 10.99.99.99 via ghost.example.com.\n## Sneaky\n```sh\nls", key_decisions: [], problems: ["- npm build failed at vault:clients/acme/x.age"] }, "Anthropic");
  const d = draftedNarrative(noFacts, draft, "dig @10.0.0.10 example.com on dc01", "anthropic (m)");
  const { sections } = roundTrip(d.narrative);
  assert.match(sections.summary!, /^Automatic log: .*anthropic \(m\) drafted the summary, decisions and problems\.\n\nMoved dc01 to 10\.0\.0\.10 and 10\.99\.99\.99 \(verify\) via ghost\.example\.com \(verify\)\.\n### Sneaky\n```sh\nls\n```$/);
  assert.equal(sections.decisions, NONE_RECORDED);
  assert.equal(sections.problems, "- npm build failed at vault:clients/acme/x.age (verify)");
  assert.deepEqual(d.flagged, ["10.99.99.99", "ghost.example.com", "vault:clients/acme/x.age"]);
});

test("a model reply that does not fit the schema is a SynthesisError (the caller falls back)", () => {
  for (const bad of [null, {}, { summary: "", key_decisions: [], problems: [] }, { summary: "x", key_decisions: "y", problems: [] }]) {
    assert.throws(() => parseModelDraft(bad, "Ollama"), (e: unknown) => e instanceof SynthesisError && e.kind === "invalid" && /Ollama returned a draft that does not match the autolog schema/.test(e.message));
  }
});

test("claimSession: of many claims at once exactly one wins; a finished claim stands; a dead holder's unfinished claim is taken over", async (t) => {
  const state = join(tmpDir(t), "logbook");
  const deps = { pid: process.pid, now: () => new Date("2026-06-05T18:50:00Z") };
  const claims = await Promise.all(Array.from({ length: 12 }, () => claimSession(state, "ses:1", deps)));
  assert.equal(claims.filter((c) => c !== undefined).length, 1);
  assert.ok(existsSync(join(state, "autolog", "ses%3A1")), "':' is encoded (not allowed in Windows file names)");
  await claims.find((c) => c)!.done("session-logs/x.md");
  assert.equal(await claimSession(state, "ses:1", deps), undefined);

  // A live holder that has not finished: not taken over.
  const live = await claimSession(state, "s2", deps);
  assert.ok(live);
  assert.equal(await claimSession(state, "s2", deps), undefined);
  await live.release();
  assert.ok(await claimSession(state, "s2", deps), "a released claim can be claimed again");

  // A holder that died before writing its log.
  const dead = await deadPid();
  mkdirSync(join(state, "autolog"), { recursive: true });
  writeFileSync(claimPath(state, "s3"), JSON.stringify({ pid: dead, start: null, at: "2026-06-05T18:00:00Z" }) + "\n");
  const takers = await Promise.all([claimSession(state, "s3", deps), claimSession(state, "s3", deps), claimSession(state, "s3", deps)]);
  assert.equal(takers.filter((c) => c !== undefined).length, 1);
  assert.equal(JSON.parse(readFileSync(claimPath(state, "s3"), "utf8")).pid, process.pid);
});

function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ["-e", "0"]);
    c.on("exit", () => resolve(c.pid!));
  });
}

test("sessionLogPaths: finds the log by its frontmatter in any scope, tracked or not; not an id's prefix, not a body mention", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"));
  const root = join(dir, "repo");
  git(dir, ["init", "-q", "-b", "main", root], env);
  const put = (p: string, session: string, body = "") => {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), `---\nsession: ${session}\nuser: mike\n---\n\n# log\n${body}`);
  };
  put("session-logs/a.md", "abc-1");
  put("clients/acme/session-logs/b.md", "abc");
  put("projects/x/session-logs/c.md", "zzz", "\nsession: abc\n");
  put("notes/session-logs-like.md", "abc");
  git(root, ["add", "-A"], env);
  git(root, ["commit", "-qm", "logs"], env);
  put("projects/y/session-logs/d.md", "abc");
  assert.deepEqual((await sessionLogPaths(root, "abc", env)).sort(), ["clients/acme/session-logs/b.md", "projects/y/session-logs/d.md"]);
  assert.deepEqual(await sessionLogPaths(root, "nope", env), []);
});

test("hooks.log: one line per run (newlines flattened), rotated to hooks.log.1 past 1 MB", (t) => {
  const log = join(tmpDir(t), "logbook", "hooks.log");
  appendHookLog(log, "first\nrun");
  assert.equal(readFileSync(log, "utf8"), "first run\n");
  writeFileSync(log, "x".repeat(LOG_ROTATE_BYTES + 1));
  appendHookLog(log, "after rotation");
  assert.equal(readFileSync(log, "utf8"), "after rotation\n");
  assert.equal(readFileSync(`${log}.1`, "utf8").length, LOG_ROTATE_BYTES + 1);
  const line = hookLine(new Date("2026-06-05T18:50:00Z"), { session: "s", reason: "logout" }, { status: "failed", detail: "boom\nbang", warnings: [] }, { exitCode: 65, summary: "failed (exit 65): no transcript", commit: null, pushed: false }, ["w1", "w2"]);
  assert.equal(line, "2026-06-05T18:50:00.000Z session-end s (logout): automatic log FAILED: boom bang; checkpoint: failed (exit 65): no transcript; warnings: w1 | w2");
});

test("config: autolog.scope must be a --scope; model and timeoutSeconds are known keys", () => {
  const bad = validateConfig({ autolog: { scope: "client:Acme Corp" } });
  assert.deepEqual(bad.errors, ['.logbook/config.yaml: key "autolog.scope": must be general, project:<name> or client:<slug> (a lowercase kebab slug), as for --scope']);
  const ok = validateConfig({ autolog: { scope: "project:guru-rmm", provider: "ollama", model: "llama3.1:8b", timeoutSeconds: 30 } });
  assert.deepEqual([ok.errors, ok.warnings], [[], []]);
  assert.equal(validateConfig({ autolog: false }).value?.autolog, false);
});
