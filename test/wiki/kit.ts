// The wiki tests' fixture: a real git repo with config, logs written the way `save` writes them (same plan and
// apply code, a chosen clock), and the wiki phase run in-process with test deps.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { planLogWrite } from "../../src/commands/save.js";
import { openRepo } from "../../src/context.js";
import type { Deps } from "../../src/deps.js";
import { parseNarrative } from "../../src/log/narrative.js";
import { parseScope } from "../../src/log/scope.js";
import { applyLogWrite } from "../../src/log/write.js";
import { runWikiPhase, type WikiPhaseResult } from "../../src/wiki/phase.js";
import { git, isolatedEnv, narrative, testDeps, tmpDir, type TestDeps } from "../helpers/index.js";

export interface WikiRepo {
  root: string;
  env: Record<string, string>;
  deps(over?: Partial<Deps>): TestDeps;
  /** Writes a log as `save` would, at `at` (ISO time); returns its repo-relative path. */
  save(scope: string, topic: string, opts?: { at?: string; text?: string; session?: string; user?: string }): Promise<string>;
  phase(logPath: string, over?: Partial<Deps>): Promise<{ result: WikiPhaseResult; deps: TestDeps }>;
  read(rel: string): string;
  write(rel: string, text: string): void;
  config(yaml: string): void;
}

const WHO = {
  mike: { user: "mike", name: "Mike Swanson", role: "admin", machine: "testhost" },
  alice: { user: "alice", name: "Alice Chen", role: "tech", machine: "testhost" },
} as const;

export function wikiRepo(t: Pick<TestContext, "after">, config = "timezone: America/Los_Angeles\n"): WikiRepo {
  const dir = tmpDir(t, "lb-wiki-");
  const root = join(dir, "repo");
  const env = isolatedEnv(join(dir, "home"));
  git(dir, ["init", "-q", "-b", "main", root], env);
  mkdirSync(join(root, ".logbook"), { recursive: true });
  writeFileSync(join(root, ".logbook", "config.yaml"), config);
  return wikiAt(root, env);
}

/** The same helpers over an existing repo (a team clone). */
export function wikiAt(root: string, env: Record<string, string>): WikiRepo {
  let clock = new Date("2026-06-05T18:50:00Z");
  const repo: WikiRepo = {
    root,
    env,
    deps: (over = {}) => testDeps(root, { now: () => clock, ...over }),
    async save(scope, topic, opts = {}) {
      if (opts.at) clock = new Date(opts.at);
      const parsed = parseNarrative(opts.text ?? narrative(`${scope} ${topic}`), "test");
      if (!parsed.value) throw new Error(parsed.errors.join("; "));
      const who = WHO[(opts.user ?? "mike") as keyof typeof WHO];
      const plan = planLogWrite({ scope: parseScope(scope), topic, session: opts.session ?? `${topic}-session`, newSession: false }, who, parsed.value, clock, "America/Los_Angeles");
      const w = await applyLogWrite(root, join(root, ".git", "logbook", "tmp"), plan);
      return w.path;
    },
    async phase(logPath, over = {}) {
      const deps = repo.deps(over);
      const ctx = await openRepo(deps);
      return { result: await runWikiPhase(ctx, logPath, deps), deps };
    },
    read: (rel) => readFileSync(join(root, rel), "utf8"),
    write: (rel, text) => writeFileSync(join(root, rel), text),
    config: (yaml) => writeFileSync(join(root, ".logbook", "config.yaml"), yaml),
  };
  return repo;
}

/** The text of a `## <name>` section (up to the next `## `), as the acceptance check's awk reads it. */
export function section(text: string, name: string): string {
  const lines = text.split("\n");
  const i = lines.indexOf(`## ${name}`);
  if (i === -1) return "";
  const out: string[] = [];
  for (const l of lines.slice(i + 1)) {
    if (l.startsWith("## ")) break;
    out.push(l);
  }
  return out.join("\n");
}

export function frontmatter(text: string): string {
  const end = text.indexOf("\n---\n", 4);
  return text.slice(0, end + 5);
}

export const warnings = (d: TestDeps) => d.events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message);
