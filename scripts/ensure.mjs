// Makes a fresh clone usable: installs dependencies (npm ci) when they are missing or older than the lockfile,
// and builds when dist/ is missing or older than the sources. Used by npm test, demo and bench.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function newest(dir) {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || mtime(lock) > mtime(installed)) {
  console.error("logbook: installing dependencies (npm ci)...");
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}
const cli = join(root, "dist", "cli.js");
if (!existsSync(cli) || newest(join(root, "src")) > mtime(cli) || mtime(join(root, "scripts", "build.mjs")) > mtime(cli)) {
  console.error("logbook: building (npm run build)...");
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}
