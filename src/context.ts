// What most commands start from: the repo, its config, and who is running.
import { loadConfig, type Config } from "./config/config.js";
import { machineName, type Deps } from "./deps.js";
import { ConfigError } from "./errors.js";
import { parseCacheDir, requireRepo, stateDir, type RepoPaths } from "./git/repo.js";
import { resolveWhoami, staleWarning, type Whoami } from "./identity/identity.js";

export interface RepoContext {
  repo: RepoPaths;
  config: Config;
  /** `.git/logbook`: logbook's state outside every commit. */
  state: string;
}

export async function openRepo(deps: Deps): Promise<RepoContext> {
  const repo = requireRepo(deps.cwd);
  const config = await loadConfig(repo.root, (message) => deps.emit({ type: "warning", message }), parseCacheDir(repo));
  return { repo, config, state: stateDir(repo) };
}

/** The identity, checked as the seed's `whoami --strict`: a stale identity.json stops the command (78). */
export async function strictWhoami(ctx: RepoContext, deps: Deps): Promise<Whoami> {
  const w = await resolveWhoami(ctx.repo.root, machineName(deps), parseCacheDir(ctx.repo));
  if (w.stale) {
    const warning = staleWarning(w);
    throw new ConfigError(`${warning}. Nothing was written.`, { warning });
  }
  return w;
}
