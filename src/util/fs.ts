// Atomic file writes: a crash never leaves half a file; an exclusive claim never overwrites another's file.
import { randomBytes } from "node:crypto";
import { closeSync, openSync, promises as fsp, readSync } from "node:fs";
import { basename, dirname, join } from "node:path";

function tmpName(dir: string, forPath: string): string {
  return join(dir, `.${basename(forPath)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `content` to `path` through a temp file in `tmpDir` (same filesystem) and a rename. */
export async function writeFileAtomic(path: string, content: string | Buffer, tmpDir = dirname(path)): Promise<void> {
  await fsp.mkdir(tmpDir, { recursive: true });
  let tmp = tmpName(tmpDir, path);
  await fsp.writeFile(tmp, content);
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    tmp = tmpName(dirname(path), path);
    await fsp.writeFile(tmp, content);
    try {
      await fsp.rename(tmp, path);
    } catch (e2) {
      await fsp.rm(tmp, { force: true });
      throw e2;
    }
  }
}

/**
 * Creates `path` with `content` only if no file of that name exists, atomically: the content is written to a temp
 * file first and hard-linked into place, so the name appears complete or not at all. Returns false when taken.
 */
export async function createExclusive(path: string, content: string | Buffer, tmpDir: string): Promise<boolean> {
  await fsp.mkdir(tmpDir, { recursive: true });
  const tmp = tmpName(tmpDir, path);
  await fsp.writeFile(tmp, content);
  try {
    await fsp.link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EXDEV" || code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") {
      // No hard links here: fall back to an exclusive create (atomic claim, content written right after).
      try {
        await fsp.writeFile(path, content, { flag: "wx" });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * The first `bytes` of a file as UTF-8 (for frontmatter checks without reading whole logs). Synchronous: a save
 * looks at the head of every log of its user's day, and three thread-pool round trips per small file cost more
 * than the reads themselves.
 */
export function readHead(path: string, bytes = 1024): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
