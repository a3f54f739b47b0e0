// age encryption (the `age-encryption` package, loaded only here and only when a vault command runs). Files are
// armored so they diff and merge as text in the vault repo, and any `age -d -i <key>` can read them.
import { ConfigError, DataError } from "../errors.js";

type Age = typeof import("age-encryption");

let loaded: Promise<Age> | undefined;
function age(): Promise<Age> {
  loaded ??= import("age-encryption");
  return loaded;
}

export const RECIPIENTS_KEY = "vault.recipients";

/**
 * Checks every recipient before anything is written; names the bad one by its position in the config.
 * Throws ConfigError (78).
 */
export async function checkRecipients(recipients: readonly string[], file: string): Promise<void> {
  const a = await age();
  recipients.forEach((r, i) => {
    try {
      new a.Encrypter().addRecipient(r);
    } catch (e) {
      throw new ConfigError(
        `${file}: key "${RECIPIENTS_KEY}.${i}" (${r.slice(0, 12)}…) is not a valid age recipient (${(e as Error).message}); ` +
          `each teammate gets theirs from \`logbook secret keygen\` (an age1... public key).`,
      );
    }
  });
}

/** Encrypts `plaintext` to every recipient; returns the armored file (`-----BEGIN AGE ENCRYPTED FILE-----`). */
export async function encryptArmored(plaintext: string, recipients: readonly string[]): Promise<string> {
  const a = await age();
  const enc = new a.Encrypter();
  for (const r of recipients) enc.addRecipient(r);
  return a.armor.encode(await enc.encrypt(plaintext));
}

/** A new X25519 identity (short `age1...` recipients that every age implementation reads). */
export async function generateKey(): Promise<{ identity: string; recipient: string }> {
  const a = await age();
  const identity = await a.generateX25519Identity();
  return { identity, recipient: await a.identityToRecipient(identity) };
}

/** The recipient (public key) of an identity; throws ConfigError (78) naming `source` when it is not one. */
export async function recipientOf(identity: string, source: string): Promise<string> {
  const a = await age();
  try {
    return await a.identityToRecipient(identity);
  } catch (e) {
    throw new ConfigError(`${source}: not a valid age identity (${(e as Error).message}); create one with \`logbook secret keygen --force\`.`);
  }
}

/**
 * Decrypts an armored file with the given identities. A file none of them can open is ConfigError (78, the key is
 * wrong for it); a damaged file is DataError (65). Messages never quote the contents.
 */
export async function decryptArmored(armored: string, identities: readonly string[], o: { file: string; keyFile: string; recipients: readonly string[] }): Promise<string> {
  const a = await age();
  let raw: Uint8Array;
  try {
    raw = a.armor.decode(armored);
  } catch (e) {
    throw new DataError(`${o.file}: not an armored age file (${(e as Error).message}); it may be damaged: check it with git log in the vault repo.`);
  }
  const dec = new a.Decrypter();
  for (const id of identities) dec.addIdentity(id);
  try {
    return await dec.decrypt(raw, "text");
  } catch (e) {
    const message = (e as Error).message;
    if (/no identity matched/i.test(message)) {
      throw new ConfigError(
        `${o.file} was not encrypted to your age key (${o.keyFile}, recipient ${o.recipients.join(", ")}): this key cannot decrypt it. ` +
          `Use the identity file whose recipient is in vault.recipients (set LOGBOOK_AGE_IDENTITY to its path), or ask a teammate ` +
          `who can read it; add your recipient to vault.recipients so future saves include you.`,
        { file: o.file, reason: "wrong-key" },
      );
    }
    throw new DataError(`${o.file}: cannot be decrypted (${message}); the file may be damaged: check it with git log in the vault repo.`);
  }
}
