// This person's age identity: a file outside every repo (LOGBOOK_AGE_IDENTITY, else ~/.config/logbook/age.key),
// in age-keygen's format so the age CLI reads it too. The secret key is written to it and never printed.
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Deps } from "../deps.js";
import { ConfigError, ConflictError } from "../errors.js";
import { generateKey, recipientOf } from "./crypto.js";

export function identityPath(env: Deps["env"], cwd: string): string {
  const forced = env.LOGBOOK_AGE_IDENTITY;
  if (forced !== undefined && forced !== "") return resolve(cwd, forced);
  const home = env.HOME || env.USERPROFILE;
  if (!home) throw new ConfigError("no home directory (HOME is not set): set LOGBOOK_AGE_IDENTITY to the path of your age identity file.");
  return join(home, ".config", "logbook", "age.key");
}

/** The `AGE-SECRET-KEY-...` lines of an identity file (comments and blank lines skipped). */
export function parseIdentityFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

export interface LoadedIdentity {
  path: string;
  identities: string[];
  recipients: string[];
  /** Group or others may read it (POSIX only). */
  exposed: boolean;
}

/** Reads and checks the identity file. Throws ConfigError (78) when it is missing or not an age identity. */
export async function loadIdentity(deps: Pick<Deps, "env" | "cwd" | "platform">): Promise<LoadedIdentity> {
  const path = identityPath(deps.env, deps.cwd);
  let text: string;
  try {
    text = await fsp.readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `no age identity at ${path}: run \`logbook secret keygen\` and have its recipient added to vault.recipients, or set LOGBOOK_AGE_IDENTITY to your identity file.`
        : `${path}: cannot read your age identity (${code ?? (e as Error).message}).`,
    );
  }
  const identities = parseIdentityFile(text);
  if (identities.length === 0) throw new ConfigError(`${path}: holds no age identity (an AGE-SECRET-KEY-1... line); create one with \`logbook secret keygen --force\`.`);
  const recipients: string[] = [];
  for (const id of identities) recipients.push(await recipientOf(id, path));
  const mode = (await fsp.stat(path)).mode;
  return { path, identities, recipients, exposed: deps.platform !== "win32" && (mode & 0o077) !== 0 };
}

export interface KeygenResult {
  path: string;
  recipient: string;
  replaced: boolean;
}

/** Creates the identity file (mode 0600, its folder 0700). An existing one is kept unless `force`. */
export async function keygen(deps: Pick<Deps, "env" | "cwd" | "now" | "pid">, force: boolean): Promise<KeygenResult> {
  const path = identityPath(deps.env, deps.cwd);
  let existing: string | undefined;
  try {
    existing = await fsp.readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  if (existing !== undefined && !force) {
    const first = parseIdentityFile(existing)[0];
    const rcpt = first ? await recipientOf(first, path).catch(() => undefined) : undefined;
    throw new ConflictError(
      `${path} already exists${rcpt ? ` (recipient ${rcpt})` : ""}; it was left as it is. Pass --force to replace it ` +
        `(secrets encrypted only to the old key can then no longer be read with this file).`,
      { path, ...(rcpt ? { recipient: rcpt } : {}) },
    );
  }
  const { identity, recipient } = await generateKey();
  const content = `# created: ${deps.now().toISOString().replace(/\.\d{3}Z$/, "Z")}\n# public key: ${recipient}\n${identity}\n`;
  const dir = dirname(path);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  if (existing === undefined) {
    try {
      await fsp.writeFile(path, content, { flag: "wx", mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new ConflictError(`${path} was created by another process just now; it was left as it is.`);
      throw e;
    }
  } else {
    // Replaced whole or not at all: a temp file beside it (0600 from its creation), then a rename.
    const tmp = join(dir, `.${basename(path)}.${deps.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await fsp.writeFile(tmp, content, { flag: "wx", mode: 0o600 });
      await fsp.rename(tmp, path);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }
  // The mode given at creation is filtered by the umask; set it exactly.
  await fsp.chmod(path, 0o600).catch(() => {});
  return { path, recipient, replaced: existing !== undefined };
}
