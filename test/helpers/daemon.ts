// A real `git daemon` on 127.0.0.1 serving a directory of bare repos (for unreachable / flaky remote tests).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { TestContext } from "node:test";
import { waitFor } from "./index.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.on("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

export interface Daemon {
  port: number;
  url(repo: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Serves `base` (bare repos under it) read-write over git://127.0.0.1:<port>/. */
export async function gitDaemon(t: Pick<TestContext, "after">, base: string): Promise<Daemon> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const d: Daemon = {
    port,
    url: (repo) => `git://127.0.0.1:${port}/${repo}`,
    async start() {
      child = spawn("git", ["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", `--base-path=${base}`, "--listen=127.0.0.1", `--port=${port}`, base], {
        stdio: "ignore",
      });
      await waitFor(() => canConnect(port), `git daemon on port ${port}`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const done = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await done;
      await waitFor(async () => !(await canConnect(port)), "git daemon to stop");
    },
  };
  await d.start();
  t.after(() => d.stop());
  return d;
}
