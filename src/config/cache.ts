// Validated settings files, kept by their exact text. Every save reads .logbook/config.yaml and users.json; loading
// the YAML parser and building the zod schemas cost more start-up CPU than the rest of what a save does before its
// commit, and 16 sessions saving at once pay it 16 times. An entry holds the text it was validated from, the build
// of logbook and the node version that validated it: only the same text, validated by the same code, gives the
// cached value; anything else (an edited file, another logbook, an unreadable or foreign entry) is validated again.
// Failures are never cached: a broken file is reported on every run.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

declare const __LOGBOOK_BUILD__: string | undefined;

/** Which code validated an entry: the bundle's build id (a hash of its sources and lockfile) and node's version. */
export const BUILD_KEY: string | undefined = typeof __LOGBOOK_BUILD__ === "string" ? `${__LOGBOOK_BUILD__} node ${process.version}` : undefined;

export interface Parsed<T> {
  value: T;
  warnings: string[];
}

interface Entry {
  key: string;
  text: string | null;
  value: unknown;
  warnings: string[];
}

function readEntry(file: string): Entry | undefined {
  try {
    const e = JSON.parse(readFileSync(file, "utf8")) as Partial<Entry>;
    if (typeof e.key !== "string" || !("text" in e) || !Array.isArray(e.warnings)) return undefined;
    return e as Entry;
  } catch {
    return undefined;
  }
}

/**
 * The value validated from `text` (null: the file does not exist), from the cache in `dir` when an entry made by
 * the same build from the same text is there, else from `parse` (whose result is then kept). Without a `dir` or a
 * build key (running from the sources), always `parse`.
 */
export async function cachedParse<T>(dir: string | undefined, name: string, text: string | null, parse: () => Promise<Parsed<T>>, key = BUILD_KEY): Promise<Parsed<T>> {
  if (!dir || !key) return parse();
  const file = join(dir, `${name}.json`);
  const hit = readEntry(file);
  if (hit && hit.key === key && hit.text === text) return { value: hit.value as T, warnings: hit.warnings };
  const parsed = await parse();
  // best effort: a cache that cannot be written (a read-only .git) only costs the next run a parse
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const entry: Entry = { key, text, value: parsed.value, warnings: parsed.warnings };
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was left behind that we could remove
    }
  }
  return parsed;
}
