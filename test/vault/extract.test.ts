// Finding secrets in the Credentials & Secrets section, and the vault reference format. Pure: no disk.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractSecrets, splitItem } from "../../src/vault/extract.js";
import { formatRef, parseRef } from "../../src/vault/refs.js";
import { EXIT, LogbookError } from "../../src/errors.js";

const REF = "vault:clients/acme/session-logs/2026-06-05-mike-dns.s1.age";
const render = (section: string) => extractSecrets(section).render((s) => formatRef(REF.slice(6), s.label));

test("None. and plain prose hold no secret", () => {
  for (const text of ["None.", "none", "- None.", "N/A", "Nothing new this session.", ""]) {
    const x = extractSecrets(text);
    assert.deepEqual(x.secrets, [], text);
    assert.deepEqual(x.suspect, [], text);
    assert.equal(x.render(() => "X"), text);
  }
});

test("list items: label and value, whatever the marker; values with colons and spaces; labels with spaces", () => {
  const section = [
    "- backup admin password: Hunter2-SECRET-9QX",
    "* db url: postgres://app:p4ss@db01:5432/main",
    "+ wifi passphrase: correct horse: battery staple",
    "1. api token: tok_live_123",
    "  - nested user: svc-backup",
  ].join("\n");
  const x = extractSecrets(section);
  assert.deepEqual(
    x.secrets.map((s) => [s.label, s.value, s.kind, s.line]),
    [
      ["backup admin password", "Hunter2-SECRET-9QX", "item", 1],
      ["db url", "postgres://app:p4ss@db01:5432/main", "item", 2],
      ["wifi passphrase", "correct horse: battery staple", "item", 3],
      ["api token", "tok_live_123", "item", 4],
      ["nested user", "svc-backup", "item", 5],
    ],
  );
  assert.equal(
    render(section),
    [
      `- backup admin password: ${REF}#backup admin password`,
      `* db url: ${REF}#db url`,
      `+ wifi passphrase: ${REF}#wifi passphrase`,
      `1. api token: ${REF}#api token`,
      `  - nested user: ${REF}#nested user`,
    ].join("\n"),
  );
});

test("bold labels, code-formatted values, a URL in the value", () => {
  assert.deepEqual(splitItem("**VPN PSK:** s3cr3t-psk"), { label: "VPN PSK", value: "s3cr3t-psk" });
  assert.deepEqual(splitItem("**VPN PSK**: s3cr3t-psk"), { label: "VPN PSK", value: "s3cr3t-psk" });
  assert.deepEqual(splitItem("`token`: `abc def`"), { label: "token", value: "abc def" });
  assert.deepEqual(splitItem("portal: https://portal.example.com/login?x=1"), { label: "portal", value: "https://portal.example.com/login?x=1" });
  assert.equal(splitItem("https://example.com/no-label"), undefined);
  assert.equal(splitItem("Rotated the VPN key"), undefined);
});

test("a fenced block under a ### heading is one secret; the heading stays, the block becomes the reference line", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n\nAAAAtail==\n-----END OPENSSH PRIVATE KEY-----";
  const section = ["Keys created today:", "", "### backup host key", "", "```text", key, "```", "", "### vpn config", "~~~~", "[Peer]", "``` not a close", "PresharedKey = abc", "~~~~"].join("\n");
  const x = extractSecrets(section);
  assert.deepEqual(
    x.secrets.map((s) => [s.label, s.value, s.kind]),
    [
      ["backup host key", key, "block"],
      ["vpn config", "[Peer]\n``` not a close\nPresharedKey = abc", "block"],
    ],
  );
  assert.equal(
    x.render((s) => `REF#${s.label}`),
    ["Keys created today:", "", "### backup host key", "", "- backup host key: REF#backup host key", "", "### vpn config", "- vpn config: REF#vpn config"].join("\n"),
  );
});

