// `logbook init`: config, roster entry, this machine's identity, .gitignore. Checks everything, then writes.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_PATH, loadConfig } from "../config/config.js";
import { machineName, type Deps } from "../deps.js";
import { ConfigError, UsageError } from "../errors.js";
import { requireRepo } from "../git/repo.js";
import { gitAt } from "../git/run.js";
import {
  LOGBOOK_IDENTITY,
  LOGBOOK_USERS,
  loadIdentity,
  loadRoster,
  userIdRe,
} from "../identity/identity.js";
import { parseRoster } from "../identity/roster.js";
import { applyClaudeSetup, describeClaudeSetup, planClaudeSetup } from "../claude/setup.js";
import { writeFileAtomic } from "../util/fs.js";
import { isTimeZone, localTimeZone } from "../util/time.js";
import { jsonFlag, str, type Command } from "./types.js";

export interface InitOptions {
  user?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
  role?: string | undefined;
  timezone?: string | undefined;
  /** Also add a Claude Code SessionEnd hook to .claude/settings.json. */
  hooks?: boolean;
  /** Overwrite existing slash commands / a different logbook hook. */
  force?: boolean;
}

export interface InitResult {
  root: string;
  user: string;
  machine: string;
  /** What was done, one line each; empty when nothing needed doing. */
  changes: string[];
  skipped: string[];
}

type FileWrite = { path: string; content: string; what: string };

const ATTRIBUTES = ["*.md text eol=lf", ".logbook/*.yaml text eol=lf", ".logbook/*.json text eol=lf"];

/** Lines a .gitignore needs so identity.json stays per machine. */
const IGNORE_LINE = ".logbook/identity.json";

