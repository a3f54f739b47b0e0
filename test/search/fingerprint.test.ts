import assert from "node:assert/strict";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findRepo } from "../../src/git/repo.js";
import { fileStamp, fingerprint as combine, treeStamp } from "../../src/search/fingerprint.js";
import type { RepoPaths } from "../../src/git/repo.js";
import { makeTeam, type Machine } from "../helpers/index.js";
import { P, commitAll, put, writeCorpus } from "./fixture.js";

const OLD = new Date("2020-01-01T00:00:00Z");

/** Backdates every file and directory, so nothing counts as changed "too recently to trust". */
function age(dir: string): void {
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      utimesSync(p, OLD, OLD);
    }
    utimesSync(d, OLD, OLD);
  };
  walk(dir);
}

async function aged(t: Parameters<typeof makeTeam>[0]): Promise<Machine> {
  const m = (await makeTeam(t, { machines: 1, init: false })).machines[0]!;
  writeCorpus(m.dir);
  commitAll(m);
  age(m.dir);
  return m;
}

/** What a search computes: the tree stamp plus the uncommitted files' stamps. */
function fingerprint(repo: RepoPaths, dirty: string[], now: number): string | null {
  const stamps = new Map(dirty.map((p) => [p, fileStamp(join(repo.root, ...p.split("/")))]));
  return combine(treeStamp(repo, now), stamps, now);
}

// ctime cannot be backdated; "now" is moved forward instead, past every stat time of the tree.
const later = () => Date.now() + 10_000;

test("fingerprint: stable while nothing changes; null when a stamp is too recent to trust", async (t) => {
  const m = await aged(t);
  const repo = findRepo(m.dir)!;
  const a = fingerprint(repo, [], later());
  assert.ok(a !== null);
  assert.equal(fingerprint(repo, [], later()), a);
  assert.equal(fingerprint(repo, [], Date.now()), null, "just-written ctimes are racy");
});

test("fingerprint: changes when a document is added, removed or renamed into place, in any document directory", async (t) => {
  const m = await aged(t);
  const repo = findRepo(m.dir)!;
  const base = fingerprint(repo, [], later());
  const cases: [string, () => void][] = [
    ["new general log", () => put(m.dir, "session-logs/2026-07-01-mike-x.md", "x")],
    ["new client log", () => put(m.dir, "clients/acme/session-logs/2026-07-01-mike-x.md", "x")],
    ["new client", () => put(m.dir, "clients/zeta/session-logs/2026-07-01-mike-x.md", "x")],
    ["new project log", () => put(m.dir, "projects/guru-rmm/session-logs/2026-07-01-mike-x.md", "x")],
    ["new nested article", () => put(m.dir, "wiki/systems/deep/x.md", "x")],
    ["deleted log", () => rmSync(join(m.dir, ...P.vpn.split("/")))],
    ["atomic rewrite", () => {
      const f = join(m.dir, ...P.agent.split("/"));
      writeFileSync(`${f}.tmp`, "rewritten");
      renameSync(`${f}.tmp`, f);
    }],
  ];
  const seen = new Set([base]);
  for (const [what, change] of cases) {
    change();
    const fp = fingerprint(repo, [], later());
    assert.ok(fp !== null && !seen.has(fp), what);
    seen.add(fp);
  }
});

test("fingerprint: changes when HEAD, the branch, the git index or an uncommitted file move", async (t) => {
  const m = await aged(t);
  const repo = findRepo(m.dir)!;
  const dirtyFile = join(m.dir, ...P.general.split("/"));
  const base = fingerprint(repo, [P.general], later());
  writeFileSync(dirtyFile, "edited in place");
  assert.equal(combine("tree", new Map([[P.general, fileStamp(dirtyFile)]]), Date.now()), null, "a file just written is not trusted");
  assert.notEqual(combine("tree", new Map([[P.general, "gone"]]), Date.now()), null);
  const edited = fingerprint(repo, [P.general], later());
  assert.notEqual(edited, base, "an uncommitted file edited in place");
  m.git(["add", "-A"]);
  const staged = fingerprint(repo, [P.general], later());
  assert.notEqual(staged, edited, "git add rewrites the index");
  m.git(["commit", "-qm", "x"]);
  const committed = fingerprint(repo, [], later());
  assert.notEqual(committed, staged, "a commit moves the branch");
  assert.equal(fingerprint(repo, [], later()), committed, "stable after the commit");
  m.git(["checkout", "-q", "-b", "other"]);
  assert.notEqual(fingerprint(repo, [], later()), committed, "another branch checked out");
  mkdirSync(join(m.dir, "unrelated"));
  put(m.dir, "unrelated/notes.md", "x");
  const before = fingerprint(repo, [], later());
  put(m.dir, "unrelated/more.md", "x");
  assert.equal(fingerprint(repo, [], later()), before, "files outside the document directories do not count");
  assert.ok(statSync(dirtyFile).size > 0);
});
