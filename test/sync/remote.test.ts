// Remotes and retries: push races, ref locks, an unreachable git daemon, the vault, config.lock (SCENARIOS 12, 13, 21, 22, 25).
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { git, makeTeam, waitFor } from "../helpers/index.js";
import { gitDaemon } from "../helpers/daemon.js";
import { cont, countOnRemote, pausedSave, save } from "./helpers.js";

test("push rejected because another machine pushed first: fetch, replay, retry, land", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  const p = await pausedSave(t, m1, "during-fetch", "racer", "r1");
  assert.equal((await save(m2, "winner", "w1")).code, 0);
  cont(p.pid);
  assert.equal(await p.done, 0, p.output());
  assert.match(p.output(), /push rejected \(another machine pushed first\); retry 1/);
  assert.equal(countOnRemote(team, "mike-racer.md"), 1);
  assert.equal(countOnRemote(team, "alice-winner.md"), 1);
});

test("cannot lock ref during fetch is retried", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const m = team.machines[0]!;
  assert.equal((await save(team.machines[1]!, "moves-upstream", "mu1")).code, 0); // the fetch must update the ref
  const p = await pausedSave(t, m, "after-commit", "reflock", "rl1");
  const refLock = join(m.dir, ".git/refs/remotes/origin/main.lock");
  writeFileSync(refLock, "");
  cont(p.pid);
  await waitFor(() => /retry 1/.test(p.output()), "a retry");
  rmSync(refLock);
  assert.equal(await p.done, 0, p.output());
  assert.equal(countOnRemote(team, "mike-reflock.md"), 1);
});

test("identity reconcile while .git/config.lock is held: commits still authored right, config intact", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  m.git(["config", "user.name", "Wrong Person"]);
  const cfg = readFileSync(join(m.dir, ".git/config"), "utf8");
  writeFileSync(join(m.dir, ".git/config.lock"), "someone else's half-written config");
  const r = await save(m, "locked-config", "lc1");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /config is locked/);
  assert.equal(readFileSync(join(m.dir, ".git/config"), "utf8"), cfg);
  assert.equal(team.remoteGit(["log", "-1", "--format=%an", "main"]).trim(), "Mike Swanson");
  rmSync(join(m.dir, ".git/config.lock"));
  assert.equal((await m.cli(["sync"])).code, 0);
  assert.equal(m.git(["config", "--file", ".git/config", "user.name"]).trim(), "Mike Swanson");
});

test("the remote unreachable (git daemon stopped): exit 69, commit kept, the next sync pushes it", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const d = await gitDaemon(t, team.root);
  m.git(["remote", "set-url", "origin", d.url("remote.git")]);
  m.git(["fetch", "-q"]);
  assert.equal((await save(m, "online", "on1")).code, 0);
  await d.stop();
  const r = await save(m, "offline", "of1");
  assert.equal(r.code, 69, r.stderr);
  assert.match(r.stdout, /Push: pending — origin is unreachable.*committed locally, the next sync will push it/);
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-offline\.md/);
  assert.equal(countOnRemote(team, "offline"), 0);
  await d.start();
  const s = await m.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-offline.md"), 1);
});

test("the vault fails after the main repo succeeded: main push stands, exit and message say the vault is pending", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const vaultRemote = join(team.root, "vault.git");
  git(team.root, ["init", "-q", "--bare", "-b", "main", vaultRemote], m.env);
  const vault = join(team.root, "vault");
  git(team.root, ["clone", "-q", vaultRemote, vault], m.env);
  writeFileSync(join(vault, "README.md"), "vault\n");
  git(vault, ["add", "-A"], m.env);
  git(vault, ["commit", "-qm", "init"], m.env);
  git(vault, ["push", "-q", "-u", "origin", "main"], m.env);
  appendFileSync(join(m.dir, ".logbook/config.yaml"), `vault:\n  path: ${vault}\n`);
  assert.equal((await m.cli(["checkpoint", "--only", ".logbook/config.yaml"])).code, 0);
  writeFileSync(join(vault, "secret.age"), "encrypted\n");
  const ok = await m.cli(["sync", "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).vault.status, "pushed");
  assert.ok(git(team.root, ["--git-dir", vaultRemote, "ls-tree", "--name-only", "main"], m.env).includes("secret.age"));
  git(vault, ["remote", "set-url", "origin", "git://127.0.0.1:1/vault.git"], m.env);
  writeFileSync(join(vault, "secret2.age"), "encrypted\n");
  const r = await save(m, "with-vault", "v1");
  assert.equal(r.code, 69, r.stderr);
  assert.equal(countOnRemote(team, "mike-with-vault.md"), 1, "the main push stands");
  assert.match(r.stdout, /Vault: vault push pending/);
});
