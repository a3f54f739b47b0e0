// Pure parsers of git output (unit-tested on real output samples).

export interface StatusEntry {
  /** "1" ordinary, "2" rename/copy, "u" unmerged, "?" untracked, "!" ignored */
  kind: "1" | "2" | "u" | "?" | "!";
  /** XY status letters ("??" for untracked) */
  xy: string;
  path: string;
  origPath?: string;
}

/** `git status --porcelain=v2 -z` (with or without --branch headers, which are skipped). */
export function parseStatusV2(out: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  const parts = out.split("\0");
  for (let i = 0; i < parts.length; i++) {
    const rec = parts[i]!;
    if (rec === "" || rec.startsWith("#")) continue;
    const kind = rec[0];
    if (kind === "?" || kind === "!") {
      entries.push({ kind, xy: kind === "?" ? "??" : "!!", path: rec.slice(2) });
    } else if (kind === "1") {
      // 1 XY sub mH mI mW hH hI path
      const f = splitN(rec, 9);
      entries.push({ kind, xy: f[1]!, path: f[8]! });
    } else if (kind === "2") {
      // 2 XY sub mH mI mW hH hI Xscore path \0 origPath
      const f = splitN(rec, 10);
      entries.push({ kind, xy: f[1]!, path: f[9]!, origPath: parts[++i] ?? "" });
    } else if (kind === "u") {
      // u XY sub m1 m2 m3 mW h1 h2 h3 path
      const f = splitN(rec, 11);
      entries.push({ kind, xy: f[1]!, path: f[10]! });
    }
  }
  return entries;
}

/** Splits on the first n-1 spaces; the last field keeps its spaces (paths). */
function splitN(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < n - 1; i++) {
    const j = rest.indexOf(" ");
    if (j === -1) break;
    out.push(rest.slice(0, j));
    rest = rest.slice(j + 1);
  }
  out.push(rest);
  return out;
}

export interface MergeTreeResult {
  tree: string;
  clean: boolean;
  /** Paths with conflicts (unique, in order). */
  conflicts: string[];
  /** Informational messages (conflict types). */
  messages: string[];
}

/**
 * `git merge-tree --write-tree -z --name-only <a> <b>` output: the tree id, then (on conflict) NUL-terminated
 * conflicted paths, an empty field, then messages (`<n> \0 path... \0 type \0 message \0`).
 */
export function parseMergeTree(out: string, exitCode: number): MergeTreeResult {
  const parts = out.split("\0");
  const tree = (parts[0] ?? "").trim();
  const conflicts: string[] = [];
  let i = 1;
  for (; i < parts.length && parts[i] !== ""; i++) if (!conflicts.includes(parts[i]!)) conflicts.push(parts[i]!);
  const messages: string[] = [];
  i++;
  while (i < parts.length) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0) break;
    i += 1 + n; // the paths of this message
    const type = parts[i++] ?? "";
    const msg = parts[i++] ?? "";
    if (type || msg) messages.push(msg.trim() || type);
  }
  return { tree, clean: exitCode === 0, conflicts, messages };
}

export type RemoteFailure = "rejected" | "ref-lock" | "unreachable" | "auth" | "other";

/**
 * Why a fetch or push failed, from git's stderr (LC_ALL=C). Credentials are checked before "unreachable" because a
 * refused HTTP request also says "unable to access"; a server that stops answering ends with curl's "Operation too
 * slow" (http.lowSpeedTime) and, for a push, "RPC failed" / "the remote end hung up": transient, so 69, not 1,
 * and never "rejected" (a retry loop) even if git adds "failed to push some refs" after them.
 */
export function classifyRemoteError(stderr: string): RemoteFailure {
  const s = stderr.toLowerCase();
  if (/\[rejected\]|\(fetch first\)|non-fast-forward|\(stale info\)|updates were rejected|failed to push some refs/.test(s) && !/remote rejected|rpc failed|remote end hung up|unexpected disconnect|operation too slow/.test(s)) {
    return "rejected";
  }
  if (/cannot lock ref|failed to update ref|unable to update local ref|could not lock|incorrect old value provided|unable to lock/.test(s)) {
    return "ref-lock";
  }
  if (/authentication failed|could not read username|could not read password|terminal prompts disabled|permission denied \(publickey|http 40[13]|the requested url returned error: 40[13]|invalid credentials|access denied/.test(s)) {
    return "auth";
  }
  if (
    /could not read from remote repository|connection refused|could not resolve host|unable to connect|connection timed out|operation timed out|timed out|operation too slow|rpc failed|unexpected disconnect|network is unreachable|no route to host|unable to access|failed to connect|does not appear to be a git repository|the remote end hung up|early eof|connection reset|ssl_connect|couldn't connect/.test(
      s,
    )
  ) {
    return "unreachable";
  }
  return "other";
}

/** Ref names from `git push --porcelain` lines: `<flag>\t<from>:<to>\t<summary>`. */
export function parsePushPorcelain(out: string): { flag: string; ref: string; summary: string }[] {
  const rows: { flag: string; ref: string; summary: string }[] = [];
  for (const line of out.split("\n")) {
    const m = /^([ +\-*=!])\t([^\t]+)\t(.*)$/.exec(line);
    if (m) rows.push({ flag: m[1]!, ref: m[2]!, summary: m[3]! });
  }
  return rows;
}
