// Test-only pause points: with LOGBOOK_TEST_PAUSE_AT=<step> the process writes its pid to LOGBOOK_TEST_PAUSE_FILE
// and stops itself (SIGSTOP) at that step, so a test can SIGKILL it exactly there. Inert unless the variable is set.

import { writeFileSync } from "node:fs";

export type PauseStep =
  | "before-queue"
  | "after-lock"
  | "lingering"
  | "after-commit"
  | "during-fetch"
  | "during-rebase"
  | "during-push"
  | "before-move"
  | "during-vault";

const fired = new Set<PauseStep>();

/** Stops at most once per step and process (a retried fetch must not stop again). */
export function pausePoint(step: PauseStep, env: Readonly<Record<string, string | undefined>>): void {
  // a comma-separated list stops at each of its steps in turn
  if (!(env.LOGBOOK_TEST_PAUSE_AT ?? "").split(",").includes(step) || fired.has(step)) return;
  fired.add(step);
  const file = env.LOGBOOK_TEST_PAUSE_FILE;
  // synchronous on purpose: the marker must exist before the process stops
  if (file) writeFileSync(file, `${process.pid} ${step}\n`, { flag: "a" });
  process.kill(process.pid, "SIGSTOP");
}
