// `vault:<path>#<label>`: how a log points at a secret. The path is relative to the vault clone's root and always
// ends in `.age` (logbook writes no other kind), so the first `#` after it starts the label and a label may hold
// spaces, colons or `#`.
import { UsageError } from "../errors.js";

export interface VaultRef {
  /** Vault-repo-relative, `/`-separated. */
  path: string;
  label: string;
}

export const REF_PREFIX = "vault:";

export function formatRef(path: string, label: string): string {
  return `${REF_PREFIX}${path}#${label}`;
}

/** A value that already is a vault reference (plain or in backticks): it is never vaulted again. */
export function isRef(value: string): boolean {
  return /^`?vault:\S/.test(value.trim());
}

/** The reason `path` may not name a file inside the vault, or undefined when it is safe to join to the root. */
export function pathProblem(path: string): string | undefined {
  if (path === "") return "the path is empty";
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return "the path must be relative to the vault's root";
  if (path.includes("\\")) return "the path must use / between folders";
  if (path.split("/").some((s) => s === "" || s === "." || s === "..")) return "the path may not contain empty, . or .. segments";
  if (!path.endsWith(".age")) return "the path must name a .age file";
  return undefined;
}

/** Parses a reference as written in a log (surrounding backticks and spaces are ignored). Throws UsageError (64). */
export function parseRef(text: string): VaultRef {
  const t = text.trim().replace(/^`(.*)`$/s, "$1").trim();
  const hint = `a reference looks like vault:clients/acme/session-logs/2026-06-05-mike-dns-fix.<session>.age#<label>, as written in the log's Credentials & Secrets section`;
  if (!t.startsWith(REF_PREFIX)) throw new UsageError(`"${t.slice(0, 80)}" is not a vault reference: ${hint}.`);
  const m = /^vault:(.+?\.age)#(.+)$/s.exec(t);
  if (!m?.[1] || !m[2]) throw new UsageError(`"${t.slice(0, 200)}": missing the .age path or the #<label>: ${hint}.`);
  const problem = pathProblem(m[1]);
  if (problem) throw new UsageError(`"${t.slice(0, 200)}": ${problem}; ${hint}.`);
  return { path: m[1], label: m[2].trim() };
}
