// Reads refs straight from the files git keeps them in (loose refs, then packed-refs): no process per lookup.
// The sync reads HEAD and the tracking ref several times; each `git rev-parse` would cost a spawn. Falls back to
// undefined (callers then ask git) for anything unusual, such as the reftable format.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RepoPaths } from "./repo.js";

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

function loose(dir: string, ref: string): string | undefined {
  try {
    return readFileSync(join(dir, ...ref.split("/")), "utf8").trim();
  } catch {
    return undefined;
  }
}

function packed(commonDir: string, ref: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(commonDir, "packed-refs"), "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    if (line.endsWith(` ${ref}`)) {
      const sha = line.slice(0, line.indexOf(" "));
      if (SHA.test(sha)) return sha;
    }
  }
  return undefined;
}

/** The commit a ref (or HEAD) points to; "" when the ref does not exist; undefined when it cannot be read here. */
export function readRef(repo: RepoPaths, ref: string): string | undefined {
  let name = ref;
  for (let depth = 0; depth < 5; depth++) {
    const dir = name === "HEAD" ? repo.gitDir : repo.commonDir;
    const v = loose(dir, name);
    if (v !== undefined) {
      if (SHA.test(v)) return v;
      const m = /^ref: (refs\/\S+)$/.exec(v);
      if (!m?.[1]) return undefined;
      name = m[1];
      continue;
    }
    if (name === "HEAD") return undefined;
    return packed(repo.commonDir, name) ?? "";
  }
  return undefined;
}
