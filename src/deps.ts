// Everything a command needs from the outside world. Only src/cli.ts builds the real one; tests build their own.
import type { LogEvent } from "./events.js";

export interface Deps {
  /** The directory the command acts on (`-C <dir>` or the process's cwd). */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  newId: () => string;
  /** The OS hostname (the machine name is derived from it and LOGBOOK_HOSTNAME). */
  hostname: () => string;
  /** Reads standard input whole (the narrative); undefined when stdin is a TTY. */
  readStdin: () => Promise<Buffer | undefined>;
  /** Writes to standard output. */
  out: (text: string) => void;
  /** Reports progress and warnings; rendered by one formatter (human or JSON). */
  emit: (event: LogEvent) => void;
  fetch: typeof globalThis.fetch;
  /** Process id and platform, for the lock. */
  pid: number;
  platform: NodeJS.Platform;
}

/** The machine name: LOGBOOK_HOSTNAME (tests and the demo simulate machines) or the OS hostname. */
export function machineName(deps: Pick<Deps, "env" | "hostname">): string {
  const forced = deps.env.LOGBOOK_HOSTNAME;
  return forced !== undefined && forced !== "" ? forced : deps.hostname();
}
