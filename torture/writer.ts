// Another session's editor, for the concurrent-writers torture (bundled by kit.ts, run as `node writer.mjs '<json>'`).
// It keeps rewriting, appending to, creating and deleting its own files in a clone (tracked ones it never commits,
// untracked ones, a subdirectory), in place or by rename, until SIGTERM; then it writes what it last left in each
// file (sha256, or null for absent) to the manifest and exits.
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface WriterArgs {
  root: string;
  /** Repo-relative files this writer owns that are committed (it changes and deletes them, never commits). */
  tracked: string[];
  /** Repo-relative prefix for the untracked files it creates. */
  prefix: string;
  manifest: string;
  seed: number;
}

const a = JSON.parse(process.argv[2] ?? "{}") as WriterArgs;
let s = (a.seed ^ process.pid) >>> 0;
const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const int = (n: number): number => Math.floor(rand() * n);

const untracked = [0, 1, 2, 3].map((j) => `${a.prefix}/new-${j}.bin`);
const nested = [0, 1].map((j) => `${a.prefix}/dir-${j}/deep/file.txt`);
const files = [...a.tracked, ...untracked, ...nested];
const hash = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const expected = new Map<string, string | null>(files.map((f) => [f, null]));
const ops = { write: 0, rename: 0, append: 0, delete: 0 };
const abs = (rel: string): string => join(a.root, ...rel.split("/"));
const current = new Map<string, Buffer>();

let stop = false;
process.on("SIGTERM", () => void (stop = true));

// Start from the committed content of the tracked files, so appends extend what is there.
for (const f of a.tracked) {
  const b = readFileSync(abs(f));
  current.set(f, b);
  expected.set(f, hash(b));
}

while (!stop) {
  const f = files[int(files.length)]!;
  const p = abs(f);
  const x = rand();
  const body = randomBytes(int(4) === 0 ? int(65536) : int(512));
  if (x < 0.35) {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, body);
    current.set(f, body);
    ops.write++;
  } else if (x < 0.55) {
    mkdirSync(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}`;
    writeFileSync(tmp, body);
    renameSync(tmp, p);
    current.set(f, body);
    ops.rename++;
  } else if (x < 0.8) {
    mkdirSync(dirname(p), { recursive: true });
    appendFileSync(p, body);
    current.set(f, Buffer.concat([current.get(f) ?? Buffer.alloc(0), body]));
    ops.append++;
  } else {
    // A nested file goes with its directory tree, as `rm -r` would take it.
    if (nested.includes(f)) rmSync(abs(f.split("/").slice(0, -2).join("/")), { recursive: true, force: true });
    else rmSync(p, { force: true });
    current.delete(f);
    ops.delete++;
  }
  expected.set(f, current.has(f) ? hash(current.get(f)!) : null);
  // Busy, but not a CPU hog: the syncs under test share the machine.
  await delay(5 + int(40));
}
writeFileSync(a.manifest, JSON.stringify({ files: Object.fromEntries(expected), ops }) + "\n");
process.exit(0);
