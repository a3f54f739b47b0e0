// Pure parts of the wiki: article format, guards, preservation rules, log reading, markdown items.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { DataError } from "../../src/errors.js";
import { parseArticle, parseSimpleYaml, renderArticle, yamlScalar } from "../../src/wiki/article.js";
import { draftFromLlm, LLM_JSON_SCHEMA, withholdSecrets } from "../../src/wiki/draft.js";
import { findFacts, guardText, knownFacts, stripBilling } from "../../src/wiki/guards.js";
import { isNone, itemsOf, oneLine } from "../../src/wiki/items.js";
import { parseLog } from "../../src/wiki/logs.js";
import { appendEntries, enforcePreserved, isPreserved, isResolvedMark, markResolved } from "../../src/wiki/preserve.js";
import { SynthesisError } from "../../src/wiki/providers/common.js";
import { parseTarget } from "../../src/wiki/target.js";
import { fromSchema } from "../helpers/fake-services.js";

const ARTICLE = `---
type: client
slug: acme
title: "Acme: the client"
last_compiled: 2026-06-05T18:50:00Z
sources:
  - clients/acme/session-logs/2026-06-05-mike-a.md
aliases:
  - ACME Inc
---

# Acme

## Overview

Text.

## Notes by hand

Keep me.

## Patterns

- one  
- two

## History
- 2026-06-05 mike — a: x
`;

test("article: parse and render round-trip byte for byte (hand sections and extra keys kept)", async () => {
  const a = await parseArticle(ARTICLE, "wiki/clients/acme.md");
  assert.equal(a.fm.title, "Acme: the client");
  assert.deepEqual(a.fm.extra, { aliases: ["ACME Inc"] });
  assert.equal(a.sections.find((s) => s.heading === "Patterns")!.core, "\n- one  \n- two");
  assert.equal(a.sections.find((s) => s.heading === "History")!.core, "- 2026-06-05 mike — a: x");
  assert.equal(await renderArticle(a), ARTICLE);
  // CRLF (a Windows checkout) reads the same.
  assert.deepEqual(await parseArticle(ARTICLE.replace(/\n/g, "\r\n"), "wiki/clients/acme.md"), a);
});

test("article: scalars are written so that YAML and the fast reader read them back the same", () => {
  for (const s of ["Acme", "Acme: the client", "true", "No", "123", "1e5", "0x1f", "- dash", "#hash", "a #b", "2026-06-05T18:50:00Z", "x:", "it's", '"q"', "tab\there", "ünï", "a|b", "[x]", "clients/acme/session-logs/2026-06-05-mike-a.md"]) {
    const line = `k: ${yamlScalar(s)}`;
    assert.equal((parseYaml(line) as { k: unknown }).k, s, line);
    const fast = parseSimpleYaml(line);
    if (fast) assert.equal(fast.k, s, line);
  }
});

test("article: bad frontmatter is a DataError naming the file and the field", async () => {
  const p = "wiki/clients/acme.md";
  const cases: [string, RegExp][] = [
    ["# no frontmatter\n", /wiki\/clients\/acme\.md: no frontmatter block/],
    [ARTICLE.replace("type: client", "type: customer"), /field "type" must be one of client, project, system, pattern/],
    [ARTICLE.replace("type: client", "type: project"), /field "type" is "project" but the article is in the client directory/],
    [ARTICLE.replace("slug: acme", "slug: other"), /field "slug" is "other" but the file is named acme\.md/],
    [ARTICLE.replace(/sources:\n.*\n/, "sources: clients/x.md\n"), /field "sources" must be a list/],
    [ARTICLE.replace("title: \"Acme: the client\"", "title: [unclosed"), /frontmatter is not valid YAML/],
  ];
  for (const [text, re] of cases) {
    await assert.rejects(parseArticle(text, p), (e: unknown) => e instanceof DataError && re.test(e.message) && e.message.startsWith(p), re.source);
  }
});

test("targets: <type>:<slug> with a safe slug; anything else is a usage error", () => {
  assert.deepEqual(parseTarget("client:acme"), { type: "client", slug: "acme" });
  assert.deepEqual(parseTarget("pattern:printer-vlan"), { type: "pattern", slug: "printer-vlan" });
  for (const bad of ["acme", "customer:acme", "client:", "client:../x", "client:Acme", "client:con"]) assert.throws(() => parseTarget(bad), /wiki target|slug/, bad);
});

