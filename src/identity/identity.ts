// Who is saving: identity.json (this machine) + users.json (the roster). Never the hostname, git config or env.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cachedParse } from "../config/cache.js";
import { ConfigError } from "../errors.js";

export const LOGBOOK_USERS = ".logbook/users.json";
export const LOGBOOK_IDENTITY = ".logbook/identity.json";
/** The seed's locations, read when .logbook/ has none. */
export const SEED_USERS = ".claude/users.json";
export const SEED_IDENTITY = ".claude/identity.json";

export const userIdRe = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

export interface RosterUser {
  name: string;
  email: string;
  role?: string | undefined;
}
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

function readText(root: string, rel: string): string | undefined {
  try {
    return readFileSync(join(root, rel), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`${rel}: cannot read it: ${(e as Error).message}`);
  }
}

function parseJson(text: string, rel: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(`${rel}: not valid JSON (${(e as Error).message}). Fix the file or recreate it with logbook init.`);
  }
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

/**
 * The roster, validated (with zod, loaded only when the text is not in the parse cache in `cacheDir`, the repo's
 * `.git/logbook/cache`). Throws ConfigError (78) naming the file and entry when invalid.
 */
export async function loadRoster(root: string, cacheDir?: string): Promise<{ roster: Roster; file: string; found: boolean }> {
  for (const file of [LOGBOOK_USERS, SEED_USERS]) {
    const text = readText(root, file);
    if (text === undefined) continue;
    const { value } = await cachedParse<Roster>(cacheDir, "roster", `${file}\n${text}`, async () => {
      const { parseRoster } = await import("./roster.js");
      const p = parseRoster(parseJson(text, file), file);
      if (p.errors.length) throw new ConfigError(`${p.errors.join("; ")}. Fix ${file} and run again.`);
      return { value: p.value, warnings: [] };
    });
    return { roster: value, file, found: true };
  }
  return { roster: {}, file: LOGBOOK_USERS, found: false };
}

export function loadIdentity(root: string): Identity | undefined {
  for (const file of [LOGBOOK_IDENTITY, SEED_IDENTITY]) {
    const text = readText(root, file);
    if (text === undefined) continue;
    const p = parseIdentity(parseJson(text, file), file);
    if (!p.value) throw new ConfigError(`${p.errors.join("; ")}. Recreate it with: logbook init --user <id>`);
    return p.value;
  }
  return undefined;
}

export async function resolveWhoami(root: string, currentMachine: string, cacheDir?: string): Promise<Whoami> {
  const identity = loadIdentity(root);
  if (!identity) {
    throw new ConfigError(
      `no identity for this machine (${LOGBOOK_IDENTITY} not found). Run: logbook init --user <id> (add --name and --email if you are new to the roster).`,
    );
  }
  const { roster, file: usersFile, found } = await loadRoster(root, cacheDir);
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
