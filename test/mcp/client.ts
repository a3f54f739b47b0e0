// The SDK's own client talking to `node dist/cli.js mcp` over stdio, as Claude Code does.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { TestContext } from "node:test";
import { CLI } from "../helpers/index.js";

export interface McpSession {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Starts the server in `cwd`. Call it before creating the temp dirs the server works in, or close the session
 * yourself: after-hooks run in the order they were registered.
 */
export async function connect(t: Pick<TestContext, "after">, cwd: string, env: Record<string, string>, args: string[] = []): Promise<McpSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args, "mcp"], cwd, env, stderr: "pipe" });
  let err = "";
  transport.stderr?.on("data", (b: Buffer) => void (err += b.toString("utf8")));
  const client = new Client({ name: "logbook-test", version: "1" });
  await client.connect(transport);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  t.after(close);
  return {
    client,
    call: async (name, a = {}) => (await client.callTool({ name, arguments: a })) as CallToolResult,
    stderr: () => err,
    close,
  };
}

export function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}
