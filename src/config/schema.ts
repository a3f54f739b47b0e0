// The schema of .logbook/config.yaml, validated with zod; unknown keys warn, invalid values exit 78. Loaded only when
// the config text is not in the parse cache (config.ts): zod and yaml stay off a repeated save's start-up.
import * as z from "zod/mini";
import { slugProblem } from "../log/slug.js";
import { isTimeZone } from "../util/time.js";
import { CONFIG_PATH } from "./config.js";

const slugRe = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The `--scope` syntax (general | project:<name> | client:<slug>), checked with the same slug rules. */
function isScope(s: string): boolean {
  if (s === "general") return true;
  const m = /^(?:project|client):(.*)$/s.exec(s);
  return m !== null && slugProblem(m[1] ?? "") === undefined;
}

const num = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

const syncDefaults = { lockWaitSeconds: 120, staleLockSeconds: 600, pushRetries: 10, remoteTimeoutSeconds: 120 };

export const configSchema = z.object({
  timezone: z._default(
    z.string().check(z.refine(isTimeZone, { message: "must be an IANA time zone name such as America/Los_Angeles or UTC" })),
    "UTC",
  ),
  sync: z._default(
    z.object({
      lockWaitSeconds: z._default(num(0, 86400), syncDefaults.lockWaitSeconds),
      /** A lock whose holder has not renewed its heartbeat for this long is stale even if its pid looks alive. */
      staleLockSeconds: z._default(num(5, 86400), syncDefaults.staleLockSeconds),
      pushRetries: z._default(num(0, 50), syncDefaults.pushRetries),
      /** Every git call that talks to a remote is bounded by this. */
      remoteTimeoutSeconds: z._default(num(1, 3600), syncDefaults.remoteTimeoutSeconds),
    }),
    syncDefaults,
  ),
  wiki: z._default(
    z.object({
      provider: z._default(z.enum(["offline", "anthropic", "ollama"]), "offline"),
      model: z.optional(z.string().check(z.minLength(1))),
      anthropic: z.optional(z.object({ baseUrl: z.optional(z.url()) })),
      ollama: z.optional(z.object({ host: z.optional(z.string().check(z.minLength(1))) })),
      timeoutSeconds: z.optional(num(1, 600)),
    }),
    { provider: "offline" as const },
  ),
  secrets: z._default(z.enum(["inline", "vault"]), "inline"),
  vault: z.optional(
    z.object({
      path: z.optional(z.string().check(z.minLength(1))),
      recipients: z.optional(z.array(z.string().check(z.regex(/^age1[0-9a-z]+$/, "must be an age public key (age1...)")))),
    }),
  ),
  syncro: z.optional(
    z.object({
      subdomain: z.optional(z.string().check(z.regex(/^[a-z0-9-]+$/, "must be your Syncro subdomain, e.g. acme for acme.syncromsp.com"))),
      customers: z.optional(z.record(z.string().check(z.regex(slugRe)), num(1, Number.MAX_SAFE_INTEGER))),
    }),
  ),
  /** The automatic log of a Claude Code session that ended without a save (docs/autolog.md). */
  autolog: z.optional(
    z.union([
      z.literal(false),
      z.object({
        scope: z.optional(z.string().check(z.refine(isScope, { message: "must be general, project:<name> or client:<slug> (a lowercase kebab slug), as for --scope" }))),
        provider: z.optional(z.enum(["facts", "anthropic", "ollama"])),
        /** The model for anthropic/ollama drafts; wiki.model when not set. Host, base URL: the wiki's settings. */
        model: z.optional(z.string().check(z.minLength(1))),
        timeoutSeconds: z.optional(num(1, 600)),
      }),
    ]),
  ),
});

export type Config = z.infer<typeof configSchema>;

export interface Validated<T> {
  value: T | undefined;
  errors: string[];
  warnings: string[];
}

/** Keys present in `raw` that the schema does not know, as dotted paths. */
type Def = { type: string; innerType?: SchemaLike; shape?: Record<string, SchemaLike>; options?: SchemaLike[] };
type SchemaLike = { _zod: { def: Def } };

export function unknownKeys(schema: SchemaLike, raw: unknown, path: string[] = []): string[] {
  let def = schema._zod.def;
  // unwrap optional/default/nullable wrappers; for a union, check against its object member
  for (;;) {
    if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) def = def.innerType._zod.def;
    else if (def.type === "union" && def.options) {
      const obj = def.options.find((o) => o._zod.def.type === "object");
      if (!obj) break;
      def = obj._zod.def;
    } else break;
  }
  if (def.type !== "object" || !def.shape || typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  const shape = def.shape;
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const sub = shape[k];
    if (!sub) out.push([...path, k].join("."));
    else out.push(...unknownKeys(sub, v, [...path, k]));
  }
  return out;
}

/** zod/mini carries no message texts (that keeps start-up fast): say what is allowed from the issue itself. */
export function describeIssue(i: z.core.$ZodIssue): string {
  if (i.message && i.message !== "Invalid input") return i.message;
  const any = i as unknown as Record<string, unknown>;
  switch (i.code) {
    case "invalid_value":
      return `must be one of: ${(any.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return `must be ${String(any.expected)}`;
    case "too_small":
      return `must be at least ${String(any.minimum)}`;
    case "too_big":
      return `must be at most ${String(any.maximum)}`;
    case "invalid_format":
      return `must be a valid ${String(any.format)}`;
    case "invalid_union":
      return "has a value of the wrong shape (see the README's configuration section)";
    default:
      return "has an invalid value (see the README's configuration section)";
  }
}

export function validateConfig(raw: unknown, file = CONFIG_PATH): Validated<Config> {
  const warnings = unknownKeys(configSchema as unknown as SchemaLike, raw ?? {}).map(
    (k) => `${file}: unknown key "${k}" ignored (check its spelling; see the README's configuration section)`,
  );
  const r = configSchema.safeParse(raw ?? {});
  if (r.success) return { value: r.data, errors: [], warnings };
  const errors = r.error.issues.map((i) => `${file}: key "${i.path.join(".") || "(top level)"}": ${describeIssue(i)}`);
  return { value: undefined, errors, warnings };
}

export function parseConfigText(text: string, file = CONFIG_PATH, parse: (t: string) => unknown): Validated<Config> {
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : parse(text);
  } catch (e) {
    return { value: undefined, errors: [`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`], warnings: [] };
  }
  if (raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { value: undefined, errors: [`${file}: must be a mapping of settings (key: value), not ${Array.isArray(raw) ? "a list" : typeof raw}`], warnings: [] };
  }
  return validateConfig(raw, file);
}
