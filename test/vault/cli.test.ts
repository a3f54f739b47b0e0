// `logbook secret keygen` and `logbook secret get` as real processes.
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseNarrative } from "../../src/log/narrative.js";
import { parseIdentityFile } from "../../src/vault/keys.js";
import { vaultSecrets } from "../../src/vault/save.js";
import { narrative, runCli, testDeps } from "../helpers/index.js";
import { vaultFixture, type VaultFixture } from "./kit.js";

const SECRET = "Hunter2-SECRET-9QX";
const BLOCK = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----";
const RECIPIENT = /\bage1[0-9a-z]{50,}\b/;

const cli = (f: VaultFixture, args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: f.root, env: { ...f.env, ...env } });

/** Vaults two secrets for the fixture's recipients; returns their references. */
async function vaulted(f: VaultFixture): Promise<{ line: string; block: string }> {
  const text = narrative("cli").replace("## Credentials & Secrets\nNone.", `## Credentials & Secrets\n- backup admin password: ${SECRET}\n\n### ssh key\n\`\`\`\n${BLOCK}\n\`\`\``);
  const r = await vaultSecrets(parseNarrative(text, "stdin").value!, {
    root: f.root, config: f.config, logDir: "clients/acme/session-logs", base: "2026-06-05-mike-cli", session: "s1", deps: testDeps(f.root, { env: f.env }),
  });
  return { line: `vault:${r.files[0]}#backup admin password`, block: `vault:${r.files[0]}#ssh key` };
}

test("secret keygen: creates ~/.config/logbook/age.key (0600), prints its recipient, never overwrites without --force", async (t) => {
  const f = await vaultFixture(t);
  const file = join(f.home, ".config", "logbook", "age.key");
  const r = await cli(f, ["secret", "keygen"]);
  assert.equal(r.code, 0, r.stderr);
  const recipient = RECIPIENT.exec(r.stdout)?.[0];
  assert.ok(recipient, r.stdout);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(`# public key: ${recipient}`));
  assert.equal(parseIdentityFile(text).length, 1);
  assert.ok(!r.stdout.includes("AGE-SECRET-KEY") && !r.stderr.includes("AGE-SECRET-KEY"), "the secret key is never printed");
  if (process.platform !== "win32") {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(f.home, ".config", "logbook")).mode & 0o077, 0);
  }

  const again = await cli(f, ["secret", "keygen"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists .*--force/s);
  assert.ok(again.stderr.includes(recipient));
  assert.equal(readFileSync(file, "utf8"), text);

  const forced = await cli(f, ["secret", "keygen", "--force", "--json"]);
  assert.equal(forced.code, 0, forced.stderr);
  const j = JSON.parse(forced.stdout) as { path: string; recipient: string; replaced: boolean };
  assert.deepEqual([j.path, j.replaced], [file, true]);
  assert.notEqual(j.recipient, recipient);
  assert.ok(readFileSync(file, "utf8").includes(j.recipient));
  if (process.platform !== "win32") assert.equal(statSync(file).mode & 0o777, 0o600);

  // LOGBOOK_AGE_IDENTITY names the file instead; usage errors are 64
  const other = join(f.home, "elsewhere", "me.key");
  const viaEnv = await cli(f, ["secret", "keygen"], { LOGBOOK_AGE_IDENTITY: other });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.ok(readFileSync(other, "utf8").includes(RECIPIENT.exec(viaEnv.stdout)![0]));
  for (const args of [["secret"], ["secret", "rotate"], ["secret", "get"], ["secret", "keygen", "extra"], ["secret", "get", "x", "--force"]]) {
    assert.equal((await cli(f, args)).code, 64, args.join(" "));
  }
});

