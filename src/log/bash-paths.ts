// What a Bash command plainly did to files: `rm`, `git rm`, `mv`, `git mv`. Parsed conservatively: a word the shell
// would expand ($VAR, $(...), globs, ~, braces) is never resolved, and when the working directory becomes unknown
// relative paths are dropped. A transcript only says what the agent typed; logbook reports that, never a guess.
import { basename, isAbsolute, join, resolve } from "node:path";

export type PathOp = { op: "delete"; path: string } | { op: "create"; path: string };

interface Word {
  text: string;
  /** The shell would expand it: its value is unknown here. */
  dynamic: boolean;
}

type Token = { kind: "word"; word: Word } | { kind: "sep" } | { kind: "open" } | { kind: "close" } | { kind: "stop" };

const OPERATOR_CHARS = new Set([";", "&", "|", "(", ")", "<", ">", "\n"]);

/** Splits a command line into words and separators, the way a POSIX shell would (quotes, escapes, redirections). */
export function tokenize(cmd: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let text = "";
  let dynamic = false;
  let inWord = false;
  let dropNextWord = false;
  const flush = () => {
    if (!inWord) return;
    if (dropNextWord) dropNextWord = false;
    else out.push({ kind: "word", word: { text, dynamic } });
    text = "";
    dynamic = false;
    inWord = false;
  };
  /** Consumes a balanced `open ... close` starting at cmd[i] (which is `open`), returning the index after it. */
  const skipBalanced = (open: string, close: string): number => {
    let depth = 0;
    let j = i;
    for (; j < cmd.length; j++) {
      if (cmd[j] === "\\") j++;
      else if (cmd[j] === open) depth++;
      else if (cmd[j] === close && --depth === 0) return j + 1;
    }
    return j;
  };
  while (i < cmd.length) {
    const c = cmd[i]!;
    if (c === " " || c === "\t" || c === "\r") {
      flush();
      i++;
    } else if (c === "\\") {
      if (cmd[i + 1] === "\n") i += 2;
      else {
        text += cmd[i + 1] ?? "";
        inWord = true;
        i += 2;
      }
    } else if (c === "'") {
      const end = cmd.indexOf("'", i + 1);
      if (end === -1) return [...out, { kind: "stop" }];
      text += cmd.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < cmd.length && cmd[i] !== '"') {
        if (cmd[i] === "\\" && i + 1 < cmd.length && '"\\$`\n'.includes(cmd[i + 1]!)) {
          if (cmd[i + 1] !== "\n") text += cmd[i + 1];
          i += 2;
        } else {
          if (cmd[i] === "$" || cmd[i] === "`") dynamic = true;
          text += cmd[i];
          i++;
        }
      }
      if (i >= cmd.length) return [...out, { kind: "stop" }];
      i++;
    } else if (c === "$") {
      dynamic = true;
      inWord = true;
      const next = cmd[i + 1];
      i = next === "(" ? (i++, skipBalanced("(", ")")) : next === "{" ? (i++, skipBalanced("{", "}")) : i + 1;
    } else if (c === "`") {
      dynamic = true;
      inWord = true;
      const end = cmd.indexOf("`", i + 1);
      i = end === -1 ? cmd.length : end + 1;
    } else if (c === "#" && !inWord) {
      const end = cmd.indexOf("\n", i);
      i = end === -1 ? cmd.length : end;
    } else if (OPERATOR_CHARS.has(c)) {
      if (c === "<" || c === ">") {
        // `2>/dev/null`, `&>x`: a digit word glued to the operator is a file descriptor, not an argument.
        if (inWord && /^\d+$/.test(text) && !dynamic) {
          text = "";
          inWord = false;
        }
        flush();
        if (c === "<" && cmd[i + 1] === "<") return [...out, { kind: "stop" }]; // a heredoc: its body is not commands
        i++;
        while (cmd[i] === ">" || cmd[i] === "&" || cmd[i] === "|") i++;
        dropNextWord = true;
        continue;
      }
      flush();
      if (c === "&" && cmd[i + 1] === ">") {
        i++;
        continue;
      }
      out.push(c === "(" ? { kind: "open" } : c === ")" ? { kind: "close" } : { kind: "sep" });
      i++;
    } else {
      if (!inWord && c === "~") dynamic = true;
      if (c === "*" || c === "?" || c === "[" || c === "{") dynamic = true;
      text += c;
      inWord = true;
      i++;
    }
  }
  flush();
  return out;
}

export interface PathOpsOptions {
  /** The record's working directory; relative paths are resolved against it. */
  cwd: string | undefined;
  /** Whether a path is an existing directory now (to place `mv a dir` at `dir/a`). */
  isDirectory: (abs: string) => boolean;
}