test("guards: IPs, IPv6, FQDNs and vault paths are found; times, versions and file names are not", () => {
  const text =
    "Set dc01.acme.local to 10.0.0.10/24 and fe80::1%eth0 / 2001:db8::10 at 18:50:00 with v1.2.3 (see README.md, named.conf, Node.js). " +
    "Key at vault:clients/acme/dc01.age and ../vault/clients/x/y.txt, mail it@acme.example, https://portal.acme.com:8443/x. e.g. i.e. 1.2.3.4.5";
  const facts = findFacts(text, "../vault").map((f) => `${f.kind}:${f.text}`);
  assert.deepEqual(facts, [
    "host:dc01.acme.local",
    "ip:10.0.0.10",
    "ip:fe80::1",
    "ip:2001:db8::10",
    "vault:vault:clients/acme/dc01.age",
    "vault:../vault/clients/x/y.txt",
    "host:portal.acme.com",
  ]);
});

test("guards: unknown facts get (verify) once, known ones do not; idempotent; URL and ip:port kept whole", () => {
  const known = knownFacts(["dc01.acme.local 10.0.0.10", "old article: 10.1.1.1 and 10.2.2.2 (verify)"]);
  assert.ok(known.has("10.1.1.1"));
  assert.ok(!known.has("10.2.2.2"), "a fact the previous article marked (verify) is still unverified");
  const g = guardText("dc01.acme.local at 10.0.0.10; new 10.9.9.9:8443 and https://ghost.invalid/path, `10.2.2.2`, vault:x/y.age.", known);
  assert.equal(g.text, "dc01.acme.local at 10.0.0.10; new 10.9.9.9:8443 (verify) and https://ghost.invalid/path (verify), `10.2.2.2` (verify), vault:x/y.age (verify).");
  assert.deepEqual(g.flagged, ["10.9.9.9", "ghost.invalid", "10.2.2.2", "vault:x/y.age"]);
  const again = guardText(g.text, known);
  assert.equal(again.text, g.text);
  assert.deepEqual(again.flagged, []);
});

test("guards: billing figures are removed from drafts, the rest of the line stays", () => {
  const r = stripBilling("- Fixed DNS. Billed 3.5 hours to Acme.\n- 12 open tickets remain.\n- Rebooted fw01.\n```\nbillable 4 h in code stays\n```");
  assert.equal(r.text, "- Fixed DNS.\n- Rebooted fw01.\n```\nbillable 4 h in code stays\n```");
  assert.deepEqual(r.removed, ["Billed 3.5 hours to Acme.", "12 open tickets remain."]);
});

test("preservation: appends and resolved marks pass; edits, deletions, reorders and inline appends do not", () => {
  const old = "\n- [ ] printers drop off VLAN 20\n- hand line  ";
  assert.ok(isPreserved(old, `${old}\n- new entry`));
  assert.ok(isPreserved(old, "\n- [x] printers drop off VLAN 20\n- hand line  "));
  assert.ok(isPreserved(old, "\n- [ ] printers drop off VLAN 20 _(resolved 2026-06-07)_\n- hand line  \n- new"));
  assert.ok(isResolvedMark("- a thing", "- a thing — resolved 2026-06-07 by alice"));
  assert.ok(!isPreserved(old, "\n- [ ] printers drop off VLAN 20\n- hand line"), "trailing spaces are bytes too");
  assert.ok(!isPreserved(old, "\n- hand line  \n- [ ] printers drop off VLAN 20"));
  assert.ok(!isPreserved(old, "\n- [ ] printers drop off VLAN 20"));
  assert.ok(!isPreserved(old, "\n- [ ] printers drop off VLAN 20\n- hand line  and more"));
  assert.ok(!isPreserved(old, "\n- [ ] Printers drop off VLAN 20\n- hand line  "));
  const e = enforcePreserved(old, "- printers drop off vlan 20\n- brand new entry\n  continuation dropped\n## Heading");
  assert.equal(e.accepted, false);
  assert.equal(e.core, `${old}\n- brand new entry`);
  assert.equal(appendEntries("", ["x", "- y"]), "\n- x\n- y");
  assert.equal(markResolved("\n- keep\n- [ ] fix the VLAN", (l) => (l.includes("VLAN") ? "2026-06-07" : undefined)), "\n- keep\n- [x] fix the VLAN _(resolved 2026-06-07)_");
});

