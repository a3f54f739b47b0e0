// npm run torture: the full torture suite (see docs/torture.md). The cases are TypeScript that runs against the
// project's sources, so this starts torture/main.ts under tsx and passes its exit status on.
//   TORTURE_SEED=<n>        replay a printed schedule
//   TORTURE_SCALE=short     the small version (as in npm test)
//   node torture/run.mjs lock crash   only those cases (lock, crash, writers, flaky)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("main.ts", import.meta.url)), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
