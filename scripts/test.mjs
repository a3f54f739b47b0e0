// npm test: install and build when needed, then run every test file with node's test runner (files in parallel),
// ending with a plain "N passed, N failed" line. Arguments filter test files by substring.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const ensure = spawnSync(process.execPath, [join(root, "scripts", "ensure.mjs")], { stdio: "inherit" });
if (ensure.status !== 0) process.exit(ensure.status ?? 1);

function find(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules" && e.name !== "fixtures") out.push(...find(p));
    else if (e.isFile() && e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = [...find(join(root, "src")), ...find(join(root, "test"))]
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const concurrency = String(Math.max(2, Math.min(8, availableParallelism() * 2)));
const r = spawnSync(
  process.execPath,
  [
    "--import", "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec", "--test-reporter-destination=stdout",
    "--test-reporter=./test/summary-reporter.mjs", "--test-reporter-destination=stdout",
    ...files,
  ],
  { cwd: root, stdio: "inherit", env: { ...process.env, LOGBOOK_TEST: "1" } },
);
process.exit(r.status ?? 1);
