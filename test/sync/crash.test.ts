// Crashes and other sessions' files: SIGKILL at each step (SCENARIOS 16-18), edits never overwritten.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { git, makeTeam } from "../helpers/index.js";
import { cont, countOnRemote, killGroup, pausedSave, save } from "./helpers.js";

for (const step of ["after-lock", "after-commit", "during-fetch", "during-rebase", "during-push", "before-move"]) {
  test(`SIGKILL ${step}: the next sync completes, every log on the remote exactly once`, async (t) => {
    const team = await makeTeam(t, { machines: 2 });
    const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
    assert.equal((await save(m1, "base", "b0")).code, 0);
    assert.equal((await save(m2, "other", "o1")).code, 0); // m1 behind: its next save replays
    const p = await pausedSave(t, m1, step, "killed", "k1");
    killGroup(p.pid);
    await p.done;
    assert.ok(!existsSync(join(m1.dir, ".git/rebase-merge")) && !existsSync(join(m1.dir, ".git/rebase-apply")));
    const t0 = Date.now();
    const s = await m1.cli(["sync"], { env: { LOGBOOK_LOCK_WAIT: "10" } });
    assert.equal(s.code, 0, s.stderr + s.stdout);
    if (process.env.DEBUG_SYNC) console.log(s.stdout, s.stderr, Date.now() - t0);
    for (const f of ["mike-base.md", "alice-other.md", "mike-killed.md"]) assert.equal(countOnRemote(team, f), 1, f);
    assert.equal(team.remoteGit(["log", "--format=%H", "--diff-filter=A", "main", "--", "clients/acme/session-logs/"]).trim().split("\n").length, 3, "each log added by exactly one commit");
    assert.equal(m1.git(["status", "--porcelain"]).trim(), "");
    assert.equal(m1.git(["rev-parse", "HEAD"]), m1.git(["rev-parse", "origin/main"]));
    git(m1.dir, ["fsck", "--no-progress"], m1.env);
  });
}

test("a file written by another session between our commit and our rebase stays uncommitted and byte-identical", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  assert.equal((await save(m2, "other", "o1")).code, 0);
  const p = await pausedSave(t, m1, "after-commit", "mine", "mn1");
  const bytes = Buffer.from([0x00, 0xff, 0x41, 0x0a]);
  writeFileSync(join(m1.dir, "untracked.bin"), bytes);
  appendFileSync(join(m1.dir, "README.md"), "editing\n");
  cont(p.pid);
  assert.equal(await p.done, 0, p.output());
  assert.deepEqual(readFileSync(join(m1.dir, "untracked.bin")), bytes);
  assert.equal(readFileSync(join(m1.dir, "README.md"), "utf8"), "# team knowledge\nediting\n");
  assert.match(m1.git(["status", "--porcelain"]), /^ M README\.md\n\?\? untracked\.bin\n$/);
  assert.equal(countOnRemote(team, "untracked.bin"), 0);
});

test("an upstream change to a file another session is editing: pushed, but the file is not overwritten", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [typeof team.machines[0], typeof team.machines[0]];
  writeFileSync(join(m2.dir, "README.md"), "# changed upstream\n");
  assert.equal((await m2.cli(["checkpoint", "--only", "README.md"])).code, 0);
  writeFileSync(join(m1.dir, "README.md"), "# my local edit\n");
  const r = await save(m1, "mine", "mn1");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(countOnRemote(team, "mike-mine.md"), 1);
  assert.equal(readFileSync(join(m1.dir, "README.md"), "utf8"), "# my local edit\n");
  assert.match(r.stderr, /not moved.*README\.md/);
  // once the edit is gone, the next sync catches up
  m1.git(["checkout", "--", "README.md"]);
  assert.equal((await m1.cli(["sync"])).code, 0);
  assert.equal(readFileSync(join(m1.dir, "README.md"), "utf8"), "# changed upstream\n");
  assert.equal(m1.git(["rev-parse", "HEAD"]), m1.git(["rev-parse", "origin/main"]));
});

