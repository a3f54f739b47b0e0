// The scheduler's pure parts: names, intervals, quoting for each scheduler's own syntax, and each platform's parser
// on recorded (or documented) output; the run log's rotation; how a scheduled run's outcome maps to an exit code.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, DeferredError, PermissionError, UnreachableError } from "../../src/errors.js";
import { appendLine, summarize } from "../../src/schedule/log.js";
import { entryName, parseEvery, target } from "../../src/schedule/plan.js";
import * as cron from "../../src/schedule/platforms/cron.js";
import * as launchd from "../../src/schedule/platforms/launchd.js";
import * as schtasks from "../../src/schedule/platforms/schtasks.js";
import * as systemd from "../../src/schedule/platforms/systemd.js";
import { realRunner } from "../../src/schedule/runner.js";
import { errorOutcome, logLine, outcomeOf } from "../../src/schedule/scheduled.js";
import type { SyncResult } from "../../src/sync/pipeline.js";
import { tmpDir } from "../helpers/index.js";
import { LAUNCHCTL_PRINT, SCHTASKS_XML } from "./fakes.js";

const T = (over: Partial<Parameters<typeof target>[0]> = {}) =>
  target({ root: "/home/mike/kb", every: 15, launcher: ["/usr/bin/node", "/opt/logbook/dist/cli.js"], path: "/usr/local/bin:/usr/bin:/bin", platform: "linux", ...over });

test("the entry is named from a hash of the repo path: logbook-sync-<8 hex>; case-insensitive where the file system is", () => {
  const hex = createHash("sha256").update("/home/mike/kb").digest("hex").slice(0, 8);
  assert.equal(entryName("/home/mike/kb", "linux"), `logbook-sync-${hex}`);
  assert.notEqual(entryName("/home/mike/kb2", "linux"), entryName("/home/mike/kb", "linux"));
  assert.notEqual(entryName("/home/Mike/kb", "linux"), entryName("/home/mike/kb", "linux"));
  assert.equal(entryName("C:\\Users\\Mike\\kb", "win32"), entryName("c:\\users\\mike\\kb", "win32"));
  assert.equal(entryName("/Users/Mike/kb", "darwin"), entryName("/users/mike/kb", "darwin"));
});

test("--every: whole minutes from 1 to 1440, default 15; anything else is a usage error naming the flag", () => {
  assert.equal(parseEvery(undefined), 15);
  assert.equal(parseEvery("1"), 1);
  assert.equal(parseEvery("1440"), 1440);
  for (const bad of ["0", "1441", "-5", "1.5", "abc", ""]) assert.throws(() => parseEvery(bad), { exitCode: 64, message: /--every/ });
});

test("the command is absolute: node and cli.js as given, -C <repo> sync --scheduled; relative paths and newlines refused", () => {
  assert.deepEqual(T().argv, ["/usr/bin/node", "/opt/logbook/dist/cli.js", "-C", "/home/mike/kb", "sync", "--scheduled"]);
  assert.throws(() => T({ launcher: ["node", "dist/cli.js"] }), ConfigError);
  assert.throws(() => T({ root: "/home/mike/k\nb" }), { exitCode: 78, message: /control character/ });
  assert.equal(T({ path: "" }).path, undefined);
  assert.deepEqual(target({ root: "C:\\kb", every: 15, launcher: ["C:\\node\\node.exe", "C:\\lb\\cli.js"], path: undefined, platform: "win32" }).argv.slice(0, 2), ["C:\\node\\node.exe", "C:\\lb\\cli.js"]);
});

// ---- systemd ----------------------------------------------------------------------------------------------------

