// The case list, per-case seeds, and the summary table, shared by `npm run torture` and the short tests.
import type { CaseOptions, CaseResult } from "./kit.js";
import { crashCase } from "./cases/crash.js";
import { flakyCase } from "./cases/flaky.js";
import { lockCase } from "./cases/lock.js";
import { writersCase } from "./cases/writers.js";

export const CASES: Record<string, (o: CaseOptions) => Promise<CaseResult>> = { lock: lockCase, crash: crashCase, writers: writersCase, flaky: flakyCase };

/** Each case's seed is derived from the run's seed and its name, so running one case alone replays it exactly. */
export function caseSeed(seed: number, name: string): number {
  let h = seed >>> 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export function summary(results: CaseResult[]): string {
  const rows = [["case", "seed", "runs", "failures", "time"]];
  for (const r of results) rows.push([r.case, String(r.seed), String(r.runs), String(r.failures), `${(r.durationMs / 1000).toFixed(0)} s`]);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  "));
  for (const r of results) {
    lines.push("", `${r.case}:`);
    for (const [k, v] of Object.entries(r.figures)) lines.push(`  ${k}: ${v}`);
    for (const f of r.failed) lines.push(`  FAILED: ${f}`);
  }
  return lines.join("\n");
}

