// The Anthropic Messages API with structured JSON output (output_config.format), through @anthropic-ai/sdk,
// loaded only when this provider is used. Retries are ours (bounded, honouring retry-after), not the SDK's.
import type { Config } from "../../config/config.js";
import type { Deps } from "../../deps.js";
import { DEFAULT_RETRY, isRetryableStatus, parseModelJson, retryAfterMs, SynthesisError, withRetries, type RetryPolicy } from "./common.js";

export interface LlmRequest {
  system: string;
  prompt: string;
  schema: Record<string, unknown>;
}

export const DEFAULT_ANTHROPIC_URL = "https://api.anthropic.com";
export const DEFAULT_TIMEOUT_SECONDS = 120;
export const ANTHROPIC_VERSION = "2023-06-01";
const MAX_TOKENS = 16_000;

/** The base URL without a trailing `/v1` (the SDK adds it). */
export function anthropicBaseUrl(env: Deps["env"], wiki: Config["wiki"]): string {
  const raw = env.ANTHROPIC_BASE_URL || wiki.anthropic?.baseUrl || DEFAULT_ANTHROPIC_URL;
  return raw.replace(/\/+$/, "").replace(/\/v1$/, "");
}

interface ApiErrorLike {
  status?: number;
  headers?: { get(name: string): string | null };
  error?: { error?: { type?: string; message?: string } };
  message?: string;
  name?: string;
}

function describe(e: ApiErrorLike): string {
  const inner = e.error?.error;
  return inner?.type ? `${inner.type}: ${inner.message ?? ""}`.trim() : (e.message ?? "unknown error").split("\n")[0]!;
}

/** Maps what the SDK threw to a SynthesisError: which failures are retried, and what the user should fix. */
export function classifyAnthropicError(e: unknown, now: number, timeoutMs: number): SynthesisError {
  const err = e as ApiErrorLike;
  const name = err?.name ?? "";
  if (name === "APIConnectionTimeoutError" || name === "TimeoutError" || name === "AbortError") {
    return new SynthesisError("unreachable", `Anthropic did not answer within ${Math.round(timeoutMs / 1000)} s (wiki.timeoutSeconds)`);
  }
  if (name === "APIConnectionError") {
    return new SynthesisError("unreachable", `cannot reach the Anthropic API (${describe(err)}; check ANTHROPIC_BASE_URL / wiki.anthropic.baseUrl and the network)`);
  }
  if (name === "SyntaxError") return new SynthesisError("invalid", `Anthropic returned a body that is not valid JSON (${describe(err)})`);
  const status = typeof err?.status === "number" ? err.status : undefined;
  if (status === undefined) return new SynthesisError("unreachable", `Anthropic request failed: ${describe(err)}`);
  const what = `Anthropic API ${status} ${describe(err)}`;
  if (status === 401 || status === 403) return new SynthesisError("config", `${what} (check ANTHROPIC_API_KEY)`);
  if (status === 404) return new SynthesisError("config", `${what} (check wiki.model and the base URL)`);
  if (status === 400 || status === 413 || status === 422) return new SynthesisError("invalid", what);
  return new SynthesisError("unreachable", what, { retryable: isRetryableStatus(status), retryAfterMs: retryAfterMs(err.headers, now) });
}

interface MessageLike {
  content?: { type?: string; text?: string }[];
  stop_reason?: string | null;
}

/** The reply's JSON: the first text block (thinking blocks may come first). */
export function messageJson(msg: MessageLike): unknown {
  if (msg.stop_reason === "max_tokens") throw new SynthesisError("invalid", "Anthropic stopped at max_tokens: the draft is incomplete");
  if (msg.stop_reason === "refusal") throw new SynthesisError("invalid", "Anthropic declined to write the draft (stop_reason: refusal)");
  const block = (Array.isArray(msg.content) ? msg.content : []).find((b) => b?.type === "text" && typeof b.text === "string");
  if (!block?.text) throw new SynthesisError("invalid", "Anthropic's reply has no text block");
  return parseModelJson(block.text, "Anthropic");
}

export async function anthropicComplete(
  req: LlmRequest,
  wiki: Config["wiki"],
  deps: Pick<Deps, "env" | "fetch" | "emit" | "now">,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<unknown> {
  const apiKey = deps.env.ANTHROPIC_API_KEY;
  if (!apiKey) throw new SynthesisError("config", "wiki.provider is anthropic but ANTHROPIC_API_KEY is not set in the environment");
  const model = wiki.model;
  if (!model) throw new SynthesisError("config", "wiki.provider is anthropic but wiki.model is not set in .logbook/config.yaml");
  const timeoutMs = (wiki.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  let Anthropic: typeof import("@anthropic-ai/sdk").default;
  try {
    Anthropic = (await import("@anthropic-ai/sdk")).default;
  } catch (e) {
    throw new SynthesisError("config", `cannot load @anthropic-ai/sdk (${(e as Error).message}); reinstall with npm ci`);
  }
  const client = new Anthropic({
    apiKey,
    authToken: null,
    baseURL: anthropicBaseUrl(deps.env, wiki),
    fetch: deps.fetch as never,
    maxRetries: 0,
    timeout: timeoutMs,
    logLevel: "off",
    // The wire format of APIS.md: `x-api-key` and `anthropic-version: 2023-06-01` (this SDK release would send
    // a bearer token and a newer version date by default).
    defaultHeaders: { "x-api-key": apiKey, "anthropic-version": ANTHROPIC_VERSION, Authorization: null },
  });
  return withRetries(
    async () => {
      let msg: MessageLike;
      try {
        msg = (await client.messages.create({
          model,
          max_tokens: MAX_TOKENS,
          system: req.system,
          messages: [{ role: "user", content: req.prompt }],
          output_config: { format: { type: "json_schema", schema: req.schema } },
        } as never)) as MessageLike;
      } catch (e) {
        throw classifyAnthropicError(e, deps.now().getTime(), timeoutMs);
      }
      return messageJson(msg);
    },
    policy,
    (attempt, reason, delayMs) => deps.emit({ type: "info", message: `wiki: ${reason}; retry ${attempt} in ${delayMs} ms` }),
  );
}
