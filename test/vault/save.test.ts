// vaultSecrets in-process: configuration checked before anything is written, one armored file per save, every
// recipient can decrypt, references resolve, and values written elsewhere in the narrative are replaced too.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.js";
import { EXIT, LogbookError } from "../../src/errors.js";
import { parseNarrative, type Narrative } from "../../src/log/narrative.js";
import { decryptArmored } from "../../src/vault/crypto.js";
import { parseIdentityFile } from "../../src/vault/keys.js";
import { parseRef } from "../../src/vault/refs.js";
import { vaultSecrets } from "../../src/vault/save.js";
import { parseVaultDocument } from "../../src/vault/store.js";
import { git, narrative, testDeps } from "../helpers/index.js";
import { configYaml, filesContaining, listFiles, makeKey, vaultFixture, type Key, type VaultFixture } from "./kit.js";

const SECRET = "Hunter2-SECRET-9QX";

function parsed(secrets: string, extra = ""): Narrative {
  const text = narrative("vaulted", extra).replace("## Credentials & Secrets\nNone.", `## Credentials & Secrets\n${secrets}`);
  const p = parseNarrative(text, "stdin");
  assert.ok(p.value, p.errors.join("; "));
  return p.value;
}

const opts = (f: VaultFixture, session = "s1") => ({
  root: f.root,
  config: f.config,
  logDir: "clients/acme/session-logs",
  base: "2026-06-05-mike-vaulted",
  session,
  deps: testDeps(f.root, { env: f.env }),
});

async function decryptWith(f: VaultFixture, path: string, key: Key) {
  const armored = readFileSync(join(f.vault, ...path.split("/")), "utf8");
  const ids = parseIdentityFile(readFileSync(key.file, "utf8"));
  return parseVaultDocument(await decryptArmored(armored, ids, { file: path, keyFile: key.file, recipients: [key.recipient] }), path);
}

test("inline mode (the default) changes nothing and writes nothing", async (t) => {
  const f = await vaultFixture(t, { yaml: () => "timezone: UTC\n" });
  const n = parsed(`- admin: ${SECRET}`);
  const r = await vaultSecrets(n, opts(f));
  assert.equal(r.narrative, n);
  assert.deepEqual([r.files, r.count], [[], 0]);
  assert.deepEqual(listFiles(f.vault), []);
});

