// `logbook schedule install|remove|status` on each platform, with the platform injected, HOME a temp dir and every
// scheduler command going to the fake machine behind the injected runner: what would run, what files would be
// written, idempotence, updates, and that remove leaves nothing behind. The machine's real scheduler is never used.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { command, run, type ScheduleOptions } from "../../src/commands/schedule.js";
import type { InstallResult, RemoveResult, StatusResult } from "../../src/schedule/manage.js";
import { git, isolatedEnv, runCli, testDeps, tmpDir } from "../helpers/index.js";
import { fakeMachine, type FakeMachine } from "./fakes.js";

const PATH = "/usr/local/bin:/usr/bin:/bin";

interface Setup {
  root: string;
  home: string;
  name: string;
  launcher: string[];
  fake: FakeMachine;
  unitDir: string;
  schedule(action: ScheduleOptions["action"], o?: Partial<ScheduleOptions>): Promise<InstallResult | RemoveResult | StatusResult>;
  printed(action: ScheduleOptions["action"], o?: Partial<ScheduleOptions>): Promise<string>;
  /** Every file under HOME (relative), to show nothing is left behind. */
  homeFiles(): string[];
}

async function setup(t: TestContext, platform: NodeJS.Platform, o: { systemdUp?: boolean; launcherDir?: string } = {}): Promise<Setup> {
  const dir = tmpDir(t, "lb-sched-");
  const home = join(dir, "home");
  const env = isolatedEnv(home, { PATH, USER: "tester" });
  const repo = join(dir, "kb");
  git(dir, ["init", "-q", "-b", "main", repo], env);
  const root = realpathSync(repo);
  // node and cli.js stand-ins: install checks that they exist; their paths are what the scheduler would run
  const bin = join(dir, o.launcherDir ?? "lb");
  mkdirSync(bin, { recursive: true });
  const launcher = [join(bin, "node"), join(bin, "cli.js")];
  for (const f of launcher) writeFileSync(f, "");
  const unitDir = join(home, ".config", "systemd", "user");
  const fake = fakeMachine({ unitDir, ...(o.systemdUp !== undefined ? { systemdUp: o.systemdUp } : {}) });
  const options = (action: ScheduleOptions["action"], over: Partial<ScheduleOptions> = {}): ScheduleOptions => ({
    action, every: 15, dryRun: false, launcher, uid: 501, runner: fake.runner, ...over,
  });
  const deps = () => testDeps(repo, { env, platform });
  const walk = (d: string, rel = ""): string[] =>
    existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`])) : [];
  return {
    root, home, launcher, fake, unitDir,
    name: `logbook-sync-${createHash("sha256").update(platform === "darwin" || platform === "win32" ? root.toLowerCase() : root).digest("hex").slice(0, 8)}`,
    schedule: (action, over) => run(options(action, over), deps()),
    async printed(action, over) {
      const d = deps();
      command.print(await run(options(action, over), d), { out: d.out, json: false });
      return d.output.join("");
    },
    homeFiles: () => walk(home).filter((f) => !f.startsWith(".gitconfig")),
  };
}

const argvLine = (s: Setup) => `${s.launcher[0]} ${s.launcher[1]} -C ${s.root} sync --scheduled`;

// ---- Linux with a systemd user session --------------------------------------------------------------------------

test("systemd: install writes a service and a timer, reloads, enables and starts the timer", async (t) => {
  const s = await setup(t, "linux");
  const r = (await s.schedule("install")) as InstallResult;
  assert.equal(r.scheduler, "systemd");
  assert.equal(r.name, s.name);
  assert.deepEqual(r.argv, [...s.launcher, "-C", s.root, "sync", "--scheduled"]);
  assert.deepEqual(s.fake.changes(), [
    "systemctl --user daemon-reload",
    `systemctl --user enable ${s.name}.timer`,
    `systemctl --user restart ${s.name}.timer`,
  ]);
  const service = readFileSync(join(s.unitDir, `${s.name}.service`), "utf8");
  assert.match(service, new RegExp(`^ExecStart=${argvLine(s).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
  assert.match(service, new RegExp(`^Environment=PATH=${PATH.replace(/\//g, "\\/")}$`, "m"));
  assert.match(readFileSync(join(s.unitDir, `${s.name}.timer`), "utf8"), /^OnUnitActiveSec=15min$/m);
  assert.ok(s.fake.systemd.active.has(`${s.name}.timer`));
  assert.deepEqual(s.homeFiles().sort(), [
    `.config/systemd/user/${s.name}.service`,
    `.config/systemd/user/${s.name}.timer`,
    `.config/systemd/user/timers.target.wants/${s.name}.timer`,
  ]);
  assert.match(r.notes.join("\n"), /loginctl enable-linger tester/);
});