export async function run(o: InitOptions, deps: Deps): Promise<InitResult> {
  const repo = requireRepo(deps.cwd);
  const root = repo.root;
  const machine = machineName(deps);
  if (o.timezone !== undefined && !isTimeZone(o.timezone)) {
    throw new UsageError(`--timezone "${o.timezone}" is not an IANA time zone name; use one such as America/Los_Angeles or UTC.`);
  }
  const existingIdentity = loadIdentity(root);
  const user = o.user ?? existingIdentity?.user;
  if (user === undefined) throw new UsageError("--user <id> is required: which roster user works on this machine (e.g. --user mike).");
  if (!userIdRe.test(user)) throw new UsageError(`--user "${user}": a user id is a lowercase slug (letters, digits, - or _), e.g. mike.`);
  if ((o.name === undefined) !== (o.email === undefined) && !(await loadRoster(root)).roster[user]) {
    throw new UsageError("--name and --email go together: give both to add a new user to the roster.");
  }

  const writes: FileWrite[] = [];
  const changes: string[] = [];
  const skipped: string[] = [];

  // config.yaml: created when missing, with this machine's zone (validated if present).
  if (!existsSync(join(root, CONFIG_PATH))) {
    const tz = o.timezone ?? localTimeZone();
    writes.push({
      path: CONFIG_PATH,
      content:
        `# logbook team settings (committed). See the README for every key.\n` +
        `timezone: ${tz}\n` +
        `sync:\n  lockWaitSeconds: 120\n` +
        `wiki:\n  provider: offline\n` +
        `secrets: inline\n`,
      what: `created ${CONFIG_PATH} (timezone ${tz})`,
    });
  } else {
    await loadConfig(root, (message) => deps.emit({ type: "warning", message }));
    if (o.timezone !== undefined) skipped.push(`${CONFIG_PATH} exists; --timezone not applied (edit the file to change it)`);
  }

  // roster
  const { roster, file: usersFile, found } = await loadRoster(root);
  const known = roster[user];
  if (!known) {
    if (o.name === undefined || o.email === undefined) {
      throw new ConfigError(
        `user "${user}" is not in the roster (${found ? usersFile : LOGBOOK_USERS}). Add them: logbook init --user ${user} --name "<full name>" --email <email> [--role <role>]`,
      );
    }
    const entry = { name: o.name, email: o.email, role: o.role ?? "member" };
    const check = parseRoster({ users: { [user]: entry } }, "--name/--email/--role");
    if (check.errors.length) throw new UsageError(check.errors.join("; "));
    const file = found ? usersFile : LOGBOOK_USERS;
    let raw: Record<string, unknown> = { users: {} };
    if (found) raw = JSON.parse(readFileSync(join(root, file), "utf8")) as Record<string, unknown>;
    const users = ("users" in raw ? raw.users : raw) as Record<string, unknown> | unknown[];
    if (Array.isArray(users)) users.push({ id: user, ...entry });
    else users[user] = entry;
    writes.push({ path: file, content: JSON.stringify(raw, null, 2) + "\n", what: `added ${user} (${o.name} <${o.email}>) to ${file}` });
  } else if (o.name !== undefined || o.email !== undefined || o.role !== undefined) {
    skipped.push(`${user} is already in ${usersFile}; roster entry left unchanged (edit the file to change it)`);
  }

  // identity.json for this machine
  if (!existingIdentity || existingIdentity.user !== user || existingIdentity.machine !== machine) {
    writes.push({
      path: LOGBOOK_IDENTITY,
      content: JSON.stringify({ user, machine, created: deps.now().toISOString() }, null, 2) + "\n",
      what: `wrote ${LOGBOOK_IDENTITY} (${user} on ${machine})`,
    });
  }

  // .gitignore: identity.json is per machine, never committed.
  const ignored = await gitAt(root, deps.env)
    .run(["check-ignore", "-q", "--no-index", IGNORE_LINE], { readOnly: true, okCodes: [1] })
    .then((r) => r.code === 0);
  if (!ignored) {
    const gi = join(root, ".gitignore");
    const before = existsSync(gi) ? readFileSync(gi, "utf8") : "";
    const sep = before === "" || before.endsWith("\n") ? "" : "\n";
    writes.push({ path: ".gitignore", content: `${before}${sep}# logbook: this machine's identity\n${IGNORE_LINE}\n`, what: `added ${IGNORE_LINE} to .gitignore` });
  }

  // .gitattributes: logs, articles and config are stored with LF whatever machine (Windows included) writes them.
  const ga = join(root, ".gitattributes");
  const gaBefore = existsSync(ga) ? readFileSync(ga, "utf8") : "";
  const gaMissing = ATTRIBUTES.filter((line) => !gaBefore.split(/\r?\n/).includes(line));
  if (gaMissing.length) {
    const sep = gaBefore === "" || gaBefore.endsWith("\n") ? "" : "\n";
    writes.push({
      path: ".gitattributes",
      content: `${gaBefore}${sep}${gaBefore.includes("# logbook") ? "" : "# logbook: logs, articles and config use LF line endings on every machine\n"}${gaMissing.join("\n")}\n`,
      what: `added ${gaMissing.length} line ending rule(s) to .gitattributes (*.md and .logbook files stored with LF)`,
    });
  }

  // Claude Code: slash commands (and the SessionEnd hook with --hooks); planned before anything is written.
  const claude = planClaudeSetup(root, { hooks: o.hooks === true, force: o.force === true, cliCommand: "logbook" });

  for (const w of writes) {
    await writeFileAtomic(join(root, ...w.path.split("/")), w.content);
    changes.push(w.what);
  }
  await applyClaudeSetup(root, claude);
  const described = describeClaudeSetup(claude);
  changes.push(...described.changes);
  skipped.push(...described.skipped);
  return { root, user, machine, changes, skipped };
}

export const command: Command<InitOptions, InitResult> = {
  usage: "logbook init [--user <id>] [--name <full name>] [--email <email>] [--role <role>] [--timezone <zone>] [--hooks] [--force]",
  summary: "set up logbook in a knowledge repo for this machine",
  options: {
    user: { type: "string" },
    name: { type: "string" },
    email: { type: "string" },
    role: { type: "string" },
    timezone: { type: "string" },
    hooks: { type: "boolean" },
    force: { type: "boolean" },
    ...jsonFlag,
  },
  parse: (v) => ({
    user: str(v.user),
    name: str(v.name),
    email: str(v.email),
    role: str(v.role),
    timezone: str(v.timezone),
    hooks: v.hooks === true,
    force: v.force === true,
  }),
  run,
  print(r, io) {
    if (io.json) return io.out(JSON.stringify(r) + "\n");
    for (const c of r.changes) io.out(`${c}\n`);
    for (const s of r.skipped) io.out(`skipped: ${s}\n`);
    if (r.changes.length === 0) io.out(`nothing to do: logbook is already set up here for ${r.user} on ${r.machine}\n`);
  },
};
