// `logbook mcp` end to end: the SDK's client over stdio against the built CLI, in clones of a bare remote.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, isolatedEnv, makeTeam, narrative, tmpDir, waitFor } from "../helpers/index.js";
import { connect, textOf } from "./client.js";

type Obj = Record<string, unknown>;
const sc = (r: { structuredContent?: unknown }) => r.structuredContent as Obj;

test("lists the seven tools with JSON schemas; whoami returns what `whoami --json` prints", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const s = await connect(t, m.dir, m.env);
  const { tools } = await s.client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ["checkpoint", "notes", "read_article", "save", "search", "sync", "whoami"]);
  const byName = new Map(tools.map((x) => [x.name, x]));
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, "object", tool.name);
    assert.equal((tool.inputSchema as Obj).additionalProperties, false, `${tool.name} refuses unknown arguments`);
    assert.ok((tool.description ?? "").length > 40, `${tool.name} has a description`);
  }
  const save = byName.get("save")!.inputSchema;
  assert.deepEqual([...(save.required ?? [])].sort(), ["narrative", "scope", "topic"]);
  assert.deepEqual(Object.keys(save.properties ?? {}).sort(), ["narrative", "scope", "session", "sync", "topic", "wiki"]);
  assert.equal((save.properties!.wiki as Obj).type, "boolean");
  assert.deepEqual((byName.get("read_article")!.inputSchema.properties!.type as Obj).enum, ["client", "project", "system", "pattern"]);
  assert.deepEqual(byName.get("search")!.inputSchema.required, ["query"]);
  assert.equal((byName.get("search")!.inputSchema.properties!.limit as Obj).type, "integer");
  assert.deepEqual(Object.keys(byName.get("whoami")!.inputSchema.properties ?? {}), []);
  assert.deepEqual(Object.keys(byName.get("checkpoint")!.inputSchema.properties ?? {}).sort(), ["message", "only", "session"]);
  assert.equal(byName.get("read_article")!.annotations?.readOnlyHint, true);
  assert.equal(byName.get("save")!.annotations?.readOnlyHint, false);

  const w = await s.call("whoami");
  assert.equal(w.isError, undefined, textOf(w));
  const cli = await m.cli(["whoami", "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(sc(w), JSON.parse(cli.stdout));
  assert.deepEqual(JSON.parse(textOf(w)), sc(w));
  assert.equal(sc(w).name, "Mike Swanson");
  assert.equal(sc(w).machine, "host1");
});

test("outside a repository a tool error carries the CLI's message and exit code 78", async (t) => {
  const dir = tmpDir(t);
  const s = await connect(t, dir, isolatedEnv(join(dir, "home")));
  const r = await s.call("whoami");
  assert.equal(r.isError, true);
  assert.match(textOf(r), /is not inside a git working tree.*\(exit code 78\)$/s);
  assert.equal(sc(r).exitCode, 78);
  assert.match(s.stderr(), /error \(whoami\): .* is not inside a git working tree/);
  await s.close();
});

