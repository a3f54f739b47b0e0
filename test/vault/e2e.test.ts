// End to end on real repos: a team clone in vault mode with a vault clone and a bare vault remote. The save is
// assembled in-process the way `save` runs it (vaultSecrets before the log is planned, then the log, then the sync
// of the main repo and the vault), and the history of both repos is scanned for the plaintext.
import assert from "node:assert/strict";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { checkSaveFlags, planLogWrite } from "../../src/commands/save.js";
import { openRepo, strictWhoami } from "../../src/context.js";
import { parseNarrative } from "../../src/log/narrative.js";
import { applyLogWrite } from "../../src/log/write.js";
import { runSync, syncVault } from "../../src/sync/pipeline.js";
import { vaultSecrets } from "../../src/vault/save.js";
import { git, makeTeam, narrative, PROJECT, testDeps, type Machine, type Team } from "../helpers/index.js";
import { configYaml, filesContaining, makeKey, makeVaultRemote, type Key } from "./kit.js";

const SECRET = "Hunter2-SECRET-9QX";
const PIN = "Pin-4471-ZZQ";

interface Setup {
  team: Team;
  m: Machine;
  vault: string;
  vaultRemote: string;
  keys: Key[];
}

async function setup(t: Parameters<typeof makeTeam>[0]): Promise<Setup> {
  const team = await makeTeam(t, { machines: 1, users: ["mike"] });
  const m = team.machines[0]!;
  const vault = join(team.root, "vault");
  const vaultRemote = makeVaultRemote(team.root, vault, m.env);
  const keys = [await makeKey(join(team.root, "keys"), "mike"), await makeKey(join(team.root, "keys"), "alice")];
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(m.dir, ".logbook", "config.yaml"), configYaml({ path: "../vault", recipients: keys.map((k) => k.recipient) }));
  m.git(["add", "-A"]);
  m.git(["commit", "-qm", "vault mode"]);
  m.git(["push", "-q"]);
  return { team, m, vault, vaultRemote, keys };
}

function secretNarrative(): string {
  return narrative("vaulted", `\n## Note for alice\nThe backup admin password is ${SECRET}.\n`).replace(
    "## Credentials & Secrets\nNone.",
    `## Credentials & Secrets\n- backup admin password: ${SECRET}\n\n### door pin\n\`\`\`\n${PIN}\n\`\`\``,
  );
}

/** `save --scope client:acme --topic vaulted --session v1` as save runs it, with vaultSecrets wired in. */
async function vaultedSave(s: Setup) {
  const deps = testDeps(s.m.dir, { env: s.m.env });
  const inputs = checkSaveFlags({ scope: "client:acme", topic: "vaulted", session: "v1" }, deps);
  const ctx = await openRepo(deps);
  const who = await strictWhoami(ctx, deps);
  const parsed = parseNarrative(secretNarrative(), "stdin");
  assert.ok(parsed.value, parsed.errors.join("; "));
  const draft = planLogWrite(inputs, who, parsed.value, deps.now(), ctx.config.timezone);
  const vaulted = await vaultSecrets(parsed.value, { root: ctx.repo.root, config: ctx.config, logDir: draft.dir, base: draft.base, session: inputs.session, deps });
  const plan = planLogWrite(inputs, who, vaulted.narrative, deps.now(), ctx.config.timezone);
  const written = await applyLogWrite(ctx.repo.root, join(ctx.state, "tmp"), plan);
  const sync = await runSync(ctx.repo, ctx.config, { mode: "paths", paths: [written.path], message: "session log: mike client:acme vaulted", purpose: "save" }, deps, who);
  return { deps, ctx, who, vaulted, written, sync };
}

function assertNoPlaintext(s: Setup, extra: string[] = []): void {
  for (const v of [SECRET, PIN]) {
    assert.ok(!s.m.git(["log", "-p", "--all"]).includes(v), "main repo history");
    assert.ok(!s.team.remoteGit(["log", "-p", "--all"]).includes(v), "main remote history");
    assert.deepEqual(filesContaining(s.m.dir, v), [], "main working tree and .git");
    assert.ok(!git(s.vault, ["log", "-p", "--all"], s.m.env).includes(v), "vault history");
    assert.deepEqual(filesContaining(s.vault, v), [], "vault working tree and .git");
    for (const text of extra) assert.ok(!text.includes(v), "logbook's own output");
  }
}