test("systemd: units quote paths with spaces and escape % (specifiers) and $ (variables)", () => {
  const t = T({ root: "/home/mike/my kb", launcher: ["/usr/bin/node", "/opt/lb 100%/cli.js"], path: "/a b:/usr/bin" });
  const service = systemd.serviceUnit(t);
  assert.match(service, /^ExecStart=\/usr\/bin\/node "\/opt\/lb 100%%\/cli.js" -C "\/home\/mike\/my kb" sync --scheduled$/m);
  assert.match(service, /^Environment="PATH=\/a b:\/usr\/bin"$/m);
  assert.match(service, /^Description=logbook sync of \/home\/mike\/my kb$/m);
  assert.match(service, /^Type=oneshot$/m);
  assert.equal(systemd.execArg('/x/a"b\\c$HOME'), '"/x/a\\"b\\\\c$$HOME"');
  const timer = systemd.timerUnit(t);
  assert.match(timer, /^OnUnitActiveSec=15min$/m);
  assert.match(timer, new RegExp(`^Unit=${t.name}\\.service$`, "m"));
  assert.match(timer, /^WantedBy=timers\.target$/m);
  assert.equal(systemd.parseTimerEvery(timer), 15);
  assert.equal(systemd.parseExecStart(service), systemd.execStartLine(t));
});

