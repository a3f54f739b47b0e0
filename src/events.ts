// Long operations report typed events; one formatter renders them for people, `--json` collects them.

export type LogEvent =
  | { type: "warning"; message: string }
  | { type: "info"; message: string }
  | { type: "session-id"; session: string }
  | { type: "saved"; path: string; appended: boolean }
  | { type: "lock-wait"; holder: string; waitedMs: number; limitMs: number }
  | { type: "lock-reclaimed"; reason: string }
  | { type: "index-lock-removed"; path: string; ageSeconds: number }
  | { type: "rebase-recovered"; detail: string }
  | { type: "cruft-removed"; path: string }
  | { type: "identity-reconciled"; name: string; email: string }
  | { type: "committed"; commit: string; subject: string; files: number }
  | { type: "fetch"; remote: string }
  | { type: "rebased"; onto: string; commits: number }
  | { type: "index-regenerated" }
  | { type: "push-retry"; attempt: number; reason: string; delayMs: number }
  | { type: "pushed"; range: string; branch: string; remote: string }
  | { type: "push-pending"; reason: string }
  | { type: "note-for-you"; author: string; date: string; path: string; heading: string; body: string }
  | { type: "vault"; status: "pushed" | "pending" | "nothing" | "skipped"; message: string }
  | { type: "wiki"; status: "compiled" | "seeded" | "refreshed" | "skipped"; target: string; path?: string; message?: string };

export interface Formatter {
  emit: (event: LogEvent) => void;
  events: LogEvent[];
}

/** Renders one event as human text (or undefined: not shown). Exhaustive: a new event must be handled. */
export function renderEvent(e: LogEvent): string | undefined {
  switch (e.type) {
    case "warning":
      return e.message.startsWith("[") ? e.message : `warning: ${e.message}`;
    case "info":
      return e.message;
    case "session-id":
      return undefined;
    case "saved":
      return undefined;
    case "lock-wait":
      return `waiting for the sync lock held by ${e.holder} (${Math.round(e.waitedMs / 1000)}s of ${Math.round(e.limitMs / 1000)}s)`;
    case "lock-reclaimed":
      return `reclaimed a stale sync lock: ${e.reason}`;
    case "index-lock-removed":
      return `removed a stale ${e.path} (${e.ageSeconds}s old; no git process was using this repository)`;
    case "rebase-recovered":
      return `recovered an interrupted logbook sync: ${e.detail}`;
    case "cruft-removed":
      return `removed junk file (garbled Windows path): ${e.path}`;
    case "identity-reconciled":
      return `git config user.name/user.email set to ${e.name} <${e.email}> (from identity.json)`;
    case "committed":
      return undefined;
    case "fetch":
      return undefined;
    case "rebased":
      return `rebased ${e.commits} local commit(s) onto ${e.onto.slice(0, 10)}`;
    case "index-regenerated":
      return "wiki/index.md conflicted; regenerated it from the articles";
    case "push-retry":
      return `push rejected (${e.reason}); retry ${e.attempt} in ${e.delayMs} ms`;
    case "pushed":
      return undefined;
    case "push-pending":
      return undefined;
    case "note-for-you":
      return undefined; // printed with the result, before the summary (the seed's order)
    case "vault":
      return e.status === "pending" ? `vault: ${e.message}` : undefined;
    case "wiki":
      return e.message;
  }
}

/** Human formatter: events go to stderr (stdout is kept for results). */
export function humanFormatter(write: (line: string) => void): Formatter {
  const events: LogEvent[] = [];
  return {
    events,
    emit(event) {
      events.push(event);
      const text = renderEvent(event);
      if (text !== undefined) write(text + "\n");
    },
  };
}

/** JSON mode: events are collected for the result object; warnings still reach stderr for people. */
export function jsonFormatter(write: (line: string) => void): Formatter {
  const events: LogEvent[] = [];
  return {
    events,
    emit(event) {
      events.push(event);
      if (event.type === "warning") write(JSON.stringify(event) + "\n");
    },
  };
}
