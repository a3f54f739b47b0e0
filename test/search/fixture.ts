// Search fixtures: a small corpus of logs and articles in a real clone, and in-process search runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runSearch, type SearchOptions, type SearchResult } from "../../src/commands/search.js";
import { testDeps, type Machine, type TestDeps } from "../helpers/index.js";

export function logText(o: { user: string; date: string; topic: string; scope: string; body: string; update?: string }): string {
  return [
    "---",
    `session: ${o.topic}-session`,
    `user: ${o.user}`,
    `date: ${o.date}`,
    `scope: ${o.scope}`,
    `topic: ${o.topic}`,
    "---",
    "",
    `# Session log: ${o.topic} (${o.date})`,
    "",
    "## User",
    `- **User:** ${o.user} (${o.user})`,
    "",
    "## Session Summary",
    "",
    o.body,
    "",
    "## Key Decisions",
    "",
    "None.",
    ...(o.update ? ["", `## Update: 15:10 PST — ${o.update}`, "", "### Session Summary", "", "Follow-up work."] : []),
    "",
  ].join("\n");
}

export function put(dir: string, rel: string, text: string): void {
  const p = join(dir, ...rel.split("/"));
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

const FILLER = "Routine checks of the backup jobs, the mailbox quotas and the printer queues were done. ".repeat(6);

/** Paths of the corpus, by role in the tests. */
export const P = {
  dnsTitle: "clients/acme/session-logs/2026-03-01-mike-dns-forwarders.md",
  dnsOnce: "clients/acme/session-logs/2026-03-02-alice-printer.md",
  vpn: "clients/beta/session-logs/2026-04-01-mike-vpn.md",
  agent: "projects/guru-rmm/session-logs/2026-02-01-alice-agent.md",
  general: "session-logs/2026-01-15-mike-general.md",
  acme: "wiki/clients/acme.md",
  exchange: "wiki/systems/exchange.md",
} as const;

export function writeCorpus(dir: string): void {
  put(dir, P.dnsTitle, logText({
    user: "mike", date: "2026-03-01", topic: "dns-forwarders", scope: "client:acme",
    body: `Replaced the forwarders on dc01.acme.local (10.0.0.10). ${FILLER}`,
  }));
  put(dir, P.dnsOnce, logText({
    user: "alice", date: "2026-03-02", topic: "printer", scope: "client:acme",
    body: `${FILLER} The printer spooler hung again; the forwarders were not involved. Server 10.0.0.10 rebooted. ${FILLER}`,
  }));
  put(dir, P.vpn, logText({
    user: "mike", date: "2026-04-01", topic: "vpn", scope: "client:beta",
    body: `The quokka appliance dropped VPN tunnels; forwarding rules rewritten. ${FILLER}`,
  }));
  put(dir, P.agent, logText({
    user: "alice", date: "2026-02-01", topic: "agent-rollout", scope: "project:guru-rmm",
    body: `Agent rollout. The appliance was fine; a quokka was seen later. ${FILLER}`,
  }));
  put(dir, P.general, logText({
    user: "mike", date: "2026-01-15", topic: "general", scope: "general",
    body: `Lab host 10.0.0.100 patched. ${FILLER}`,
  }));
  put(dir, P.acme, "---\ntype: client\nslug: acme\ntitle: Acme Corp\nlast_compiled: 2026-03-05T10:00:00Z\nsources:\n  - " +
    `${P.dnsTitle}\n---\n\n# Acme Corp\n\n## Environment\n- dc01.acme.local 10.0.0.10 (domain controller)\n\n## History\n- 2026-03-01 mike: forwarders\n`);
  put(dir, P.exchange, "---\ntype: system\nslug: exchange\ntitle: Exchange\nlast_compiled: 2026-02-10T10:00:00Z\nsources: []\n---\n\n# Exchange\n\n## Mailboxes\nQuotas raised.\n");
  // Never indexed: the generated index and files outside the document directories.
  put(dir, "wiki/index.md", "# Index\n- forwarders quokka zebra-index-only\n");
  put(dir, "README.md", "forwarders quokka zebra-readme-only\n");
}

export function commitAll(m: Machine, message = "corpus"): void {
  m.git(["add", "-A"]);
  m.git(["commit", "-qm", message]);
}

export type Run = (query: string, o?: Omit<SearchOptions, "query">, env?: Record<string, string>) => Promise<SearchResult & { deps: TestDeps }>;

/** In-process `logbook search` in a machine's clone. */
export function searcher(m: Machine, extraEnv: Record<string, string> = {}): Run {
  return async (query, o = {}, env = {}) => {
    const deps = testDeps(m.dir, { env: { ...m.env, ...extraEnv, ...env } });
    const r = await runSearch({ query, ...o }, deps);
    return { ...r, deps };
  };
}

export function paths(r: SearchResult): string[] {
  return r.results.map((x) => x.path);
}
