// `logbook wiki compile <type>:<slug> [--full | --refresh]` and `logbook wiki index`.
import { openRepo } from "../context.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { jsonFlag, type Command } from "./types.js";

export type WikiOptions =
  | { action: "compile"; target: string; mode: "auto" | "full" | "refresh" }
  | { action: "index" };

export type WikiResult =
  | { action: "compile"; status: "compiled" | "seeded" | "refreshed" | "skipped"; target: string; path: string; changed: string[]; sources: string[]; provider: string; warnings: string[] }
  | { action: "index"; path: string; changed: boolean; articles: number };

export async function run(o: WikiOptions, deps: Deps): Promise<WikiResult> {
  if (o.action === "index") {
    const { requireRepo, stateDir } = await import("../git/repo.js");
    const repo = requireRepo(deps.cwd);
    const { withWikiLock } = await import("../wiki/lock.js");
    const { writeIndexUnlocked, INDEX_PATH } = await import("../wiki/index.js");
    const r = await withWikiLock(stateDir(repo), { pid: deps.pid, now: deps.now }, () => writeIndexUnlocked(repo.root));
    if (!r) {
      const { DeferredError } = await import("../errors.js");
      throw new DeferredError("another logbook process held the wiki lock for 30 s; run logbook wiki index again in a moment.");
    }
    return { action: "index", path: INDEX_PATH, changed: r.value.changed, articles: r.value.articles };
  }
  const { parseTarget } = await import("../wiki/target.js");
  const target = parseTarget(o.target);
  const ctx = await openRepo(deps);
  const { updateArticle } = await import("../wiki/update.js");
  const r = await updateArticle(ctx, { target, mode: o.mode, discover: true }, deps);
  return { action: "compile", status: r.status, target: r.target, path: r.path, changed: r.changed, sources: r.sources, provider: r.provider, warnings: r.warnings };
}

export const command: Command<WikiOptions, WikiResult> = {
  usage: "logbook wiki compile <client|project|system|pattern>:<slug> [--full | --refresh] [--json]  |  logbook wiki index [--json]",
  summary:
    "compile a wiki article from its session logs (seed it when missing; --full: synthesise or fail; --refresh: only record sources and Syncro fields), or regenerate wiki/index.md",
  options: { full: { type: "boolean" }, refresh: { type: "boolean" }, ...jsonFlag },
  positionals: { min: 1, max: 2, names: "compile <type>:<slug> or index" },
  parse(v, pos) {
    const [action, arg] = pos;
    if (action === "index") {
      if (arg !== undefined) throw new UsageError(`logbook wiki index takes no argument (got "${arg}").`);
      if (v.full === true || v.refresh === true) throw new UsageError("--full and --refresh belong to logbook wiki compile, not wiki index.");
      return { action: "index" };
    }
    if (action !== "compile") throw new UsageError(`unknown wiki action "${action ?? ""}": use logbook wiki compile <type>:<slug> or logbook wiki index.`);
    if (arg === undefined) throw new UsageError("logbook wiki compile needs a target: <client|project|system|pattern>:<slug>, e.g. client:acme.");
    if (v.full === true && v.refresh === true) throw new UsageError("--full and --refresh exclude each other: --full re-synthesises, --refresh only records sources.");
    return { action: "compile", target: arg, mode: v.full === true ? "full" : v.refresh === true ? "refresh" : "auto" };
  },
  run,
  // Another process held the wiki lock: nothing was written; try again (the seed's "deferred").
  exitCode: (r) => (r.action === "compile" && r.status === "skipped" ? 75 : 0),
  print(r, io) {
    if (io.json) return io.out(JSON.stringify(r) + "\n");
    if (r.action === "index") return io.out(`${r.path} ${r.changed ? "regenerated" : "is up to date"} (${r.articles} article${r.articles === 1 ? "" : "s"})\n`);
    const what = r.changed.includes(r.path) ? `${r.status} ${r.path}` : `${r.path} unchanged (${r.status})`;
    io.out(`${what}: ${r.sources.length} source log${r.sources.length === 1 ? "" : "s"}, provider ${r.provider}${r.changed.includes("wiki/index.md") ? "; wiki/index.md updated" : ""}\n`);
  },
};
