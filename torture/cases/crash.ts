// Case (b): a save SIGKILLed (with its whole process group: node and its git children) at every step of the sync
// pipeline, the vault included, many times over. Before each kill another machine has pushed (so the pipeline
// really fetches and replays) and, at random, the vault has new files. After each kill a normal `logbook sync`
// must complete, and the remote must hold every log exactly once, each added by exactly one commit.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, makeTeam, narrative, type Machine } from "../../test/helpers/index.js";
import { additions, between, type CaseOptions, type CaseResult, gitOut, killGroup, pausedCli, runCase, signal, sleep, tail, treeFiles } from "../kit.js";

export const STEPS = ["after-lock", "after-commit", "during-fetch", "during-rebase", "during-push", "before-move", "during-vault"] as const;

export const CRASH_SCALES = {
  full: { perStep: 20, steps: STEPS.length },
  /** The short version: a few steps picked by the seed, during-vault always among them. */
  short: { perStep: 1, steps: 3 },
};

const LOGS = "clients/acme/session-logs";

export async function crashCase(o: CaseOptions): Promise<CaseResult> {
  const P = CRASH_SCALES[o.scale];
  return runCase("crash", o, async ({ rand, scope, tally, figures }) => {
    const team = await makeTeam(scope.ctx, { machines: 1 });
    const m = team.machines[0]!;
    const env = m.env;
    // Another machine, as plain git: it only needs to move the upstream, and fast.
    const other = join(team.root, "other");
    gitOut(team.root, ["clone", "-q", team.remote, other], env);
    // The vault: its own bare remote and clone, configured in the team config.
    const vaultRemote = join(team.root, "vault.git");
    const vault = join(team.root, "vault");
    gitOut(team.root, ["init", "-q", "--bare", "-b", "main", vaultRemote], env);
    gitOut(team.root, ["clone", "-q", vaultRemote, vault], env);
    writeFileSync(join(vault, "README.md"), "vault\n");
    gitOut(vault, ["add", "-A"], env);
    gitOut(vault, ["commit", "-qm", "init"], env);
    gitOut(vault, ["push", "-q", "-u", "origin", "main"], env);
    appendFileSync(join(m.dir, ".logbook/config.yaml"), `vault:\n  path: ${vault}\n`);
    const cfg = await m.cli(["checkpoint", "--only", ".logbook/config.yaml"]);
    if (cfg.code !== 0) throw new Error(`configuring the vault: ${cfg.stderr}`);

    const topics: string[] = [];
    const upstream: string[] = [];
    const vaultFiles: string[] = [];
    let n = 0;
    const moveUpstream = () => {
      const rel = `${LOGS}/2026-01-01-alice-up-${++n}.md`;
      mkdirSync(join(other, LOGS), { recursive: true });
      writeFileSync(join(other, rel), `# up ${n}\n${randomBytes(8).toString("hex")}\n`);
      gitOut(other, ["pull", "-q", "--rebase"], env);
      gitOut(other, ["add", "--", rel], env);
      gitOut(other, ["commit", "-qm", `up ${n}`], env);
      gitOut(other, ["push", "-q", "origin", "HEAD:main"], env);
      upstream.push(rel);
    };
    const addVaultFile = () => {
      const rel = `secrets/s-${++n}.age`;
      mkdirSync(join(vault, "secrets"), { recursive: true });
      writeFileSync(join(vault, rel), randomBytes(64).toString("base64") + "\n");
      vaultFiles.push(rel);
    };

    const steps = o.scale === "full" ? [...STEPS] : ["during-vault", ...pickSome(rand, STEPS.filter((s) => s !== "during-vault"), P.steps - 1)];
    const modes = { stopped: 0, resumed: 0, finished: 0 };
    for (const step of steps) {
      for (let k = 0; k < P.perStep; k++) {
        tally.runs++;
        const topic = `c-${step}-${k}`;
        const label = `${step} #${k + 1}`;
        // The replay and the branch move only happen when the upstream moved; elsewhere it moves or not at random.
        const ups = step === "during-rebase" || step === "before-move" ? between(rand, 1, 2) : between(rand, 0, 2);
        for (let u = 0; u < ups; u++) moveUpstream();
        if (step === "during-vault" || rand() < 0.3) addVaultFile();
        const marker = join(scope.tmp("lb-torture-pause-"), "paused");
        const args = ["save", "--scope", "client:acme", "--topic", topic, "--session", `cs-${step}-${k}`, "--no-wiki"];
        const tp = Date.now();
        const p = await pausedCli(m, CLI, args, narrative(topic), step, marker);
        if (process.env.TORTURE_DEBUG) o.log(`  ${label}: reached the step in ${Date.now() - tp} ms`);
        topics.push(topic);
        if (!p.reached) {
          tally.fail(`${label}: the save never stopped at ${step} (exit ${p.proc.child.exitCode}): ${tail(p.proc.out())}`);
          killGroup(p.proc.pid);
        } else if (rand() < 0.5) {
          modes.stopped++;
          killGroup(p.proc.pid);
        } else {
          // Let it run on for a moment, so the kill lands somewhere inside the step rather than at its start.
          signal(p.proc.pid, "SIGCONT");
          await sleep(between(rand, 0, 40));
          if (p.proc.running()) modes.resumed++;
          else modes.finished++;
          killGroup(p.proc.pid);
        }
        await p.proc.exited;
        if (!(await recoverAndCheck(m, label))) break;
      }
      tally.check(fsck(m.dir, env) && fsck(vault, env), () => `${step}: git fsck found problems`);
    }

    async function recoverAndCheck(mc: Machine, label: string): Promise<boolean> {
      const ts = Date.now();
      const s = await mc.cli(["sync"], { env: { LOGBOOK_LOCK_WAIT: "60" } });
      if (process.env.TORTURE_DEBUG) o.log(`  ${label}: recovery sync ${Date.now() - ts} ms\n${s.stderr}`);
      if (!tally.check(s.code === 0, () => `${label}: the next sync exited ${s.code}: ${tail(s.stderr + s.stdout)}`)) return false;
      const added = additions(team.remote, "main", LOGS, env);
      const onRemote = treeFiles(team.remote, "main", LOGS, env);
      for (const [p, c] of added) tally.check(c === 1, () => `${label}: ${p} was added by ${c} commits`);
      for (const t of topics) {
        const hits = onRemote.filter((f) => f.endsWith(`-mike-${t}.md`));
        tally.check(hits.length === 1, () => `${label}: the log of ${t} is on the remote ${hits.length} times`);
      }
      for (const u of upstream) tally.check(onRemote.includes(u), () => `${label}: the other machine's ${u} is gone from the remote`);
      const vaultTree = treeFiles(vaultRemote, "main", "secrets", env);
      for (const v of vaultFiles) tally.check(vaultTree.includes(v), () => `${label}: vault file ${v} is not on the vault remote`);
      for (const [p, c] of additions(vaultRemote, "main", "secrets", env)) tally.check(c === 1, () => `${label}: vault ${p} was added by ${c} commits`);
      const status = gitOut(mc.dir, ["status", "--porcelain"], env).trim();
      tally.check(status === "", () => `${label}: the clone is not clean after the sync: ${status}`);
      const head = gitOut(mc.dir, ["rev-parse", "HEAD", "origin/main"], env).split("\n");
      tally.check(head[0] === head[1], () => `${label}: HEAD ${head[0]} is not origin/main ${head[1]}`);
      const rebasing = gitOut(mc.dir, ["rev-parse", "--git-path", "rebase-merge"], env).trim();
      tally.check(!existsSync(join(mc.dir, rebasing)), () => `${label}: a rebase is left in progress`);
      tally.check(gitOut(vault, ["status", "--porcelain"], env).trim() === "", () => `${label}: the vault clone is not clean`);
      return true;
    }
    Object.assign(figures, {
      steps: steps.join(", "),
      "kills per step": P.perStep,
      "killed while stopped at the step / a moment into it / after it finished": `${modes.stopped} / ${modes.resumed} / ${modes.finished}`,
      "logs on the remote": treeFiles(team.remote, "main", LOGS, env).length,
      "vault files on the vault remote": treeFiles(vaultRemote, "main", "secrets", env).length,
    });
  });
}

function pickSome<T>(rand: () => number, xs: readonly T[], k: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < k && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return out;
}

function fsck(dir: string, env: NodeJS.ProcessEnv): boolean {
  try {
    gitOut(dir, ["fsck", "--no-progress", "--no-dangling"], env);
    return true;
  } catch {
    return false;
  }
}

