// `logbook notes`: notes addressed to me that arrived with a sync and are not yet acknowledged.
import { openRepo, strictWhoami } from "../context.js";
import type { Deps } from "../deps.js";
import { ackNotes, readNotes, type Note } from "../sync/notes.js";
import { noteBanner } from "../sync/summary.js";
import { jsonFlag, type Command } from "./types.js";

export interface NotesOptions {
  ack?: boolean;
}

export interface NotesResult {
  notes: Note[];
  acknowledged: boolean;
}

export async function run(o: NotesOptions, deps: Deps): Promise<NotesResult> {
  const ctx = await openRepo(deps);
  await strictWhoami(ctx, deps);
  if (o.ack) return { notes: await ackNotes(ctx.state), acknowledged: true };
  return { notes: (await readNotes(ctx.state)).pending, acknowledged: false };
}

export const command: Command<NotesOptions, NotesResult> = {
  usage: "logbook notes [--ack] [--json]",
  summary: "list notes for you that arrived with a sync (--ack marks them read)",
  options: { ack: { type: "boolean" }, ...jsonFlag },
  parse: (v) => ({ ack: v.ack === true }),
  run,
  print(r, io) {
    if (io.json) return io.out(JSON.stringify({ notes: r.notes.map((n) => ({ author: n.author, date: n.date, path: n.path, heading: n.heading, body: n.body })), acknowledged: r.acknowledged }) + "\n");
    if (r.acknowledged) return io.out(r.notes.length ? `acknowledged ${r.notes.length} note(s)\n` : "no notes to acknowledge\n");
    if (r.notes.length === 0) return io.out("no unread notes\n");
    for (const n of r.notes) io.out(noteBanner(n) + `(from ${n.path})\n`);
  },
};