test("systemd: install twice is one entry and changes nothing; a new --every rewrites the timer and restarts it", async (t) => {
  const s = await setup(t, "linux");
  await s.schedule("install");
  const files = s.homeFiles();
  const n = s.fake.changes().length;
  const again = (await s.schedule("install")) as InstallResult;
  assert.equal(again.changed, false);
  assert.equal(s.fake.changes().length, n, "no scheduler command the second time");
  assert.deepEqual(s.homeFiles(), files);
  assert.match(await s.printed("install"), /already installed exactly so \(every 15 minutes\); nothing changed/);
  const changed = (await s.schedule("install", { every: 60 })) as InstallResult;
  assert.equal(changed.changed, true);
  assert.match(readFileSync(join(s.unitDir, `${s.name}.timer`), "utf8"), /^OnUnitActiveSec=60min$/m);
  assert.deepEqual(s.fake.changes().slice(n), ["systemctl --user daemon-reload", `systemctl --user enable ${s.name}.timer`, `systemctl --user restart ${s.name}.timer`]);
  assert.deepEqual(s.homeFiles(), files, "still one entry");
  const st = (await s.schedule("status")) as StatusResult;
  assert.deepEqual(st.entries.map((e) => [e.scheduler, e.every, e.upToDate, e.state]), [["systemd", 60, true, "active"]]);
});

test("systemd: a stopped timer is started again by install even when the files are unchanged", async (t) => {
  const s = await setup(t, "linux");
  await s.schedule("install");
  s.fake.systemd.active.clear();
  assert.equal(((await s.schedule("install")) as InstallResult).changed, true);
  assert.ok(s.fake.systemd.active.has(`${s.name}.timer`));
});

test("systemd: remove disables the timer and deletes the units, the wants link and the run log: nothing left", async (t) => {
  const s = await setup(t, "linux");
  await s.schedule("install");
  const log = join(s.root, ".git", "logbook", "schedule.log");
  mkdirSync(join(s.root, ".git", "logbook"), { recursive: true });
  writeFileSync(log, "2026-06-05T18:50:00.000Z ok: nothing to commit; up to date (0.3 s)\n");
  writeFileSync(`${log}.1`, "older\n");
  const n = s.fake.changes().length;
  const r = (await s.schedule("remove")) as RemoveResult;
  assert.deepEqual(r.removed, ["systemd"]);
  assert.deepEqual(s.fake.changes().slice(n), [
    `systemctl --user disable --now ${s.name}.timer`,
    "systemctl --user daemon-reload",
    `systemctl --user reset-failed ${s.name}.service ${s.name}.timer`,
  ]);
  assert.deepEqual(s.homeFiles(), []);
  assert.equal(existsSync(log) || existsSync(`${log}.1`), false);
  assert.equal(s.fake.systemd.active.size, 0);
  assert.equal(((await s.schedule("status")) as StatusResult).entries.length, 0);
  assert.match(await s.printed("remove"), /No scheduled sync is installed for .*nothing to remove/);
});

