import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { parseConfigText, validateConfig } from "../../src/config/schema.js";
import { parseIdentity, userBlock } from "../../src/identity/identity.js";
import { parseRoster } from "../../src/identity/roster.js";
import { zoned } from "../../src/util/time.js";
import { parsePosixTz } from "../../src/util/tz.js";

test("config: defaults when empty", () => {
  const v = validateConfig({});
  assert.equal(v.value?.timezone, "UTC");
  assert.equal(v.value?.sync.lockWaitSeconds, 120);
  assert.equal(v.value?.wiki.provider, "offline");
  assert.equal(v.value?.secrets, "inline");
});

test("config: invalid values name the file, the key and what is allowed", () => {
  const cases: [string, RegExp][] = [
    ["timezone: Mars/Olympus\n", /"timezone".*IANA/],
    ["sync:\n  lockWaitSeconds: -1\n", /"sync\.lockWaitSeconds"/],
    ["wiki:\n  provider: gpt\n", /"wiki\.provider".*(offline|anthropic)/],
    ["secrets: plain\n", /"secrets".*(inline|vault)/],
    ["vault:\n  recipients: [nope]\n", /"vault\.recipients\.0".*age1/],
  ];
  for (const [text, re] of cases) {
    const v = parseConfigText(text, ".logbook/config.yaml", parse);
    assert.equal(v.value, undefined, text);
    assert.match(v.errors.join("\n"), re, text);
    assert.match(v.errors.join("\n"), /\.logbook\/config\.yaml/);
  }
});

test("config: bad YAML and a non-mapping are errors; unknown keys only warn", () => {
  assert.match(parseConfigText("a: [\n", "c.yaml", parse).errors.join(), /not valid YAML/);
  assert.match(parseConfigText("- a\n", "c.yaml", parse).errors.join(), /mapping/);
  const v = parseConfigText("timezone: UTC\ncolour: blue\nsync:\n  lockwait: 3\n", "c.yaml", parse);
  assert.ok(v.value);
  assert.deepEqual(v.warnings.length, 2);
  assert.match(v.warnings.join(), /"colour"/);
  assert.match(v.warnings.join(), /"sync\.lockwait"/);
});

test("roster: the accepted shapes, and errors naming the field", () => {
  const u = { name: "Mike S", email: "m@x.com", role: "admin" };
  assert.deepEqual(parseRoster({ users: { mike: u } }, "f").value, { mike: u });
  assert.deepEqual(parseRoster({ users: [{ id: "mike", ...u }] }, "f").value.mike?.name, "Mike S");
  assert.deepEqual(parseRoster({ mike: u }, "f").value.mike?.email, "m@x.com");
  assert.match(parseRoster({ users: { Mike: u } }, "f").errors.join(), /lowercase/);
  assert.match(parseRoster({ users: { mike: { name: "M" } } }, "f").errors.join(), /users\.mike\.email/);
  assert.match(parseRoster([], "f").errors.join(), /must be an object/);
});

test("identity: user + machine (or the seed's id/hostname)", () => {
  assert.deepEqual(parseIdentity({ user: "mike", machine: "h1" }, "f").value, { user: "mike", machine: "h1", file: "f" });
  assert.equal(parseIdentity({ id: "mike", hostname: "h1" }, "f").value?.machine, "h1");
  assert.match(parseIdentity({ user: "mike" }, "f").errors.join(), /machine/);
  assert.match(parseIdentity("x", "f").errors.join(), /object/);
});

test("userBlock is exactly the seed's block", () => {
  assert.equal(
    userBlock({ user: "mike", name: "Mike Swanson", role: "admin", machine: "host1" }),
    "## User\n- **User:** Mike Swanson (mike)\n- **Role:** admin\n- **Machine:** host1\n",
  );
});

test("time zones from the tz database agree with Intl, DST edges and far future included", () => {
  const zones = ["America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "UTC"];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const instants = [Date.UTC(2026, 2, 8, 9, 59), Date.UTC(2026, 2, 8, 10, 0), Date.UTC(2026, 10, 1, 8, 59), Date.UTC(2026, 10, 1, 9, 0), Date.UTC(2045, 6, 1)];
  for (let i = 0; i < 300; i++) instants.push(Date.UTC(1995, 0, 1) + Math.floor(rand() * 70 * 365 * 86400_000));
  for (const tz of zones) {
    const f = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    for (const t of instants) {
      const p: Record<string, string> = {};
      for (const x of f.formatToParts(new Date(t))) p[x.type] = x.value;
      const z = zoned(new Date(t), tz);
      assert.equal(`${z.date} ${z.time}`, `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`, `${tz} ${new Date(t).toISOString()}`);
    }
  }
  assert.equal(zoned(new Date(Date.UTC(2026, 0, 15, 12)), "America/Los_Angeles").abbr, "PST");
  assert.equal(zoned(new Date(Date.UTC(2026, 6, 15, 12)), "America/Los_Angeles").abbr, "PDT");
});

test("POSIX TZ footers parse", () => {
  assert.deepEqual(parsePosixTz("<+0330>-3:30"), { std: { abbr: "+0330", offset: 12600 } });
  assert.equal(parsePosixTz("PST8PDT,M3.2.0,M11.1.0")?.dst?.offset, -7 * 3600);
  assert.equal(parsePosixTz("garbage"), undefined);
});