test("vault mode: each value goes to one armored file every recipient can open; the log keeps references", async (t) => {
  const f = await vaultFixture(t, { keyCount: 2 });
  const block = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
  const n = parsed(`- backup admin password: ${SECRET}\n- db url: postgres://app:Zx9-pw@db01:5432/main\n\n### tls key\n\`\`\`\n${block}\n\`\`\``);
  const r = await vaultSecrets(n, opts(f));
  assert.equal(r.count, 3);
  assert.deepEqual(r.files, ["clients/acme/session-logs/2026-06-05-mike-vaulted.s1.age"]);
  const armored = readFileSync(join(f.vault, ...r.files[0]!.split("/")), "utf8");
  assert.match(armored, /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
  assert.ok(!armored.includes(SECRET));
  const secrets = r.narrative.sections.secrets!;
  assert.equal(
    secrets,
    [
      `- backup admin password: vault:${r.files[0]}#backup admin password`,
      `- db url: vault:${r.files[0]}#db url`,
      "",
      "### tls key",
      `- tls key: vault:${r.files[0]}#tls key`,
    ].join("\n"),
  );
  for (const key of f.keys) {
    const doc = await decryptWith(f, r.files[0]!, key);
    assert.deepEqual(doc.secrets, { "backup admin password": SECRET, "db url": "postgres://app:Zx9-pw@db01:5432/main", "tls key": block });
    assert.equal(doc.session, "s1");
    assert.equal(doc.log, "clients/acme/session-logs/2026-06-05-mike-vaulted");
  }
  // every reference in the log resolves to its value
  for (const line of secrets.split("\n").filter((l) => l.includes("vault:"))) {
    const ref = parseRef(line.slice(line.indexOf("vault:")));
    const doc = await decryptWith(f, ref.path, f.keys[1]!);
    assert.ok(doc.secrets[ref.label]);
  }
  // no temp file left in the vault's working tree; the other sections are untouched
  assert.deepEqual(listFiles(f.vault), [r.files[0]]);
  assert.equal(r.narrative.sections.summary, n.sections.summary);
});

test("a second save of the same session adds a new file; the first is never rewritten", async (t) => {
  const f = await vaultFixture(t);
  const first = await vaultSecrets(parsed(`- a: ${SECRET}`), opts(f));
  const before = readFileSync(join(f.vault, ...first.files[0]!.split("/")), "utf8");
  const second = await vaultSecrets(parsed("- a: Second-Value-77"), opts(f));
  const third = await vaultSecrets(parsed("- a: Third-Value-88"), opts(f));
  assert.deepEqual(
    [first.files, second.files, third.files],
    [["clients/acme/session-logs/2026-06-05-mike-vaulted.s1.age"], ["clients/acme/session-logs/2026-06-05-mike-vaulted.s1.2.age"], ["clients/acme/session-logs/2026-06-05-mike-vaulted.s1.3.age"]],
  );
  assert.equal(readFileSync(join(f.vault, ...first.files[0]!.split("/")), "utf8"), before);
  assert.deepEqual((await decryptWith(f, second.files[0]!, f.keys[0]!)).secrets, { a: "Second-Value-77" });
  // a session id with characters a file name cannot hold everywhere
  const odd = await vaultSecrets(parsed("- a: x"), opts(f, "abc:def/1"));
  assert.deepEqual(odd.files, ["clients/acme/session-logs/2026-06-05-mike-vaulted.abc-def-1.age"]);
});

test("no secret in the section (None., references only): no file", async (t) => {
  const f = await vaultFixture(t);
  for (const s of ["None.", "- old: vault:clients/acme/session-logs/x.s0.age#old"]) {
    const n = parsed(s);
    const r = await vaultSecrets(n, opts(f));
    assert.deepEqual([r.files, r.count, r.narrative.sections.secrets], [[], 0, s]);
  }
  assert.deepEqual(listFiles(f.vault), []);
});

test("a value also written in another section is replaced there by its reference, with a warning naming no value", async (t) => {
  const f = await vaultFixture(t);
  const n = parsed(`- sa password: ${SECRET}\n- pin: 1234`, `\n## Note for alice\nThe sa password is ${SECRET}, pin 1234.\n`);
  n.sections.commands = `- sqlcmd -U sa -P ${SECRET} -Q "select 1"`;
  const o = opts(f);
  const r = await vaultSecrets(n, o);
  const ref = `vault:${r.files[0]}#sa password`;
  assert.equal(r.narrative.sections.commands, `- sqlcmd -U sa -P ${ref} -Q "select 1"`);
  assert.equal(r.narrative.extra[0]!.body, `The sa password is ${ref}, pin 1234.`);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /"sa password" also appeared in ## Commands & Outputs, ## Note for alice/);
  assert.ok(!JSON.stringify(o.deps.events).includes(SECRET));
  assert.ok(!JSON.stringify(r.narrative).includes(SECRET));
});

test("suspect lines are reported by line number, never quoted", async (t) => {
  const f = await vaultFixture(t);
  const o = opts(f);
  const r = await vaultSecrets(parsed(`The root password is ${SECRET}\n- admin: other-value-1`), o);
  assert.equal(r.count, 1);
  assert.match(r.warnings[0]!, /line 1 may hold a value/);
  assert.ok(!JSON.stringify(o.deps.events).includes(SECRET));
});

test("configuration errors are exit 78 and nothing is written: no path, no recipients, a bad recipient, no clone, not a clone root", async (t) => {
  const f = await vaultFixture(t);
  const good = f.keys[0]!.recipient;
  const cases: [string, string, RegExp][] = [
    ["no vault.path", configYaml({ recipients: [good] }), /vault\.path/],
    ["no recipients", configYaml({ path: "../vault" }), /vault\.recipients/],
    ["empty recipients", configYaml({ path: "../vault", recipients: [] }), /vault\.recipients/],
    ["bad recipient", configYaml({ path: "../vault", recipients: [good, "age1qqqqqqqqqqqqqqqq"] }), /vault\.recipients\.1/],
    ["missing clone", configYaml({ path: "../nowhere", recipients: [good] }), /no vault clone/],
    ["inside the main repo", configYaml({ path: "sub", recipients: [good] }), /not the root of a git clone/],
    ["the main repo itself", configYaml({ path: ".", recipients: [good] }), /separate clone/],
  ];
  mkdirSync(join(f.root, "sub"));
  for (const [name, yaml, re] of cases) {
    writeFileSync(join(f.root, ".logbook", "config.yaml"), yaml);
    const config = await loadConfig(f.root, () => {});
    await assert.rejects(
      vaultSecrets(parsed(`- admin: ${SECRET}`), { ...opts(f), config }),
      (e: unknown) => e instanceof LogbookError && e.exitCode === EXIT.config && re.test(e.message) && !e.message.includes(SECRET),
      name,
    );
  }
  assert.deepEqual(listFiles(f.vault), []);
  assert.deepEqual(filesContaining(join(f.root, ".."), SECRET), []);
  git(f.root, ["status", "--porcelain"], f.env);
});

test("an absolute vault.path works the same", async (t) => {
  const f = await vaultFixture(t);
  writeFileSync(join(f.root, ".logbook", "config.yaml"), configYaml({ path: f.vault, recipients: [f.keys[0]!.recipient] }));
  const config = await loadConfig(f.root, () => {});
  const r = await vaultSecrets(parsed(`- a: ${SECRET}`), { ...opts(f), config });
  assert.deepEqual((await decryptWith(f, r.files[0]!, f.keys[0]!)).secrets, { a: SECRET });
  // a key that is not a recipient cannot open it
  const other = await makeKey(join(f.home, "k"), "other");
  await assert.rejects(decryptWith(f, r.files[0]!, other), (e: unknown) => e instanceof LogbookError && e.exitCode === EXIT.config && /not encrypted to your age key/.test(e.message));
});
