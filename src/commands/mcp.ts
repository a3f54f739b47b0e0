// `logbook mcp`: a Model Context Protocol server over stdio. The SDK is reached only through this command: it lives in
// src/mcp/server.ts, imported here on demand.
import type { Deps } from "../deps.js";
import type { Command } from "./types.js";

export type McpOptions = Record<string, never>;

export async function run(_o: McpOptions, deps: Deps): Promise<void> {
  const { serve } = await import("../mcp/server.js");
  const stop = new AbortController();
  // First signal: finish the calls already running, then exit. With the handlers gone, a second signal does what
  // it does by default: exit at once.
  const onSignal = () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    await serve(deps, { stdin: process.stdin, stdout: process.stdout, stderr: (s) => void process.stderr.write(s) }, __LOGBOOK_VERSION__, stop.signal);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    // A client that stopped us without closing stdin would otherwise keep the process alive on the open pipe.
    process.stdin.destroy();
  }
}

export const command: Command<McpOptions, void> = {
  usage: "logbook mcp",
  summary: "serve logbook's tools (whoami, save, sync, checkpoint, read_article, notes, search) to an agent over MCP (stdio)",
  options: {},
  parse: () => ({}),
  run,
  // stdout is the protocol channel: nothing to print.
  print: () => {},
};
