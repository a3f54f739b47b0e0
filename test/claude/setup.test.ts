// What `logbook init` writes for Claude Code: slash commands and the SessionEnd hook, planned then applied.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { applyClaudeSetup, describeClaudeSetup, planClaudeSetup, type SetupFile } from "../../src/claude/setup.js";
import { DataError } from "../../src/errors.js";
import { tmpDir, treeState } from "../helpers/index.js";

const COMMANDS = ["save", "sync", "checkpoint", "wiki-compile"].map((c) => `.claude/commands/${c}.md`);
const actions = (plan: SetupFile[]) => Object.fromEntries(plan.map((f) => [f.path, f.action]));
const read = (root: string, p: string) => readFileSync(join(root, p), "utf8");
const sessionEndCommands = (settings: { hooks: { SessionEnd: { hooks?: { command?: string }[] }[] } }) =>
  settings.hooks.SessionEnd.flatMap((e) => (e.hooks ?? []).map((h) => h.command ?? ""));

test("empty repo: creates the four commands and settings.json with one SessionEnd hook; a second run changes nothing", async (t) => {
  const root = tmpDir(t);
  const plan = planClaudeSetup(root, { hooks: true, force: false, cliCommand: "logbook" });
  assert.deepEqual(actions(plan), Object.fromEntries([...COMMANDS, ".claude/settings.json"].map((p) => [p, "create"])));
  await applyClaudeSetup(root, plan);
  const settings = JSON.parse(read(root, ".claude/settings.json"));
  assert.deepEqual(settings, { hooks: { SessionEnd: [{ hooks: [{ type: "command", command: "logbook hook session-end" }] }] } });
  const before = treeState(root);
  const again = planClaudeSetup(root, { hooks: true, force: false, cliCommand: "logbook" });
  assert.ok(again.every((f) => f.action === "unchanged"), JSON.stringify(actions(again)));
  await applyClaudeSetup(root, again);
  assert.equal(treeState(root), before);
  assert.deepEqual(describeClaudeSetup(again), { changes: [], skipped: [] });
});

test("without --hooks, settings.json is not planned", (t) => {
  const root = tmpDir(t);
  assert.deepEqual(planClaudeSetup(root, { hooks: false, force: false, cliCommand: "logbook" }).map((f) => f.path), COMMANDS);
});

test("existing settings.json and commands: everything kept, our hook added once, an existing command skipped until --force", async (t) => {
  const root = tmpDir(t);
  mkdirSync(join(root, ".claude/commands"), { recursive: true });
  const userSettings = {
    permissions: { allow: ["Bash(ls:*)"], deny: [] },
    model: "sonnet",
    env: { FOO: "1" },
    hooks: {
      PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "./guard.sh" }] }],
      SessionEnd: [{ hooks: [{ type: "command", command: "./cleanup.sh", timeout: 5 }] }],
    },
  };
  writeFileSync(join(root, ".claude/settings.json"), JSON.stringify(userSettings, null, 4) + "\n");
  const ownSave = "---\ndescription: our own save\n---\nOWN-SAVE logbook\n";
  writeFileSync(join(root, ".claude/commands/save.md"), ownSave);

  const plan = planClaudeSetup(root, { hooks: true, force: false, cliCommand: "logbook" });
  assert.equal(actions(plan)[".claude/commands/save.md"], "skip-exists");
  assert.equal(actions(plan)[".claude/settings.json"], "merge");
  const d = describeClaudeSetup(plan);
  assert.match(d.skipped.join("\n"), /\.claude\/commands\/save\.md exists.*--force/);
  assert.match(d.changes.join("\n"), /SessionEnd hook to \.claude\/settings\.json/);
  await applyClaudeSetup(root, plan);
  assert.equal(read(root, ".claude/commands/save.md"), ownSave);
  const raw = read(root, ".claude/settings.json");
  assert.match(raw, /^\{\n {4}"permissions"/, "the file's own indentation is kept");
  const merged = JSON.parse(raw);
  assert.deepEqual({ ...merged, hooks: undefined }, { ...userSettings, hooks: undefined });
  assert.deepEqual(merged.hooks.PreToolUse, userSettings.hooks.PreToolUse);
  assert.deepEqual(sessionEndCommands(merged), ["./cleanup.sh", "logbook hook session-end"]);

  const second = planClaudeSetup(root, { hooks: true, force: false, cliCommand: "logbook" });
  assert.equal(actions(second)[".claude/settings.json"], "unchanged", "never a second hook");
  const forced = planClaudeSetup(root, { hooks: true, force: true, cliCommand: "logbook" });
  assert.equal(actions(forced)[".claude/commands/save.md"], "overwrite");
  assert.equal(actions(forced)[".claude/settings.json"], "unchanged");
  await applyClaudeSetup(root, forced);
  assert.match(read(root, ".claude/commands/save.md"), /sync deferred — another sync is running/);
});

