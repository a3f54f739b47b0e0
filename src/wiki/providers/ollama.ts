// A local Ollama server: POST /api/chat with a JSON-schema `format`, through the `ollama` package (loaded only
// when used). Host from OLLAMA_HOST, else wiki.ollama.host, else http://127.0.0.1:11434.
import type { Config } from "../../config/config.js";
import type { Deps } from "../../deps.js";
import type { LlmRequest } from "./anthropic.js";
import { DEFAULT_TIMEOUT_SECONDS } from "./anthropic.js";
import { DEFAULT_RETRY, fetchWithTimeout, isRetryableStatus, parseModelJson, retryAfterMs, SynthesisError, withRetries, type RetryPolicy } from "./common.js";

export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

/** The host with an explicit scheme and port (the ollama package wants both). */
export function ollamaHost(env: Deps["env"], wiki: Config["wiki"]): string {
  let h = (env.OLLAMA_HOST || wiki.ollama?.host || DEFAULT_OLLAMA_HOST).trim().replace(/\/+$/, "");
  if (!/^https?:\/\//i.test(h)) h = `http://${h}`;
  const u = new URL(h);
  if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
  if (u.port === "") u.port = u.protocol === "https:" ? "443" : "11434";
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

/**
 * The ollama package prints to the console (stdout) unless an error comes as JSON with a JSON content type.
 * This wrapper gives every error response that shape: `{"error": "..."}`, the other headers kept.
 */
function normaliseErrors(f: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const res = await f(input, init);
    if (res.ok) return res;
    const text = await res.text();
    let body = text;
    try {
      const j = JSON.parse(text) as unknown;
      if (!j || typeof j !== "object" || typeof (j as { error?: unknown }).error !== "string") throw new Error("not an ollama error");
    } catch {
      body = JSON.stringify({ error: `${res.status} ${res.statusText} ${text.slice(0, 200)}`.trim() });
    }
    const headers = new Headers(res.headers);
    headers.set("content-type", "application/json");
    headers.delete("content-length");
    return new Response(body, { status: res.status, statusText: res.statusText, headers });
  };
}

interface OllamaErrorLike {
  name?: string;
  status_code?: number;
  error?: string;
  message?: string;
  cause?: { code?: string; message?: string };
}

export function classifyOllamaError(e: unknown, host: string, model: string, timeoutMs: number, lastHeaders: Headers | undefined, now: number): SynthesisError {
  const err = e as OllamaErrorLike;
  if (err?.name === "TimeoutError" || err?.name === "AbortError") {
    return new SynthesisError("unreachable", `Ollama at ${host} did not answer within ${Math.round(timeoutMs / 1000)} s (wiki.timeoutSeconds)`);
  }
  if (err?.name === "ResponseError" && typeof err.status_code === "number") {
    const s = err.status_code;
    const what = `Ollama ${s}: ${err.error ?? err.message ?? ""}`.trim();
    if (s === 404) return new SynthesisError("config", `${what} (pull it with: ollama pull ${model}, or set wiki.model)`);
    if (s === 400) return new SynthesisError("invalid", what);
    return new SynthesisError("unreachable", what, { retryable: isRetryableStatus(s), retryAfterMs: retryAfterMs(lastHeaders, now) });
  }
  if (err?.name === "SyntaxError") return new SynthesisError("invalid", `Ollama returned a body that is not valid JSON (${err.message ?? ""})`);
  const why = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
  return new SynthesisError("unreachable", `cannot reach Ollama at ${host} (${why}; is it running? set OLLAMA_HOST or wiki.ollama.host)`);
}

export async function ollamaComplete(
  req: LlmRequest,
  wiki: Config["wiki"],
  deps: Pick<Deps, "env" | "fetch" | "emit" | "now">,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<unknown> {
  const model = wiki.model;
  if (!model) throw new SynthesisError("config", "wiki.provider is ollama but wiki.model is not set in .logbook/config.yaml");
  const host = ollamaHost(deps.env, wiki);
  const timeoutMs = (wiki.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  let Ollama: typeof import("ollama").Ollama;
  try {
    Ollama = (await import("ollama")).Ollama;
  } catch (e) {
    throw new SynthesisError("config", `cannot load the ollama package (${(e as Error).message}); reinstall with npm ci`);
  }
  let lastHeaders: Headers | undefined;
  const base = fetchWithTimeout(deps.fetch, timeoutMs);
  const recording: typeof globalThis.fetch = async (input, init) => {
    const res = await base(input, init);
    lastHeaders = res.headers;
    return res;
  };
  const client = new Ollama({ host, fetch: normaliseErrors(recording) });
  return withRetries(
    async () => {
      let content: unknown;
      try {
        const res = await client.chat({
          model,
          stream: false,
          format: req.schema,
          options: { temperature: 0 },
          messages: [
            { role: "system", content: req.system },
            { role: "user", content: req.prompt },
          ],
        });
        content = (res as { message?: { content?: unknown } })?.message?.content;
      } catch (e) {
        throw classifyOllamaError(e, host, model, timeoutMs, lastHeaders, deps.now().getTime());
      }
      if (typeof content !== "string") throw new SynthesisError("invalid", "Ollama's reply has no message.content");
      return parseModelJson(content, "Ollama");
    },
    policy,
    (attempt, reason, delayMs) => deps.emit({ type: "info", message: `wiki: ${reason}; retry ${attempt} in ${delayMs} ms` }),
  );
}
