// The torture suite's driver: runs the cases with a printed seed, prints a summary table (cases, runs,
// failures) and writes torture/results.json. Started by torture/run.mjs (`npm run torture`).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT } from "../test/helpers/index.js";
import type { CaseResult } from "./kit.js";
import { CASES, caseSeed, summary } from "./report.js";

const scale = process.env.TORTURE_SCALE === "short" ? "short" : "full";
const seed = process.env.TORTURE_SEED ? Number(process.env.TORTURE_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 31);
const wanted = [...process.argv.slice(2), ...(process.env.TORTURE_CASES ?? "").split(",")].filter(Boolean);
for (const w of wanted) if (!CASES[w]) throw new Error(`unknown torture case "${w}"; cases: ${Object.keys(CASES).join(", ")}`);
const names = wanted.length ? Object.keys(CASES).filter((n) => wanted.includes(n)) : Object.keys(CASES);
console.log(`torture (${scale}): seed ${seed}; replay with TORTURE_SEED=${seed} npm run torture${wanted.length ? ` -- ${names.join(" ")}` : ""}`);
const results: CaseResult[] = [];
for (const name of names) {
  const s = caseSeed(seed, name);
  console.log(`\n== ${name} (case seed ${s})`);
  const r = await CASES[name]!({ seed: s, scale, log: (l) => console.log(l) });
  console.log(`   ${r.runs} runs, ${r.failures} failures, ${(r.durationMs / 1000).toFixed(0)} s`);
  results.push(r);
}
console.log("\n" + summary(results));
writeFileSync(join(PROJECT, "torture", "results.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, scale, results }, null, 2) + "\n");
console.log("\nwritten to torture/results.json");
process.exit(results.some((r) => r.failures > 0) ? 1 : 0);
