// Process probes: each platform's output parser on recorded outputs, and the live probe of this platform.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import {
  bootId,
  parseDarwinBoottime,
  parseDarwinPs,
  parseLinuxStat,
  parsePowerShellStart,
  parseWmicCreationDate,
  pidNamespace,
  probeProcess,
} from "../../src/sync/proc.js";
import { pidExists } from "../../src/util/pid.js";
import { waitFor } from "../helpers/index.js";
import { deadPid, procState } from "../helpers/lock-kit.js";

// Recorded on Linux 6.x: `cat /proc/self/stat`.
const LINUX_STAT =
  "13516 (cat) R 13509 13509 9645 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 138191 3133440 389 18446744073709551615 " +
  "94204770291712 94204770311593 140733404694800 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94204770327600 94204770329216 " +
  "94205671026688 140733404699157 140733404699177 140733404699177 140733404700651 0\n";

test("linux: starttime is field 22 of /proc/<pid>/stat, counted after the last ')'", () => {
  assert.deepEqual(parseLinuxStat(LINUX_STAT), { state: "R", start: "ticks:138191" });
  // A command name with spaces and parentheses must not shift the fields.
  const tricky = LINUX_STAT.replace("(cat)", "(my (odd) name)").replace(" R ", " Z ");
  assert.deepEqual(parseLinuxStat(tricky), { state: "Z", start: "ticks:138191" });
  assert.equal(parseLinuxStat("13516 (cat) R 1 2"), undefined);
  assert.equal(parseLinuxStat(""), undefined);
});

test("darwin: `ps -o stat= -o lstart=` (TZ=UTC) gives the state and an ISO start", () => {
  assert.deepEqual(parseDarwinPs("Ss   Thu Jun  5 18:50:00 2026\n"), { state: "Ss", start: "2026-06-05T18:50:00Z" });
  assert.deepEqual(parseDarwinPs("S+   Mon Dec 29 07:03:09 2025"), { state: "S+", start: "2025-12-29T07:03:09Z" });
  assert.deepEqual(parseDarwinPs("Z    Tue Jan  1 00:00:00 2030\n")?.state, "Z");
  assert.equal(parseDarwinPs(""), undefined, "no such process: empty output");
  assert.equal(parseDarwinPs("Ss   Thu Foo  5 18:50:00 2026"), undefined);
});

test("darwin: kern.boottime", () => {
  assert.equal(parseDarwinBoottime("{ sec = 1717400000, usec = 123456 } Mon Jun  3 09:33:20 2024\n"), "1717400000.123456");
  assert.equal(parseDarwinBoottime("{ sec = 1717400000, usec = 7 } Mon Jun  3 09:33:20 2024"), "1717400000.000007");
  assert.equal(parseDarwinBoottime("nonsense"), undefined);
});

test("win32: PowerShell and wmic give the same id for the same instant", () => {
  assert.equal(parsePowerShellStart("2026-06-05T18:50:00.1234567Z\r\n"), "2026-06-05T18:50:00.123Z");
  assert.equal(parsePowerShellStart("2026-06-05T18:50:00Z"), "2026-06-05T18:50:00.000Z");
  assert.equal(parsePowerShellStart(""), undefined);
  // wmic prints local time with the offset in minutes: 11:50 at UTC-7 is 18:50 UTC.
  assert.equal(parseWmicCreationDate("\r\r\n\r\r\nCreationDate=20260605115000.123456-420\r\r\n\r\r\n"), "2026-06-05T18:50:00.123Z");
  assert.equal(parseWmicCreationDate("CreationDate=20260606001000.123999+330"), "2026-06-05T18:40:00.123Z");
  assert.equal(parseWmicCreationDate("No Instance(s) Available.\r\n"), undefined);
});

test("pidExists: this process yes, a reaped one no, and never a process group", async () => {
  assert.equal(pidExists(process.pid), true);
  assert.equal(pidExists(await deadPid()), false);
  assert.equal(pidExists(0), false);
  assert.equal(pidExists(-1), false);
  assert.equal(pidExists(1.5), false);
});

test("probeProcess on this platform: a stable start for one process, another for another, dead when gone", async () => {
  const a = await probeProcess(process.pid);
  assert.equal(a.alive, true);
  assert.deepEqual(await probeProcess(process.pid), a, "the same process gives the same id every time");
  assert.deepEqual(await probeProcess(await deadPid()), { alive: false });
  if (process.platform === "linux" || process.platform === "darwin") {
    assert.ok(a.start, "start time available");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      const b = await probeProcess(child.pid!);
      assert.equal(b.alive, true);
      assert.notEqual(b.start, a.start);
    } finally {
      child.kill("SIGKILL");
    }
  }
  // A platform without a probe still answers liveness.
  assert.deepEqual(await probeProcess(process.pid, "freebsd"), { alive: true });
});

test("linux: a zombie (exited, not reaped) counts as dead although signal 0 still reaches it", { skip: process.platform !== "linux" }, async (t) => {
  // sh starts `sleep 0` in the background, then becomes `sleep 30`, which never reaps it.
  const sh = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  t.after(() => void sh.kill("SIGKILL"));
  let out = "";
  sh.stdout.on("data", (b: Buffer) => (out += b.toString()));
  await waitFor(() => /^\d+\n/.test(out), "the background pid");
  const zombie = Number(out.trim());
  await waitFor(() => procState(zombie) === "Z", "the zombie");
  assert.equal(pidExists(zombie), true);
  assert.deepEqual(await probeProcess(zombie), { alive: false });
});

test("linux: boot id and pid namespace", { skip: process.platform !== "linux" }, async () => {
  assert.match((await bootId()) ?? "", /^[0-9a-f-]{36}$/);
  assert.match((await pidNamespace()) ?? "", /^pid:\[\d+\]$/);
  assert.equal(await bootId("win32"), undefined);
});
