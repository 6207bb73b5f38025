/**
 * Typed errors with a stable `code`. Every error a client can see is a `FrostmintError`:
 * the `code` is part of the API (clients branch on it), the `message` is for humans, and
 * neither ever carries secret material. `toJSON()` is the only shape sent over the wire,
 * so stack traces and causes stay in the process.
 *
 * @example
 * ```ts
 * throw new InvalidRequestError('ttl_too_long', 'ttl 3600 exceeds the 900 s cap');
 * // → HTTP 400 {"error":"ttl_too_long","message":"ttl 3600 exceeds the 900 s cap"}
 * ```
 */
export class FrostmintError extends Error {
  /** Stable, machine-readable error code (snake_case). */
  readonly code: string;
  /** HTTP status the coordinator answers with when this error reaches a client. */
  readonly status: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
  }

  /** The wire shape: `{error, message}`; never a stack, never a cause. */
  toJSON(): { error: string; message: string } {
    return { error: this.code, message: this.message };
  }
}

/** Malformed or out-of-bounds input, rejected at a boundary (HTTP 400). */
export class InvalidRequestError extends FrostmintError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: 400 });
  }
}

/** The caller is not authenticated (HTTP 401). */
export class UnauthenticatedError extends FrostmintError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: 401 });
  }
}

/** Authenticated, but policy or a signer refuses (HTTP 403). */
export class ForbiddenError extends FrostmintError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: 403 });
  }
}

/** A dependency (signer quorum, token, store) cannot serve right now (HTTP 503). */
export class UnavailableError extends FrostmintError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: 503 });
  }
}

/** Too many requests or failed attempts for one identity (HTTP 429); says when to retry. */
export class TooManyRequestsError extends FrostmintError {
  /** Seconds until the caller may try again (the `retry-after` header). */
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(code, message, { status: 429 });
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** Returns true when `err` is a FrostmintError carrying `code`. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof FrostmintError && err.code === code;
}

/** The request conflicts with existing state, e.g. DKG on a signer that has a key (HTTP 409). */
export class ConflictError extends FrostmintError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: 409 });
  }
}
