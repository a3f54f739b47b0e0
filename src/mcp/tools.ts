// The MCP tools: each one is a CLI command run through its own `command` object (parse -> run -> print --json),
// so a tool's result is, byte for byte, the object `logbook <command> --json` prints. Nothing here re-implements
// a command; read_article is the one tool without a command behind it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import type { Command, Values } from "../commands/types.js";
import type { Deps } from "../deps.js";
import { DataError, InternalError, UsageError } from "../errors.js";
import { requireRepo } from "../git/repo.js";
import { slugProblem } from "../log/slug.js";
import { ARTICLE_TYPES, articlePath } from "../wiki/target.js";

export interface ToolOutput {
  /** The CLI's `--json` object (plus `exitCode` for commands whose result can mean a non-zero exit). */
  result: Record<string, unknown>;
  /** What the agent reads; the result as JSON when absent. */
  text?: string;
}

export interface Tool {
  name: string;
  description: string;
  schema: z.ZodMiniObject;
  /** Commits, pushes or marks state: such calls run one at a time. */
  writes: boolean;
  call(args: Record<string, unknown>, deps: Deps): Promise<ToolOutput>;
}

/**
 * Runs a command the way src/cli.ts does, with `values` standing in for the parsed flags. A value for a flag the
 * command does not declare is refused rather than dropped: dropping `session` from a checkpoint would silently
 * widen it from one session's files to the whole tree.
 */
export async function viaCommand<O, R>(
  tool: string,
  command: Command<O, R>,
  values: Values,
  positionals: string[],
  deps: Deps,
  extend: (options: O) => O = (o) => o,
): Promise<ToolOutput> {
  for (const [flag, v] of Object.entries(values)) {
    if (v !== undefined && !(flag in command.options)) {
      throw new UsageError(`${tool}: "${flag}" is not supported by this logbook build (${command.usage}).`);
    }
  }
  const result = await command.run(extend(command.parse(values, positionals)), deps);
  let printed = "";
  command.print(result, { out: (s) => void (printed += s), json: true });
  let object: unknown;
  try {
    object = JSON.parse(printed);
  } catch {
    throw new InternalError(`${tool}: the command printed no JSON object (${JSON.stringify(printed.slice(0, 200))}).`);
  }
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    throw new InternalError(`${tool}: the command's --json output is not an object.`);
  }
  const out = object as Record<string, unknown>;
  if (command.exitCode) out.exitCode = command.exitCode(result);
  return { result: out };
}

/** Drops undefined entries so `values` looks like what parseArgs returns. */
function defined(v: Record<string, string | boolean | string[] | undefined>): Values {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}

const str = (description: string) => z.string().register(z.globalRegistry, { description });
const opt = <T extends z.ZodMiniType>(t: T) => z.optional(t);
const paths = (description: string) => z.array(z.string()).register(z.globalRegistry, { description });

const SCOPE = "general, project:<name> or client:<slug> (the same as --scope)";

