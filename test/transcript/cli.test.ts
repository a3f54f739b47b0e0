// `logbook transcript` through the built CLI: the exact --json shape, repo-relative paths, exit codes.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { git, isolatedEnv, PROJECT, runCli, tmpDir } from "../helpers/index.js";

const FIX = join(PROJECT, "test", "fixtures", "transcripts");
const SESSION = "8f14e45f-ceea-467f-a0e6-2b7d0c1f9a11";

/** The session fixture, as if recorded in `repo`. */
function fixtureIn(repo: string): string {
  return readFileSync(join(FIX, "session.jsonl"), "utf8").replaceAll("/home/dev/acme-kb", JSON.stringify(repo).slice(1, -1));
}

test("transcript --json prints exactly {session, filesCreated, filesEdited, filesDeleted, commands} with repo-relative paths", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"));
  const repo = join(dir, "acme-kb");
  git(dir, ["init", "-q", "-b", "main", repo], env);
  const file = join(dir, `${SESSION}.jsonl`);
  writeFileSync(file, fixtureIn(repo));
  const r = await runCli(["transcript", file, "--json"], { cwd: join(repo), env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const o = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(o), ["session", "filesCreated", "filesEdited", "filesDeleted", "commands"]);
  assert.equal(o.session, SESSION);
  assert.deepEqual(o.filesCreated, ["docs/runbook.md", "scripts/check-dns.sh", "docs/dns.md"]);
  assert.deepEqual(o.filesEdited, ["README.md", "config/named.conf.options", "/etc/bind/named.conf.options", "notebooks/analysis.ipynb"]);
  assert.equal(o.commands.length, 7);
  assert.deepEqual(Object.keys(o.commands[0]), ["command", "exitCode", "isError", "interrupted", "output"]);
  assert.deepEqual(o.commands[1], { command: "npm run build", exitCode: 2, isError: true, interrupted: false, output: "src/dns.ts(3,1): error TS2304: Cannot find name 'resolver'.\nFound 1 error." });
  // Outside any repository, every path is absolute.
  const outside = await runCli(["transcript", file, "--json"], { cwd: dir, env });
  assert.equal(JSON.parse(outside.stdout).filesCreated[0], join(repo, "docs/runbook.md"));
});

test("transcript without --json prints the sections save would add; --session finds the file under CLAUDE_CONFIG_DIR", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"));
  const repo = join(dir, "acme-kb");
  git(dir, ["init", "-q", "-b", "main", repo], env);
  const projects = join(env.CLAUDE_CONFIG_DIR!, "projects", repo.replace(/[/.]/g, "-"));
  mkdirSync(projects, { recursive: true });
  writeFileSync(join(projects, `${SESSION}.jsonl`), fixtureIn(repo));
  const r = await runCli(["transcript", "--session", SESSION], { cwd: repo, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Session: ${SESSION}\n\n## Configuration Changes\n\n- Created \`docs/runbook.md\`\n`));
  assert.match(r.stdout, /\n## Commands & Outputs\n\n- `npm test`\n- `npm run build` — \*\*failed, exit 2\*\*: `src\/dns\.ts\(3,1\): error TS2304/);
  const missing = await runCli(["transcript", "--session", "no-such-session"], { cwd: repo, env });
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /no transcript for session no-such-session/);
});

test("transcript exit codes: not JSONL is 65 naming file and line; truncated last line warns and exits 0; no argument is 64", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"));
  const bad = await runCli(["transcript", join(FIX, "not-a-transcript.md")], { cwd: dir, env });
  assert.equal(bad.code, 65);
  assert.match(bad.stderr, /not-a-transcript\.md:1: /);
  const badJson = await runCli(["transcript", join(FIX, "broken-middle.jsonl"), "--json"], { cwd: dir, env });
  assert.equal(badJson.code, 65);
  assert.equal(JSON.parse(badJson.stdout).exitCode, 65);
  const trunc = await runCli(["transcript", join(FIX, "truncated.jsonl"), "--json"], { cwd: dir, env });
  assert.equal(trunc.code, 0, trunc.stderr);
  assert.match(trunc.stderr, /truncated\.jsonl:4: the last line is incomplete/);
  assert.deepEqual(JSON.parse(trunc.stdout).filesCreated, ["/home/dev/acme-kb/notes/backup.md"]);
  const none = await runCli(["transcript"], { cwd: dir, env });
  assert.equal(none.code, 64);
  const both = await runCli(["transcript", "x.jsonl", "--session", SESSION], { cwd: dir, env });
  assert.equal(both.code, 64);
});
