// Short torture (a): contended lock acquisitions with SIGKILL/SIGSTOP of holders and reclaimers; and the checker
// itself, on journals made by hand, must see a double holder when there is one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkJournal } from "../../torture/cases/lock-check.js";
import { lockCase } from "../../torture/cases/lock.js";
import { linuxOnly, shortCase } from "./kit.js";

const X = "a".repeat(32);
const Y = "b".repeat(32);
const none = new Map<number, { from: number; to: number }[]>();

test("lock journal checker: alternating holders are clean", () => {
  const j = [`acq ${X} 1 100 100.5`, `enter ${X} 1 100 101 101.2`, `exit ${X} 1 100 102 102.1`, `acq ${Y} 2 103 103.4`, `enter ${Y} 2 103 104 104.1`, `exit ${Y} 2 103 105 105.1`].join("\n");
  const r = checkJournal(j, new Set(), none);
  assert.deepEqual(r.overlaps, []);
  assert.equal(r.cycles, 2);
  assert.equal(r.lateWrites, 0);
  assert.deepEqual(r.malformed, []);
});

test("lock journal checker: a verify inside another holder's ownership is a double holder", () => {
  // Y took at 104 and verified again at 109; X's verify at 107 passed in between.
  const j = [`acq ${X} 1 100 100.5`, `enter ${X} 1 100 101 101.2`, `acq ${Y} 2 103 104`, `enter ${Y} 2 103 105 105.1`, `exit ${X} 1 100 107 107.5`, `exit ${Y} 2 103 109 109.1`].join("\n");
  const r = checkJournal(j, new Set(), none);
  // Seen from both sides: X's exit inside Y's ownership, and Y's enter inside X's.
  assert.equal(r.overlaps.length, 2);
  assert.ok(r.overlaps.some((o) => new RegExp(`exit ${X}.*inside the ownership of ${Y}`).test(o)), r.overlaps.join("\n"));
});

test("lock journal checker: a write whose verify ended before the next holder started taking is a late write", () => {
  // X verified at 103-104, was stopped, Y started taking at 110; X's write lands after Y's acq line.
  const stops = new Map([[1, [{ from: 104, to: 200 }]]]);
  const j = [`acq ${X} 1 100 100.5`, `enter ${X} 1 100 101 101.2`, `acq ${Y} 2 110 111`, `enter ${Y} 2 110 112 112.1`, `exit ${X} 1 100 103 104`, `exit ${Y} 2 110 113 113.1`].join("\n");
  const r = checkJournal(j, new Set(), stops);
  assert.deepEqual(r.overlaps, []);
  assert.equal(r.lateWrites, 1);
  assert.equal(r.lateAfterStop, 1);
  assert.equal(r.cycles, 1);
});

test("lock journal checker: a write after the holder reported the lock lost is a double holder", () => {
  const j = [`acq ${X} 1 100 100.5`, `lost ${X} 1 150`, `enter ${X} 1 100 151 151.1`].join("\n");
  assert.equal(checkJournal(j, new Set(), none).overlaps.length, 1);
});

test("torture, short: contended lock with SIGKILL/SIGSTOP of holders and reclaimers: 0 double holders", linuxOnly, async (t) => {
  await shortCase(t, "lock", lockCase);
});