test("an item `- <label>:` with no value labels the fenced block after it; an unlabeled block is still vaulted", () => {
  const section = ["- SSH key:", "", "  ```", "  line one", "    indented two", "  ```", "", "```", "loose secret 77", "```"].join("\n");
  const x = extractSecrets(section);
  assert.deepEqual(
    x.secrets.map((s) => [s.label, s.value, s.line]),
    [
      ["SSH key", "line one\n  indented two", 1],
      ["block 1", "loose secret 77", 8],
    ],
  );
  assert.equal(x.render((s) => `R#${s.label}`), ["- SSH key: R#SSH key", "", "", "- block 1: R#block 1"].join("\n"));
});

test("an unclosed fence runs to the end: none of it stays in the log", () => {
  const x = extractSecrets("### root ca key\n```\nSECRET-LINE-1\nSECRET-LINE-2");
  assert.deepEqual(x.secrets.map((s) => s.value), ["SECRET-LINE-1\nSECRET-LINE-2"]);
  assert.equal(x.render(() => "R"), "### root ca key\n- root ca key: R");
});

test("existing vault references are kept as they are; duplicate labels get a number", () => {
  const section = ["- old key: vault:clients/acme/x.age#old key", "- old2: `vault:a/b.age#c`", "- password: one1", "- password: two2", "- password 2: three3"].join("\n");
  const x = extractSecrets(section);
  assert.deepEqual(x.secrets.map((s) => [s.label, s.value]), [["password", "one1"], ["password 2", "two2"], ["password 2 2", "three3"]]);
  const out = x.render((s) => `R#${s.label}`);
  assert.ok(out.startsWith("- old key: vault:clients/acme/x.age#old key\n- old2: `vault:a/b.age#c`\n"));
});

test("a wrapped value (lines continuing the item) is moved whole", () => {
  const section = "- license key: AAAA-BBBB\n  CCCC-DDDD\nEEEE\n\n- next: x";
  const x = extractSecrets(section);
  assert.deepEqual(x.secrets.map((s) => s.value), ["AAAA-BBBB\nCCCC-DDDD\nEEEE", "x"]);
  assert.equal(x.render(() => "R"), "- license key: R\n\n- next: R");
});

test("lines that may hold a value but are in no recognised form are reported by line number (kept as written)", () => {
  const x = extractSecrets("None.\nThe root password is Winter2026x now\npassword=abc\n- rotated the key\nSee the ticket.");
  assert.deepEqual(x.secrets, []);
  assert.deepEqual(x.suspect, [2, 3]);
  const quiet = extractSecrets("Rotated at 10:30 PST, see https://wiki.example.com/x?a=1 and ticket 4411.\n- changed the key on fw01");
  assert.deepEqual(quiet.suspect, []);
  assert.deepEqual(extractSecrets("Portal: https://admin:Pw12345@portal.example.com").suspect, [1]);
});

test("rendering never leaves a value behind", () => {
  const values = ["Hunter2-SECRET-9QX", "p@ss: w0rd with spaces", "-----BEGIN KEY-----\nXYZ\n-----END KEY-----"];
  const section = `- a: ${values[0]}\n- b c: ${values[1]}\n### d\n\`\`\`\n${values[2]}\n\`\`\``;
  const out = render(section);
  for (const v of values) for (const part of v.split("\n")) assert.ok(!out.includes(part), part);
});

test("references: format and parse round trip, labels with spaces and #; bad ones are usage errors (64)", () => {
  const path = "clients/acme/session-logs/2026-06-05-mike-dns-fix.3f2a.age";
  for (const label of ["backup admin password", "key #2", "a:b"]) {
    assert.deepEqual(parseRef(formatRef(path, label)), { path, label });
  }
  assert.deepEqual(parseRef(` \`${formatRef(path, "x")}\` `), { path, label: "x" });
  for (const bad of ["clients/x.age#a", "vault:clients/x.age", "vault:clients/x.txt#a", "vault:../x.age#a", "vault:/etc/x.age#a", "vault:a//b.age#a", "vault:a\\b.age#a"]) {
    assert.throws(() => parseRef(bad), (e: unknown) => e instanceof LogbookError && e.exitCode === EXIT.usage, bad);
  }
});
