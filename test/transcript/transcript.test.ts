// Transcript facts from hand-written fixtures in Claude Code's formats (APIS.md "Claude Code").
import assert from "node:assert/strict";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DataError, UsageError } from "../../src/errors.js";
import { findTranscript, readTranscript } from "../../src/log/transcript.js";
import { PROJECT, tmpDir } from "../helpers/index.js";

const FIX = join(PROJECT, "test", "fixtures", "transcripts");
const ROOT = "/home/dev/acme-kb";

test("session fixture: split assistant lines, Write create vs update, Edit, MultiEdit, NotebookEdit, rm, git rm/mv, sidechain", async () => {
  const f = await readTranscript(join(FIX, "session.jsonl"), { repoRoot: ROOT });
  assert.equal(f.session, "8f14e45f-ceea-467f-a0e6-2b7d0c1f9a11");
  // docs/runbook.md was created, then edited: it stays created. scripts/check-dns.sh comes from a subagent record.
  assert.deepEqual(f.filesCreated, ["docs/runbook.md", "scripts/check-dns.sh", "docs/dns.md"]);
  // Outside the repo root a path stays absolute; the rejected Write of docs/rejected.md created nothing.
  assert.deepEqual(f.filesEdited, ["README.md", "config/named.conf.options", "/etc/bind/named.conf.options", "notebooks/analysis.ipynb"]);
  // `cd docs && rm -f ...` resolves against docs/; `rm tmp-output.log` ran in the record's cwd (scripts/).
  assert.deepEqual(f.filesDeleted, ["docs/old-runbook.md", "docs/draft.md", "legacy/forwarders.txt", "notes/dns.md", "scripts/tmp-output.log"]);
  assert.deepEqual(f.warnings, []);
});

test("session fixture: each Bash tool use once (split lines repeat blocks), paired by tool_use_id; BashOutput/KillShell are not commands", async () => {
  const f = await readTranscript(join(FIX, "session.jsonl"), { repoRoot: ROOT });
  assert.deepEqual(
    f.commands.map((c) => c.command),
    [
      "npm test",
      "npm run build",
      "sleep 600 && dig @10.0.0.10 example.com",
      "cd docs && rm -f old-runbook.md draft.md",
      "git rm -q legacy/forwarders.txt && git mv notes/dns.md docs/dns.md",
      "grep -r forwarders /etc/bind/zones",
      "rm tmp-output.log 2>/dev/null; ls",
    ],
  );
  const [test_, build, sleep, , , grep, ls] = f.commands;
  // Parallel calls: npm test's result arrived before MultiEdit's; pairing is by id, not order.
  assert.deepEqual(test_, { command: "npm test", exitCode: 0, isError: false, interrupted: false, output: "> acme-kb@1.0.0 test\n> node --test\n\nall 12 tests passed" });
  assert.deepEqual(build, {
    command: "npm run build",
    exitCode: 2,
    isError: true,
    interrupted: false,
    output: "src/dns.ts(3,1): error TS2304: Cannot find name 'resolver'.\nFound 1 error.",
  });
  assert.equal(sleep!.interrupted, true);
  assert.equal(sleep!.exitCode, null);
  // grep's "no matches" is reported through returnCodeInterpretation: the exit code is not 0, and not known.
  assert.equal(grep!.exitCode, null);
  assert.equal(grep!.isError, false);
  assert.equal(ls!.output, "check-dns.sh");
});

