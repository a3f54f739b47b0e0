// Facts from a Claude Code transcript (JSONL): the files the session created, edited and deleted, and the commands it
// ran with their exit status. Streamed line by line so a 50 MB transcript never sits in memory; formats drift
// between Claude Code versions (APIS.md "Claude Code"), so every field is checked and unknown ones are skipped.
import { createReadStream, readdirSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Deps } from "../deps.js";
import { DataError, UsageError } from "../errors.js";
import { bashPathOps } from "./bash-paths.js";
import { SESSION_ID_RE } from "./render.js";

export interface Command {
  command: string;
  /** From the result's `Exit code N`; 0 for a plain success; null when the transcript does not say. */
  exitCode: number | null;
  isError: boolean;
  interrupted: boolean;
  /** The first lines of what the command printed (or of the error). */
  output: string;
}

export interface TranscriptFacts {
  session: string;
  filesCreated: string[];
  filesEdited: string[];
  filesDeleted: string[];
  commands: Command[];
  warnings: string[];
}

/** A line longer than this is not a transcript record (a binary file, or a file with no newlines). */
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const OUTPUT_LINES = 8;
const OUTPUT_CHARS = 1200;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

type Pending = { kind: "bash"; index: number; cwd: string | undefined } | { kind: "file"; tool: "write" | "edit"; path: string; name: string };

/** What happened to one path, in order: whether it existed before the session, and whether it exists now. */
interface PathState {
  existedBefore: boolean;
  exists: boolean;
}

class FactsBuilder {
  readonly commands: Command[] = [];
  readonly warnings: string[] = [];
  readonly sessions: string[] = [];
  private readonly seenToolUses = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly paths = new Map<string, PathState>();
  /** Bash calls run in the background: their result says "running", not how they ended. */
  private readonly background = new Set<string>();
  private lastCwd: string | undefined;

  constructor(private readonly repoRoot: string | undefined) {}

  record(rec: Json): void {
    const session = str(rec.sessionId);
    if (session && this.sessions.length < 8 && !this.sessions.includes(session)) this.sessions.push(session);
    const cwd = str(rec.cwd);
    if (cwd && isAbsolute(cwd)) this.lastCwd = cwd;
    // Sidechain (subagent) records are the session's work too: no filtering on isSidechain.
    if (rec.type === "assistant") this.assistant(rec);
    else if (rec.type === "user") this.user(rec);
  }

  private assistant(rec: Json): void {
    const content = isObj(rec.message) ? rec.message.content : undefined;
    if (!Array.isArray(content)) return;
    for (const block of content) {
      if (!isObj(block) || block.type !== "tool_use") continue;
      const id = str(block.id);
      const name = str(block.name);
      const input = block.input;
      // One assistant turn is split over several lines that may repeat blocks: each tool use counts once.
      if (!id || !name || !isObj(input) || this.seenToolUses.has(id)) continue;
      this.seenToolUses.add(id);
      if (name === "Bash") {
        const command = str(input.command);
        if (command === undefined) continue;
        this.commands.push({ command, exitCode: null, isError: false, interrupted: false, output: "" });
        this.pending.set(id, { kind: "bash", index: this.commands.length - 1, cwd: this.lastCwd });
        if (input.run_in_background === true) this.background.add(id);
      } else if (name === "Write" || name === "Edit" || name === "MultiEdit" || name === "NotebookEdit") {
        const raw = str(name === "NotebookEdit" ? (input.notebook_path ?? input.file_path) : input.file_path);
        const path = raw === undefined ? undefined : this.absolute(raw, this.lastCwd);
        if (path !== undefined) this.pending.set(id, { kind: "file", tool: name === "Write" ? "write" : "edit", path, name });
      }
    }
  }

  private user(rec: Json): void {
    const content = isObj(rec.message) ? rec.message.content : undefined;
    if (!Array.isArray(content)) return;
    const results = content.filter((b): b is Json => isObj(b) && b.type === "tool_result" && typeof b.tool_use_id === "string");
    // The top-level toolUseResult describes the record's one result; with several it is ambiguous, so unused.
    const tur = results.length === 1 ? rec.toolUseResult : undefined;
    for (const block of results) {
      const id = block.tool_use_id as string;
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      if (p.kind === "bash") this.bashResult(id, p, block, tur);
      else this.fileResult(p, block, tur);
    }
  }

