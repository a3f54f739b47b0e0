// What the LLM providers share: one failure type, bounded retries that honour retry-after, JSON extraction.
import { ConfigError, DataError, UnreachableError, type LogbookError } from "../../errors.js";

export type FailureKind = "config" | "unreachable" | "invalid";

/** A synthesis that did not produce a usable draft. `retryable` failures are retried a few times first. */
export class SynthesisError extends Error {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(kind: FailureKind, message: string, opts: { retryable?: boolean; retryAfterMs?: number | undefined } = {}) {
    super(message);
    this.name = "SynthesisError";
    this.kind = kind;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** For `wiki compile --full`, where a failure is the command's result: the exit code that fits. */
export function toLogbookError(e: SynthesisError, target: string): LogbookError {
  const next = `Nothing was written. Fix it and run logbook wiki compile ${target} --full again (or run it without --full to fall back to a refresh).`;
  if (e.kind === "config") return new ConfigError(`${e.message}. ${next}`);
  if (e.kind === "invalid") return new DataError(`${e.message}. ${next}`);
  return new UnreachableError(`${e.message}. ${next}`);
}

export interface RetryPolicy {
  /** Tries in all (the first one included). */
  attempts: number;
  /** Backoff before retry n (1-based): baseMs * 2^(n-1), jittered. */
  baseMs: number;
  /** A server asking to wait longer than this is not waited for: the save must not hang on it. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 500, maxWaitMs: 20_000 };

/** Retry-After as milliseconds: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (raw === null || raw.trim() === "") return undefined;
  const secs = Number(raw.trim());
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `op`, retrying retryable SynthesisErrors with backoff (or the server's retry-after, when short enough). */
export async function withRetries<T>(op: () => Promise<T>, policy: RetryPolicy, onRetry: (attempt: number, reason: string, delayMs: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof SynthesisError) || !e.retryable || attempt >= policy.attempts) throw e;
      let delay: number;
      if (e.retryAfterMs !== undefined) {
        if (e.retryAfterMs > policy.maxWaitMs) {
          throw new SynthesisError(e.kind, `${e.message}; the server asked to retry after ${Math.ceil(e.retryAfterMs / 1000)} s, longer than logbook waits`);
        }
        delay = e.retryAfterMs;
      } else delay = Math.round(policy.baseMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.25));
      onRetry(attempt, e.message, delay);
      await sleep(delay);
    }
  }
}

/** Parses the model's text as JSON; tolerates a ```json fence around it. */
export function parseModelJson(text: string, provider: string): unknown {
  const t = text.trim().replace(/^```(?:json)?\s*\n([\s\S]*?)\n```$/, "$1");
  try {
    return JSON.parse(t);
  } catch (e) {
    throw new SynthesisError("invalid", `${provider} returned text that is not valid JSON (${(e as Error).message.slice(0, 80)})`);
  }
}

/** Statuses worth another try (APIS.md): timeouts, conflicts, rate limits, server errors, overload. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** A fetch whose every request is bounded by `timeoutMs` (on top of the caller's own signal). */
export function fetchWithTimeout(f: typeof globalThis.fetch, timeoutMs: number): typeof globalThis.fetch {
  return (input, init) => {
    const t = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, t]) : t;
    return f(input, { ...init, signal });
  };
}
