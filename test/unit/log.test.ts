import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeNarrative, parseNarrative, splitSections } from "../../src/log/narrative.js";
import { recordedSession, renderLog, renderUpdate } from "../../src/log/render.js";
import { logDir, parseScope, scopeOfPath } from "../../src/log/scope.js";
import { slugProblem, toSlug } from "../../src/log/slug.js";
import { planLogWrite } from "../../src/commands/save.js";
import { narrative } from "../helpers/index.js";

test("slugs: safe kebab slugs pass", () => {
  for (const s of ["dns-fix", "a", "guru-rmm", "x1-2-3", "a".repeat(80)]) assert.equal(slugProblem(s), undefined, s);
});

test("slugs: every unsafe form is refused with a reason", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["..", /\.\./],
    ["../x", /separator|\.\./],
    ["a/b", /separator/],
    ["a\\b", /separator/],
    ["a\0b", /NUL/],
    ["-lead", /dash/],
    ["/etc", /separator|absolute/],
    ["C:x", /absolute|lowercase/],
    ["a".repeat(81), /81 characters/],
    ["con", /reserved/],
    ["nul", /reserved/],
    ["com1", /reserved/],
    ["lpt9", /reserved/],
    ["Upper", /lowercase/],
    ["a--b", /lowercase/],
    ["trailing-", /lowercase/],
    ["sp ace", /lowercase/],
  ];
  for (const [s, re] of bad) {
    const p = slugProblem(s);
    assert.ok(p, `${JSON.stringify(s)} should be refused`);
    assert.match(p, re, JSON.stringify(s));
  }
});

test("toSlug makes a safe slug of free text", () => {
  assert.equal(toSlug("Fix the DNS forwarders on dc01!"), "fix-the-dns-forwarders-on-dc01");
  assert.equal(toSlug("///"), "session");
  assert.equal(toSlug("con"), "session");
  assert.equal(slugProblem(toSlug("x".repeat(300))), undefined);
});

test("scopes map to the seed's path table, and back", () => {
  assert.equal(logDir(parseScope("general")), "session-logs");
  assert.equal(logDir(parseScope("project:guru-rmm")), "projects/guru-rmm/session-logs");
  assert.equal(logDir(parseScope("client:acme")), "clients/acme/session-logs");
  assert.deepEqual(scopeOfPath("clients/acme/session-logs/2026-01-01-mike-x.md"), { kind: "client", slug: "acme" });
  assert.deepEqual(scopeOfPath("projects/p/session-logs/a.md"), { kind: "project", name: "p" });
  assert.deepEqual(scopeOfPath("session-logs/a.md"), { kind: "general" });
  assert.equal(scopeOfPath("wiki/index.md"), undefined);
  for (const bad of ["galaxy:x", "client:..", "project:/etc", "client:", "client:A", "General"]) {
    assert.throws(() => parseScope(bad), (e: Error & { exitCode?: number }) => e.exitCode === 64 && /scope|slug|project|client/i.test(e.message), bad);
  }
});

test("narrative: sections found case-insensitively with variants, written with canonical names", () => {
  const text = narrative("x")
    .replace("## Pending / Incomplete Tasks", "## pending/incomplete")
    .replace("## Commands & Outputs", "## Commands and Outputs");
  const p = parseNarrative(text, "stdin");
  assert.deepEqual(p.errors, []);
  assert.ok(p.value?.sections.pending?.includes("Remove the old forwarder"));
  assert.ok(p.value?.sections.commands?.includes("dig"));
});