/** The files a Bash command deletes (`rm`, `git rm`, `mv`/`git mv` source) and creates (`mv` destination). */
export function bashPathOps(command: string, o: PathOpsOptions): PathOp[] {
  const ops: PathOp[] = [];
  const stack: (string | undefined)[] = [];
  let cwd = o.cwd;
  let words: Word[] = [];
  const abs = (w: Word, at: string | undefined): string | undefined => {
    if (w.dynamic || w.text === "") return undefined;
    if (isAbsolute(w.text)) return resolve(w.text);
    return at === undefined ? undefined : resolve(at, w.text);
  };
  const endSegment = () => {
    const seg = words;
    words = [];
    if (seg.length === 0) return;
    const argv = seg[0]?.text === "sudo" && !seg[0].dynamic ? seg.slice(1) : seg;
    const name = argv[0];
    if (!name || name.dynamic) return;
    const prog = name.text.includes("/") ? basename(name.text) : name.text;
    if (prog === "cd") {
      const target = argv[1];
      cwd = argv.length === 2 && target && target.text !== "-" ? abs(target, cwd) : undefined;
      return;
    }
    if (prog === "pushd" || prog === "popd") {
      cwd = undefined;
      return;
    }
    if (prog === "rm") ops.push(...removed(argv.slice(1), cwd, abs, false));
    else if (prog === "mv") ops.push(...moved(argv.slice(1), cwd, abs, o.isDirectory, false));
    else if (prog === "git" && argv[1]?.text === "rm" && !argv[1].dynamic) ops.push(...removed(argv.slice(2), cwd, abs, true));
    else if (prog === "git" && argv[1]?.text === "mv" && !argv[1].dynamic) ops.push(...moved(argv.slice(2), cwd, abs, o.isDirectory, true));
  };
  for (const t of tokenize(command)) {
    if (t.kind === "word") words.push(t.word);
    else if (t.kind === "sep") endSegment();
    else if (t.kind === "open") {
      endSegment();
      stack.push(cwd);
    } else if (t.kind === "close") {
      endSegment();
      // A subshell's `cd` does not outlive it; an unbalanced `)` leaves the directory unknown.
      cwd = stack.length ? stack.pop() : undefined;
    } else {
      endSegment();
      return ops;
    }
  }
  endSegment();
  return ops;
}

type Abs = (w: Word, at: string | undefined) => string | undefined;

/** Splits options from operands; undefined when an option makes the effect unclear. */
function operands(args: Word[], unclear: (opt: string) => boolean): Word[] | undefined {
  const out: Word[] = [];
  let optionsDone = false;
  for (const a of args) {
    if (!optionsDone && a.text === "--" && !a.dynamic) optionsDone = true;
    else if (!optionsDone && a.text.startsWith("-") && a.text !== "-") {
      if (a.dynamic || unclear(a.text)) return undefined;
    } else out.push(a);
  }
  return out;
}

const shortFlags = (opt: string, letters: string) => /^-[^-]/.test(opt) && [...opt.slice(1)].some((l) => letters.includes(l));

function removed(args: Word[], cwd: string | undefined, abs: Abs, git: boolean): PathOp[] {
  // rm -i asks (and there is no terminal to answer); git rm --cached / -n keep the file on disk.
  const unclear = git
    ? (opt: string) => opt === "--cached" || opt === "--dry-run" || opt.startsWith("--pathspec-from-file") || shortFlags(opt, "n")
    : (opt: string) => opt.startsWith("--interactive") || shortFlags(opt, "iI");
  const files = operands(args, unclear);
  if (!files) return [];
  const ops: PathOp[] = [];
  for (const f of files) {
    const p = abs(f, cwd);
    if (p !== undefined) ops.push({ op: "delete", path: p });
  }
  return ops;
}

function moved(args: Word[], cwd: string | undefined, abs: Abs, isDirectory: (p: string) => boolean, git: boolean): PathOp[] {
  // -t/-T change which operand is the destination; -n/-k may leave the source in place; git mv -n is a dry run.
  const unclear = git
    ? (opt: string) => opt === "--dry-run" || shortFlags(opt, "nk")
    : (opt: string) => opt.startsWith("--target-directory") || opt === "--no-target-directory" || opt === "--no-clobber" || opt.startsWith("--interactive") || shortFlags(opt, "tTni");
  const files = operands(args, unclear);
  if (!files || files.length < 2) return [];
  const paths = files.map((f) => abs(f, cwd));
  if (paths.some((p) => p === undefined)) return [];
  const [dest, ...sources] = [paths[paths.length - 1]!, ...(paths.slice(0, -1) as string[])];
  const destText = files[files.length - 1]!.text;
  const intoDir = sources.length > 1 || destText.endsWith("/") || isDirectory(dest);
  const ops: PathOp[] = [];
  for (const src of sources) {
    ops.push({ op: "delete", path: src });
    ops.push({ op: "create", path: intoDir ? join(dest, basename(src)) : dest });
  }
  return ops;
}
