// Bundles the CLI and the library with esbuild. Commands are dynamic imports, so each lands in its own
// chunk and `logbook --version` loads only the entry (start-up is measured by `npm run bench`).
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
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
  define: { __LOGBOOK_VERSION__: JSON.stringify(pkg.version) },
  // yaml is CommonJS and calls require("process"): give the ESM chunks a real require.
  banner: { js: 'import { createRequire as __lbCreateRequire } from "node:module"; const require = __lbCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
