// One error type per exit code of SPEC.md. Every message says what went wrong and what to do next.
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  data: 65,
  unreachable: 69,
  permission: 77,
  deferred: 75,
  config: 78,
} as const;

export class LogbookError extends Error {
  readonly exitCode: number;
  /** Machine-readable detail carried into `--json` output. */
  readonly detail: Record<string, unknown> | undefined;
  constructor(message: string, exitCode: number, detail?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.detail = detail;
  }
}

/** A bad flag or argument (64). */
export class UsageError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.usage, detail);
  }
}

/** Bad input data: a narrative, a transcript, a file (65). */
export class DataError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.data, detail);
  }
}

/** Configuration or identity invalid or missing (78). */
export class ConfigError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.config, detail);
  }
}

/** The lock is held elsewhere: the work is deferred to the next run (75). */
export class DeferredError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.deferred, detail);
  }
}

/** The remote could not be reached; the commit is kept locally (69). */
export class UnreachableError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.unreachable, detail);
  }
}

/** The remote refused our credentials (77). */
export class PermissionError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.permission, detail);
  }
}

/** A conflict or refusal that a person must resolve (1). */
export class ConflictError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.failure, detail);
  }
}

/** A bug or an unexpected state (1). */
export class InternalError extends LogbookError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super(message, EXIT.failure, detail);
  }
}

export function exitCodeOf(err: unknown): number {
  return err instanceof LogbookError ? err.exitCode : EXIT.failure;
}
