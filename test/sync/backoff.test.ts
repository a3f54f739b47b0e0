// The push-retry backoff: the first two retries after a rejection go almost at once; from the third on, random over
// a window that scales with the measured push cycle and doubles per attempt.
import assert from "node:assert/strict";
import test from "node:test";
import { backoff } from "../../src/sync/pipeline.js";

test("backoff: two quick retries within a quarter slot; then the window scales with the cycle, doubles up to 8 slots, clamped", () => {
  const max = () => 1;
  const min = () => 0;
  assert.equal(backoff(0, 400, min), 0, "a retry may start at once");
  assert.equal(backoff(0, 400, max), 100 + 25, "the first retry: another machine has just pushed, the remote is free");
  assert.equal(backoff(1, 400, max), 100 + 25, "the second: of the machines that lost the same race, one more gets through");
  assert.equal(backoff(2, 400, max), 400 + 25, "still losing: back off over one slot");
  assert.equal(backoff(3, 400, max), 800 + 25);
  assert.equal(backoff(5, 400, max), 3200 + 25);
  assert.equal(backoff(9, 400, max), 3200 + 25, "the window stops doubling at 8 slots");
  assert.equal(backoff(2, 10, max), 50 + 25, "a very fast cycle still spreads retries over 50 ms");
  assert.equal(backoff(2, 60_000, max), 2000 + 25, "a very slow cycle (a stalled remote) does not mean minutes of waiting");
  const half = () => 0.5;
  assert.equal(backoff(4, 1000, half), 2000 + 13);
});

test("backoff: machines that keep losing get different waits", () => {
  const waits = new Set(Array.from({ length: 20 }, () => backoff(3, 800)));
  assert.ok(waits.size > 10, `20 draws gave only ${waits.size} distinct waits`);
  for (const w of waits) assert.ok(w >= 0 && w <= 1600 + 25, `wait ${w} outside the window`);
});
