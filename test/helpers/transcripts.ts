// Claude Code transcripts for tests, written where Claude Code writes them
// (`<CLAUDE_CONFIG_DIR>/projects/<encoded cwd>/<session>.jsonl`) in the record shapes of APIS.md, and the hook JSON
// Claude Code passes to a SessionEnd hook.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Rec = Record<string, unknown>;

export class TranscriptBuilder {
  readonly records: Rec[] = [];
  private n = 0;
  private tool = 0;

  constructor(
    readonly session: string,
    readonly cwd: string,
  ) {}

  private add(o: Rec): this {
    this.n++;
    const uuid = `00000000-0000-4000-8000-${String(this.n).padStart(12, "0")}`;
    this.records.push({ sessionId: this.session, cwd: this.cwd, uuid, timestamp: new Date(Date.UTC(2026, 5, 5, 17, 0, this.n)).toISOString(), isSidechain: false, ...o });
    return this;
  }

  user(text: string, extra: Rec = {}): this {
    return this.add({ type: "user", message: { role: "user", content: text }, ...extra });
  }

  assistant(text: string, id = `msg_${this.n + 1}`, extra: Rec = {}): this {
    return this.add({ type: "assistant", message: { id, type: "message", role: "assistant", content: [{ type: "text", text }] }, ...extra });
  }

  /** A Write of `path` (absolute or relative to cwd) that created it. */
  write(path: string): this {
    const id = `toolu_${++this.tool}`;
    const file = path.startsWith("/") ? path : join(this.cwd, path);
    this.add({ type: "assistant", message: { id: `msg_w${this.tool}`, role: "assistant", content: [{ type: "tool_use", id, name: "Write", input: { file_path: file, content: "x" } }] } });
    return this.add({
      type: "user",
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: `File created successfully at: ${file}` }] },
      toolUseResult: { type: "create", filePath: file },
    });
  }

  /** A Bash call: exit 0 with `output`, or a failure `Exit code N`. */
  bash(command: string, o: { exit?: number; output?: string } = {}): this {
    const id = `toolu_${++this.tool}`;
    const exit = o.exit ?? 0;
    const output = o.output ?? "";
    this.add({ type: "assistant", message: { id: `msg_b${this.tool}`, role: "assistant", content: [{ type: "tool_use", id, name: "Bash", input: { command } }] } });
    const content = exit === 0 ? output : `Exit code ${exit}\n${output}`;
    return this.add({
      type: "user",
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content, ...(exit === 0 ? {} : { is_error: true }) }] },
      toolUseResult: exit === 0 ? { stdout: output, stderr: "", interrupted: false } : `Error: Exit code ${exit}\n${output}`,
    });
  }

  text(): string {
    return this.records.map((r) => JSON.stringify(r)).join("\n") + "\n";
  }

  /** Writes the transcript where Claude Code keeps it for `cwd`; returns its path. */
  save(claudeConfigDir: string): string {
    const dir = join(claudeConfigDir, "projects", this.cwd.replace(/[/.\\:]/g, "-"));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.session}.jsonl`);
    writeFileSync(file, this.text());
    return file;
  }
}

export function hookJson(session: string, cwd: string, transcriptPath: string, over: Rec = {}): string {
  return JSON.stringify({ session_id: session, transcript_path: transcriptPath, cwd, hook_event_name: "SessionEnd", reason: "prompt_input_exit", ...over });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
