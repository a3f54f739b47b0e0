// npm run bench: runs every bench/cases/*.mjs (or those named on the command line), prints one table and writes
// bench/results.json. Ratios are measured within the same run; goals are printed, not enforced.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

const only = process.argv.slice(2);
const dir = join(ROOT, "bench", "cases");
const files = readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort();
const results = {};
const rows = [];
for (const f of files) {
  const mod = await import(join(dir, f));
  if (only.length && !only.includes(mod.name)) continue;
  process.stderr.write(`bench: ${mod.name}...\n`);
  const out = await mod.run();
  results[mod.name] = out;
  for (const r of out) rows.push({ case: mod.name, ...r });
}
const fmt = (v) => (typeof v === "number" ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : v ?? "");
const lines = [["case", "metric", "value", "ratio", "goal", "meets"]];
for (const r of rows) {
  const meets = r.goal === undefined ? "" : (r.ratio ?? r.value) <= r.goal ? "yes" : "NO";
  lines.push([r.case, r.metric, `${fmt(r.value)} ${r.unit ?? ""}`.trim(), r.ratio === undefined ? "" : `${fmt(r.ratio)}x`, r.goal === undefined ? "" : `<= ${r.goal}${r.ratio === undefined ? ` ${r.unit ?? ""}` : "x"}`, meets]);
}
const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
for (const l of lines) console.log(l.map((c, i) => String(c).padEnd(widths[i])).join("  "));
writeFileSync(join(ROOT, "bench", "results.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + "\n");
console.log("\nwritten to bench/results.json");
