// --scope general | project:<name> | client:<slug>, and the seed's path table.
import { UsageError } from "../errors.js";
import { slugProblem } from "./slug.js";

export type Scope = { kind: "general" } | { kind: "project"; name: string } | { kind: "client"; slug: string };

export function parseScope(text: string): Scope {
  if (text === "general") return { kind: "general" };
  const m = /^(project|client):(.*)$/s.exec(text);
  if (!m) {
    throw new UsageError(
      `--scope "${text}": unknown scope. Use general, project:<name> or client:<slug> (e.g. --scope client:acme).`,
    );
  }
  const kind = m[1] as "project" | "client";
  const value = m[2] ?? "";
  const problem = slugProblem(value);
  if (problem) {
    throw new UsageError(
      `--scope ${kind}:<${kind === "project" ? "name" : "slug"}>: "${value}" ${problem}; the ${kind} ${kind === "project" ? "name" : "slug"} must be a lowercase kebab slug such as ${kind === "project" ? "guru-rmm" : "acme"}.`,
    );
  }
  return kind === "project" ? { kind, name: value } : { kind, slug: value };
}

export function formatScope(s: Scope): string {
  return s.kind === "general" ? "general" : s.kind === "project" ? `project:${s.name}` : `client:${s.slug}`;
}

/** The directory for a scope's logs (repo-relative, always `/`). */
export function logDir(s: Scope): string {
  switch (s.kind) {
    case "general":
      return "session-logs";
    case "project":
      return `projects/${s.name}/session-logs`;
    case "client":
      return `clients/${s.slug}/session-logs`;
  }
}

/** The scope a log path belongs to, or undefined when the path is not a session log. */
export function scopeOfPath(path: string): Scope | undefined {
  const p = path.replace(/\\/g, "/");
  let m = /^session-logs\/[^/]+\.md$/.exec(p);
  if (m) return { kind: "general" };
  m = /^projects\/([^/]+)\/session-logs\/[^/]+\.md$/.exec(p);
  if (m?.[1]) return { kind: "project", name: m[1] };
  m = /^clients\/([^/]+)\/session-logs\/[^/]+\.md$/.exec(p);
  if (m?.[1]) return { kind: "client", slug: m[1] };
  return undefined;
}
