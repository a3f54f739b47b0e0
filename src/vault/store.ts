// Where secrets live in the vault clone. One file per save of a log: `<log dir>/<date>-<user>-<topic>.<session>.age`
// mirrors the log's path (its final `-2` suffix is not known yet when the secrets are written, the session is),
// and a later save of the same session adds `.<session>.2.age`, `.3.age`: an existing file is never rewritten,
// since nobody can re-encrypt it without a key. Each file is one armored age message of a small JSON document.
import { existsSync, promises as fsp, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Config } from "../config/config.js";
import { CONFIG_PATH } from "../config/config.js";
import { ConfigError, DataError } from "../errors.js";
import { findRepo, type RepoPaths } from "../git/repo.js";
import { createExclusive } from "../util/fs.js";
import { pathProblem } from "./refs.js";

export const VAULT_FORMAT = "logbook-vault/1";

export interface VaultDocument {
  format: typeof VAULT_FORMAT;
  /** The log this came from, without its (not yet known) `-N.md` ending: `<dir>/<date>-<user>-<topic>`. */
  log: string;
  session: string;
  created: string;
  /** label -> value, in the order of the section. */
  secrets: Record<string, string>;
}

export interface VaultClone {
  /** The clone's working tree (absolute). */
  root: string;
  repo: RepoPaths;
}

/** `vault.path` resolved against the main repo's root; undefined when not configured. */
export function vaultDir(root: string, config: Config): string | undefined {
  const p = config.vault?.path;
  if (p === undefined || p === "") return undefined;
  return isAbsolute(p) ? p : resolve(root, p);
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/**
 * The vault clone, which must be the root of its own git working tree (never the main repo or a folder of it).
 * Throws ConfigError (78).
 */
export function openVault(root: string, config: Config): VaultClone {
  const dir = vaultDir(root, config);
  if (dir === undefined) {
    throw new ConfigError(`${CONFIG_PATH}: key "vault.path" is missing: set it to your clone of the team's vault repo (relative to the repo root, or absolute).`);
  }
  const where = `${CONFIG_PATH}: key "vault.path" (${config.vault?.path ?? ""})`;
  if (!existsSync(dir)) throw new ConfigError(`${where}: no vault clone at ${dir}; clone the team's vault repo there (git clone <vault remote> ${dir}).`);
  const repo = findRepo(dir);
  if (!repo || real(repo.root) !== real(dir)) {
    throw new ConfigError(`${where}: ${dir} is not the root of a git clone${repo ? ` (it is inside ${repo.root})` : ""}; clone the team's vault repo there.`);
  }
  if (real(repo.root) === real(root)) throw new ConfigError(`${where}: points at this repo itself; the vault must be a separate clone.`);
  return { root: repo.root, repo };
}

/** `<session>` made safe for a file name on every platform (a session id may hold `:`). */
function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "-");
}

/** The vault-relative name every file of this save starts with. */
export function vaultBase(logDir: string, base: string, session: string): string {
  return `${logDir}/${base}.${fileSafe(session)}`;
}

/** Writes the armored file under the first free name; returns its vault-relative path. Nothing is overwritten. */
export async function writeVaultFile(vault: VaultClone, relBase: string, armored: string): Promise<string> {
  // Temp files go inside the vault's .git, so a crash leaves nothing a sync could commit.
  const tmp = join(vault.repo.commonDir, "logbook", "tmp");
  for (let n = 1; n < 10000; n++) {
    const rel = `${relBase}${n === 1 ? "" : `.${n}`}.age`;
    const problem = pathProblem(rel);
    if (problem) throw new DataError(`cannot name a vault file ${rel}: ${problem}.`);
    const abs = join(vault.root, ...rel.split("/"));
    await fsp.mkdir(dirname(abs), { recursive: true });
    if (await createExclusive(abs, armored, tmp)) return rel;
  }
  throw new DataError(`no free vault file name for ${relBase}.age after 9999 tries.`);
}

/** The JSON inside a vault file, checked. Throws DataError (65) naming the file. */
export function parseVaultDocument(text: string, file: string): VaultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new DataError(`${file}: decrypted, but its contents are not a logbook vault document; was it written by another tool?`);
  }
  const d = doc as Partial<VaultDocument> | null;
  if (!d || typeof d !== "object" || typeof d.secrets !== "object" || d.secrets === null || Array.isArray(d.secrets)) {
    throw new DataError(`${file}: decrypted, but it has no "secrets" map; was it written by another tool?`);
  }
  for (const [k, v] of Object.entries(d.secrets)) {
    if (typeof v !== "string") throw new DataError(`${file}: decrypted, but the secret "${k}" is not a string.`);
  }
  return d as VaultDocument;
}