test("systemd: --dry-run changes nothing and prints exactly the files and commands install then uses", async (t) => {
  const s = await setup(t, "linux", { launcherDir: "my tools 100%" });
  const out = await s.printed("install", { dryRun: true });
  assert.deepEqual(s.homeFiles(), []);
  assert.deepEqual(s.fake.changes(), [], "only reads ran");
  await s.schedule("install");
  for (const f of [`${s.name}.service`, `${s.name}.timer`]) {
    const path = join(s.unitDir, f);
    assert.ok(out.includes(`=== write ${path}\n${readFileSync(path, "utf8")}=== end of ${path}\n`), `${f} printed verbatim:\n${out}`);
  }
  for (const c of s.fake.changes()) assert.ok(out.includes(`$ ${c}\n`), `${c} printed`);
  assert.match(readFileSync(join(s.unitDir, `${s.name}.service`), "utf8"), /^ExecStart="\S+\/my tools 100%%\/node" "\S+\/my tools 100%%\/cli\.js" -C \S+ sync --scheduled$/m);
  const rm = await s.printed("remove", { dryRun: true });
  assert.match(rm, new RegExp(`\\$ systemctl --user disable --now ${s.name}\\.timer\\n`));
  assert.match(rm, new RegExp(`=== delete ${join(s.unitDir, `${s.name}.service`).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
  assert.equal(s.homeFiles().length, 3, "dry-run remove removed nothing");
});

test("systemd: a refused command leaves things as they were (files restored) and names the command", async (t) => {
  const s = await setup(t, "linux");
  s.fake.failNext("systemctl --user enable", { code: 1, stdout: "", stderr: "Failed to enable unit: Access denied\n" });
  await assert.rejects(s.schedule("install"), (e: Error & { exitCode: number }) => {
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /systemctl --user enable logbook-sync-[0-9a-f]{8}\.timer failed \(exit 1\): Failed to enable unit: Access denied/);
    return true;
  });
  assert.deepEqual(s.homeFiles(), [], "the new units are gone again");
  // an update that fails keeps the old units
  await s.schedule("install");
  const before = readFileSync(join(s.unitDir, `${s.name}.timer`), "utf8");
  s.fake.failNext("systemctl --user restart", { code: 1, stdout: "", stderr: "Job failed\n" });
  await assert.rejects(s.schedule("install", { every: 30 }), /restart .* failed/);
  assert.equal(readFileSync(join(s.unitDir, `${s.name}.timer`), "utf8"), before);
});

// ---- Linux without a user session: cron -------------------------------------------------------------------------

test("cron: install adds one marked line to the user's crontab and keeps every other line; twice is once", async (t) => {
  const s = await setup(t, "linux", { systemdUp: false });
  const mine = "MAILTO=tester@example.com\n# nightly backup\n0 3 * * * /usr/local/bin/backup\n";
  s.fake.crontab = mine;
  const r = (await s.schedule("install")) as InstallResult;
  assert.equal(r.scheduler, "cron");
  assert.match(r.notes.join("\n"), /no systemd user session \(systemctl --user is-system-running: offline\): using the crontab/);
  assert.deepEqual(s.fake.changes(), ["crontab -"]);
  const lines = s.fake.crontab!.split("\n");
  assert.equal(s.fake.crontab!.slice(0, mine.length), mine);
  assert.match(lines[3]!, new RegExp(`^# ${s.name} every=15m: logbook sync of ${s.root}, every 15 minutes`));
  assert.match(lines[4]!, /^(\d+),(\d+),(\d+),(\d+) \* \* \* \* PATH=\/usr\/local\/bin:\/usr\/bin:\/bin /);
  assert.ok(lines[4]!.endsWith(` ${argvLine(s)}`));
  assert.equal(lines.length, 6);
  await s.schedule("install");
  assert.deepEqual(s.fake.changes(), ["crontab -"], "the same entry is not written again");
  await s.schedule("install", { every: 30 });
  assert.equal(s.fake.crontab!.split(s.name).length - 1, 1, "one entry after an update");
  assert.match(s.fake.crontab!, /every=30m/);
  const st = (await s.schedule("status")) as StatusResult;
  assert.deepEqual(st.entries.map((e) => [e.scheduler, e.every, e.upToDate]), [["cron", 30, true]]);
  await s.schedule("remove");
  assert.equal(s.fake.crontab, mine, "the crontab is back byte for byte");
});

test("cron: removing the only entry removes the crontab (crontab -r); an interval cron cannot keep is refused", async (t) => {
  const s = await setup(t, "linux", { systemdUp: false });
  await assert.rejects(s.schedule("install", { every: 45 }), { exitCode: 64, message: /cron .* try --every (30|60)/ });
  assert.equal(s.fake.crontab, undefined);
  await s.schedule("install");
  assert.ok(s.fake.crontab!.includes(s.name));
  const r = (await s.schedule("remove")) as RemoveResult;
  assert.deepEqual(r.removed, ["cron"]);
  assert.deepEqual(s.fake.changes(), ["crontab -", "crontab -r"]);
  assert.equal(s.fake.crontab, undefined);
  assert.deepEqual(s.homeFiles(), []);
});

test("cron: neither a user session nor crontab is a configuration error (78) that says what to install", async (t) => {
  const s = await setup(t, "linux", { systemdUp: false });
  s.fake.missing.add("crontab");
  await assert.rejects(s.schedule("install"), { exitCode: 78, message: /no systemd user session here .* and no crontab command.*apt install cron/ });
  assert.deepEqual(s.fake.changes(), []);
});

test("linux: switching between systemd and cron keeps one entry per repo", async (t) => {
  const s = await setup(t, "linux");
  await s.schedule("install");
  s.fake.systemd.up = false; // e.g. installed again over ssh without a user manager
  const r = (await s.schedule("install")) as InstallResult;
  assert.equal(r.scheduler, "cron");
  assert.ok(s.fake.crontab!.includes(s.name));
  assert.deepEqual(s.homeFiles(), [], "the systemd units went");
  s.fake.systemd.up = true;
  await s.schedule("install");
  assert.equal(s.fake.crontab, undefined, "and back: the crontab line went (the crontab was ours alone)");
  assert.equal(s.homeFiles().length, 3);
  // both at once (a hand-made mess): status shows both, remove clears both
  s.fake.crontab = `# ${s.name} every=15m: x\n* * * * * true\n`;
  assert.equal(((await s.schedule("status")) as StatusResult).entries.length, 2);
  assert.deepEqual(((await s.schedule("remove")) as RemoveResult).removed, ["systemd", "cron"]);
  assert.equal(s.fake.crontab, undefined);
  assert.deepEqual(s.homeFiles(), []);
});

// ---- macOS: launchd ---------------------------------------------------------------------------------------------

test("launchd: install writes ~/Library/LaunchAgents/<name>.plist and bootstraps it; idempotent; --every updates", async (t) => {
  const s = await setup(t, "darwin");
  const r = (await s.schedule("install")) as InstallResult;
  assert.equal(r.scheduler, "launchd");
  const plist = join(s.home, "Library", "LaunchAgents", `${s.name}.plist`);
  assert.deepEqual(s.fake.changes(), [`launchctl bootstrap gui/501 ${plist}`]);
  const text = readFileSync(plist, "utf8");
  assert.match(text, new RegExp(`<key>Label</key>\\n\\t<string>${s.name}</string>`));
  assert.match(text, /<key>StartInterval<\/key>\n\t<integer>900<\/integer>/);
  for (const a of [...s.launcher, "-C", s.root, "sync", "--scheduled"]) assert.ok(text.includes(`\t\t<string>${a}</string>\n`), a);
  assert.deepEqual(s.homeFiles(), [`Library/LaunchAgents/${s.name}.plist`]);
  assert.equal(((await s.schedule("install")) as InstallResult).changed, false);
  assert.equal(s.fake.changes().length, 1);
  await s.schedule("install", { every: 60 });
  assert.deepEqual(s.fake.changes().slice(1), [`launchctl bootout gui/501/${s.name}`, `launchctl bootstrap gui/501 ${plist}`]);
  assert.match(readFileSync(plist, "utf8"), /<integer>3600<\/integer>/);
  const st = (await s.schedule("status")) as StatusResult;
  assert.deepEqual(st.entries.map((e) => [e.scheduler, e.every, e.upToDate, e.state]), [["launchd", 60, true, "not running, last exit code 0"]]);
  const out = await s.printed("status");
  assert.match(out, /launchd agent: every hour, not running, last exit code 0\n/);
});

test("launchd: remove boots the agent out and deletes the plist; dry-run shows the exact plist", async (t) => {
  const s = await setup(t, "darwin");
  const dry = await s.printed("install", { dryRun: true });
  assert.deepEqual(s.homeFiles(), []);
  await s.schedule("install");
  const plist = join(s.home, "Library", "LaunchAgents", `${s.name}.plist`);
  assert.ok(dry.includes(`=== write ${plist}\n${readFileSync(plist, "utf8")}=== end of ${plist}\n`));
  assert.ok(dry.includes(`$ launchctl bootstrap gui/501 ${plist}\n`));
  await s.schedule("remove");
  assert.deepEqual(s.fake.changes().slice(1), [`launchctl bootout gui/501/${s.name}`]);
  assert.deepEqual(s.homeFiles(), []);
  assert.equal(s.fake.launchd.size, 0);
});

test("launchd: a plist whose command no longer matches (logbook moved) is reported out of date", async (t) => {
  const s = await setup(t, "darwin");
  await s.schedule("install");
  const moved = join(s.home, "..", "elsewhere.js");
  writeFileSync(moved, "");
  const st = (await s.schedule("status", { launcher: [s.launcher[0]!, moved] })) as StatusResult;
  assert.equal(st.entries[0]!.upToDate, false);
  assert.match(await s.printed("status", { launcher: [s.launcher[0]!, moved] }), /OUT OF DATE: .*run logbook schedule install again/);
});

// ---- Windows: Task Scheduler ------------------------------------------------------------------------------------

test("schtasks: install is one /Create ... /F (idempotent, atomic); a new interval replaces it; remove deletes it", async (t) => {
  const s = await setup(t, "win32", { launcherDir: "Program Files" });
  const r = (await s.schedule("install")) as InstallResult;
  assert.equal(r.scheduler, "schtasks");
  const tr = `"${s.launcher[0]}" "${s.launcher[1]}" -C ${s.root} sync --scheduled`;
  assert.deepEqual(s.fake.calls.at(-1)!.argv, ["schtasks", "/Create", "/TN", s.name, "/TR", tr, "/SC", "MINUTE", "/MO", "15", "/F"]);
  assert.deepEqual(s.homeFiles(), [], "no file of ours on Windows");
  assert.equal(((await s.schedule("install")) as InstallResult).changed, false);
  assert.equal(s.fake.changes().length, 1);
  await s.schedule("install", { every: 1440 });
  assert.deepEqual(s.fake.calls.at(-1)!.argv.slice(-3), ["/SC", "DAILY", "/F"]);
  assert.equal(s.fake.tasks.size, 1);
  const st = (await s.schedule("status")) as StatusResult;
  assert.deepEqual(st.entries.map((e) => [e.scheduler, e.every, e.upToDate, e.state]), [["schtasks", 1440, true, "enabled"]]);
  const dry = await s.printed("remove", { dryRun: true });
  assert.match(dry, new RegExp(`\\$ schtasks /Delete /TN ${s.name} /F\\n`));
  await s.schedule("remove");
  assert.equal(s.fake.tasks.size, 0);
  assert.deepEqual(s.fake.changes().at(-1), `schtasks /Delete /TN ${s.name} /F`);
  assert.deepEqual(((await s.schedule("remove")) as RemoveResult).removed, []);
});

test("schtasks: the dry run shows the /Create command line as cmd would take it", async (t) => {
  const s = await setup(t, "win32", { launcherDir: "Program Files" });
  const out = await s.printed("install", { dryRun: true });
  assert.match(out, /\$ schtasks \/Create \/TN logbook-sync-[0-9a-f]{8} \/TR "\\"[^\n]*Program Files\/node\\" \\"[^\n]*\/cli\.js\\" -C [^\n]* sync --scheduled" \/SC MINUTE \/MO 15 \/F\n/);
  assert.equal(s.fake.tasks.size, 0);
});

// ---- the CLI surface --------------------------------------------------------------------------------------------

test("CLI: bad actions and flags are usage errors (64) before any scheduler is asked", async (t) => {
  const dir = tmpDir(t);
  const env = isolatedEnv(join(dir, "home"));
  git(dir, ["init", "-q", "-b", "main", join(dir, "kb")], env);
  const cwd = join(dir, "kb");
  for (const [args, msg] of [
    [["schedule"], /expected an action/],
    [["schedule", "start"], /unknown action "start"/],
    [["schedule", "install", "--every", "0"], /--every 0: the interval is a whole number of minutes from 1 to 1440/],
    [["schedule", "remove", "--every", "5"], /--every goes with install/],
    [["schedule", "status", "--dry-run"], /--dry-run goes with install or remove/],
  ] as const) {
    const r = await runCli([...args], { cwd, env });
    assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test("the CLI hands the scheduler absolute paths: process.execPath and its own script, symlinks resolved", () => {
  const o = command.parse({ every: "30" }, ["install"]);
  assert.equal(o.launcher[0], process.execPath);
  assert.equal(o.launcher[1], realpathSync(process.argv[1]!));
  assert.equal(o.every, 30);
  assert.equal(o.dryRun, false);
});