test("save with sync lands on the remote; the same session appends; the result is save --json's object plus exitCode", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const s = await connect(t, m.dir, m.env);
  const r = await s.call("save", { scope: "project:guru-rmm", topic: "dns-fix", narrative: narrative("MCP-SAVE-7"), session: "mcp-s1", wiki: false });
  assert.equal(r.isError, undefined, textOf(r));
  const o = sc(r);
  assert.deepEqual(JSON.parse(textOf(r)), o);
  assert.match(String(o.path), /^projects\/guru-rmm\/session-logs\/\d{4}-\d{2}-\d{2}-mike-dns-fix\.md$/);
  assert.equal(o.session, "mcp-s1");
  assert.equal(o.appended, false);
  assert.equal(o.wiki, null, "wiki: false is --no-wiki");
  assert.equal(o.exitCode, 0);
  assert.equal(o.committed, true);
  assert.equal(o.pushed, true);
  const path = String(o.path);
  assert.match(readFileSync(join(m.dir, path), "utf8"), /MCP-SAVE-7/);
  assert.ok(team.remoteFiles().includes(path), "the log is on the remote");
  assert.match(team.remoteGit(["log", "-1", "--format=%an %s", "main"]), /^Mike Swanson session log: mike project:guru-rmm dns-fix/);

  const again = await s.call("save", { scope: "project:guru-rmm", topic: "dns-fix", narrative: narrative("MCP-SAVE-8"), session: "mcp-s1", wiki: false });
  assert.equal(again.isError, undefined, textOf(again));
  assert.equal(sc(again).path, path);
  assert.equal(sc(again).appended, true);
  assert.match(readFileSync(join(m.dir, path), "utf8"), /## Update: .*MCP-SAVE-8/s);
  assert.match(team.remoteGit(["show", `main:${path}`]), /MCP-SAVE-8/);

  // The CLI's own --json output for the same kind of save has exactly these keys (no drift).
  const cli = await m.cli(["save", "--scope", "general", "--topic", "cli-twin", "--session", "cli-1", "--no-wiki"], { input: narrative("CLI-TWIN") });
  assert.equal(cli.code, 0, cli.stderr);
  const cliJson = await m.cli(["save", "--scope", "general", "--topic", "cli-twin", "--session", "cli-1", "--no-wiki", "--json"], { input: narrative("CLI-TWIN-2") });
  assert.equal(cliJson.code, 0, cliJson.stderr);
  assert.deepEqual(Object.keys(sc(again)).sort(), [...Object.keys(JSON.parse(cliJson.stdout)), "exitCode"].sort());
});

test("save without sync writes the log only; bad input is a tool error naming the argument, and writes nothing", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const s = await connect(t, m.dir, m.env);
  const r = await s.call("save", { scope: "general", topic: "via-mcp", narrative: narrative("MCP-NOSYNC"), sync: false });
  assert.equal(r.isError, undefined, textOf(r));
  const o = sc(r);
  assert.equal(o.exitCode, 0);
  assert.equal(o.committed, undefined, "no sync phase, no sync fields (as save --no-sync --json)");
  assert.match(String(o.session), /^[0-9a-f-]{36}$/, "a new session id is generated and returned");
  assert.match(readFileSync(join(m.dir, String(o.path)), "utf8"), /MCP-NOSYNC/);
  assert.ok(!team.remoteFiles().includes(String(o.path)));
  assert.match(m.git(["status", "--porcelain"]), /\?\? session-logs\//);

  const logs = () => readdirSync(join(m.dir, "session-logs")).sort();
  const before = logs();
  const base = { scope: "general", topic: "ok-topic", narrative: narrative("BAD") };
  const cases: [Obj, RegExp, number][] = [
    [{ ...base, topic: "../x" }, /^--topic "\.\.\/x" contains a path separator.*\(exit code 64\)$/s, 64],
    [{ ...base, scope: "client:../x" }, /scope|client/i, 64],
    [{ scope: "general", topic: "ok-topic" }, /^save: argument "narrative" is required\. \(exit code 64\)$/, 64],
    [{ ...base, text: "x" }, /^save: unknown argument "text" \(save takes scope, topic, narrative, session, wiki, sync\)/, 64],
    [{ ...base, wiki: "yes" }, /^save: argument "wiki" must be true or false/, 64],
    [{ ...base, session: 42, sync: false }, /^save: argument "session" must be a string/, 64],
    [{ ...base, narrative: "## Session Summary\nOnly this." }, /Key Decisions.*Nothing was written.*\(exit code 65\)$/s, 65],
  ];
  for (const [args, message, code] of cases) {
    const bad = await s.call("save", args);
    assert.equal(bad.isError, true, JSON.stringify(args));
    assert.match(textOf(bad), message);
    assert.equal(sc(bad).exitCode, code, JSON.stringify(args));
    assert.equal(typeof sc(bad).error, "string");
  }
  assert.deepEqual(logs(), before, "no bad call wrote a log");
  await assert.rejects(s.call("nope"), /unknown tool "nope"/);
});

