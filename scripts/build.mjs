// Bundles the CLI and the library with esbuild. Commands are dynamic imports, so each lands in its own
// chunk and `logbook --version` loads only the entry (start-up is measured by `npm run bench`).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// The build id: a hash of every source file and the lockfile (zod's and yaml's versions). Cached validations of
// config files (src/config/cache.ts) are valid only for the build that made them.
const hash = createHash("sha256");
for (const f of [...readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })].sort()) {
  if (!f.endsWith(".ts")) continue;
  hash.update(f).update("\0").update(readFileSync(join(root, "src", f))).update("\0");
}
hash.update(readFileSync(join(root, "package-lock.json")));
// dist/ is overwritten in place, not deleted first: other processes (parallel tests) may be running the CLI.
await build({
  entryPoints: { cli: "src/cli.ts", index: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // yaml and zod are bundled (they sit on the start-up path and load ~4x faster as one chunk); the heavy or
  // native ones are loaded lazily by the commands that need them and stay external.
  external: ["better-sqlite3", "@anthropic-ai/sdk", "@modelcontextprotocol/sdk", "ollama", "flexsearch", "age-encryption"],
  sourcemap: "linked",
  define: { __LOGBOOK_VERSION__: JSON.stringify(pkg.version), __LOGBOOK_BUILD__: JSON.stringify(`${pkg.version}+${hash.digest("hex").slice(0, 16)}`) },
  // yaml is CommonJS and calls require("process"): give the ESM chunks a real require.
  banner: { js: 'import { createRequire as __lbCreateRequire } from "node:module"; const require = __lbCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