test("vault mode end to end: the log keeps references, the vault remote gets armored age files, every recipient reads them back", async (t) => {
  const s = await setup(t);
  const { vaulted, written, sync, deps } = await vaultedSave(s);
  const file = "clients/acme/session-logs/2026-06-05-mike-vaulted.v1.age";
  assert.deepEqual([vaulted.files, vaulted.count], [[file], 2]);
  assert.equal(written.path, "clients/acme/session-logs/2026-06-05-mike-vaulted.md");
  assert.equal(sync.exitCode, 0);
  assert.equal(sync.vault?.status, "pushed");

  const log = s.m.git(["show", `HEAD:${written.path}`]);
  assert.ok(log.includes(`- backup admin password: vault:${file}#backup admin password\n`), log);
  assert.ok(log.includes(`### door pin\n- door pin: vault:${file}#door pin\n`), log);
  assert.ok(log.includes(`The backup admin password is vault:${file}#backup admin password.`), log);

  const remoteLog = git(s.team.root, ["--git-dir", s.vaultRemote, "log", "-p", "main"], s.m.env);
  assert.ok(remoteLog.includes("-----BEGIN AGE ENCRYPTED FILE-----"));
  assert.deepEqual(git(s.team.root, ["--git-dir", s.vaultRemote, "ls-tree", "-r", "--name-only", "main"], s.m.env).split("\n").filter(Boolean), ["README.md", file]);
  assertNoPlaintext(s, [JSON.stringify(deps.events), deps.output.join("")]);

  for (const k of s.keys) {
    for (const [label, value] of [["backup admin password", SECRET], ["door pin", PIN]] as const) {
      const r = await s.m.cli(["secret", "get", `vault:${file}#${label}`], { env: { LOGBOOK_AGE_IDENTITY: k.file } });
      assert.deepEqual([r.code, r.stdout], [0, `${value}\n`], `${k.file} ${label}`);
    }
  }
  const stranger = await makeKey(join(s.team.root, "keys"), "stranger");
  const wrong = await s.m.cli(["secret", "get", `vault:${file}#door pin`], { env: { LOGBOOK_AGE_IDENTITY: stranger.file } });
  assert.equal(wrong.code, 78);
  assert.ok(!wrong.stdout.includes(PIN) && !wrong.stderr.includes(PIN));
});

test("vault remote unreachable: the log keeps its references, the save reports the vault pending (69), nothing plaintext anywhere", async (t) => {
  const s = await setup(t);
  renameSync(s.vaultRemote, `${s.vaultRemote}.away`);
  const { written, sync, deps } = await vaultedSave(s);
  assert.equal(sync.pushed, true, "the main repo still pushes");
  assert.equal(sync.vault?.status, "pending");
  assert.equal(sync.exitCode, 69);
  assert.ok(s.team.remoteFiles().includes(written.path));
  assert.match(s.m.git(["show", `HEAD:${written.path}`]), /- backup admin password: vault:\S+\.age#backup admin password/);
  // committed in the vault clone, waiting for the next sync
  assert.equal(git(s.vault, ["status", "--porcelain"], s.m.env), "");
  assert.match(git(s.vault, ["log", "--name-only", "-1", "--format="], s.m.env), /2026-06-05-mike-vaulted\.v1\.age/);
  assertNoPlaintext(s, [JSON.stringify(deps.events)]);

  renameSync(`${s.vaultRemote}.away`, s.vaultRemote);
  const ctx = await openRepo(deps);
  const again = await syncVault(ctx.repo.root, ctx.config, deps, await strictWhoami(ctx, deps));
  assert.equal(again?.status, "pushed");
  assert.match(git(s.team.root, ["--git-dir", s.vaultRemote, "ls-tree", "-r", "--name-only", "main"], s.m.env), /mike-vaulted\.v1\.age/);
});

// The acceptance check's flow through the real CLI. Skipped while src/commands/save.ts does not call vaultSecrets
// yet (that integration is done separately); remove the probe once it does.
test("CLI: logbook save in vault mode keeps every value out of the main repo", async (t) => {
  if (!readFileSync(join(PROJECT, "src", "commands", "save.ts"), "utf8").includes("vaultSecrets")) return t.skip("save does not call vaultSecrets yet");
  const s = await setup(t);
  const r = await s.m.cli(["save", "--scope", "client:acme", "--topic", "vaulted", "--session", "v1", "--no-wiki", "--json"], { input: secretNarrative() });
  assert.equal(r.code, 0, r.stderr);
  assertNoPlaintext(s, [r.stdout, r.stderr]);
  const { path } = JSON.parse(r.stdout) as { path: string };
  const log = s.m.git(["show", `HEAD:${path}`]);
  const ref = /vault:.*$/m.exec(log)?.[0];
  assert.ok(ref, log);
  assert.match(git(s.team.root, ["--git-dir", s.vaultRemote, "log", "-p", "main"], s.m.env), /BEGIN AGE ENCRYPTED FILE/);
  const got = await s.m.cli(["secret", "get", ref], { env: { LOGBOOK_AGE_IDENTITY: s.keys[0]!.file } });
  assert.deepEqual([got.code, got.stdout], [0, `${SECRET}\n`]);
});