export const TOOLS: readonly Tool[] = [
  {
    name: "whoami",
    writes: false,
    description:
      "The logbook identity of this machine's user (user id, name, email, role, machine): the data of a session log's User block. " +
      "Same result as `logbook whoami --json`.",
    schema: z.strictObject({}),
    async call(_args, deps) {
      const { command } = await import("../commands/whoami.js");
      return viaCommand("whoami", command, {}, [], deps);
    },
  },
  {
    name: "save",
    writes: true,
    description:
      "Write this session's log (session-logs/, projects/<name>/session-logs/ or clients/<slug>/session-logs/), " +
      "compile the wiki and sync it to the team's git remote. The narrative is markdown with these ## sections: " +
      "Session Summary, Key Decisions, Problems Encountered (optional), Configuration Changes, Credentials & Secrets, " +
      "Infrastructure & Servers, Commands & Outputs, Pending / Incomplete Tasks, Reference Information (write None. " +
      "when a section has nothing). logbook writes the User block itself. Saving again with the same session appends an " +
      "update to the same log. Same result as `logbook save --json`; exitCode 75 means saved but the sync was deferred " +
      "(another sync holds the lock; the next sync carries it), 69 means committed locally but the remote is unreachable.",
    schema: z.strictObject({
      scope: str(`Where the log goes: ${SCOPE}.`),
      topic: str("A short lowercase kebab slug of the session's main work, e.g. dns-fix."),
      narrative: str("The session narrative: markdown with the ## sections listed in the tool description."),
      session: opt(str("This session's id (a Claude Code session id is a UUID); reuse it to append to the same log.")),
      wiki: opt(z.boolean().register(z.globalRegistry, { description: "Compile the scope's wiki article (default true)." })),
      sync: opt(z.boolean().register(z.globalRegistry, { description: "Commit and push the log (default true)." })),
    }),
    async call(args, deps) {
      const a = args as { scope: string; topic: string; narrative: string; session?: string; wiki?: boolean; sync?: boolean };
      const { command } = await import("../commands/save.js");
      const values = defined({ scope: a.scope, topic: a.topic, session: a.session, "no-wiki": a.wiki === false || undefined, "no-sync": a.sync === false || undefined });
      return viaCommand("save", command, values, [], deps, (o) => ({ ...o, narrative: a.narrative }));
    },
  },
  {
    name: "sync",
    writes: true,
    description:
      "Commit (everything, or only the given paths), fetch, rebase and push the knowledge repo through the per-machine " +
      "sync lock; reports notes other users left for you. Same result as `logbook sync --json`.",
    schema: z.strictObject({ only: opt(paths("Commit exactly these paths (relative to the repo) instead of everything.")) }),
    async call(args, deps) {
      const a = args as { only?: string[] };
      const { command } = await import("../commands/sync.js");
      return viaCommand("sync", command, defined({ only: a.only }), [], deps);
    },
  },
  {
    name: "checkpoint",
    writes: true,
    description:
      "Commit and push through the sync lock without writing a session log. With session, exactly the files that " +
      "session's transcript created, edited or deleted. Same result as `logbook checkpoint --json`.",
    schema: z.strictObject({
      message: opt(str("The commit message.")),
      only: opt(paths("Commit exactly these paths (relative to the repo).")),
      session: opt(str("Commit only the files this session touched (its Claude Code transcript).")),
    }),
    async call(args, deps) {
      const a = args as { message?: string; only?: string[]; session?: string };
      const { command } = await import("../commands/checkpoint.js");
      return viaCommand("checkpoint", command, defined({ message: a.message, only: a.only, session: a.session }), [], deps);
    },
  },
  {
    name: "read_article",
    writes: false,
    description:
      "Read a compiled wiki article: wiki/<type>s/<slug>.md (e.g. type client, slug acme -> wiki/clients/acme.md). " +
      "Returns the article's markdown.",
    schema: z.strictObject({
      type: z.enum(ARTICLE_TYPES).register(z.globalRegistry, { description: "client, project, system or pattern." }),
      slug: str("The article's lowercase kebab slug, e.g. acme."),
    }),
    async call(args, deps) {
      const a = args as { type: (typeof ARTICLE_TYPES)[number]; slug: string };
      return readArticle(a.type, a.slug, deps);
    },
  },
  {
    name: "notes",
    writes: true,
    description:
      "Notes addressed to you (## Note for <user> blocks in other users' logs) that arrived with a sync and are not " +
      "yet acknowledged; ack: true marks them read. Same result as `logbook notes --json`.",
    schema: z.strictObject({ ack: opt(z.boolean().register(z.globalRegistry, { description: "Mark the pending notes as read." })) }),
    async call(args, deps) {
      const a = args as { ack?: boolean };
      const { command } = await import("../commands/notes.js");
      return viaCommand("notes", command, defined({ ack: a.ack === true || undefined }), [], deps);
    },
  },
  {
    name: "search",
    writes: false,
    description:
      "Ranked full-text search over session logs and wiki articles. Query syntax: words (all must match), \"exact " +
      "phrases\", -exclude, prefix word*; IPs and hostnames as typed. Same result as `logbook search --json`.",
    schema: z.strictObject({
      query: str("What to look for."),
      scope: opt(str("general, project or client (or project:<name>, client:<slug>).")),
      client: opt(str("Only this client's logs and article (its slug).")),
      project: opt(str("Only this project's logs and article.")),
      user: opt(str("Only logs by this user id.")),
      since: opt(str("Only documents dated on or after this day (YYYY-MM-DD).")),
      until: opt(str("Only documents dated on or before this day (YYYY-MM-DD).")),
      type: opt(z.enum(["log", "article"]).register(z.globalRegistry, { description: "Only session logs, or only wiki articles." })),
      limit: opt(z.int().register(z.globalRegistry, { description: "At most this many results (default 20, at most 1000)." })),
    }),
    async call(args, deps) {
      const a = args as { query: string; limit?: number } & Record<string, string | undefined>;
      const { command } = await import("../commands/search.js");
      const values = defined({
        scope: a.scope,
        client: a.client,
        project: a.project,
        user: a.user,
        since: a.since,
        until: a.until,
        type: a.type,
        limit: a.limit === undefined ? undefined : String(a.limit),
      });
      return viaCommand("search", command, values, [a.query], deps);
    },
  },
];

