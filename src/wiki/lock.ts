// Concurrent sessions in one working tree compile into the same articles and the same index: the final
// read-merge-write of the wiki runs under a short per-repo lock (`.git/logbook/wiki.lock`, an atomic mkdir).
// Slow work (LLM calls, Syncro) happens outside it.
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { pidExists } from "../util/pid.js";
import { sleep } from "./providers/common.js";

export interface WikiLockOptions {
  waitMs?: number;
  /** A lock older than this whose owner cannot be checked is taken over. */
  staleMs?: number;
  pid: number;
  now: () => Date;
}

const readOwner = (dir: string) => fsp.readFile(join(dir, "owner.json"), "utf8").catch(() => "");

async function isStale(dir: string, o: WikiLockOptions, staleMs: number): Promise<boolean> {
  try {
    const owner = JSON.parse(await fsp.readFile(join(dir, "owner.json"), "utf8")) as { pid?: number; at?: string };
    if (typeof owner.pid === "number" && owner.pid !== o.pid && !pidExists(owner.pid)) return true;
    const at = Date.parse(owner.at ?? "");
    return !Number.isNaN(at) && o.now().getTime() - at > staleMs;
  } catch {
    // No owner file yet: the holder is between mkdir and writing it, or died there; judge by the directory's age.
    try {
      const st = await fsp.stat(dir);
      return o.now().getTime() - st.mtimeMs > staleMs;
    } catch {
      return false;
    }
  }
}

/** Runs `fn` holding the wiki lock; undefined when the lock could not be taken within `waitMs`. */
export async function withWikiLock<T>(stateDir: string, o: WikiLockOptions, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  const dir = join(stateDir, "wiki.lock");
  const waitMs = o.waitMs ?? 30_000;
  const staleMs = o.staleMs ?? 120_000;
  await fsp.mkdir(stateDir, { recursive: true });
  const start = Date.now();
  for (;;) {
    try {
      await fsp.mkdir(dir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const judged = await readOwner(dir);
    if (await isStale(dir, o, staleMs)) {
      // Move it aside, then check it is the lock we judged: another reclaimer may have replaced it meanwhile,
      // and a fresh lock moved aside by mistake is put back.
      const aside = `${dir}.stale-${o.pid}-${Date.now()}`;
      try {
        await fsp.rename(dir, aside);
        if ((await readOwner(aside)) !== judged) await fsp.rename(aside, dir).catch(() => {});
        else await fsp.rm(aside, { recursive: true, force: true });
      } catch {}
      continue;
    }
    if (Date.now() - start > waitMs) return undefined;
    await sleep(25 + Math.floor(Math.random() * 50));
  }
  try {
    await fsp.writeFile(join(dir, "owner.json"), JSON.stringify({ pid: o.pid, at: o.now().toISOString() }));
    return { value: await fn() };
  } finally {
    await fsp.unlink(join(dir, "owner.json")).catch(() => {});
    await fsp.rmdir(dir).catch(() => fsp.rm(dir, { recursive: true, force: true }));
  }
}