test("a logbook hook run by another command: skipped without --force; --force leaves exactly one, with the new command", async (t) => {
  const root = tmpDir(t);
  mkdirSync(join(root, ".claude"), { recursive: true });
  const s = { hooks: { SessionEnd: [{ hooks: [{ type: "command", command: "node /old/dist/cli.js hook session-end" }, { type: "command", command: "./mine.sh" }] }, { hooks: [{ type: "command", command: "logbook hook session-end" }] }] } };
  writeFileSync(join(root, ".claude/settings.json"), JSON.stringify(s));
  assert.equal(actions(planClaudeSetup(root, { hooks: true, force: false, cliCommand: "npx logbook" }))[".claude/settings.json"], "skip-exists");
  await applyClaudeSetup(root, planClaudeSetup(root, { hooks: true, force: true, cliCommand: "npx logbook" }));
  const after = JSON.parse(read(root, ".claude/settings.json"));
  assert.deepEqual(sessionEndCommands(after), ["npx logbook hook session-end", "./mine.sh"]);
  assert.equal(after.hooks.SessionEnd.length, 1, "an entry left with no hooks is removed");
});

test("a settings.json that is not JSON (or has the wrong shape) is a DataError naming it; nothing is written", (t) => {
  const root = tmpDir(t);
  mkdirSync(join(root, ".claude"), { recursive: true });
  for (const bad of ['{"model": "sonnet",}', "[]", '{"hooks": []}', '{"hooks": {"SessionEnd": {}}}']) {
    writeFileSync(join(root, ".claude/settings.json"), bad);
    const before = treeState(root);
    assert.throws(() => planClaudeSetup(root, { hooks: true, force: true, cliCommand: "logbook" }), (e: unknown) => e instanceof DataError && /\.claude\/settings\.json/.test(e.message), bad);
    assert.equal(treeState(root), before);
  }
});

test("slash commands: valid frontmatter, $ARGUMENTS passed to logbook, the seed's guidance and reporting rules", (t) => {
  const root = tmpDir(t);
  const plan = planClaudeSetup(root, { hooks: false, force: false, cliCommand: "logbook" });
  for (const f of plan) {
    const m = /^---\n([\s\S]*?)\n---\n/.exec(f.content);
    assert.ok(m, `${f.path} has frontmatter`);
    const fm = parseYaml(m[1]!) as Record<string, unknown>;
    assert.equal(typeof fm.description, "string", f.path);
    assert.equal(typeof fm["argument-hint"], "string", f.path);
    assert.match(String(fm["allowed-tools"]), /^Bash\(logbook [a-z]+:\*\)/, f.path);
    assert.match(f.content, /\$ARGUMENTS/, f.path);
  }
  const save = plan[0]!.content;
  assert.match(save, /logbook save --scope <scope> --topic <topic> \$ARGUMENTS <<'LOGBOOK_NARRATIVE'/);
  for (const s of ["Session Summary", "Key Decisions", "Problems Encountered", "Configuration Changes", "Credentials & Secrets", "Infrastructure & Servers", "Commands & Outputs", "Pending / Incomplete Tasks", "Reference Information"]) {
    assert.ok(save.includes(`\`## ${s}\``), s);
  }
  assert.match(save, /concise, factual, technical\. No filler phrases\. Past tense\. No emojis\./);
  assert.match(save, /"sync deferred — another sync is running; your session log is written locally and will sync on the next run"/);
  assert.match(save, /\[WARN\] wiki refreshed, not recompiled/);
  assert.match(save, /MESSAGE FROM <author> \(<date>\)/);
  assert.match(plan[1]!.content, /logbook sync \$ARGUMENTS/);
  assert.match(plan[2]!.content, /logbook checkpoint \$ARGUMENTS/);
  assert.match(plan[3]!.content, /logbook wiki compile <target> \$ARGUMENTS/);
  assert.match(plan[3]!.content, /\[WARN\] wiki refreshed, not recompiled/);
});