test("secret get: round trip for a line and a fenced block, with LOGBOOK_AGE_IDENTITY and with the default key file", async (t) => {
  const f = await vaultFixture(t);
  const refs = await vaulted(f);
  const key = { LOGBOOK_AGE_IDENTITY: f.keys[0]!.file };
  const line = await cli(f, ["secret", "get", refs.line], key);
  assert.deepEqual([line.code, line.stdout, line.stderr], [0, `${SECRET}\n`, ""]);
  const block = await cli(f, ["secret", "get", refs.block], key);
  assert.deepEqual([block.code, block.stdout], [0, `${BLOCK}\n`]);
  const json = await cli(f, ["secret", "get", `\`${refs.line}\``, "--json"], key);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { ref: refs.line, path: refs.line.slice(6, refs.line.indexOf("#")), label: "backup admin password", value: SECRET });
  // from a subdirectory, with the key at ~/.config/logbook/age.key
  const { mkdirSync } = await import("node:fs");
  mkdirSync(join(f.home, ".config", "logbook"), { recursive: true });
  writeFileSync(join(f.home, ".config", "logbook", "age.key"), readFileSync(f.keys[0]!.file), { mode: 0o600 });
  mkdirSync(join(f.root, "deep", "er"), { recursive: true });
  const sub = await runCli(["secret", "get", refs.line], { cwd: join(f.root, "deep", "er"), env: f.env });
  assert.deepEqual([sub.code, sub.stdout], [0, `${SECRET}\n`]);
});

test("secret get: two recipients can each decrypt", async (t) => {
  const f = await vaultFixture(t, { keyCount: 2 });
  const refs = await vaulted(f);
  for (const k of f.keys) {
    const r = await cli(f, ["secret", "get", refs.line], { LOGBOOK_AGE_IDENTITY: k.file });
    assert.deepEqual([r.code, r.stdout], [0, `${SECRET}\n`], k.file);
  }
});

test("secret get: a key that is not a recipient is exit 78 with a clear message, and nothing of the value is printed", async (t) => {
  const f = await vaultFixture(t);
  const refs = await vaulted(f);
  const gen = await cli(f, ["secret", "keygen"], { LOGBOOK_AGE_IDENTITY: join(f.home, "wrong.key") });
  assert.equal(gen.code, 0, gen.stderr);
  for (const json of [false, true]) {
    const r = await cli(f, ["secret", "get", refs.line, ...(json ? ["--json"] : [])], { LOGBOOK_AGE_IDENTITY: join(f.home, "wrong.key") });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /was not encrypted to your age key .*wrong\.key/);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    if (json) assert.equal((JSON.parse(r.stdout) as { exitCode: number }).exitCode, 78);
  }
});

test("secret get: missing key file 78, unknown label 65, missing vault file 65, bad reference 64, no vault.path 78", async (t) => {
  const f = await vaultFixture(t);
  const refs = await vaulted(f);
  const key = { LOGBOOK_AGE_IDENTITY: f.keys[0]!.file };
  const noKey = await cli(f, ["secret", "get", refs.line]);
  assert.equal(noKey.code, 78);
  assert.match(noKey.stderr, /no age identity at .*age\.key.*logbook secret keygen/);
  const notKey = join(f.home, "garbage.key");
  writeFileSync(notKey, "not a key\n");
  assert.equal((await cli(f, ["secret", "get", refs.line], { LOGBOOK_AGE_IDENTITY: notKey })).code, 78);
  const label = await cli(f, ["secret", "get", refs.line.replace(/#.*$/, "#nope")], key);
  assert.equal(label.code, 65);
  assert.match(label.stderr, /no secret labelled "nope"; its labels are: "backup admin password", "ssh key"/);
  assert.ok(!label.stderr.includes(SECRET));
  const missing = await cli(f, ["secret", "get", "vault:clients/acme/session-logs/none.s9.age#x"], key);
  assert.equal(missing.code, 65);
  assert.match(missing.stderr, /logbook sync/);
  assert.equal((await cli(f, ["secret", "get", "vault:../../etc/passwd.age#x"], key)).code, 64);
  assert.equal((await cli(f, ["secret", "get", "clients/acme/x.age#x"], key)).code, 64);
  writeFileSync(join(f.root, ".logbook", "config.yaml"), "timezone: UTC\n");
  const noPath = await cli(f, ["secret", "get", refs.line], key);
  assert.equal(noPath.code, 78);
  assert.match(noPath.stderr, /vault\.path/);
});