test("narrative: a missing required section is named; Problems Encountered is optional", () => {
  const noKd = narrative("x").replace(/## Key Decisions\n.*\n/, "");
  const p = parseNarrative(noKd, "stdin");
  assert.equal(p.value, undefined);
  assert.match(p.errors.join(), /Key Decisions/);
  const noProblems = narrative("x").replace(/## Problems Encountered\n.*\n/, "");
  assert.deepEqual(parseNarrative(noProblems, "stdin").errors, []);
});

test("narrative: sections the caller fills may be missing", () => {
  const t = narrative("x").replace(/## Configuration Changes\n.*\n/, "").replace(/## Commands & Outputs\n.*\n/, "");
  assert.notDeepEqual(parseNarrative(t, "s").errors, []);
  assert.deepEqual(parseNarrative(t, "s", new Set(["config", "commands"])).errors, []);
});

test("narrative: a ## User section is ignored with a warning; extra sections kept in order", () => {
  const t = "## User\n- **User:** Someone Else (evil)\n\n" + narrative("x") + "\n## Note for alice\nhello\n\n## Message for Mike\nhi\n";
  const p = parseNarrative(t, "stdin");
  assert.match(p.warnings.join(), /User/);
  assert.deepEqual(p.value?.extra.map((e) => e.heading), ["Note for alice", "Message for Mike"]);
});

test("narrative: headings inside fenced code are not sections", () => {
  const s = splitSections("## A\n```\n## not a heading\n```\n## B\nb\n");
  assert.deepEqual(s.sections.map((x) => x.heading), ["A", "B"]);
});

test("narrative bytes: empty, NUL and invalid UTF-8 are data errors (65)", () => {
  const is65 = (re: RegExp) => (e: Error & { exitCode?: number }) => e.exitCode === 65 && re.test(e.message);
  assert.throws(() => decodeNarrative(Buffer.from("  \n"), "stdin"), is65(/empty/));
  assert.throws(() => decodeNarrative(Buffer.from("a\0b"), "stdin"), is65(/NUL/));
  assert.throws(() => decodeNarrative(Buffer.from([0x23, 0xff, 0xfe]), "stdin"), is65(/UTF-8/));
  assert.equal(decodeNarrative(Buffer.from("\uFEFF## A\r\nb\r\n"), "s"), "## A\nb\n");
});

test("render: User block first, seed order, session recorded; update uses ## Update and ###", () => {
  const p = parseNarrative(narrative("x") + "\n## Note for alice\nhi\n", "s");
  const who = { user: "mike", name: "Mike Swanson", role: "admin", machine: "h1" };
  const plan = planLogWrite(
    { scope: parseScope("client:acme"), topic: "dns-fix", session: "sid-1", newSession: false },
    who,
    p.value!,
    new Date("2026-06-06T01:50:00Z"),
    "America/Los_Angeles",
  );
  assert.equal(plan.dir, "clients/acme/session-logs");
  assert.equal(plan.base, "2026-06-05-mike-dns-fix"); // Pacific date, not UTC
  assert.equal(recordedSession(plan.content), "sid-1");
  const heads = plan.content.split("\n").filter((l) => l.startsWith("## "));
  assert.deepEqual(heads, [
    "## User",
    "## Session Summary",
    "## Key Decisions",
    "## Problems Encountered",
    "## Configuration Changes",
    "## Credentials & Secrets",
    "## Infrastructure & Servers",
    "## Commands & Outputs",
    "## Pending / Incomplete Tasks",
    "## Reference Information",
    "## Note for alice",
  ]);
  assert.ok(plan.content.includes("## User\n- **User:** Mike Swanson (mike)\n- **Role:** admin\n- **Machine:** h1\n"));
  assert.ok(plan.content.endsWith("\n"));
  assert.match(plan.update, /^\n## Update: 18:50 PDT — dns-fix\n/);
  assert.match(plan.update, /\n### Session Summary\n/);
  assert.match(plan.update, /\n## Note for alice\n/);
  assert.doesNotMatch(renderUpdate("09:00", "PST", "t", p.value!), /^## Session Summary/m);
  assert.ok(renderLog({ session: "s", user: "u", date: "d", scope: "general", topic: "t" }, "## User\n", p.value!).startsWith("---\nsession: s\n"));
});

test("recordedSession reads only frontmatter", () => {
  assert.equal(recordedSession("---\nsession: abc\n---\n"), "abc");
  assert.equal(recordedSession("# title\nsession: abc\n"), undefined);
  assert.equal(recordedSession("---\nuser: x\n---\nsession: abc\n"), undefined);
});