test("old-version fixture: no exit code in failed results (null, never guessed), rejected and failed calls change nothing", async () => {
  const f = await readTranscript(join(FIX, "old-version.jsonl"), { repoRoot: ROOT });
  assert.equal(f.session, "0d4c1e22-51aa-4c1b-9b7e-6a1f00c0ffee");
  // Write with a relative path and no toolUseResult: the message says it was created. The later Edit failed.
  assert.deepEqual(f.filesCreated, ["build/release.sh"]);
  assert.deepEqual(f.filesEdited, []);
  // `rm build/old.sh build/missing.sh` failed and `rm -rf dist` was rejected: no deletion is claimed.
  assert.deepEqual(f.filesDeleted, []);
  const by = Object.fromEntries(f.commands.map((c) => [c.command, c]));
  assert.deepEqual(by["make lint"], { command: "make lint", exitCode: null, isError: true, interrupted: false, output: "make: *** No rule to make target 'lint'.  Stop." });
  assert.equal(by["rm -rf dist"]!.isError, true);
  assert.match(by["rm -rf dist"]!.output, /doesn't want to proceed/);
  assert.equal(by["npm run watch"]!.exitCode, null, "a background command has not ended");
  assert.deepEqual(by["ls build"], { command: "ls build", exitCode: 0, isError: false, interrupted: false, output: "release.sh" });
  assert.deepEqual(by["git status"], { command: "git status", exitCode: null, isError: false, interrupted: false, output: "" }, "no result yet");
});

test("a truncated last line (a session still writing) is ignored with a warning naming the line", async () => {
  const f = await readTranscript(join(FIX, "truncated.jsonl"), { repoRoot: ROOT });
  assert.deepEqual(f.filesCreated, ["notes/backup.md"]);
  assert.deepEqual(f.commands, []);
  assert.equal(f.warnings.length, 1);
  assert.match(f.warnings[0]!, /truncated\.jsonl:4: the last line is incomplete/);
});

test("a file that is not JSONL is a DataError (65) naming the file and line; a bad line in the middle too", async () => {
  await assert.rejects(readTranscript(join(FIX, "not-a-transcript.md"), {}), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.exitCode, 65);
    assert.match(e.message, /not-a-transcript\.md:1: .*JSONL/);
    return true;
  });
  await assert.rejects(readTranscript(join(FIX, "broken-middle.jsonl"), {}), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /broken-middle\.jsonl:2: /);
    return true;
  });
});

test("bad files: a bad last line that ends with a newline, a JSON value that is not an object, an empty file, a missing file", async (t) => {
  const dir = tmpDir(t);
  const rec = JSON.stringify({ type: "user", sessionId: "s1", message: { role: "user", content: "hi" } });
  const cases: [string, string, RegExp][] = [
    ["newline.jsonl", `${rec}\n{"type":"user",\n`, /newline\.jsonl:2: /],
    ["array.jsonl", `${rec}\n[1,2]\n`, /array\.jsonl:2: .*does not start with \{/],
    ["only-bad.jsonl", `{"type":"us`, /only-bad\.jsonl:1: /],
    ["empty.jsonl", "\n\n", /empty\.jsonl: empty transcript/],
  ];
  for (const [name, body, re] of cases) {
    writeFileSync(join(dir, name), body);
    await assert.rejects(readTranscript(join(dir, name), {}), (e: unknown) => e instanceof DataError && re.test(e.message), name);
  }
  await assert.rejects(readTranscript(join(dir, "nope.jsonl"), {}), (e: unknown) => e instanceof UsageError && /nope\.jsonl: cannot read/.test(e.message));
  await assert.rejects(readTranscript(dir, {}), (e: unknown) => e instanceof UsageError, "a directory");
});

test("streaming: records split across read chunks, multibyte text at chunk edges, a 3 MB line, CRLF endings", async (t) => {
  const dir = tmpDir(t);
  const file = join(dir, "big.jsonl");
  const lines: string[] = [];
  const cwd = "/w/repo";
  let n = 0;
  const use = (name: string, input: object) => {
    const id = `toolu_${++n}`;
    lines.push(JSON.stringify({ type: "assistant", sessionId: "big", cwd, message: { id: `m${n}`, content: [{ type: "text", text: "é😀".repeat(n % 50) }, { type: "tool_use", id, name, input }] } }));
    return id;
  };
  const result = (id: string, content: string, tur: unknown) =>
    lines.push(JSON.stringify({ type: "user", sessionId: "big", cwd, message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content }] }, toolUseResult: tur }));
  for (let i = 0; i < 400; i++) {
    const id = use("Write", { file_path: `${cwd}/f${i}.md`, content: "ü".repeat(5000 + i) });
    result(id, "ok", { type: i % 2 ? "update" : "create" });
    const b = use("Bash", { command: `echo ${i}` });
    result(b, `${i}`, { stdout: `${i}`, stderr: "", interrupted: false });
  }
  const huge = use("Write", { file_path: `${cwd}/huge.bin.md`, content: "ß".repeat(1_500_000) });
  result(huge, "ok", { type: "create" });
  writeFileSync(file, lines.join("\r\n") + "\r\n");
  const f = await readTranscript(file, { repoRoot: cwd });
  assert.equal(f.filesCreated.length, 201);
  assert.equal(f.filesEdited.length, 200);
  assert.equal(f.filesCreated[200], "huge.bin.md");
  assert.equal(f.commands.length, 400);
  assert.ok(f.commands.every((c, i) => c.command === `echo ${i}` && c.exitCode === 0 && c.output === `${i}`));
});

