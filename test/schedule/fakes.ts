// A stand-in for the machine's schedulers behind the injected runner: systemctl --user, loginctl, crontab, launchctl
// and schtasks answer as the real ones do (exit codes and messages recorded from them or their documentation), and
// keep state, so a test sees what would run, what would be left behind, and what a second install changes.
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CmdResult, Runner } from "../../src/schedule/runner.js";

export interface Call {
  argv: string[];
  input?: string;
}

export interface FakeMachine {
  runner: Runner;
  calls: Call[];
  /** Calls that change something (reads such as crontab -l, is-active, print, /Query left out). */
  changes(): string[];
  systemd: { up: boolean; state: string; active: Set<string>; linger: boolean };
  /** The user's crontab; undefined: none ("no crontab for tester"). */
  crontab: string | undefined;
  /** Programs that are not installed (the runner's 127). */
  missing: Set<string>;
  /** Loaded launchd agents: label -> plist path. */
  launchd: Map<string, string>;
  /** Task Scheduler tasks: name -> /TR and interval. */
  tasks: Map<string, { tr: string; every: number }>;
  /** Make one command fail once it matches (argv joined by spaces, a prefix). */
  failNext(prefix: string, result: CmdResult): void;
}

const ok = (stdout = ""): CmdResult => ({ code: 0, stdout, stderr: "" });

/** `launchctl print gui/501/<label>` of a loaded agent (abridged; the lines parsePrint reads are verbatim). */
export const LAUNCHCTL_PRINT = (label: string, path: string) => `gui/501/${label} = {
	active count = 0
	path = ${path}
	type = LaunchAgent
	state = not running

	program = /usr/local/bin/node
	arguments = {
		/usr/local/bin/node
	}

	default environment = {
		PATH => /usr/bin:/bin:/usr/sbin:/sbin
	}

	domain = gui/501 [100005]
	asid = 100005
	minimum runtime = 10
	exit timeout = 5
	runs = 1
	last exit code = 0

	run interval = 900 seconds
	properties = runatload | inferred program
}
`;

/** `schtasks /Query /TN <name> /XML` for a task made with /SC MINUTE /MO n /TR "..." (Task Scheduler 1.2 schema). */
export const SCHTASKS_XML = (name: string, tr: string, every: number) => {
  const m = /^("[^"]*"|\S+)\s*(.*)$/.exec(tr)!;
  const trigger =
    every < 1440
      ? `    <TimeTrigger>\r\n      <Repetition>\r\n        <Interval>PT${every % 60 === 0 ? `${every / 60}H` : `${every}M`}</Interval>\r\n        <StopAtDurationEnd>false</StopAtDurationEnd>\r\n      </Repetition>\r\n      <StartBoundary>2026-06-05T11:50:00</StartBoundary>\r\n      <Enabled>true</Enabled>\r\n    </TimeTrigger>`
      : `    <CalendarTrigger>\r\n      <StartBoundary>2026-06-05T11:50:00</StartBoundary>\r\n      <Enabled>true</Enabled>\r\n      <ScheduleByDay>\r\n        <DaysInterval>1</DaysInterval>\r\n      </ScheduleByDay>\r\n    </CalendarTrigger>`;
  return `<?xml version="1.0" encoding="UTF-16"?>\r
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r
  <RegistrationInfo>\r
    <Date>2026-06-05T11:50:00</Date>\r
    <Author>LAPTOP\\mike</Author>\r
    <URI>\\${name}</URI>\r
  </RegistrationInfo>\r
  <Triggers>\r
${trigger}\r
  </Triggers>\r
  <Principals>\r
    <Principal id="Author">\r
      <UserId>S-1-5-21-1004336348-1177238915-682003330-1001</UserId>\r
      <LogonType>InteractiveToken</LogonType>\r
    </Principal>\r
  </Principals>\r
  <Settings>\r
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\r
    <DisallowStartIfOnBatteries>true</DisallowStartIfOnBatteries>\r
    <StopIfGoingOnBatteries>true</StopIfGoingOnBatteries>\r
    <Enabled>true</Enabled>\r
    <ExecutionTimeLimit>PT72H</ExecutionTimeLimit>\r
  </Settings>\r
  <Actions Context="Author">\r
    <Exec>\r
      <Command>${m[1]!.replace(/&/g, "&amp;")}</Command>\r
      <Arguments>${m[2]!.replace(/&/g, "&amp;")}</Arguments>\r
    </Exec>\r
  </Actions>\r
</Task>\r
`;
};

const READS = [/^systemctl --user is-system-running/, /^systemctl --user is-active/, /^loginctl /, /^crontab -l/, /^launchctl print/, /^schtasks \/Query/];

export function fakeMachine(o: { unitDir?: string; systemdUp?: boolean } = {}): FakeMachine {
  const failures: { prefix: string; result: CmdResult }[] = [];
  const m: FakeMachine = {
    calls: [],
    changes: () => m.calls.map((c) => c.argv.join(" ")).filter((c) => !READS.some((r) => r.test(c))),
    systemd: { up: o.systemdUp ?? true, state: o.systemdUp === false ? "offline" : "running", active: new Set(), linger: false },
    crontab: undefined,
    missing: new Set(),
    launchd: new Map(),
    tasks: new Map(),
    failNext: (prefix, result) => void failures.push({ prefix, result }),
    runner: async (argv, input) => {
      m.calls.push({ argv: [...argv], ...(input !== undefined ? { input } : {}) });
      const line = argv.join(" ");
      const f = failures.findIndex((x) => line.startsWith(x.prefix));
      if (f >= 0) return failures.splice(f, 1)[0]!.result;
      const [cmd, ...args] = argv;
      if (m.missing.has(cmd!)) return { code: 127, stdout: "", stderr: `${cmd}: command not found` };
      switch (cmd) {
        case "systemctl":
          return systemctl(m, args, o.unitDir);
        case "loginctl":
          return ok(m.systemd.linger ? "yes\n" : "no\n");
        case "crontab":
          return crontab(m, args, input);
        case "launchctl":
          return launchctl(m, args);
        case "schtasks":
          return schtasks(m, args);
        default:
          return { code: 127, stdout: "", stderr: `${cmd}: command not found` };
      }
    },
  };
  return m;
}

