// The parse cache of settings files (src/config/cache.ts): the same text validated by the same build gives the
// cached value; any other text, build or a damaged entry is validated again; failures are never cached. And through
// the CLI: a config or roster edited after a cached run is read as edited.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { cachedParse, type Parsed } from "../../src/config/cache.js";
import { makeTeam, narrative, tmpDir } from "../helpers/index.js";

function counting(value: unknown, warnings: string[] = []) {
  const calls: number[] = [];
  const parse = (): Promise<Parsed<unknown>> => {
    calls.push(1);
    return Promise.resolve({ value, warnings });
  };
  return { parse, calls };
}

test("parse cache: the same text and build is parsed once; another text or build is parsed again", async (t) => {
  const dir = join(tmpDir(t), "cache");
  const a = counting({ timezone: "UTC" }, ["unknown key x"]);
  assert.deepEqual(await cachedParse(dir, "config", "timezone: UTC\n", a.parse, "build-1"), { value: { timezone: "UTC" }, warnings: ["unknown key x"] });
  const again = await cachedParse(dir, "config", "timezone: UTC\n", a.parse, "build-1");
  assert.equal(a.calls.length, 1, "the second read came from the cache");
  assert.deepEqual(again, { value: { timezone: "UTC" }, warnings: ["unknown key x"] }, "warnings are kept and given again");

  const b = counting({ timezone: "Europe/Paris" });
  assert.deepEqual((await cachedParse(dir, "config", "timezone: Europe/Paris\n", b.parse, "build-1")).value, { timezone: "Europe/Paris" });
  assert.equal(b.calls.length, 1, "an edited text is parsed");

  const c = counting({ timezone: "UTC", v: 2 });
  assert.deepEqual((await cachedParse(dir, "config", "timezone: Europe/Paris\n", c.parse, "build-2")).value, { timezone: "UTC", v: 2 });
  assert.equal(c.calls.length, 1, "another build parses again (its schema may differ)");

  const missing = counting({ timezone: "UTC" });
  await cachedParse(dir, "config", null, missing.parse, "build-2");
  await cachedParse(dir, "config", null, missing.parse, "build-2");
  assert.equal(missing.calls.length, 1, "a missing file (null) is a text like any other");
  assert.equal((await cachedParse(dir, "config", "", counting(1).parse, "build-2")).value, 1, "an empty file is not a missing one");
  assert.deepEqual(readdirSync(dir).sort(), ["config.json"], "one entry per name, no temp files left");
});

test("parse cache: failures are not cached; damaged entries and no cache dir or build mean a plain parse", async (t) => {
  const dir = join(tmpDir(t), "cache");
  let n = 0;
  const failing = (): Promise<Parsed<unknown>> => {
    n++;
    return Promise.reject(new Error("bad config"));
  };
  await assert.rejects(cachedParse(dir, "config", "timezone: Mars\n", failing, "b"), /bad config/);
  await assert.rejects(cachedParse(dir, "config", "timezone: Mars\n", failing, "b"), /bad config/);
  assert.equal(n, 2, "a broken file is reported on every run");
  assert.equal(existsSync(join(dir, "config.json")), false);

  mkdirSync(dir, { recursive: true });
  for (const damaged of ["{not json", "null", JSON.stringify({ key: "b", text: "x" }), JSON.stringify({ key: "b", warnings: [] })]) {
    writeFileSync(join(dir, "roster.json"), damaged);
    const p = counting({ mike: {} });
    assert.deepEqual((await cachedParse(dir, "roster", "x", p.parse, "b")).value, { mike: {} }, damaged);
    assert.equal(p.calls.length, 1, `${damaged}: parsed again`);
  }
  const none = counting(1);
  await cachedParse(undefined, "config", "x", none.parse, "b");
  await cachedParse(dir, "config", "x", none.parse, undefined);
  await cachedParse(dir, "config", "x", none.parse, undefined);
  assert.equal(none.calls.length, 3, "no dir or no build key: nothing cached");

  // a cache directory that cannot be made costs a parse, never the command
  const blocked = join(tmpDir(t), "file-not-dir");
  writeFileSync(blocked, "");
  assert.equal((await cachedParse(join(blocked, "cache"), "config", "x", counting(7).parse, "b")).value, 7);
});

test("parse cache via the CLI: a save after the config or roster was edited reads them as edited", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const save = (topic: string) => m.cli(["save", "--scope", "general", "--topic", topic, "--session", `s-${topic}`, "--no-sync", "--no-wiki"], { input: narrative(topic) });
  const first = await save("one");
  assert.equal(first.code, 0, first.stderr);
  const cache = join(m.dir, ".git", "logbook", "cache");
  assert.deepEqual(readdirSync(cache).sort(), ["config.json", "roster.json"], "the built CLI keeps both validations");
  assert.match(readFileSync(join(m.dir, "session-logs", readdirSync(join(m.dir, "session-logs"))[0]!), "utf8"), /Mike Swanson/);

  // the config turns invalid: 78, naming the key, nothing written
  writeFileSync(join(m.dir, ".logbook/config.yaml"), "timezone: Mars/Olympus\n");
  const bad = await save("two");
  assert.equal(bad.code, 78, bad.stderr);
  assert.match(bad.stderr, /config\.yaml.*"timezone"/);
  assert.equal(readdirSync(join(m.dir, "session-logs")).length, 1);

  // an unknown key warns on every run, cached or not
  writeFileSync(join(m.dir, ".logbook/config.yaml"), "timezone: UTC\ncolour: blue\n");
  for (const topic of ["three", "four"]) {
    const r = await save(topic);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /unknown key "colour"/, topic);
  }

  // the roster changes the user's name: the next log carries the new one
  const users = JSON.parse(readFileSync(join(m.dir, ".logbook/users.json"), "utf8")) as { users: Record<string, { name: string }> };
  users.users.mike!.name = "Michael Swanson";
  writeFileSync(join(m.dir, ".logbook/users.json"), JSON.stringify(users));
  assert.equal((await save("five")).code, 0);
  const five = readdirSync(join(m.dir, "session-logs")).find((n) => n.includes("five"))!;
  assert.match(readFileSync(join(m.dir, "session-logs", five), "utf8"), /Michael Swanson \(mike\)/);

  // and a roster broken after a cached run is 78, naming the entry
  users.users.mike!.name = "";
  writeFileSync(join(m.dir, ".logbook/users.json"), JSON.stringify(users));
  const broken = await save("six");
  assert.equal(broken.code, 78, broken.stderr);
  assert.match(broken.stderr, /users\.json: users\.mike\.name/);
});