test("facts: created then deleted vanishes; deleted then recreated is edited; edits of a file deleted later are deleted", async (t) => {
  const dir = tmpDir(t);
  const cwd = "/w/repo";
  const lines: object[] = [];
  let n = 0;
  const step = (name: string, input: object, tur: unknown, content = "") => {
    const id = `toolu_${++n}`;
    lines.push({ type: "assistant", sessionId: "s", cwd, message: { id: `m${n}`, content: [{ type: "tool_use", id, name, input }] } });
    lines.push({ type: "user", sessionId: "s", cwd, message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content }] }, toolUseResult: tur });
  };
  const ok = { stdout: "", stderr: "", interrupted: false };
  step("Write", { file_path: "/w/repo/tmp.txt", content: "x" }, { type: "create" });
  step("Bash", { command: "rm tmp.txt" }, ok);
  step("Bash", { command: "rm old.txt" }, ok);
  step("Write", { file_path: "/w/repo/old.txt", content: "x" }, { type: "create" });
  step("Edit", { file_path: "/w/repo/gone.txt", old_string: "a", new_string: "b" }, { filePath: "/w/repo/gone.txt" });
  step("Bash", { command: "rm -- gone.txt /w/repo/dir/" }, ok);
  step("Bash", { command: "rm -rf ." }, ok);
  const file = join(dir, "s.jsonl");
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const f = await readTranscript(file, { repoRoot: cwd });
  assert.deepEqual(f.filesCreated, []);
  assert.deepEqual(f.filesEdited, ["old.txt"]);
  assert.deepEqual(f.filesDeleted, ["gone.txt", "dir"], "`rm -rf .` at the root is not a file deletion");
});

test("findTranscript: <CLAUDE_CONFIG_DIR>/projects/*/<session>.jsonl, ~/.claude otherwise, the newest of several", (t) => {
  const dir = tmpDir(t);
  const home = join(dir, "home");
  const cfg = join(dir, "cfg");
  const session = "8f14e45f-ceea-467f-a0e6-2b7d0c1f9a11";
  for (const [base, p] of [[cfg, "-w-a"], [cfg, "-w-b"], [join(home, ".claude"), "-w-c"]] as const) {
    mkdirSync(join(base, "projects", p), { recursive: true });
    writeFileSync(join(base, "projects", p, `${session}.jsonl`), "{}\n");
  }
  utimesSync(join(cfg, "projects", "-w-a", `${session}.jsonl`), new Date(2020, 1, 1), new Date(2020, 1, 1));
  assert.equal(findTranscript(session, { CLAUDE_CONFIG_DIR: cfg }, home), join(cfg, "projects", "-w-b", `${session}.jsonl`));
  assert.equal(findTranscript(session, {}, home), join(home, ".claude", "projects", "-w-c", `${session}.jsonl`));
  assert.equal(findTranscript("other-session", {}, home), undefined);
  assert.equal(findTranscript("../../etc/passwd", {}, home), undefined);
  assert.equal(findTranscript(session, { CLAUDE_CONFIG_DIR: join(dir, "none") }, home), undefined);
});
