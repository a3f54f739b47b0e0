// The wiki phase inside save, offline: root-scope skip, seed vs recompile, byte-preserved Patterns/History over
// 20 recompiles with hand edits, determinism, softfail on a broken article, concurrent phases.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { narrative } from "../helpers/index.js";
import { frontmatter, section, warnings, wikiRepo } from "./kit.js";

const A = "wiki/clients/acme.md";

test("root scope skips the wiki phase: nothing written, nothing to commit", async (t) => {
  const r = wikiRepo(t);
  const log = await r.save("general", "weekly-review");
  const { result, deps } = await r.phase(log);
  assert.deepEqual(result, { status: "skipped", changed: [], warnings: [] });
  assert.equal(existsSync(join(r.root, "wiki")), false);
  assert.deepEqual(deps.events, []);
});

test("first save seeds the article, the next recompiles it from all sources plus the new log", async (t) => {
  const r = wikiRepo(t);
  const l1 = await r.save("client:acme", "dns-fix", { at: "2026-06-05T18:50:00Z" });
  const first = await r.phase(l1);
  assert.equal(first.result.status, "seeded");
  assert.equal(first.result.target, "client:acme");
  assert.deepEqual(first.result.changed, [A, "wiki/index.md"]);
  const a1 = r.read(A);
  assert.match(frontmatter(a1), /^---\ntype: client\nslug: acme\ntitle: Acme\nlast_compiled: 2026-06-05T18:50:00Z\nsources:\n {2}- clients\/acme\/session-logs\/2026-06-05-mike-dns-fix\.md\n---\n$/);
  for (const h of ["Overview", "Environment & Infrastructure", "Systems", "Open Items", "Recent Work", "Key Decisions", "Problems & Resolutions", "Configuration Changes", "Reference", "Patterns", "History"]) {
    assert.ok(a1.includes(`\n## ${h}\n`), `section ${h}`);
  }
  assert.match(section(a1, "Environment & Infrastructure"), /dc01\.acme\.local 10\.0\.0\.10/);
  assert.match(section(a1, "Systems"), /\| dc01\.acme\.local \| 10\.0\.0\.10 \| 2026-06-05 \|/);
  assert.match(section(a1, "Open Items"), /- \[ \] Remove the old forwarder next week\. _\(2026-06-05 mike, dns-fix\)_/);
  assert.match(section(a1, "History"), /^\n- 2026-06-05 mike — dns-fix: Worked on client:acme dns-fix\. Replaced the DNS forwarders on dc01 and verified resolution\. \(\[2026-06-05-mike-dns-fix\.md\]\(\.\.\/\.\.\/clients\/acme\/session-logs\/2026-06-05-mike-dns-fix\.md\)\)\n$/);
  assert.match(r.read("wiki/index.md"), /\| \[Acme\]\(clients\/acme\.md\) \| wiki\/clients\/acme\.md \| 2026-06-05T18:50:00Z \|/);

  const l2 = await r.save("client:acme", "vpn", { at: "2026-06-07T17:00:00Z", user: "alice" });
  const second = await r.phase(l2);
  assert.equal(second.result.status, "compiled");
  const a2 = r.read(A);
  const fm = frontmatter(a2);
  assert.match(fm, /last_compiled: 2026-06-07T17:00:00Z/);
  assert.equal((fm.match(/session-logs\/[\w.-]+\.md/g) ?? []).length, 2);
  assert.match(fm, /2026-06-07-alice-vpn\.md/);
  assert.equal((section(a2, "History").match(/^- /gm) ?? []).length, 2);
  assert.match(section(a2, "Recent Work"), /^\n- \*\*2026-06-07\*\* alice — vpn: /);
  // The same problem in two sessions became a Pattern.
  assert.match(section(a2, "Patterns"), /Recurring problem \(2 sessions since 2026-06-05\): Resolution failed until the firewall rule was added\./);

  // The same session saving again appends an update to its log: still one History entry per session.
  const l3 = await r.save("client:acme", "vpn", { at: "2026-06-07T21:00:00Z", user: "alice", text: narrative("the follow-up") });
  assert.equal(l3, l2);
  await r.phase(l3);
  const a3 = r.read(A);
  assert.equal((section(a3, "History").match(/^- /gm) ?? []).length, 2);
  assert.match(section(a3, "Recent Work"), /vpn \(update 14:00 PDT — vpn\): Worked on the follow-up\./);
});