  private bashResult(id: string, p: Extract<Pending, { kind: "bash" }>, block: Json, tur: unknown): void {
    const c = this.commands[p.index]!;
    let text = resultText(block.content);
    if (text === "" && isObj(tur)) text = [str(tur.stdout), str(tur.stderr)].filter((s) => s !== undefined && s !== "").join("\n");
    if (text === "" && typeof tur === "string") text = tur;
    c.isError = block.is_error === true;
    c.interrupted = isObj(tur) && tur.interrupted === true;
    const code = EXIT_RE.exec(text) ?? (typeof tur === "string" ? EXIT_RE.exec(tur) : null);
    if (code) c.exitCode = Number(code[1]);
    else if (!c.isError && !c.interrupted && !this.background.has(id) && !(isObj(tur) && tur.returnCodeInterpretation !== undefined)) {
      // A Bash call that is not an error ended with 0; grep-like "no match" results carry an interpretation instead.
      c.exitCode = 0;
    }
    this.background.delete(id);
    c.output = firstLines(text.replace(EXIT_RE, "").replace(/^\n+/, ""));
    // Only a command that ran and succeeded plainly did what it says; a failed `rm a b` may have removed neither.
    if (c.isError || c.interrupted || typeof tur === "string") return;
    const ops = bashPathOps(c.command, { cwd: p.cwd, isDirectory });
    for (const op of ops) {
      if (this.insideRepoRootOrAbove(op.path)) continue;
      if (op.op === "delete") this.deleted(op.path);
      else this.created(op.path);
    }
  }

  private fileResult(p: Extract<Pending, { kind: "file" }>, block: Json, tur: unknown): void {
    // A rejected or failed call ("File has not been read yet", the user declined) has a string result: it wrote nothing.
    if (block.is_error === true || typeof tur === "string") return;
    if (p.tool === "edit") return this.edited(p.path);
    const kind = isObj(tur) ? str(tur.type) : undefined;
    if (kind === "create") return this.created(p.path);
    if (kind === "update") return this.edited(p.path);
    // No structured result (older versions): the message still says which.
    if (/^File created successfully/i.test(resultText(block.content))) return this.created(p.path);
    this.edited(p.path);
  }

  private created(path: string): void {
    const s = this.paths.get(path);
    if (s) s.exists = true;
    else this.paths.set(path, { existedBefore: false, exists: true });
  }

  private edited(path: string): void {
    const s = this.paths.get(path);
    if (s) s.exists = true;
    else this.paths.set(path, { existedBefore: true, exists: true });
  }

  private deleted(path: string): void {
    const s = this.paths.get(path);
    if (s) s.exists = false;
    else this.paths.set(path, { existedBefore: true, exists: false });
  }

  /** `rm -rf .` at the repo root (or above it) is not a file deletion logbook will hand to a commit. */
  private insideRepoRootOrAbove(path: string): boolean {
    if (this.repoRoot === undefined) return false;
    const rel = relative(path, this.repoRoot);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  }

  private absolute(p: string, cwd: string | undefined): string | undefined {
    if (isAbsolute(p)) return resolve(p);
    const base = cwd ?? this.repoRoot;
    return base === undefined ? undefined : resolve(base, p);
  }

  display(abs: string): string {
    if (this.repoRoot === undefined) return abs;
    const rel = relative(this.repoRoot, abs);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return abs;
    return sep === "/" ? rel : rel.split(sep).join("/");
  }

  finish(file: string): TranscriptFacts {
    const created: string[] = [];
    const edited: string[] = [];
    const deleted: string[] = [];
    for (const [path, s] of this.paths) {
      // Created then edited is created; created then deleted never reached the repository.
      if (!s.existedBefore && s.exists) created.push(this.display(path));
      else if (s.existedBefore && s.exists) edited.push(this.display(path));
      else if (s.existedBefore && !s.exists) deleted.push(this.display(path));
    }
    const base = basename(file).replace(/\.jsonl$/i, "");
    // The file is named after its session; records of a resumed session may carry the earlier id.
    const session = this.sessions.includes(base) ? base : (this.sessions[0] ?? base);
    return { session, filesCreated: created, filesEdited: edited, filesDeleted: deleted, commands: this.commands, warnings: this.warnings };
  }
}

const EXIT_RE = /^(?:Error: )?Exit code (-?\d+)[^\n]*\n?/;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A tool_result's content: a string, or an array of blocks of which the text ones count. */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b) => (isObj(b) && b.type === "text" ? (str(b.text) ?? "") : ""))
    .filter((t) => t !== "")
    .join("\n");
}

function firstLines(text: string): string {
  const lines = text.split("\n", OUTPUT_LINES + 1);
  let out = lines.slice(0, OUTPUT_LINES).join("\n").trimEnd();
  if (out.length > OUTPUT_CHARS) out = out.slice(0, OUTPUT_CHARS) + "…";
  return out;
}

