// Case (d): the remote is a real `git daemon` that a seeded schedule stops and restarts at random while one machine
// keeps saving (and another machine keeps pushing straight to the bare repo, so the upstream moves). A save while
// the daemon is down exits 69 with its log committed locally; every save that exits 0 leaves every log saved so
// far on the remote (the pending ones included); at the end nothing is lost and nothing is there twice.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitDaemon } from "../../test/helpers/daemon.js";
import { makeTeam, narrative, type Machine } from "../../test/helpers/index.js";
import { additions, between, type CaseOptions, type CaseResult, gitOut, runCase, sleep, tail, treeFiles } from "../kit.js";

export const FLAKY_SCALES = {
  full: { saves: 200, downMs: [50, 1500] as const, upMs: [50, 1500] as const },
  short: { saves: 5, downMs: [50, 1500] as const, upMs: [50, 1500] as const },
};

const LOGS = "clients/acme/session-logs";

export async function flakyCase(o: CaseOptions): Promise<CaseResult> {
  const P = FLAKY_SCALES[o.scale];
  return runCase("flaky", o, async ({ rand, scope, tally, figures }) => {
    // A short remote timeout: a push cut off mid-way must not hold the lock for the default two minutes.
    const team = await makeTeam(scope.ctx, { machines: 1, config: "timezone: America/Los_Angeles\nsync:\n  remoteTimeoutSeconds: 15\n" });
    const m: Machine = team.machines[0]!;
    const env = m.env;
    const d = await gitDaemon(scope.ctx, team.root);
    gitOut(m.dir, ["remote", "set-url", "origin", d.url("remote.git")], env);
    gitOut(m.dir, ["fetch", "-q"], env);
    const other = join(team.root, "other");
    gitOut(team.root, ["clone", "-q", team.remote, other], env);

    let up = true;
    let flaps = 0;
    const setUp = async (want: boolean) => {
      if (want === up) return;
      if (want) await d.start();
      else await d.stop();
      up = want;
      flaps++;
    };
    /** Toggles the daemon at random moments until stopped; resolves once the last toggle is done. */
    const flapDuring = () => {
      let on = true;
      const done = (async () => {
        while (on) {
          await sleep(between(rand, ...(up ? P.upMs : P.downMs)));
          if (on) await setUp(!up);
        }
      })();
      return async () => {
        on = false;
        await done;
      };
    };
    const modes = { up: 0, down: 0, flapping: 0 };

    const saved: string[] = [];
    const upstream: string[] = [];
    const codes = { ok: 0, pending: 0 };
    let n = 0;
    for (let i = 0; i < P.saves; i++) {
      tally.runs++;
      if (rand() < 0.3) {
        const rel = `${LOGS}/2026-01-01-alice-direct-${++n}.md`;
        mkdirSync(join(other, LOGS), { recursive: true });
        writeFileSync(join(other, rel), `direct ${n} ${randomBytes(6).toString("hex")}\n`);
        gitOut(other, ["pull", "-q", "--rebase"], env);
        gitOut(other, ["add", "--", rel], env);
        gitOut(other, ["commit", "-qm", `direct ${n}`], env);
        gitOut(other, ["push", "-q", "origin", "HEAD:main"], env);
        upstream.push(rel);
      }
      const topic = `f-${i}`;
      const x = rand();
      const mode = x < 0.35 ? "up" : x < 0.65 ? "down" : "flapping";
      modes[mode]++;
      let stopFlapping: (() => Promise<void>) | undefined;
      if (mode === "flapping") stopFlapping = flapDuring();
      else await setUp(mode === "up");
      const from = Date.now();
      const r = await m.cli(["save", "--scope", "client:acme", "--topic", topic, "--session", `fs-${i}`, "--no-wiki"], { input: narrative(topic), env: { LOGBOOK_LOCK_WAIT: "60" } });
      await stopFlapping?.();
      if (process.env.TORTURE_DEBUG) o.log(`  ${topic}: exit ${r.code} in ${Date.now() - from} ms, daemon ${mode}: ${tail(r.stderr, 3)}`);
      saved.push(topic);
      const label = `save ${topic} (daemon ${mode})`;
      if (!tally.check(r.code === 0 || r.code === 69, () => `${label} exited ${r.code}: ${tail(r.stderr + r.stdout)}`)) continue;
      if (mode === "up") tally.check(r.code === 0, () => `${label}: exit ${r.code} with the remote up`);
      if (mode === "down") tally.check(r.code === 69, () => `${label}: exit ${r.code} with the remote down`);
      const committed = gitOut(m.dir, ["log", "--format=", "--name-only", "-n", "50", "HEAD"], env);
      tally.check(committed.includes(`-mike-${topic}.md`), () => `${label}: its log is not committed locally`);
      if (r.code === 69) {
        codes.pending++;
        tally.check(/Push: pending .*the next sync will push it/.test(r.stdout), () => `${label}: exit 69 without the pending message: ${tail(r.stdout)}`);
      } else {
        codes.ok++;
        // A sync that succeeded pushed everything before it, the pending ones included.
        const remote = treeFiles(team.remote, "main", LOGS, env);
        for (const t of saved) tally.check(remote.some((f) => f.endsWith(`-mike-${t}.md`)), () => `${label}: ${t} is still not on the remote after a successful sync`);
      }
    }
    await setUp(true);
    const last = await m.cli(["sync"], { env: { LOGBOOK_LOCK_WAIT: "60" } });
    tally.check(last.code === 0, () => `the final sync with the remote up exited ${last.code}: ${tail(last.stderr + last.stdout)}`);
    const remote = treeFiles(team.remote, "main", LOGS, env);
    for (const t of saved) {
      const c = remote.filter((f) => f.endsWith(`-mike-${t}.md`)).length;
      tally.check(c === 1, () => `${t}: on the remote ${c} times at the end`);
    }
    for (const u of upstream) tally.check(remote.includes(u), () => `the other machine's ${u} is gone`);
    for (const [p, c] of additions(team.remote, "main", LOGS, env)) tally.check(c === 1, () => `${p} was added by ${c} commits`);
    tally.check(gitOut(m.dir, ["status", "--porcelain"], env).trim() === "", () => "the clone is not clean at the end");

    Object.assign(figures, {
      "saves with the daemon up / down / flapping": `${modes.up} / ${modes.down} / ${modes.flapping}`,
      "exit 0 / exit 69": `${codes.ok} / ${codes.pending}`,
      "daemon stops + starts": flaps,
      "pushes by the other machine": upstream.length,
      "logs on the remote at the end": remote.length,
    });
  });
}
