// `logbook secret get <vault:path#label>` prints one secret from the vault clone, decrypted with this person's age
// identity; `logbook secret keygen` creates that identity and prints its recipient for vault.recipients.
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { CONFIG_PATH } from "../config/config.js";
import { openRepo } from "../context.js";
import type { Deps } from "../deps.js";
import { ConfigError, DataError, UsageError } from "../errors.js";
import { jsonFlag, type Command } from "./types.js";

export type SecretOptions = { action: "get"; ref: string } | { action: "keygen"; force: boolean };

export type SecretResult =
  | { action: "get"; ref: string; path: string; label: string; value: string }
  | { action: "keygen"; path: string; recipient: string; replaced: boolean };

async function get(refText: string, deps: Deps): Promise<SecretResult> {
  const { parseRef } = await import("../vault/refs.js");
  const ref = parseRef(refText);
  const ctx = await openRepo(deps);
  const { vaultDir, parseVaultDocument } = await import("../vault/store.js");
  const dir = vaultDir(ctx.repo.root, ctx.config);
  if (dir === undefined) {
    throw new ConfigError(`${CONFIG_PATH}: key "vault.path" is missing: set it to your clone of the team's vault repo to read vault references.`);
  }
  const { loadIdentity } = await import("../vault/keys.js");
  const id = await loadIdentity(deps);
  if (id.exposed) deps.emit({ type: "warning", message: `${id.path} can be read by other users of this machine; run chmod 600 ${id.path}` });
  let armored: string;
  try {
    armored = await fsp.readFile(join(dir, ...ref.path.split("/")), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new DataError(
        `${ref.path} is not in the vault clone at ${dir}: run \`logbook sync\` to fetch the vault (another machine's save may not have arrived), or check the reference.`,
      );
    }
    throw new DataError(`${ref.path}: cannot read it from the vault clone at ${dir} (${code ?? (e as Error).message}).`);
  }
  const { decryptArmored } = await import("../vault/crypto.js");
  const text = await decryptArmored(armored, id.identities, { file: ref.path, keyFile: id.path, recipients: id.recipients });
  const doc = parseVaultDocument(text, ref.path);
  if (!Object.hasOwn(doc.secrets, ref.label)) {
    const labels = Object.keys(doc.secrets);
    throw new DataError(`${ref.path} holds no secret labelled "${ref.label}"; its labels are: ${labels.map((l) => `"${l}"`).join(", ") || "(none)"}.`);
  }
  return { action: "get", ref: `vault:${ref.path}#${ref.label}`, path: ref.path, label: ref.label, value: doc.secrets[ref.label]! };
}

export async function run(o: SecretOptions, deps: Deps): Promise<SecretResult> {
  if (o.action === "get") return get(o.ref, deps);
  const { keygen } = await import("../vault/keys.js");
  return { action: "keygen", ...(await keygen(deps, o.force)) };
}

export const command: Command<SecretOptions, SecretResult> = {
  usage: "logbook secret get <vault:path#label> [--json] | logbook secret keygen [--force] [--json]",
  summary: "print a secret from the vault (get), or create your age identity and print its recipient (keygen)",
  options: { force: { type: "boolean" }, ...jsonFlag },
  positionals: { min: 1, max: 2, names: "a subcommand: get <vault:path#label>, or keygen" },
  parse(v, positionals) {
    const [action, arg] = positionals;
    if (action === "get") {
      if (arg === undefined) throw new UsageError('secret get needs a reference: logbook secret get "vault:<path>#<label>" (quote it: a label may hold spaces).');
      if (v.force === true) throw new UsageError("--force is for secret keygen only.");
      return { action, ref: arg };
    }
    if (action === "keygen") {
      if (arg !== undefined) throw new UsageError(`secret keygen takes no argument (got "${arg.slice(0, 40)}"); the file is LOGBOOK_AGE_IDENTITY or ~/.config/logbook/age.key.`);
      return { action, force: v.force === true };
    }
    throw new UsageError(`unknown secret subcommand "${(action ?? "").slice(0, 40)}": use get <vault:path#label> or keygen.`);
  },
  run,
  print(r, io) {
    if (r.action === "get") {
      if (io.json) return io.out(JSON.stringify({ ref: r.ref, path: r.path, label: r.label, value: r.value }) + "\n");
      return io.out(r.value.endsWith("\n") ? r.value : `${r.value}\n`);
    }
    if (io.json) return io.out(JSON.stringify({ path: r.path, recipient: r.recipient, replaced: r.replaced }) + "\n");
    io.out(`${r.replaced ? "Replaced" : "Created"} ${r.path} (mode 0600): your age identity. Keep it private and backed up; never commit it.\n`);
    io.out(`Recipient: ${r.recipient}\n`);
    io.out(`Add the recipient to vault.recipients in ${CONFIG_PATH} (and commit it) so future saves encrypt to you too.\n`);
  },
};
