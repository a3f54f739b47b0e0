// Transcript facts from a generated 50 MB Claude Code transcript: wall time of `logbook transcript --json` (node
// start-up included) and the child's peak RSS, read from process.resourceUsage() as it exits.
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CLI, median, sandbox, time } from "../lib.mjs";

export const name = "transcript";

const TARGET_BYTES = 50 * 1024 * 1024;
const SESSION = "3b9e7c2a-1d4f-4e5a-8b6c-7d8e9f0a1b2c";

/** A deterministic PRNG (mulberry32): the same transcript on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = "the forwarder resolver zone dc01 acme backup nightly config error build test runbook server port cert tenant container deploy rollback index article wiki log session commit push fetch rebase lock".split(" ");

/** Writes a transcript shaped like a long real session: prompts, thinking, split assistant turns, parallel tool
 * calls (Read, Bash, Edit, Write), large tool results, subagent records and record types logbook ignores. */
export function generateTranscript(file, bytes = TARGET_BYTES) {
  const rand = rng(42);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const text = (chars) => {
    let s = "";
    while (s.length < chars) s += words(12) + (rand() < 0.2 ? "\n" : " ");
    return s.slice(0, chars);
  };
  const root = "/home/dev/acme-kb";
  const fd = openSync(file, "w");
  let written = 0;
  let n = 0;
  let uuid = 0;
  let parent = null;
  const ts = () => new Date(Date.UTC(2026, 5, 5, 9) + n * 1000).toISOString();
  const base = (type, extra = {}) => {
    const u = `00000000-0000-4000-8000-${String(++uuid).padStart(12, "0")}`;
    const rec = { parentUuid: parent, isSidechain: extra.sidechain ?? false, userType: "external", cwd: root, sessionId: SESSION, version: "2.0.14", gitBranch: "main", type, uuid: u, timestamp: ts() };
    parent = u;
    return rec;
  };
  let buf = [];
  let bufBytes = 0;
  const emit = (rec) => {
    const line = JSON.stringify(rec) + "\n";
    buf.push(line);
    bufBytes += line.length;
    written += line.length;
    n++;
    if (bufBytes > 1 << 20) {
      writeSync(fd, buf.join(""));
      buf = [];
      bufBytes = 0;
    }
  };
  const assistant = (msgId, content, sidechain) => emit({ ...base("assistant", { sidechain }), message: { id: msgId, type: "message", role: "assistant", model: "claude-sonnet-4-5", content, stop_reason: null, usage: { input_tokens: 100, output_tokens: 50 } }, requestId: `req_${n}` });
  const result = (id, content, toolUseResult, isError, sidechain) => emit({ ...base("user", { sidechain }), message: { role: "user", content: [{ tool_use_id: id, type: "tool_result", content, ...(isError ? { is_error: true } : {}) }] }, toolUseResult });
  let turn = 0;
  let tool = 0;
  while (written < bytes) {
    turn++;
    const sidechain = turn % 7 === 0;
    emit({ ...base("user"), message: { role: "user", content: text(80 + Math.floor(rand() * 300)) } });
    const msg = `msg_${turn}`;
    assistant(msg, [{ type: "thinking", thinking: text(500 + Math.floor(rand() * 2500)), signature: "sig" }], sidechain);
    // A parallel batch spread over several lines of one message; the first block repeats on the next line.
    const calls = [];
    const k = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < k; i++) {
      const id = `toolu_${++tool}`;
      const path = `${root}/${pick(["docs", "config", "scripts", "notes", "clients/acme"])}/${pick(WORDS)}-${tool % 300}.md`;
      const r = rand();
      if (r < 0.35) calls.push({ id, name: "Read", input: { file_path: path }, res: () => result(id, text(4000 + Math.floor(rand() * 20000)), { type: "text", file: { filePath: path, numLines: 200 } }, false, sidechain) });
      else if (r < 0.65) {
        const fail = rand() < 0.15;
        const cmd = rand() < 0.1 ? `rm -f ${pick(WORDS)}-${tool}.tmp` : `${pick(["npm test", "npm run build", "dig @10.0.0.10 example.com", "git status", "ls -la docs", "systemctl status bind9"])} # ${tool}`;
        const out = text(200 + Math.floor(rand() * 3000));
        calls.push({ id, name: "Bash", input: { command: cmd, description: words(4) }, res: () => fail ? result(id, `Exit code 1\n${out}`, `Error: Exit code 1\n${out}`, true, sidechain) : result(id, out, { stdout: out, stderr: "", interrupted: false, isImage: false }, false, sidechain) });
      } else if (r < 0.85) {
        const old = text(100 + Math.floor(rand() * 1500));
        calls.push({ id, name: "Edit", input: { file_path: path, old_string: old, new_string: old + " (fixed)" }, res: () => result(id, `The file ${path} has been updated.`, { filePath: path, oldString: old, newString: old + " (fixed)", structuredPatch: [], userModified: false, replaceAll: false }, false, sidechain) });
      } else {
        const content = text(1000 + Math.floor(rand() * 15000));
        const type = rand() < 0.5 ? "create" : "update";
        calls.push({ id, name: "Write", input: { file_path: path, content }, res: () => result(id, type === "create" ? `File created successfully at: ${path}` : `The file ${path} has been updated.`, { type, filePath: path, content, structuredPatch: [] }, false, sidechain) });
      }
    }
    const blocks = calls.map(({ id, name, input }) => ({ type: "tool_use", id, name, input }));
    for (let i = 0; i < blocks.length; i++) assistant(msg, i > 0 ? [blocks[i - 1], blocks[i]] : [{ type: "text", text: words(20) }, blocks[i]], sidechain);
    for (const c of calls) c.res();
    if (turn % 5 === 0) emit({ ...base("system"), subtype: "info", content: words(10), level: "info" });
    if (turn % 11 === 0) emit({ ...base("attachment"), attachment: { type: "todo", content: [] } });
    if (turn % 13 === 0) emit({ type: "summary", summary: words(6), leafUuid: parent });
  }
  writeSync(fd, buf.join(""));
  closeSync(fd);
  return { bytes: written, lines: n, tools: tool };
}

export async function run() {
  const sb = sandbox("transcript");
  try {
    const file = join(sb.dir, `${SESSION}.jsonl`);
    const gen = generateTranscript(file);
    const hook = join(sb.dir, "rss-hook.mjs");
    const rssOut = join(sb.dir, "rss.txt");
    writeFileSync(hook, `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(rssOut)}, String(process.resourceUsage().maxRSS)));\n`);
    const walls = [];
    const rss = [];
    let commands = 0;
    for (let i = 0; i < 5; i++) {
      let r;
      walls.push(time(() => {
        r = spawnSync(process.execPath, ["--import", hook, CLI, "transcript", file, "--json"], { cwd: sb.dir, env: sb.env, encoding: "utf8", maxBuffer: 256 << 20 });
      }));
      if (r.status !== 0) throw new Error(`logbook transcript exited ${r.status}: ${r.stderr}`);
      commands = JSON.parse(r.stdout).commands.length;
      rss.push(Number(readFileSync(rssOut, "utf8")) / 1024);
    }
    const mb = statSync(file).size / (1024 * 1024);
    return [
      { metric: `transcript facts, ${mb.toFixed(0)} MB / ${gen.lines} lines / ${commands} commands`, value: median(walls), unit: "ms", goal: 1000 },
      { metric: "peak RSS (child)", value: Math.max(...rss), unit: "MB", goal: 150 },
    ];
  } finally {
    sb.cleanup();
  }
}
