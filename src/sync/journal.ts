// What a sync was doing, so a run killed mid-step can be finished by the next one (under the same lock).
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.js";

export type JournalEntry =
  /** A paths-mode commit landed; the real index still had to be pointed at it. */
  | { step: "index-sync"; commit: string; files: string[] }
  /** `git reset --keep` from -> to had started: files may be half-updated. */
  | { step: "move"; from: string; to: string };

const file = (state: string) => join(state, "sync-journal.json");

export async function writeJournal(state: string, e: JournalEntry): Promise<void> {
  await writeFileAtomic(file(state), JSON.stringify(e) + "\n");
}

export async function clearJournal(state: string): Promise<void> {
  await fsp.rm(file(state), { force: true });
}

export async function readJournal(state: string): Promise<JournalEntry | undefined> {
  try {
    const v = JSON.parse(await fsp.readFile(file(state), "utf8")) as JournalEntry;
    return v && (v.step === "index-sync" || v.step === "move") ? v : undefined;
  } catch {
    return undefined;
  }
}