const NEWLINE = 0x0a;
/** The first byte of a line that is not JSON whitespace (or a UTF-8 BOM), or -1. */
function firstSignificant(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b;
  }
  return -1;
}

/**
 * Reads a transcript as a stream. Throws UsageError (64) when the file cannot be read and DataError (65), naming
 * the file and line, when it is not JSONL. A last line without its newline (a session still writing) is a warning.
 */
export async function readTranscript(file: string, opts: { repoRoot?: string | undefined }): Promise<TranscriptFacts> {
  const facts = new FactsBuilder(opts.repoRoot === undefined ? undefined : resolve(opts.repoRoot));
  let lineNo = 0;
  let records = 0;
  let partial: Buffer[] = [];
  let partialLen = 0;
  /** A line that did not parse: an error unless it turns out to be an unfinished last line. */
  let bad: { line: number; reason: string } | undefined;

  const notJsonl = (line: number, reason: string) =>
    new DataError(`${file}:${line}: not a Claude Code transcript record (${reason}); a transcript is JSONL: one JSON object per line.`, {
      file,
      line,
    });

  const onLine = (buf: Buffer, start: number, end: number) => {
    lineNo++;
    const first = firstSignificant(buf, start, end);
    if (first === -1) return;
    if (bad) throw notJsonl(bad.line, bad.reason);
    if (first !== 0x7b /* { */) throw notJsonl(lineNo, "it does not start with {");
    let rec: unknown;
    try {
      rec = JSON.parse(buf.toString("utf8", start, end));
    } catch (e) {
      bad = { line: lineNo, reason: (e as Error).message.replace(/\s+/g, " ").slice(0, 120) };
      return;
    }
    if (!isObj(rec)) throw notJsonl(lineNo, "not a JSON object");
    records++;
    facts.record(rec);
  };

  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    await new Promise<void>((res, rej) => {
      stream.once("open", () => res());
      stream.once("error", rej);
    });
  } catch (e) {
    stream.destroy();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read the transcript (${code ?? (e as Error).message}).`, { file });
  }

  let endedWithNewline = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, from);
        if (nl === -1) break;
        if (partialLen > 0) {
          partial.push(chunk.subarray(from, nl));
          const line = Buffer.concat(partial, partialLen + (nl - from));
          partial = [];
          partialLen = 0;
          onLine(line, 0, line.length);
        } else onLine(chunk, from, nl);
        from = nl + 1;
      }
      if (from < chunk.length) {
        if (partialLen === 0) {
          // Fail fast on a binary or non-JSON file instead of buffering a huge "line".
          const first = firstSignificant(chunk, from, chunk.length);
          if (first !== -1 && first !== 0x7b) throw notJsonl(lineNo + 1, "it does not start with {");
        }
        partial.push(chunk.subarray(from));
        partialLen += chunk.length - from;
        if (partialLen > MAX_LINE_BYTES) throw notJsonl(lineNo + 1, `a line longer than ${MAX_LINE_BYTES >> 20} MB`);
        endedWithNewline = false;
      } else endedWithNewline = true;
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read the transcript (${code ?? (e as Error).message}).`, { file });
  }

  if (partialLen > 0) {
    const line = Buffer.concat(partial, partialLen);
    onLine(line, 0, line.length);
  }
  if (bad) {
    // Only an unfinished last line after real records is a transcript still being written.
    if (endedWithNewline || records === 0 || bad.line !== lineNo) throw notJsonl(bad.line, bad.reason);
    facts.warnings.push(`${file}:${bad.line}: the last line is incomplete (the session is still writing it?); ignored`);
  }
  if (records === 0) throw new DataError(`${file}: empty transcript: no records in it.`, { file });
  return facts.finish(file);
}

/** `<CLAUDE_CONFIG_DIR or ~/.claude>/projects/<any>/<session>.jsonl`, the most recently written when several. */
export function findTranscript(session: string, env: Deps["env"], home: string): string | undefined {
  if (!SESSION_ID_RE.test(session)) return undefined;
  const configDir = env.CLAUDE_CONFIG_DIR !== undefined && env.CLAUDE_CONFIG_DIR !== "" ? env.CLAUDE_CONFIG_DIR : join(home, ".claude");
  const projects = join(configDir, "projects");
  let dirs: string[];
  try {
    dirs = readdirSync(projects);
  } catch {
    return undefined;
  }
  let best: { path: string; mtime: number } | undefined;
  for (const d of dirs) {
    const path = join(projects, d, `${session}.jsonl`);
    try {
      const st = statSync(path);
      if (st.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path, mtime: st.mtimeMs };
    } catch {}
  }
  return best?.path;
}