test("systemd: a user manager is there when is-system-running says running/degraded (recorded outputs)", () => {
  // Recorded: systemd 252 in a container with no systemd as PID 1 (stdout "offline", exit 1, nothing on stderr).
  assert.deepEqual(systemd.parseSystemState({ code: 1, stdout: "offline\n", stderr: "" }), { up: false, state: "offline" });
  assert.deepEqual(systemd.parseSystemState({ code: 0, stdout: "running\n", stderr: "" }), { up: true, state: "running" });
  // degraded is exit 1, but the manager answers and runs timers
  assert.deepEqual(systemd.parseSystemState({ code: 1, stdout: "degraded\n", stderr: "" }), { up: true, state: "degraded" });
  assert.equal(systemd.parseSystemState({ code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found\n" }).up, false);
  assert.deepEqual(systemd.parseSystemState({ code: 127, stdout: "", stderr: "systemctl: command not found" }), { up: false, state: "no systemctl" });
  assert.equal(systemd.parseLinger({ code: 0, stdout: "no\n", stderr: "" }), false);
  assert.equal(systemd.parseLinger({ code: 0, stdout: "Linger=yes\n", stderr: "" }), true);
  assert.equal(systemd.parseLinger({ code: 1, stdout: "", stderr: "Failed to get user: No user mike is logged in" }), undefined);
});

// ---- cron -------------------------------------------------------------------------------------------------------

test("cron: intervals that divide an hour or a day, offset by the entry's hash; others refused with the nearest", () => {
  const name = "logbook-sync-0000002d"; // 45
  assert.equal(cron.cronSchedule(15, name), "0,15,30,45 * * * *");
  assert.equal(cron.cronSchedule(15, "logbook-sync-00000007"), "7,22,37,52 * * * *");
  assert.equal(cron.cronSchedule(1, name), "* * * * *");
  assert.equal(cron.cronSchedule(30, "logbook-sync-0000001f"), "1,31 * * * *");
  assert.equal(cron.cronSchedule(60, name), "45 * * * *");
  assert.equal(cron.cronSchedule(360, "logbook-sync-00000105"), "21 1,7,13,19 * * *"); // 0x105 = 261: minute 21, hour offset 1
  assert.equal(cron.cronSchedule(1440, "logbook-sync-00000105"), "21 1 * * *");
  assert.throws(() => cron.cronSchedule(45, name), { exitCode: 64, message: /try --every (30|60)/ });
  assert.throws(() => cron.cronSchedule(90, name), { exitCode: 64, message: /divide an hour or a day/ });
});

test("cron: the command is /bin/sh-quoted with PATH set, and every % is escaped for cron", () => {
  const t = T({ root: "/home/mike/it's 100%", path: "/opt/git bin:/usr/bin" });
  assert.equal(cron.cronCommand(t), `PATH='/opt/git bin:/usr/bin' /usr/bin/node /opt/logbook/dist/cli.js -C '/home/mike/it'\\''s 100\\%' sync --scheduled`);
  assert.equal(cron.commandOf(`1,16 * * * * ${cron.cronCommand(t)}`), `/usr/bin/node /opt/logbook/dist/cli.js -C '/home/mike/it'\\''s 100\\%' sync --scheduled`);
});

test("cron: crontab -l outputs (recorded): no crontab is an empty table, Vixie cron's header is dropped, 127 is no cron", () => {
  assert.deepEqual(cron.parseCrontabList({ code: 1, stdout: "", stderr: "no crontab for mike\n" }), { kind: "ok", text: "" });
  assert.deepEqual(cron.parseCrontabList({ code: 127, stdout: "", stderr: "crontab: command not found" }), { kind: "missing" });
  assert.equal(cron.parseCrontabList({ code: 1, stdout: "", stderr: "crontab: your UID isn't in the passwd file.\n" }).kind, "error");
  const vixie = "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/crontab.XXXXa1b2c3 installed on Thu Jun  5 11:50:00 2026)\n# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n0 3 * * * backup\n";
  assert.deepEqual(cron.parseCrontabList({ code: 0, stdout: vixie, stderr: "" }), { kind: "ok", text: "0 3 * * * backup\n" });
  assert.deepEqual(cron.parseCrontabList({ code: 0, stdout: "# mine\n0 3 * * * backup\n", stderr: "" }), { kind: "ok", text: "# mine\n0 3 * * * backup\n" });
});

test("cron: the entry is added once, replaced in place of duplicates, and removal gives back the table byte for byte", () => {
  const t = T();
  const mine = "MAILTO=mike@example.com\n# nightly\n0 3 * * * /usr/local/bin/backup\n";
  const once = cron.withEntry(mine, t);
  assert.equal(once, `${mine}${cron.entryLines(t).join("\n")}\n`);
  assert.equal(cron.withEntry(once, t), once, "idempotent");
  assert.equal(cron.withEntry(`${once}${cron.entryLines(t).join("\n")}\n`, t), once, "a duplicate goes");
  assert.equal(cron.withEntry(once, { ...t, every: 30 }).split(t.name).length - 1, 1);
  assert.equal(cron.withoutEntry(once, t.name), mine);
  assert.equal(cron.withEntry("0 3 * * * x", t), `0 3 * * * x\n${cron.entryLines(t).join("\n")}\n`, "a table without a final newline");
  const found = cron.findEntry(once, t.name)!;
  assert.equal(found.every, 15);
  assert.deepEqual(found.lines, cron.entryLines(t));
  assert.equal(cron.findEntry(mine, t.name), undefined);
  assert.deepEqual(cron.removePlan(t.name, `${cron.entryLines(t).join("\n")}\n`).steps, [{ op: "run", argv: ["crontab", "-r"] }]);
  assert.deepEqual(cron.removePlan(t.name, mine).steps, []);
});

// ---- launchd ----------------------------------------------------------------------------------------------------

test("launchd: the plist escapes XML, carries PATH and StartInterval, and reads back", () => {
  const t = T({ root: "/Users/mike/R&D <kb>", every: 60 });
  const text = launchd.plist(t);
  assert.match(text, /<string>\/Users\/mike\/R&amp;D &lt;kb&gt;<\/string>/);
  assert.match(text, /<key>StartInterval<\/key>\n\t<integer>3600<\/integer>/);
  assert.match(text, /<key>PATH<\/key>\n\t\t<string>\/usr\/local\/bin:\/usr\/bin:\/bin<\/string>/);
  assert.match(text, new RegExp(`<key>Label</key>\\n\\t<string>${t.name}</string>`));
  assert.equal(launchd.parsePlistEvery(text), 60);
  assert.deepEqual(launchd.parsePlistArgv(text), t.argv);
  assert.equal(launchd.plistPath("/Users/mike", t.name), `/Users/mike/Library/LaunchAgents/${t.name}.plist`);
});

test("launchd: launchctl print (its documented-unstable format, read leniently)", () => {
  assert.deepEqual(launchd.parsePrint({ code: 0, stdout: LAUNCHCTL_PRINT("x", "/p"), stderr: "" }), { loaded: true, state: "not running", lastExit: "0" });
  assert.deepEqual(launchd.parsePrint({ code: 113, stdout: "", stderr: 'Could not find service "x" in domain for user gui: 501\n' }), { loaded: false });
  assert.deepEqual(launchd.parsePrint({ code: 0, stdout: "something else entirely", stderr: "" }), { loaded: true });
});

// ---- schtasks ---------------------------------------------------------------------------------------------------

test("schtasks: /TR is a Windows command line (CommandLineToArgvW rules); too long is refused", () => {
  assert.equal(schtasks.windowsArg("C:\\Program Files\\nodejs\\node.exe"), '"C:\\Program Files\\nodejs\\node.exe"');
  assert.equal(schtasks.windowsArg("C:\\kb"), "C:\\kb");
  assert.equal(schtasks.windowsArg("C:\\my kb\\"), '"C:\\my kb\\\\"');
  assert.equal(schtasks.windowsArg('a "b"'), '"a \\"b\\""');
  const t = target({ root: "C:\\Users\\mike\\my kb", every: 15, launcher: ["C:\\Program Files\\nodejs\\node.exe", "C:\\lb\\dist\\cli.js"], path: undefined, platform: "win32" });
  assert.deepEqual(schtasks.createArgv(t), [
    "schtasks", "/Create", "/TN", t.name,
    "/TR", '"C:\\Program Files\\nodejs\\node.exe" C:\\lb\\dist\\cli.js -C "C:\\Users\\mike\\my kb" sync --scheduled',
    "/SC", "MINUTE", "/MO", "15", "/F",
  ]);
  assert.deepEqual(schtasks.createArgv({ ...t, every: 1440 }).slice(-3), ["/SC", "DAILY", "/F"]);
  assert.throws(() => schtasks.taskRun({ ...t, argv: [...t.argv.slice(0, 3), `C:\\${"x".repeat(250)}`, "sync", "--scheduled"] }), { exitCode: 78, message: /at most 261/ });
});

test("schtasks: /Query /XML (Task Scheduler 1.2 schema) gives the interval and the command; not found is undefined", () => {
  const tr = '"C:\\Program Files\\nodejs\\node.exe" C:\\lb\\cli.js -C "C:\\my kb" sync --scheduled';
  const info = schtasks.parseTaskXml({ code: 0, stdout: SCHTASKS_XML("logbook-sync-1", tr, 15), stderr: "" })!;
  assert.deepEqual(info, { every: 15, command: schtasks.normalizeCommand(tr), enabled: true });
  assert.equal(schtasks.parseTaskXml({ code: 0, stdout: SCHTASKS_XML("n", tr, 120), stderr: "" })!.every, 120);
  assert.equal(schtasks.parseTaskXml({ code: 0, stdout: SCHTASKS_XML("n", tr, 1440), stderr: "" })!.every, 1440);
  assert.equal(schtasks.parseTaskXml({ code: 1, stdout: "", stderr: "ERROR: The system cannot find the file specified.\r\n" }), undefined);
  assert.equal(schtasks.isoMinutes("PT1H30M"), 90);
  assert.equal(schtasks.isoMinutes("P1D"), 1440);
  assert.equal(schtasks.isoMinutes("PT"), undefined);
});

// ---- the run log and outcomes -----------------------------------------------------------------------------------

test("schedule.log: rotated once it reaches the limit, one generation kept; concurrent appends keep whole lines", async (t) => {
  const dir = tmpDir(t);
  const log = join(dir, "logbook", "schedule.log");
  await appendLine(log, "first");
  await appendLine(log, "two\nlines");
  assert.equal(readFileSync(log, "utf8"), "first\ntwo | lines\n");
  writeFileSync(log, "x".repeat(100));
  await appendLine(log, "after", 100);
  assert.equal(readFileSync(`${log}.1`, "utf8"), "x".repeat(100));
  assert.equal(readFileSync(log, "utf8"), "after\n");
  writeFileSync(log, "y".repeat(100));
  await Promise.all(Array.from({ length: 8 }, (_, i) => appendLine(log, `run ${i}`, 100)));
  assert.equal(readFileSync(`${log}.1`, "utf8"), "y".repeat(100), "one rotation, the full log kept as .1");
  assert.deepEqual(readFileSync(log, "utf8").split("\n").filter(Boolean).sort(), Array.from({ length: 8 }, (_, i) => `run ${i}`));
});

test("schedule.log summary: the last line, and a streak of pending pushes (deferred runs do not break it)", async (t) => {
  const log = join(tmpDir(t), "schedule.log");
  assert.deepEqual(await summarize(log), { last: undefined, pendingRuns: 0, pendingSince: undefined });
  writeFileSync(log, ["2026-06-05T10:00:00.000Z ok: x", "2026-06-05T10:15:00.000Z pending: y", "2026-06-05T10:30:00.000Z deferred: z", "2026-06-05T10:45:00.000Z pending: w", ""].join("\n"));
  assert.deepEqual(await summarize(log), { last: "2026-06-05T10:45:00.000Z pending: w", pendingRuns: 2, pendingSince: "2026-06-05T10:15:00.000Z" });
});

const result = (over: Partial<SyncResult> = {}): SyncResult => ({
  committed: true, commit: "0123456789abcdef", subject: "sync", files: ["a.md"], pushed: true, pending: false, range: "1111111..0123456",
  branch: "main", remote: "origin", retries: 0, notes: [], deferred: false, vault: null, exitCode: 0, ...over,
});

test("a scheduled run's outcome: deferred and unreachable are exit 0 (the next run finishes); what needs a person is not", () => {
  assert.deepEqual(outcomeOf(result()), { status: "ok", text: "committed 0123456789 (1 file); pushed 1111111..0123456 to origin/main", exitCode: 0 });
  assert.equal(outcomeOf(result({ commit: null, files: [], pushed: false, range: null })).text, "nothing to commit; up to date");
  assert.deepEqual(outcomeOf(result({ deferred: true, exitCode: 75 })), { status: "deferred", text: "another sync is running; it does the work, or the next run does", exitCode: 0 });
  const pending = outcomeOf(result({ pushed: false, range: null, pending: true, pendingReason: "Connection refused", exitCode: 69 }));
  assert.equal(pending.status, "pending");
  assert.equal(pending.exitCode, 0);
  assert.match(pending.text, /push pending: origin is unreachable \(Connection refused\); the commit is kept and the next run pushes it/);
  const vaultDown = outcomeOf(result({ vault: { status: "pending", message: "vault push pending", commit: null, exitCode: 69 }, exitCode: 69 }));
  assert.deepEqual([vaultDown.status, vaultDown.exitCode], ["pending", 0]);
  const vaultMissing = outcomeOf(result({ vault: { status: "pending", message: "vault repo not found at ../vault", commit: null, exitCode: 1 }, exitCode: 1 }));
  assert.deepEqual([vaultMissing.status, vaultMissing.exitCode], ["error", 1]);
  assert.deepEqual(errorOutcome(new ConfigError("identity is stale")), { status: "error", text: "identity is stale (exit 78)", exitCode: 78 });
  assert.equal(errorOutcome(new PermissionError("push to remote \"origin\" was refused")).exitCode, 77);
  assert.equal(errorOutcome(new DeferredError("held")).exitCode, 0);
  assert.equal(errorOutcome(new UnreachableError("down")).status, "pending");
  assert.equal(
    logLine(new Date("2026-06-05T18:50:00Z"), { status: "ok", text: "nothing to commit; up to date", exitCode: 0 }, ["reclaimed a stale sync lock: pid 4 is gone"], 1234),
    "2026-06-05T18:50:00.000Z ok: nothing to commit; up to date [reclaimed a stale sync lock: pid 4 is gone] (1.2 s)",
  );
});

test("the real runner: argv, stdin, exit code and output kept; a missing program is 127, never a throw", async () => {
  const run = realRunner({ PATH: process.env.PATH });
  const echo = await run([process.execPath, "-e", "process.stdin.pipe(process.stdout); process.stderr.write(process.env.LC_ALL); process.exitCode = 3"], "crontab text\n");
  assert.deepEqual(echo, { code: 3, stdout: "crontab text\n", stderr: "C" });
  const missing = await run(["logbook-test-no-such-program", "--user"]);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /command not found/);
});