export async function readArticle(type: (typeof ARTICLE_TYPES)[number], slug: string, deps: Deps): Promise<ToolOutput> {
  const problem = slugProblem(slug);
  if (problem) throw new UsageError(`read_article: slug "${slug}" ${problem}; use a lowercase kebab slug such as acme.`);
  const root = requireRepo(deps.cwd).root;
  const path = articlePath({ type, slug });
  let content: string;
  try {
    content = await readFile(join(root, path), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new DataError(`read_article: cannot read ${path}: ${(e as Error).message}`);
    const dir = path.slice(0, path.lastIndexOf("/"));
    const others = (await readdir(join(root, dir)).catch(() => [] as string[]))
      .filter((f) => f.endsWith(".md"))
      .map((f) => f.slice(0, -3))
      .sort();
    const hint = others.length
      ? `; ${type} articles: ${others.slice(0, 50).join(", ")}${others.length > 50 ? ", ..." : ""}`
      : `; there are no ${type} articles yet (logbook wiki compile ${type}:${slug} writes one from its session logs)`;
    throw new DataError(`read_article: no ${type} article "${slug}" (${path} does not exist)${hint}.`, { path });
  }
  return { result: { type, slug, path, content }, text: content };
}

export function toolByName(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}

/** Validates a call's arguments against the tool's schema; a bad one is a usage error (64) naming each argument. */
export function checkArgs(tool: Tool, raw: unknown): Record<string, unknown> {
  const r = z.safeParse(tool.schema, raw ?? {});
  if (r.success) return r.data as Record<string, unknown>;
  const allowed = Object.keys(tool.schema._zod.def.shape);
  const problems = r.error.issues.map((i) => {
    const any = i as unknown as Record<string, unknown>;
    if (i.code === "unrecognized_keys") {
      const keys = (any.keys as string[]).map((k) => `"${k}"`).join(", ");
      return `unknown argument ${keys} (${tool.name} takes ${allowed.length ? allowed.join(", ") : "no arguments"})`;
    }
    const where = i.path.length ? `argument "${i.path.join(".")}"` : "the arguments";
    const given = raw !== null && typeof raw === "object" ? (raw as Record<PropertyKey, unknown>)[i.path[0] ?? ""] : undefined;
    if (i.code === "invalid_type" && i.path.length === 1 && given === undefined) return `${where} is required`;
    return `${where} ${describe(i)}`;
  });
  throw new UsageError(`${tool.name}: ${problems.join("; ")}.`, { errors: problems });
}

const KINDS: Record<string, string> = { string: "a string", boolean: "true or false", number: "a number", int: "a whole number", array: "a list", object: "an object" };

/** From the issue's data, not its message: whether zod carries message texts depends on what else was loaded. */
function describe(i: z.core.$ZodIssue): string {
  const any = i as unknown as Record<string, unknown>;
  switch (i.code) {
    case "invalid_type":
      return `must be ${KINDS[String(any.expected)] ?? String(any.expected)}`;
    case "invalid_value":
      return `must be one of: ${(any.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `must be at least ${String(any.minimum)}`;
    case "too_big":
      return `must be at most ${String(any.maximum)}`;
    default:
      return "has an invalid value";
  }
}