test("read_article: a missing article is a tool error naming its path; an existing one comes back as markdown", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const s = await connect(t, m.dir, m.env);
  const none = await s.call("read_article", { type: "client", slug: "acme" });
  assert.equal(none.isError, true);
  assert.match(textOf(none), /no client article "acme" \(wiki\/clients\/acme\.md does not exist\); there are no client articles yet/);
  assert.equal(sc(none).exitCode, 65);

  mkdirSync(join(m.dir, "wiki", "clients"), { recursive: true });
  writeFileSync(join(m.dir, "wiki", "clients", "beta.md"), "# Beta\n");
  const other = await s.call("read_article", { type: "client", slug: "acme" });
  assert.match(textOf(other), /client articles: beta\./);

  const article = "---\ntitle: Acme Corp\n---\n# Acme Corp\n\nDNS on dc01 (10.0.0.10).\n";
  writeFileSync(join(m.dir, "wiki", "clients", "acme.md"), article);
  const r = await s.call("read_article", { type: "client", slug: "acme" });
  assert.equal(r.isError, undefined, textOf(r));
  assert.equal(textOf(r), article);
  assert.deepEqual(sc(r), { type: "client", slug: "acme", path: "wiki/clients/acme.md", content: article });

  const traversal = await s.call("read_article", { type: "client", slug: "../../etc/passwd" });
  assert.equal(traversal.isError, true);
  assert.match(textOf(traversal), /slug "\.\.\/\.\.\/etc\/passwd" contains a path separator/);
  const badType = await s.call("read_article", { type: "clients", slug: "acme" });
  assert.equal(badType.isError, true);
  assert.match(textOf(badType), /argument "type" must be one of: "client", "project", "system", "pattern"/);
});

test("sync, checkpoint, notes and search answer as their CLI commands do", async (t) => {
  const team = await makeTeam(t, { machines: 2 });
  const [m, alice] = [team.machines[0]!, team.machines[1]!];
  const s = await connect(t, m.dir, m.env);

  writeFileSync(join(m.dir, "scratch.txt"), "one\n");
  writeFileSync(join(m.dir, "left-alone.txt"), "two\n");
  const cp = await s.call("checkpoint", { message: "mcp checkpoint", only: ["scratch.txt"] });
  assert.equal(cp.isError, undefined, textOf(cp));
  assert.equal(sc(cp).exitCode, 0);
  assert.equal(sc(cp).committed, true);
  assert.deepEqual(team.remoteFiles().filter((f) => f.endsWith(".txt")), ["scratch.txt"]);
  assert.equal(team.remoteGit(["log", "-1", "--format=%s", "main"]).trim(), "mcp checkpoint");

  const outside = await s.call("sync", { only: ["../elsewhere.txt"] });
  assert.equal(outside.isError, true);
  assert.match(textOf(outside), /--only \.\.\/elsewhere\.txt: not a file inside the repository.*\(exit code 64\)$/s);

  // Alice leaves Mike a note; Mike's sync through MCP brings it, notes lists it until acknowledged.
  const saved = await alice.cli(["save", "--scope", "general", "--topic", "handover", "--session", "alice-1"], {
    input: narrative("ALICE-HANDOVER", "\n## Note for mike\nThe dc01 forwarder change needs a reboot window.\n"),
  });
  assert.equal(saved.code, 0, saved.stderr);
  const synced = await s.call("sync");
  assert.equal(synced.isError, undefined, textOf(synced));
  assert.equal(sc(synced).exitCode, 0);
  assert.ok(team.remoteFiles().includes("left-alone.txt"), "sync without only sweeps everything");
  const arrived = sc(synced).notes as Obj[];
  assert.equal(arrived.length, 1, JSON.stringify(sc(synced)));
  assert.equal(arrived[0]!.author, "alice");
  assert.match(String(arrived[0]!.body), /reboot window/);

  const pending = await s.call("notes");
  assert.equal(pending.isError, undefined, textOf(pending));
  assert.equal(sc(pending).acknowledged, false);
  assert.equal((sc(pending).notes as Obj[]).length, 1);
  const cliNotes = await m.cli(["notes", "--json"]);
  assert.deepEqual(sc(pending), JSON.parse(cliNotes.stdout));
  const acked = await s.call("notes", { ack: true });
  assert.equal(sc(acked).acknowledged, true);
  assert.deepEqual((sc(await s.call("notes")).notes as Obj[]).length, 0);

  const found = await s.call("search", { query: "ALICE-HANDOVER", user: "alice", limit: 5 });
  assert.equal(found.isError, undefined, textOf(found));
  const results = sc(found).results as Obj[];
  assert.equal(results.length, 1, JSON.stringify(sc(found)));
  assert.match(String(results[0]!.path), /^session-logs\/.*-alice-handover\.md$/);
  const cliSearch = await m.cli(["search", "ALICE-HANDOVER", "--user", "alice", "--limit", "5", "--json"]);
  assert.deepEqual(sc(found), JSON.parse(cliSearch.stdout));
  const badDate = await s.call("search", { query: "x", since: "yesterday" });
  assert.equal(badDate.isError, true);
  assert.match(textOf(badDate), /--since "yesterday": not a date/);
  const badLimit = await s.call("search", { query: "x", limit: 2.5 });
  assert.match(textOf(badLimit), /^search: argument "limit" must be a whole number\. \(exit code 64\)$/);
  const tooMany = await s.call("search", { query: "x", limit: 5000 });
  assert.match(textOf(tooMany), /--limit 5000: give a whole number from 1 to 1000/);
});

