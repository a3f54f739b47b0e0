// Cross-user notes: `## Note for <user>` / `## Message for <user>` sections in logs that arrived with a sync.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.js";

export interface Note {
  id: string;
  path: string;
  /** Who wrote the log (its frontmatter user, else the file name's user). */
  author: string;
  authorName: string;
  date: string;
  heading: string;
  addressee: string;
  body: string;
}

export interface LogNote {
  heading: string;
  addressee: string;
  body: string;
}

/** Note sections of a log (`##` or `###`, outside code fences). */
export function extractNotes(text: string): LogNote[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: LogNote[] = [];
  let cur: { heading: string; addressee: string; level: number; body: string[] } | undefined;
  let fence: string | undefined;
  const flush = () => {
    if (cur) out.push({ heading: cur.heading, addressee: cur.addressee, body: cur.body.join("\n").trim() });
    cur = undefined;
  };
  for (const line of lines) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f?.[1]) {
      if (fence === undefined) fence = f[1];
      else if (f[1].startsWith(fence)) fence = undefined;
    }
    const h = fence === undefined && !f ? /^(#{1,6})[ \t]+(.+?)[ \t#]*$/.exec(line) : null;
    if (h) {
      const level = h[1]!.length;
      if (cur && level > cur.level) {
        cur.body.push(line);
        continue;
      }
      flush();
      const m = /^(?:note|message)\s+(?:for|to)\s+(.+?)\s*:?$/i.exec(h[2]!);
      if (m && level >= 2 && level <= 3) cur = { heading: h[2]!, addressee: m[1]!.replace(/^@/, ""), level, body: [] };
      continue;
    }
    if (cur) cur.body.push(line);
  }
  flush();
  return out;
}

/** Does a note's addressee name this user (id or full name, case-insensitive)? */
export function addressesUser(addressee: string, user: { id: string; name: string }): boolean {
  const a = addressee.trim().toLowerCase();
  return a === user.id.toLowerCase() || a === user.name.trim().toLowerCase() || a === user.name.trim().split(/\s+/)[0]!.toLowerCase();
}

export function logAuthor(path: string, text: string): { user: string; date: string } {
  const fm = text.startsWith("---\n") ? text.slice(4, Math.max(4, text.indexOf("\n---", 4))) : "";
  const user = /^user:\s*(\S+)/m.exec(fm)?.[1];
  const date = /^date:\s*(\S+)/m.exec(fm)?.[1];
  const name = path.split("/").pop() ?? "";
  const m = /^(\d{4}-\d\d-\d\d)-([a-z0-9_]+)-/.exec(name);
  return { user: user ?? m?.[2] ?? "unknown", date: date ?? m?.[1] ?? "" };
}

export function noteId(path: string, n: LogNote): string {
  return createHash("sha256").update(`${path}\0${n.heading}\0${n.body}`).digest("hex").slice(0, 16);
}

/**
 * Notes for `me` that are new in `after` compared with `before` (undefined: the log is new). A note the user wrote
 * themselves is never shown to them as new.
 */
export function newNotesFor(
  path: string,
  before: string | undefined,
  after: string,
  me: { id: string; name: string },
  names: Readonly<Record<string, string>>,
): Note[] {
  const { user, date } = logAuthor(path, after);
  if (user === me.id) return [];
  const old = new Set((before === undefined ? [] : extractNotes(before)).map((n) => noteId(path, n)));
  return extractNotes(after)
    .filter((n) => addressesUser(n.addressee, me) && !old.has(noteId(path, n)))
    .map((n) => ({ id: noteId(path, n), path, author: user, authorName: names[user] ?? user, date, heading: n.heading, addressee: n.addressee, body: n.body }));
}

/** The unacknowledged notes, kept under .git/logbook/ (outside every commit). */
interface NotesStore {
  pending: Note[];
  acked: string[];
}

function storePath(state: string): string {
  return join(state, "notes.json");
}

export async function readNotes(state: string): Promise<NotesStore> {
  try {
    const raw = JSON.parse(await fsp.readFile(storePath(state), "utf8")) as Partial<NotesStore>;
    return { pending: Array.isArray(raw.pending) ? raw.pending : [], acked: Array.isArray(raw.acked) ? raw.acked : [] };
  } catch {
    return { pending: [], acked: [] };
  }
}

export async function rememberNotes(state: string, notes: Note[]): Promise<void> {
  if (notes.length === 0) return;
  const s = await readNotes(state);
  const known = new Set([...s.pending.map((n) => n.id), ...s.acked]);
  for (const n of notes) if (!known.has(n.id)) s.pending.push(n);
  await writeFileAtomic(storePath(state), JSON.stringify(s, null, 2) + "\n");
}

export async function ackNotes(state: string): Promise<Note[]> {
  const s = await readNotes(state);
  const acked = s.pending;
  await writeFileAtomic(storePath(state), JSON.stringify({ pending: [], acked: [...s.acked, ...acked.map((n) => n.id)].slice(-5000) }, null, 2) + "\n");
  return acked;
}
