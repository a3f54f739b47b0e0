// `git fast-import` as a commit builder: a whole chain of commits in one process (group commit batches and the
// common case of a replay), instead of three or four git processes per commit. It writes objects and one scratch
// ref, which is removed afterwards; nothing else in the repository changes, so a kill at any point is harmless.
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import type { Git } from "./run.js";

/** A path as fast-import takes it: C-quoted when it starts with a quote or holds a newline or backslash. */
export function fastImportPath(p: string): string {
  return /[\\\n]/.test(p) || p.startsWith('"') ? `"${p.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"` : p;
}

/** `<epoch> +hhmm` for `now` in this machine's zone, as git writes dates. */
export function gitDate(now: Date): string {
  const m = -now.getTimezoneOffset();
  const a = Math.abs(m);
  return `${Math.floor(now.getTime() / 1000)} ${m < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
}

export interface FastCommit {
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
  /** `M <mode> <blob> <path>` entries (mode undefined: delete the path). */
  changes: { path: string; mode?: string; blob?: string }[];
}

const SCRATCH = "refs/logbook/fast-import";

/**
 * fast-import writes the scratch ref as a loose file: removing that file is the whole deletion (one process
 * fewer on every round). If a concurrent `gc` packed it meanwhile, git deletes it properly.
 */
async function dropScratch(git: Git, common: string | undefined): Promise<void> {
  if (common) {
    const removed = await fsp.rm(join(common, ...SCRATCH.split("/")), { force: false }).then(() => true, () => false);
    const packed = await fsp.readFile(join(common, "packed-refs"), "utf8").catch(() => "");
    if (removed && !packed.includes(` ${SCRATCH}\n`)) return;
  }
  await git.run(["update-ref", "-d", SCRATCH], { okCodes: [1] }).catch(() => undefined);
}

/** A name or email as git writes it in a commit: without `<`, `>` and line breaks (git commit strips them too). */
export function identPart(s: string): string {
  return s.replace(/[<>\n\r]/g, "").trim();
}

/** Builds `commits` as a chain on top of `parent` (none: a root commit); returns their ids, in order. */
export async function fastImport(
  git: Git,
  tmpDir: string,
  parent: string | undefined,
  commits: FastCommit[],
  /** The git common dir, so the scratch ref can be removed without a process. */
  commonDir?: string,
): Promise<string[]> {
  if (commits.length === 0) return [];
  const parts: Buffer[] = [Buffer.from(`feature done\nreset ${SCRATCH}\n`)];
  commits.forEach((c, i) => {
    const msg = Buffer.from(c.message, "utf8");
    parts.push(
      Buffer.from(
        `commit ${SCRATCH}\nmark :${i + 1}\nauthor ${identPart(c.author.name)} <${identPart(c.author.email)}> ${c.author.date}\n` +
          `committer ${identPart(c.committer.name)} <${identPart(c.committer.email)}> ${c.committer.date}\ndata ${msg.length}\n`,
      ),
      msg,
      Buffer.from(`\n${i === 0 && parent ? `from ${parent}\n` : ""}`),
    );
    for (const x of c.changes) parts.push(Buffer.from(x.mode && x.blob ? `M ${x.mode} ${x.blob} ${fastImportPath(x.path)}\n` : `D ${fastImportPath(x.path)}\n`));
    parts.push(Buffer.from("\n"));
  });
  parts.push(Buffer.from("done\n"));
  await fsp.mkdir(tmpDir, { recursive: true });
  const marks = join(tmpDir, `marks-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await git.run(["fast-import", "--quiet", "--force", `--export-marks=${marks}`], { input: Buffer.concat(parts) });
    const byMark = new Map<number, string>();
    for (const line of (await fsp.readFile(marks, "utf8")).split("\n")) {
      const m = /^:(\d+) ([0-9a-f]+)$/.exec(line.trim());
      if (m) byMark.set(Number(m[1]), m[2]!);
    }
    return commits.map((_, i) => {
      const id = byMark.get(i + 1);
      if (!id) throw new Error(`git fast-import did not report commit :${i + 1}`);
      return id;
    });
  } finally {
    await fsp.rm(marks, { force: true });
    await dropScratch(git, commonDir);
  }
}