test("logs: an old seed log without frontmatter takes user and date from its User block and file name", () => {
  const d = parseLog(
    "clients/acme/session-logs/2025-12-01-mike-printer-fix.md",
    "# Session log: printer fix (2025-12-01)\n\n## User\n- **User:** Alice Chen (alice)\n\n## Session Summary\nFixed it.\n\n## Update: 14:05 PST — follow-up\n\n### Session Summary\nChecked again.\n\n### Pending / Incomplete Tasks\n- Call the vendor.\n",
  );
  assert.equal(d.date, "2025-12-01");
  assert.equal(d.user, "alice");
  assert.equal(d.topic, "printer fix");
  assert.equal(d.entries.length, 2);
  assert.equal(d.entries[1]!.update, "14:05 PST — follow-up");
  assert.equal(d.entries[1]!.sections.pending, "- Call the vendor.\n");
  const bare = parseLog("session-logs/2025-12-02-bob-x.md", "## Session Summary\nhi\n");
  assert.deepEqual([bare.date, bare.user, bare.topic], ["2025-12-02", "bob", "x"]);
});

test("items: bullets with continuations, paragraphs, tables and code blocks; None. is nothing", () => {
  const items = itemsOf("- one\n  more of one\n* two\n\nA paragraph\nwrapped.\n\n| h | i |\n|---|---|\n| a | b |\n\n```sh\ndig x\n```\nNone.");
  assert.deepEqual(items.map((i) => [i.text, i.block]), [
    ["- one\n  more of one", false],
    ["- two", false],
    ["- A paragraph wrapped.", false],
    ["| h | i |\n|---|---|\n| a | b |", true],
    ["```sh\ndig x\n```", true],
  ]);
  for (const n of ["None.", "N/A", "none yet", "- None", "Nothing."]) assert.ok(isNone(n), n);
  assert.ok(!isNone("None of the printers work on VLAN 20 after the update"));
  assert.equal(oneLine("Rebuilt dc01.acme.local. Then **checked** it twice and more words to get past eighty characters in total here."), "Rebuilt dc01.acme.local. Then checked it twice and more words to get past eighty characters in total here.");
});

test("LLM drafts: the schema's own example validates; wrong shapes are SynthesisErrors; headings are demoted", () => {
  const d = draftFromLlm(fromSchema(LLM_JSON_SCHEMA, "## Sneaky heading\ntext"), "Anthropic");
  assert.equal(d.overview, "### Sneaky heading\ntext");
  assert.equal(d.environment, "- ## Sneaky heading\n  text", "inside a list item it opens no section");
  assert.throws(() => draftFromLlm({ overview: "x" }, "Anthropic"), (e: unknown) => e instanceof SynthesisError && e.kind === "invalid" && /field "environment"/.test(e.message));
  assert.throws(() => draftFromLlm([], "Ollama"), SynthesisError);
});

test("LLM prompts: credential values are withheld, vault references kept", () => {
  const log = "## Session Summary\nDid it.\n\n## Credentials & Secrets\n- admin / Hunter2-SECRET\n- token abc123SECRET\n- vault:clients/acme/admin.age\n\n## Infrastructure & Servers\n- dc01 10.0.0.10\n\n## Update: 14:05 PST — more\n\n### Credentials\nNone.\n### Key Decisions\n- kept\n";
  const out = withholdSecrets(log);
  assert.ok(!out.includes("SECRET"), out);
  assert.match(out, /## Credentials & Secrets\n\[credential lines withheld from the wiki compiler\]\n- vault:clients\/acme\/admin\.age\n\n## Infrastructure/);
  assert.match(out, /### Credentials\nNone\.\n### Key Decisions\n- kept/);
  assert.match(out, /- dc01 10\.0\.0\.10/);
});
