// The roster's validation (users.json), with zod: loaded only when the file's text is not in the parse cache.
import * as z from "zod/mini";
import { describeIssue } from "../config/schema.js";
import { userIdRe, type Roster, type RosterUser } from "./identity.js";

const userSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1, "must be the person's full name")),
  email: z.string().check(z.trim(), z.regex(/^[^\s@<>]+@[^\s@<>]+$/, "must be an email address")),
  role: z.optional(z.string().check(z.trim(), z.minLength(1))),
});

/**
 * Accepted roster shapes: {"users": {"<id>": {name, email, role}}} (logbook's), {"users": [{"id", name, email, role}]}
 * and a bare {"<id>": {name, email, role}} map (older seed repos).
 */
export function parseRoster(raw: unknown, file: string): { value: Roster; errors: string[] } {
  const errors: string[] = [];
  const value: Roster = {};
  let entries: [string, unknown][] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { value, errors: [`${file}: must be an object {"users": {"<id>": {"name", "email", "role"}}}`] };
  }
  const obj = raw as Record<string, unknown>;
  const users = "users" in obj ? obj.users : obj;
  if (Array.isArray(users)) {
    users.forEach((u, i) => {
      const id = typeof u === "object" && u !== null ? (u as Record<string, unknown>).id : undefined;
      if (typeof id !== "string") errors.push(`${file}: users[${i}].id: missing; each user needs an "id"`);
      else entries.push([id, u]);
    });
  } else if (typeof users === "object" && users !== null) {
    entries = Object.entries(users);
  } else {
    errors.push(`${file}: "users" must be an object mapping user ids to {name, email, role}`);
  }
  for (const [id, u] of entries) {
    if (!userIdRe.test(id)) {
      errors.push(`${file}: users.${id}: a user id must be a lowercase slug (letters, digits, - or _), e.g. "mike"`);
      continue;
    }
    const r = userSchema.safeParse(u);
    if (!r.success) {
      for (const i of r.error.issues) errors.push(`${file}: users.${id}.${i.path.join(".") || "(entry)"}: ${describeIssue(i)}`);
      continue;
    }
    value[id] = r.data satisfies RosterUser;
  }
  return { value, errors };
}