/** Raw newline-delimited JSON-RPC, for what the SDK client hides: hang-ups and signals. */
function rpc(id: number, method: string, params: Obj = {}): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n";
}
const INIT =
  rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }) +
  JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n";

test("a client that sends its calls and hangs up at once still gets every answer; then the server exits 0", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const input =
    INIT +
    rpc(2, "tools/call", { name: "whoami", arguments: {} }) +
    rpc(3, "tools/call", { name: "save", arguments: { scope: "general", topic: "hang-up", narrative: narrative("HANG-UP"), sync: false } });
  const child = m.spawn(["mcp"], { input });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => void (out += b.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.equal(code, 0);
  const replies = new Map(out.trim().split("\n").map((l) => JSON.parse(l) as Obj).map((o) => [o.id, o]));
  assert.deepEqual([...replies.keys()], [1, 2, 3], out);
  const saved = (replies.get(3)!.result as Obj).structuredContent as Obj;
  assert.ok(existsSync(join(m.dir, String(saved.path))), "the save finished after the hang-up");
});

test("SIGTERM stops an idle server", async (t) => {
  const team = await makeTeam(t, { machines: 1 });
  const m = team.machines[0]!;
  const child = spawn(process.execPath, [CLI, "mcp"], { cwd: m.dir, env: m.env, stdio: ["pipe", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (b: Buffer) => void (out += b.toString("utf8")));
  const closed = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  child.stdin.write(INIT);
  await waitFor(() => out.includes('"id":1'), "the initialize reply");
  child.kill("SIGTERM");
  assert.equal(await closed, 0);
});

test("warnings the CLI would print on stderr come back as a second text block", async (t) => {
  const team = await makeTeam(t, { machines: 1, config: "timezone: America/Los_Angeles\nbogus_key: 1\n" });
  const m = team.machines[0]!;
  const s = await connect(t, m.dir, m.env);
  const r = await s.call("notes");
  assert.equal(r.isError, undefined, textOf(r));
  assert.equal(r.content.length, 2);
  assert.deepEqual(JSON.parse(textOf({ content: [r.content[0]!] })), { notes: [], acknowledged: false });
  assert.match(textOf({ content: [r.content[1]!] }), /^warning: \.logbook\/config\.yaml: unknown key "bogus_key" ignored/);
  // stdout is the protocol: the warning went to stderr, and the session still works.
  assert.match(s.stderr(), /bogus_key/);
  assert.equal((await s.call("whoami")).isError, undefined);
});
