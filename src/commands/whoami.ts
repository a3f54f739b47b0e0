// `logbook whoami`: the seed's User block, from identity.json + users.json only.
import { machineName, type Deps } from "../deps.js";
import { ConfigError } from "../errors.js";
import { parseCacheDir, requireRepo } from "../git/repo.js";
import { resolveWhoami, staleWarning, userBlock, type Whoami } from "../identity/identity.js";
import { jsonFlag, type Command } from "./types.js";

export interface WhoamiOptions {
  strict?: boolean;
}

export async function run(o: WhoamiOptions, deps: Deps): Promise<Whoami> {
  const repo = requireRepo(deps.cwd);
  const w = await resolveWhoami(repo.root, machineName(deps), parseCacheDir(repo));
  if (w.stale) {
    const warning = staleWarning(w);
    if (o.strict) throw new ConfigError(warning, { stale: true });
    deps.emit({ type: "warning", message: warning });
  }
  return w;
}

export const command: Command<WhoamiOptions, Whoami> = {
  usage: "logbook whoami [--strict] [--json]",
  summary: "print the User block for this machine's identity",
  options: { strict: { type: "boolean" }, ...jsonFlag },
  parse: (v) => ({ strict: v.strict === true }),
  run,
  print(w, io) {
    if (io.json) {
      io.out(JSON.stringify({ user: w.user, name: w.name, email: w.email, role: w.role, machine: w.machine, stale: w.stale }) + "\n");
    } else io.out(userBlock(w));
  },
};