function systemctl(m: FakeMachine, args: string[], unitDir: string | undefined): CmdResult {
  if (args[0] !== "--user") return { code: 1, stdout: "", stderr: "fake: only --user" };
  const [verb, ...units] = args.slice(1);
  // Recorded (systemd 252 in a container without a user manager): stdout "offline", exit 1.
  if (verb === "is-system-running") return m.systemd.up ? ok(`${m.systemd.state}\n`) : { code: 1, stdout: "offline\n", stderr: "" };
  if (!m.systemd.up) return { code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found\n" };
  const timer = units.find((u) => u.endsWith(".timer"));
  switch (verb) {
    case "daemon-reload":
      return ok();
    case "is-active":
      return timer && m.systemd.active.has(timer) ? ok("active\n") : { code: 3, stdout: "inactive\n", stderr: "" };
    case "enable": {
      if (!unitDir || !timer || !existsSync(join(unitDir, timer))) return { code: 1, stdout: "", stderr: `Failed to enable unit: Unit file ${timer} does not exist.\n` };
      const link = join(unitDir, "timers.target.wants", timer);
      if (!existsSync(link)) {
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(join(unitDir, timer), link);
        return { code: 0, stdout: "", stderr: `Created symlink ${link} → ${join(unitDir, timer)}.\n` };
      }
      return ok();
    }
    case "restart":
      if (!unitDir || !timer || !existsSync(join(unitDir, timer))) return { code: 5, stdout: "", stderr: `Failed to restart ${timer}: Unit ${timer} not found.\n` };
      m.systemd.active.add(timer);
      return ok();
    case "disable": {
      if (timer) m.systemd.active.delete(timer);
      const link = unitDir && timer ? join(unitDir, "timers.target.wants", timer) : undefined;
      if (link) rmSync(link, { force: true });
      return ok();
    }
    case "reset-failed":
      return { code: 1, stdout: "", stderr: `Failed to reset failed state of unit ${units[0]}: Unit ${units[0]} not loaded.\n` };
    default:
      return { code: 1, stdout: "", stderr: `fake systemctl: unknown verb ${verb}` };
  }
}

function crontab(m: FakeMachine, args: string[], input: string | undefined): CmdResult {
  if (args[0] === "-l") return m.crontab === undefined ? { code: 1, stdout: "", stderr: "no crontab for tester\n" } : ok(m.crontab);
  if (args[0] === "-") {
    m.crontab = input ?? "";
    return ok();
  }
  if (args[0] === "-r") {
    if (m.crontab === undefined) return { code: 1, stdout: "", stderr: "no crontab for tester\n" };
    m.crontab = undefined;
    return ok();
  }
  return { code: 1, stdout: "", stderr: "fake crontab: usage" };
}

function launchctl(m: FakeMachine, args: string[]): CmdResult {
  const [verb, target, path] = args;
  const label = target?.split("/")[2];
  switch (verb) {
    case "print":
      return label && m.launchd.has(label)
        ? ok(LAUNCHCTL_PRINT(label, m.launchd.get(label)!))
        : { code: 113, stdout: "", stderr: `Could not find service "${label}" in domain for user gui: 501\n` };
    case "bootstrap": {
      if (!path || !existsSync(path)) return { code: 5, stdout: "", stderr: "Bootstrap failed: 5: Input/output error\n" };
      const name = path.split("/").pop()!.replace(/\.plist$/, "");
      if (m.launchd.has(name)) return { code: 5, stdout: "", stderr: "Bootstrap failed: 5: Input/output error\n" };
      m.launchd.set(name, path);
      return ok();
    }
    case "bootout":
      if (!label || !m.launchd.delete(label)) return { code: 3, stdout: "", stderr: "Boot-out failed: 3: No such process\n" };
      return ok();
    default:
      return { code: 64, stdout: "", stderr: "Unrecognized subcommand" };
  }
}

function schtasks(m: FakeMachine, args: string[]): CmdResult {
  const opt = (k: string) => {
    const i = args.findIndex((a) => a.toUpperCase() === k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const name = opt("/TN")!;
  const notFound = { code: 1, stdout: "", stderr: "ERROR: The system cannot find the file specified.\r\n" };
  switch (args[0]) {
    case "/Create": {
      if (m.tasks.has(name) && !args.includes("/F")) return { code: 1, stdout: "", stderr: `WARNING: The task name "${name}" already exists.` };
      const every = opt("/SC") === "DAILY" ? 1440 : Number(opt("/MO"));
      m.tasks.set(name, { tr: opt("/TR")!, every });
      return ok(`SUCCESS: The scheduled task "${name}" has successfully been created.\r\n`);
    }
    case "/Query": {
      const t = m.tasks.get(name);
      return t ? ok(SCHTASKS_XML(name, t.tr, t.every)) : notFound;
    }
    case "/Delete":
      if (!m.tasks.delete(name)) return notFound;
      return ok(`SUCCESS: The scheduled task "${name}" was successfully deleted.\r\n`);
    default:
      return { code: 1, stdout: "", stderr: "ERROR: Invalid argument/option" };
  }
}
