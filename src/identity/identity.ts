// Who is saving: identity.json (this machine) + users.json (the roster). Never the hostname, git config or env.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { describeIssue } from "../config/config.js";
import { ConfigError } from "../errors.js";

export const LOGBOOK_USERS = ".logbook/users.json";
export const LOGBOOK_IDENTITY = ".logbook/identity.json";
/** The seed's locations, read when .logbook/ has none. */
export const SEED_USERS = ".claude/users.json";
export const SEED_IDENTITY = ".claude/identity.json";

export const userIdRe = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

const userSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1, "must be the person's full name")),
  email: z.string().check(z.trim(), z.regex(/^[^\s@<>]+@[^\s@<>]+$/, "must be an email address")),
  role: z.optional(z.string().check(z.trim(), z.minLength(1))),
});
export type RosterUser = z.infer<typeof userSchema>;
export type Roster = Record<string, RosterUser>;

export interface Identity {
  user: string;
  machine: string;
  /** Which file it came from (repo-relative). */
  file: string;
}

export interface Whoami {
  user: string;
  name: string;
  email: string;
  role: string;
  machine: string;
  /** identity.json was made on another machine. */
  stale: boolean;
  currentMachine: string;
  identityFile: string;
  usersFile: string;
}

function readJson(root: string, rel: string): { found: false } | { found: true; value: unknown } {
  let text: string;
  try {
    text = readFileSync(join(root, rel), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { found: false };
    throw new ConfigError(`${rel}: cannot read it: ${(e as Error).message}`);
  }
  try {
    return { found: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    throw new ConfigError(`${rel}: not valid JSON (${(e as Error).message}). Fix the file or recreate it with logbook init.`);
  }
}

/**
 * Accepted roster shapes: {"users": {"<id>": {name, email, role}}} (logbook's), {"users": [{"id", name, email, role}]}
 * and a bare {"<id>": {name, email, role}} map (older seed repos).
 */
export function parseRoster(raw: unknown, file: string): { value: Roster; errors: string[] } {
  const errors: string[] = [];
  const value: Roster = {};
  let entries: [string, unknown][] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { value, errors: [`${file}: must be an object {"users": {"<id>": {"name", "email", "role"}}}`] };
  }
  const obj = raw as Record<string, unknown>;
  const users = "users" in obj ? obj.users : obj;
  if (Array.isArray(users)) {
    users.forEach((u, i) => {
      const id = typeof u === "object" && u !== null ? (u as Record<string, unknown>).id : undefined;
      if (typeof id !== "string") errors.push(`${file}: users[${i}].id: missing; each user needs an "id"`);
      else entries.push([id, u]);
    });
  } else if (typeof users === "object" && users !== null) {
    entries = Object.entries(users);
  } else {
    errors.push(`${file}: "users" must be an object mapping user ids to {name, email, role}`);
  }
  for (const [id, u] of entries) {
    if (!userIdRe.test(id)) {
      errors.push(`${file}: users.${id}: a user id must be a lowercase slug (letters, digits, - or _), e.g. "mike"`);
      continue;
    }
    const r = userSchema.safeParse(u);
    if (!r.success) {
      for (const i of r.error.issues) errors.push(`${file}: users.${id}.${i.path.join(".") || "(entry)"}: ${describeIssue(i)}`);
      continue;
    }
    value[id] = r.data;
  }
  return { value, errors };
}

/** Accepted identity shapes: {"user": "<id>", "machine": "<name>"}; "id" for "user" and "hostname" for "machine" too. */
export function parseIdentity(raw: unknown, file: string): { value: Identity | undefined; errors: string[] } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { value: undefined, errors: [`${file}: must be an object {"user": "<id>", "machine": "<machine name>"}`] };
  }
  const o = raw as Record<string, unknown>;
  const user = o.user ?? o.id;
  const machine = o.machine ?? o.hostname;
  const errors: string[] = [];
  if (typeof user !== "string" || !userIdRe.test(user)) errors.push(`${file}: "user" must be a user id from the roster, e.g. "mike"`);
  if (typeof machine !== "string" || machine.trim() === "") errors.push(`${file}: "machine" must name the machine it was made on`);
  if (errors.length) return { value: undefined, errors };
  return { value: { user: user as string, machine: machine as string, file }, errors };
}

export function loadRoster(root: string): { roster: Roster; file: string; found: boolean } {
  for (const file of [LOGBOOK_USERS, SEED_USERS]) {
    const r = readJson(root, file);
    if (!r.found) continue;
    const p = parseRoster(r.value, file);
    if (p.errors.length) throw new ConfigError(`${p.errors.join("; ")}. Fix ${file} and run again.`);
    return { roster: p.value, file, found: true };
  }
  return { roster: {}, file: LOGBOOK_USERS, found: false };
}

export function loadIdentity(root: string): Identity | undefined {
  for (const file of [LOGBOOK_IDENTITY, SEED_IDENTITY]) {
    const r = readJson(root, file);
    if (!r.found) continue;
    const p = parseIdentity(r.value, file);
    if (!p.value) throw new ConfigError(`${p.errors.join("; ")}. Recreate it with: logbook init --user <id>`);
    return p.value;
  }
  return undefined;
}

export function resolveWhoami(root: string, currentMachine: string): Whoami {
  const identity = loadIdentity(root);
  if (!identity) {
    throw new ConfigError(
      `no identity for this machine (${LOGBOOK_IDENTITY} not found). Run: logbook init --user <id> (add --name and --email if you are new to the roster).`,
    );
  }
  const { roster, file: usersFile, found } = loadRoster(root);
  const u = roster[identity.user];
  if (!u) {
    throw new ConfigError(
      found
        ? `${identity.file} names user "${identity.user}", who is not in ${usersFile}. Add them: logbook init --user ${identity.user} --name "<full name>" --email <email>`
        : `no roster (${LOGBOOK_USERS}) found. Add yourself: logbook init --user ${identity.user} --name "<full name>" --email <email>`,
    );
  }
  return {
    user: identity.user,
    name: u.name,
    email: u.email,
    role: u.role ?? "member",
    machine: identity.machine,
    stale: identity.machine !== currentMachine,
    currentMachine,
    identityFile: identity.file,
    usersFile,
  };
}

/** The seed's User block, exactly. */
export function userBlock(w: Pick<Whoami, "user" | "name" | "role" | "machine">): string {
  return `## User\n- **User:** ${w.name} (${w.user})\n- **Role:** ${w.role}\n- **Machine:** ${w.machine}\n`;
}

export function staleWarning(w: Whoami): string {
  return (
    `[WARNING] ${w.identityFile} is stale for this machine: it was made on "${w.machine}" but this machine is "${w.currentMachine}" ` +
    `(machine/hostname mismatch). Fix it on this machine with: logbook init --user ${w.user}`
  );
}