test("Patterns and History survive 20 successive recompiles with hand edits, byte for byte", async (t) => {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "start", { at: "2026-06-01T16:00:00Z" }));
  const day = (i: number) => `2026-06-${String(2 + i).padStart(2, "0")}T16:00:00Z`;
  const core = (text: string, name: string) => section(text, name).replace(/\n+$/, "");
  for (let i = 0; i < 20; i++) {
    let text = r.read(A);
    // Hand edits of every kind a person makes: append, rewrite a line, odd markdown, a blank line inside.
    const editP = (s: string) =>
      i % 3 === 0 ? `${s}\n- HAND-P${i}: printers drop off VLAN 20 after firmware updates (hand)` : i % 3 === 1 ? s.replace(/\n- /, `\n- **edited ${i}** `) : `${s}\n\n  * nested hand note ${i} with trailing spaces  `;
    const editH = (s: string) => (i % 2 === 0 ? `${s}\n- HAND-H${i} 2026-01-02 migrated mail to M365 (by hand)` : `${s}\n> quoted hand remark ${i}`);
    const p0 = core(text, "Patterns");
    const h0 = core(text, "History");
    text = text.replace(`## Patterns\n${section(text, "Patterns")}`, `## Patterns\n${editP(p0)}\n\n`);
    text = text.replace(`## History\n${section(text, "History")}`, `## History\n${editH(h0)}\n`);
    r.write(A, text);
    const pBefore = core(text, "Patterns");
    const hBefore = core(text, "History");
    const log = await r.save("client:acme", `step-${i}`, { at: day(i), text: narrative(`step ${i}`, i === 10 ? "" : "") });
    const { result } = await r.phase(log);
    assert.equal(result.status, "compiled", `recompile ${i}`);
    const after = r.read(A);
    const pAfter = core(after, "Patterns");
    const hAfter = core(after, "History");
    assert.ok(pAfter.startsWith(pBefore), `Patterns changed at recompile ${i}:\n--- before\n${pBefore}\n--- after\n${pAfter}`);
    assert.ok(hAfter.startsWith(hBefore), `History changed at recompile ${i}`);
    // What follows the old text is only new entries: a History line for this session.
    assert.match(hAfter.slice(hBefore.length), new RegExp(`^\\n- ${day(i).slice(0, 10)} mike — step-${i}: `));
  }
  const final = r.read(A);
  for (let i = 0; i < 20; i += 3) assert.equal((final.match(new RegExp(`HAND-P${i}:`, "g")) ?? []).length, 1);
  for (let i = 0; i < 20; i += 2) assert.equal((final.match(new RegExp(`HAND-H${i} `, "g")) ?? []).length, 1);
  assert.equal((frontmatter(final).match(/session-logs\//g) ?? []).length, 21);
});

test("a pattern is marked resolved only when a new log says so, and nothing else in it changes", async (t) => {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "one", { at: "2026-06-01T16:00:00Z" }));
  let text = r.read(A);
  text = text.replace("## Patterns\n", "## Patterns\n\n- Printers drop off VLAN 20 after firmware updates.");
  r.write(A, text);
  const before = section(r.read(A), "Patterns");
  await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z", text: narrative("two", "") }));
  assert.ok(section(r.read(A), "Patterns").startsWith(before.replace(/\n+$/, "")));
  const fix = narrative("three").replace("## Key Decisions\n", "## Key Decisions\n- Printers drop off VLAN 20 after firmware updates: resolved by pinning the firmware.\n");
  await r.phase(await r.save("client:acme", "three", { at: "2026-06-03T16:00:00Z", text: fix }));
  const p = section(r.read(A), "Patterns");
  assert.match(p, /^\n- Printers drop off VLAN 20 after firmware updates\. _\(resolved 2026-06-03\)_$/m);
});

