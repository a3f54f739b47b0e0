// `logbook mcp`: the tools of tools.ts served over stdio. stdout is the JSON-RPC channel, so nothing else may
// write to it: commands print into a buffer, events and warnings go to stderr.
import type { Readable, Writable } from "node:stream";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod/mini";
import type { Deps } from "../deps.js";
import { exitCodeOf, LogbookError } from "../errors.js";
import { jsonFormatter } from "../events.js";
import { checkArgs, TOOLS, toolByName, type Tool } from "./tools.js";

export interface ServeIo {
  stdin: Readable;
  stdout: Writable;
  stderr: (text: string) => void;
}

const INSTRUCTIONS =
  "logbook keeps a team's session logs and compiled wiki in a git repo. At the end of a piece of work, call save " +
  "with the session narrative; read_article and search find what earlier sessions recorded; notes shows messages " +
  "other users left for you.";

/** The JSON schema a client sees: derived from the same zod schema that validates the call. */
export function inputSchema(tool: Tool): McpTool["inputSchema"] {
  const { $schema: _drop, ...schema } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
  return { ...schema, type: "object" } as McpTool["inputSchema"];
}

/** Runs one tool call. A thrown error becomes an MCP tool error carrying the CLI's message and exit code. */
export async function callTool(tool: Tool, rawArgs: unknown, base: Deps, stderr: (s: string) => void): Promise<CallToolResult> {
  const formatter = jsonFormatter(stderr);
  // readStdin must never touch process.stdin: it carries the protocol.
  const deps: Deps = { ...base, readStdin: () => Promise.resolve(undefined), out: stderr, emit: formatter.emit };
  try {
    const { result, text } = await tool.call(checkArgs(tool, rawArgs), deps);
    const content: CallToolResult["content"] = [{ type: "text", text: text ?? JSON.stringify(result) }];
    // The CLI shows warnings on stderr, which an agent never sees: hand over those the result does not carry.
    const carried = new Set(Array.isArray(result.warnings) ? result.warnings : []);
    const warnings = formatter.events.flatMap((e) => (e.type === "warning" && !carried.has(e.message) ? [e.message] : []));
    if (warnings.length) content.push({ type: "text", text: warnings.map((w) => `warning: ${w}`).join("\n") });
    return { content, structuredContent: result };
  } catch (e) {
    const exitCode = exitCodeOf(e);
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof LogbookError)) stderr(`${(e as Error)?.stack ?? message}\n`);
    stderr(`error (${tool.name}): ${message}\n`);
    const detail = e instanceof LogbookError ? e.detail : undefined;
    return {
      isError: true,
      content: [{ type: "text", text: `${message} (exit code ${exitCode})` }],
      structuredContent: { error: message, exitCode, ...(detail ? { detail } : {}), events: formatter.events },
    };
  }
}

/**
 * Serves until the client closes stdin or `stop` fires, then lets calls already running finish (a save cut off
 * mid-sync would leave its work for the next run to recover) before closing.
 */
export async function serve(deps: Deps, io: ServeIo, version: string, stop?: AbortSignal): Promise<void> {
  const server = new Server({ name: "logbook", version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.onerror = (e) => io.stderr(`mcp: ${e.message}\n`);
  // A reply to a client that already hung up must not crash a process that may still be finishing a save.
  io.stdout.on("error", () => {});

  const running = new Set<Promise<unknown>>();
  // Writes run one at a time: the sync lock already orders them across processes, this keeps it simple within one.
  let writes: Promise<unknown> = Promise.resolve();

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((t) => ({ name: t.name, description: t.description, inputSchema: inputSchema(t), annotations: t.writes ? { readOnlyHint: false, destructiveHint: false } : { readOnlyHint: true } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const tool = toolByName(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}"; tools: ${TOOLS.map((t) => t.name).join(", ")}`);
    const run = () => callTool(tool, request.params.arguments, deps, io.stderr);
    const p = tool.writes ? writes.then(run, run) : run();
    if (tool.writes) writes = p;
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  });

  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const closed = new Promise<void>((resolve) => {
    io.stdin.once("end", resolve);
    io.stdin.once("close", resolve);
    stop?.addEventListener("abort", () => resolve(), { once: true });
    if (stop?.aborted) resolve();
  });
  await server.connect(transport);
  await closed;
  // The SDK dispatches a request a microtask after reading it and sends the reply a few microtasks after the
  // handler settles: a turn of the event loop on each side makes sure both have happened.
  await nextTurn();
  while (running.size) await Promise.allSettled([...running]);
  await nextTurn();
  await server.close();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
