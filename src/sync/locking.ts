// The sync's use of the lock: where it lives, how long to wait, what to report, and release on every exit path.
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { machineName, type Deps } from "../deps.js";
import type { RepoPaths } from "../git/repo.js";
import { acquireLock, holderDescription, installSignalRelease } from "./lock.js";

export interface HeldLock {
  verify(): Promise<void>;
  release(): Promise<void>;
}

export const LOCK_NAME = "logbook-sync.lock";

export async function takeLock(
  repo: RepoPaths,
  config: Config,
  deps: Deps,
  o: {
    waitSeconds: number;
    deferredMessage: string;
    purpose: string;
    cancelled?: () => boolean;
    wakeOn?: { dir: string; names: (file: string) => boolean };
  },
): Promise<HeldLock> {
  const limitMs = o.waitSeconds * 1000;
  const handle = await acquireLock({
    path: join(repo.commonDir, LOCK_NAME),
    host: machineName(deps),
    pid: deps.pid,
    waitMs: limitMs,
    deferredMessage: o.deferredMessage,
    staleMs: config.sync.staleLockSeconds * 1000,
    purpose: o.purpose,
    onWait: (holder, waitedMs) =>
      deps.emit({ type: "lock-wait", holder: holder ? holderDescription(holder) : "another process", waitedMs, limitMs }),
    onReclaim: (reason) => deps.emit({ type: "lock-reclaimed", reason }),
    ...(o.cancelled ? { cancelled: o.cancelled } : {}),
    ...(o.wakeOn ? { wakeOn: o.wakeOn } : {}),
  });
  const uninstall = installSignalRelease(handle);
  return {
    verify: () => handle.verify(),
    release: async () => {
      uninstall();
      await handle.release();
    },
  };
}
