// The words of a Claude Code session, read from its transcript: the first user request, the last assistant
// message, and its text turns (the first few and the latest, within a budget) for a model to draft a log from.
// Streamed line by line; tool traffic, subagent (sidechain) records, meta records and system reminders are left out:
// they are not what the person asked or what the assistant told them.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Conversation, Turn } from "../log/autolog.js";

export interface ConversationLimits {
  /** First turns always kept. */
  headTurns: number;
  /** Characters of the latest turns kept after the head. */
  tailChars: number;
  /** One turn's text is cut to this many characters. */
  turnChars: number;
}

export const DEFAULT_LIMITS: ConversationLimits = { headTurns: 6, tailChars: 40_000, turnChars: 2000 };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function textBlocks(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.filter((b): b is Json => isObj(b) && b.type === "text" && typeof b.text === "string").map((b) => b.text as string);
}

/**
 * What the user typed: a slash command becomes `/name args` (a bare command such as `/clear` asks for nothing),
 * system reminders and local command output are dropped, an interruption notice is not a request.
 */
export function userText(content: unknown): string | undefined {
  let t = textBlocks(content).join("\n");
  if (t === "") return undefined;
  t = t.replace(/<(system-reminder|local-command-stdout|local-command-stderr)>[\s\S]*?<\/\1>/g, "");
  const name = /<command-name>([\s\S]*?)<\/command-name>/.exec(t)?.[1]?.trim();
  if (name !== undefined) {
    const args = /<command-args>([\s\S]*?)<\/command-args>/.exec(t)?.[1]?.trim() ?? "";
    t = args === "" ? "" : `${name} ${args}`;
  }
  t = t.replace(/<command-message>[\s\S]*?<\/command-message>/g, "").trim();
  if (t === "" || /^\[Request interrupted by user/.test(t)) return undefined;
  return t;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

class Collector {
  firstRequest: string | undefined;
  private readonly head: Turn[] = [];
  private readonly tail: Turn[] = [];
  private tailChars = 0;
  private dropped = 0;
  /** The assistant message being read: one turn may be split over several lines that repeat blocks. */
  private assistantId: string | undefined;
  private assistantTexts: string[] = [];
  private current: Turn | undefined;

  constructor(private readonly limits: ConversationLimits) {}

  record(rec: Json): void {
    if (rec.isSidechain === true || rec.isMeta === true || rec.isCompactSummary === true) return;
    const message = isObj(rec.message) ? rec.message : undefined;
    if (!message) return;
    if (rec.type === "user") {
      const text = userText(message.content);
      if (text === undefined) return;
      this.firstRequest ??= text;
      this.assistantId = undefined;
      this.push({ role: "user", text: cut(text, this.limits.turnChars) });
    } else if (rec.type === "assistant") {
      const texts = textBlocks(message.content).filter((t) => t.trim() !== "");
      if (texts.length === 0) return;
      const id = typeof message.id === "string" ? message.id : undefined;
      if (id === undefined || id !== this.assistantId || this.current?.role !== "assistant") {
        this.assistantId = id;
        this.assistantTexts = [];
        this.current = undefined;
      }
      for (const t of texts) if (!this.assistantTexts.includes(t)) this.assistantTexts.push(t);
      const text = cut(this.assistantTexts.join("\n\n"), this.limits.turnChars);
      if (this.current) this.update(this.current, text);
      else this.push({ role: "assistant", text });
    }
  }

  get lastAssistant(): string | undefined {
    return this.assistantTexts.length ? this.assistantTexts.join("\n\n") : undefined;
  }

  private push(turn: Turn): void {
    this.current = turn;
    if (this.head.length < this.limits.headTurns) {
      this.head.push(turn);
      return;
    }
    this.tail.push(turn);
    this.tailChars += turn.text.length;
    this.trim();
  }

  private update(turn: Turn, text: string): void {
    if (this.tail.includes(turn)) this.tailChars += text.length - turn.text.length;
    turn.text = text;
    this.trim();
  }

  private trim(): void {
    // The newest turn always stays, however long: it is where the session ended.
    while (this.tail.length > 1 && this.tailChars > this.limits.tailChars) {
      this.tailChars -= this.tail.shift()!.text.length;
      this.dropped++;
    }
  }

  finish(): Conversation {
    return { firstRequest: this.firstRequest, lastAssistant: this.lastAssistant, turns: [...this.head, ...this.tail], omittedTurns: this.dropped, omittedAt: this.head.length };
  }
}

/** Reads the conversation; lines that are not JSON objects are skipped (readTranscript reports them). */
export async function readConversation(file: string, limits: ConversationLimits = DEFAULT_LIMITS): Promise<Conversation> {
  const c = new Collector(limits);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trimStart().startsWith("{")) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (isObj(rec)) c.record(rec);
  }
  return c.finish();
}
