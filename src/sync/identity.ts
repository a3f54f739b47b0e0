// Step 3: commits are authored as identity.json's user, whatever git config says; the repo config is reconciled
// as the seed does. git serialises config writes with .git/config.lock: when another process holds it, retry,
// and if it stays held, carry on (every commit passes the identity in its environment anyway).
import type { Git } from "../git/run.js";
import { GitError } from "../git/run.js";

export interface Author {
  name: string;
  email: string;
}

export function authorEnv(a: Author): Record<string, string> {
  return { GIT_AUTHOR_NAME: a.name, GIT_AUTHOR_EMAIL: a.email, GIT_COMMITTER_NAME: a.name, GIT_COMMITTER_EMAIL: a.email };
}

export async function reconcileIdentity(
  git: Git,
  current: { name: string | undefined; email: string | undefined },
  want: Author,
  sleep: (ms: number) => Promise<void>,
): Promise<"unchanged" | "reconciled" | "config-locked"> {
  if (current.name === want.name && current.email === want.email) return "unchanged";
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      if (current.name !== want.name) await git.run(["config", "user.name", want.name]);
      if (current.email !== want.email) await git.run(["config", "user.email", want.email]);
      return "reconciled";
    } catch (e) {
      if (!(e instanceof GitError) || !/lock/i.test(e.stderr)) throw e;
      await sleep(50 * 2 ** Math.min(attempt, 4));
    }
  }
  return "config-locked";
}