test("the offline compile is deterministic: same logs, same clock, same bytes", async (t) => {
  const build = async () => {
    const r = wikiRepo(t);
    for (const [i, topic] of ["a", "b", "c"].entries()) await r.phase(await r.save("project:guru-rmm", topic, { at: `2026-06-0${i + 1}T16:00:00Z`, user: i % 2 ? "alice" : "mike" }));
    return [r.read("wiki/projects/guru-rmm.md"), r.read("wiki/index.md")];
  };
  const [a, b] = await Promise.all([build(), build()]);
  assert.deepEqual(a, b);
  assert.match(a[0]!, /^---\ntype: project\nslug: guru-rmm\ntitle: Guru Rmm\n/);
});

test("a seed picks up the scope's earlier logs (saved with --no-wiki) too", async (t) => {
  const r = wikiRepo(t);
  await r.save("client:acme", "old-one", { at: "2026-05-01T16:00:00Z" });
  await r.save("client:acme", "old-two", { at: "2026-05-02T16:00:00Z" });
  const { result } = await r.phase(await r.save("client:acme", "now", { at: "2026-06-01T16:00:00Z" }));
  assert.equal(result.status, "seeded");
  assert.equal((frontmatter(r.read(A)).match(/session-logs\//g) ?? []).length, 3);
});

test("a broken article never blocks the save: skipped with a warning naming the file and field, left as it was", async (t) => {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "one"));
  const broken = r.read(A).replace("type: client", "type: banana");
  r.write(A, broken);
  const { result, deps } = await r.phase(await r.save("client:acme", "two", { at: "2026-06-06T16:00:00Z" }));
  assert.equal(result.status, "skipped");
  assert.deepEqual(result.changed, []);
  assert.match(warnings(deps).join("\n"), /wiki\/clients\/acme\.md: frontmatter field "type" must be one of client, project, system, pattern/);
  assert.equal(r.read(A), broken);
});

test("two phases at once on the same article: both logs end up in its sources", async (t) => {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "one", { at: "2026-06-01T16:00:00Z" }));
  const l2 = await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" });
  const l3 = await r.save("client:acme", "three", { at: "2026-06-02T17:00:00Z" });
  const [x, y] = await Promise.all([r.phase(l2), r.phase(l3)]);
  assert.equal(x.result.status, "compiled");
  assert.equal(y.result.status, "compiled");
  const fm = frontmatter(r.read(A));
  assert.match(fm, /mike-two\.md/);
  assert.match(fm, /mike-three\.md/);
  assert.equal((section(r.read(A), "History").match(/^- /gm) ?? []).length, 3);
});

test("hand-written sections, a second History and extra frontmatter keys survive a recompile", async (t) => {
  const r = wikiRepo(t);
  await r.phase(await r.save("client:acme", "one", { at: "2026-06-01T16:00:00Z" }));
  const text = r.read(A)
    .replace("title: Acme\n", "title: Acme Corporation\naliases:\n  - ACME\n")
    .replace("## Patterns\n", "## Runbook (by hand)\n\n1. Call Ann first.\n\n## Patterns\n")
    .concat("\n## History\n\n- An older history kept by hand.\n");
  r.write(A, text);
  await r.phase(await r.save("client:acme", "two", { at: "2026-06-02T16:00:00Z" }));
  const a = r.read(A);
  assert.match(frontmatter(a), /^---\ntype: client\nslug: acme\ntitle: Acme Corporation\n[\s\S]*\naliases:\n {2}- ACME\n---\n$/);
  assert.match(a, /\n# Acme\n/);
  assert.match(a, /\n## Runbook \(by hand\)\n\n1\. Call Ann first\.\n\n## Patterns\n/);
  assert.ok(a.endsWith("\n## History\n\n- An older history kept by hand.\n"));
  assert.match(section(a, "History"), /2026-06-02 mike — two/);
});
