// Start-up: `logbook --version` and `logbook save --no-sync --no-wiki`, each as a ratio to `node -e 0`.
import { spawnSync } from "node:child_process";
import { CLI, median, narrative, sandbox, team, time } from "../lib.mjs";

export const name = "startup";

export async function run() {
  const sb = sandbox("startup");
  try {
    const { machines } = team(sb, 1);
    const m = machines[0];
    const N = [], V = [], S = [];
    const input = narrative("bench");
    for (let i = 0; i < 21; i++) {
      N.push(time(() => spawnSync(process.execPath, ["-e", "0"])));
      V.push(time(() => spawnSync(process.execPath, [CLI, "--version"])));
      S.push(time(() => {
        const r = spawnSync(process.execPath, [CLI, "save", "--scope", "general", "--topic", "bench", "--session", `b${i}`, "--no-sync", "--no-wiki"], { cwd: m.dir, env: m.env, input });
        if (r.status !== 0) throw new Error(String(r.stderr));
      }));
    }
    const node = median(N), ver = median(V), save = median(S);
    return [
      { metric: "node -e 0", value: node, unit: "ms" },
      { metric: "logbook --version", value: ver, unit: "ms", ratio: ver / node, goal: 1.3 },
      { metric: "logbook save --no-sync --no-wiki", value: save, unit: "ms", ratio: save / node, goal: 2 },
    ];
  } finally {
    sb.cleanup();
  }
}
