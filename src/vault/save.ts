// Vault mode's part of `save`, run before the log is rendered: the secrets of the Credentials & Secrets section are
// encrypted into the vault clone and the narrative keeps `- <label>: vault:<path>#<label>` in their place. The
// configuration is checked before anything is written; the vault file is complete or absent, and the narrative is
// only changed once it is on disk, so a value is either in the log (inline mode) or in the vault, never half.
import { CONFIG_PATH, type Config } from "../config/config.js";
import type { Deps } from "../deps.js";
import { ConfigError } from "../errors.js";
import { SECTIONS, type Narrative, type SectionKey } from "../log/narrative.js";
import { checkRecipients, encryptArmored } from "./crypto.js";
import { extractSecrets, type Secret } from "./extract.js";
import { formatRef } from "./refs.js";
import { openVault, VAULT_FORMAT, vaultBase, writeVaultFile, type VaultDocument } from "./store.js";

export interface VaultedNarrative {
  narrative: Narrative;
  /** Vault-repo-relative paths written (none when the section holds no secret). */
  files: string[];
  /** Secrets moved to the vault. */
  count: number;
  /** Already emitted as warning events; for the command's result. Never quote a value. */
  warnings: string[];
}

export interface VaultSecretsOptions {
  root: string;
  config: Config;
  /** The log's repo-relative directory (`clients/acme/session-logs`). */
  logDir: string;
  /** `YYYY-MM-DD-<user>-<topic>`. */
  base: string;
  session: string;
  deps: Pick<Deps, "emit" | "now">;
}

/** A value this long that also appears elsewhere in the narrative is replaced there too; shorter ones are words. */
export const SCRUB_MIN_LENGTH = 8;

const SECRETS_TITLE = SECTIONS.find((s) => s.key === "secrets")?.title ?? "Credentials & Secrets";

/** Vault mode's configuration, checked before anything is written. Throws ConfigError (78). */
export async function checkVaultConfig(root: string, config: Config): Promise<{ vault: ReturnType<typeof openVault>; recipients: string[] }> {
  if (!config.vault?.path) {
    throw new ConfigError(
      `${CONFIG_PATH}: "secrets: vault" needs key "vault.path" (your clone of the team's vault repo, relative to the repo root or absolute). Nothing was written.`,
    );
  }
  const recipients = config.vault.recipients ?? [];
  if (recipients.length === 0) {
    throw new ConfigError(
      `${CONFIG_PATH}: "secrets: vault" needs key "vault.recipients": the age public keys (age1...) of everyone who may read the secrets; ` +
        `each person prints theirs with \`logbook secret keygen\`. Nothing was written.`,
    );
  }
  await checkRecipients(recipients, CONFIG_PATH);
  return { vault: openVault(root, config), recipients };
}

function replaceAll(text: string, secrets: readonly { value: string; ref: string }[]): { text: string; hit: Set<string> } {
  const hit = new Set<string>();
  let out = text;
  for (const s of secrets) {
    if (!out.includes(s.value)) continue;
    out = out.split(s.value).join(s.ref);
    hit.add(s.ref);
  }
  return { text: out, hit };
}

export async function vaultSecrets(narrative: Narrative, o: VaultSecretsOptions): Promise<VaultedNarrative> {
  const unchanged: VaultedNarrative = { narrative, files: [], count: 0, warnings: [] };
  if (o.config.secrets !== "vault") return unchanged;
  const { vault, recipients } = await checkVaultConfig(o.root, o.config);
  const section = narrative.sections.secrets;
  if (section === undefined) return unchanged;

  const found = extractSecrets(section);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    o.deps.emit({ type: "warning", message });
  };
  if (found.suspect.length > 0) {
    const n = found.suspect.length;
    warn(
      `## ${SECRETS_TITLE}: line${n > 1 ? "s" : ""} ${found.suspect.join(", ")} may hold a value but ${n > 1 ? "are" : "is"} not a "- <label>: <value>" item ` +
        `or a fenced block under a "### <label>" heading, so ${n > 1 ? "they were" : "it was"} kept in the log as written (vault mode moves only those forms).`,
    );
  }
  if (found.secrets.length === 0) return { ...unchanged, warnings };

  const doc: VaultDocument = {
    format: VAULT_FORMAT,
    log: `${o.logDir}/${o.base}`,
    session: o.session,
    created: o.deps.now().toISOString(),
    secrets: Object.fromEntries(found.secrets.map((s) => [s.label, s.value])),
  };
  const armored = await encryptArmored(JSON.stringify(doc, null, 2) + "\n", recipients);
  const path = await writeVaultFile(vault, vaultBase(o.logDir, o.base, o.session), armored);

  const ref = (s: Secret) => formatRef(path, s.label);
  const sections: Partial<Record<SectionKey, string>> = { ...narrative.sections, secrets: found.render(ref) };
  // The same value written elsewhere (a command line, the summary) would put it in the repo anyway.
  const scrub = found.secrets
    .filter((s) => s.value.trim().length >= SCRUB_MIN_LENGTH)
    .map((s) => ({ value: s.value.trim(), ref: ref(s), label: s.label }))
    .sort((a, b) => b.value.length - a.value.length);
  const where = new Map<string, Set<string>>();
  const note = (hits: Set<string>, place: string) => {
    for (const r of hits) where.set(r, (where.get(r) ?? new Set()).add(place));
  };
  if (scrub.length > 0) {
    for (const s of SECTIONS) {
      const body = sections[s.key];
      if (body === undefined) continue;
      const r = replaceAll(body, scrub);
      sections[s.key] = r.text;
      note(r.hit, `## ${s.title}`);
    }
  }
  const extra = narrative.extra.map((x) => {
    if (scrub.length === 0) return x;
    const r = replaceAll(x.body, scrub);
    note(r.hit, `## ${x.heading}`);
    return { heading: x.heading, body: r.text };
  });
  for (const s of scrub) {
    const places = where.get(s.ref);
    if (places) warn(`the value of "${s.label}" also appeared in ${[...places].join(", ")}; it was replaced there by ${s.ref}`);
  }
  return { narrative: { ...narrative, sections, extra }, files: [path], count: found.secrets.length, warnings };
}
