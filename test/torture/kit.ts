// Runs one torture case at its short scale inside `npm test`, with the seed printed (and TORTURE_SEED to replay).
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { CaseOptions, CaseResult } from "../../torture/kit.js";
import { caseSeed } from "../../torture/report.js";

export const linuxOnly = { skip: process.platform !== "linux" ? "needs /proc, SIGSTOP and git daemon" : false };

export async function shortCase(t: TestContext, name: string, run: (o: CaseOptions) => Promise<CaseResult>): Promise<CaseResult> {
  const seed = process.env.TORTURE_SEED ? Number(process.env.TORTURE_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 31);
  const s = caseSeed(seed, name);
  t.diagnostic(`seed ${seed} (replay: TORTURE_SEED=${seed} npm test -- test/torture/${name})`);
  const r = await run({ seed: s, scale: "short", log: (l) => t.diagnostic(l) });
  for (const [k, v] of Object.entries(r.figures)) t.diagnostic(`${k}: ${v}`);
  assert.ok(r.runs > 0, `${name}: nothing ran`);
  assert.deepEqual(r.failed, [], `${name}: ${r.failures} failure(s) with TORTURE_SEED=${seed}`);
  assert.equal(r.failures, 0);
  return r;
}
