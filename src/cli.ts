#!/usr/bin/env node
// The CLI: parse flags, build the real deps, run one command, map errors to exit codes. Nothing else lives here;
// commands are loaded on demand so `logbook --version` and `logbook save` load only what they use.
import { parseArgs } from "node:util";
import type { Command, Values } from "./commands/types.js";
import type { Deps } from "./deps.js";

type Loader = () => Promise<{ command: Command<unknown, unknown> }>;
const c = (load: () => Promise<unknown>): Loader => load as Loader;

const COMMANDS: Record<string, Loader> = {
  init: c(() => import("./commands/init.js")),
  whoami: c(() => import("./commands/whoami.js")),
  save: c(() => import("./commands/save.js")),
  sync: c(() => import("./commands/sync.js")),
  checkpoint: c(() => import("./commands/checkpoint.js")),
  notes: c(() => import("./commands/notes.js")),
  wiki: c(() => import("./commands/wiki.js")),
  search: c(() => import("./commands/search.js")),
  transcript: c(() => import("./commands/transcript.js")),
  secret: c(() => import("./commands/secret.js")),
  mcp: c(() => import("./commands/mcp.js")),
  hook: c(() => import("./commands/hook.js")),
  schedule: c(() => import("./commands/schedule.js")),
};

const HELP = `logbook ${__LOGBOOK_VERSION__}: session logs, a compiled wiki and safe git sync for many agent sessions

usage: logbook [-C <dir>] <command> [options]

commands:
${Object.keys(COMMANDS)
  .map((n) => `  ${n}`)
  .join("\n")}

Run "logbook <command> --help" for a command's options. Exit codes: 0 done, 64 usage, 65 bad input data,
69 remote unreachable (committed locally), 75 deferred (lock held elsewhere), 78 configuration invalid, 1 other.
`;

async function main(argv: string[]): Promise<number> {
  let cwd = process.cwd();
  let i = 0;
  while (i < argv.length && argv[i] === "-C") {
    const dir = argv[i + 1];
    if (dir === undefined) return usageError("-C needs a directory");
    const { resolve } = await import("node:path");
    cwd = resolve(cwd, dir);
    i += 2;
  }
  const name = argv[i];
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`${__LOGBOOK_VERSION__}\n`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name === undefined ? 64 : 0;
  }
  const load = COMMANDS[name];
  if (!load) return usageError(`unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(", ")}`);
  const { command } = await load();
  const rest = argv.slice(i + 1);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  let values: Values;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, C: { type: "string", short: "C" } },
      allowPositionals: command.positionals !== undefined,
      strict: true,
    });
    values = parsed.values as Values;
    positionals = parsed.positionals;
  } catch (e) {
    return usageError(`${(e as Error).message.replace(/\. To specify a positional argument.*$/s, "")}\nusage: ${command.usage}`);
  }
  if (typeof values.C === "string") cwd = (await import("node:path")).resolve(cwd, values.C);
  const p = command.positionals;
  if (p && (positionals.length < p.min || positionals.length > p.max)) {
    return usageError(`expected ${p.names}\nusage: ${command.usage}`);
  }
  const json = values.json === true;
  const { deps, formatter } = await makeDeps(cwd, json);
  try {
    const options = command.parse(values, positionals);
    const result = await command.run(options, deps);
    command.print(result, { out: deps.out, json });
    return command.exitCode ? command.exitCode(result) : 0;
  } catch (e) {
    const { exitCodeOf, LogbookError } = await import("./errors.js");
    const code = exitCodeOf(e);
    const message = e instanceof Error ? e.message : String(e);
    if (json) {
      const detail = e instanceof LogbookError ? e.detail : undefined;
      deps.out(JSON.stringify({ error: message, exitCode: code, ...(detail ? { detail } : {}), events: formatter.events }) + "\n");
    }
    if (!(e instanceof LogbookError)) process.stderr.write(`${(e as Error)?.stack ?? message}\n`);
    process.stderr.write(`error: ${message}\n`);
    return code;
  }
}

function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 64;
}

async function makeDeps(cwd: string, json: boolean) {
  const [{ hostname }, { randomUUID }, events] = await Promise.all([import("node:os"), import("node:crypto"), import("./events.js")]);
  const errWrite = (s: string) => void process.stderr.write(s);
  const formatter = json ? events.jsonFormatter(errWrite) : events.humanFormatter(errWrite);
  const deps: Deps = {
    cwd,
    env: process.env,
    now: () => new Date(),
    newId: () => randomUUID(),
    hostname: () => hostname(),
    readStdin: async () => {
      if (process.stdin.isTTY) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    out: (s) => void process.stdout.write(s),
    emit: formatter.emit,
    fetch: globalThis.fetch,
    pid: process.pid,
    platform: process.platform,
  };
  return { deps, formatter };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
