import {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeWithStatus,
  type ErrorStatus,
  isErrorCode,
} from './error-codes.ts';

export * from './error-codes.ts';

/** Options every frostmint error takes: the underlying failure, kept in the process. */
export interface ErrorOptions {
  readonly cause?: unknown;
}

/**
 * Typed errors with a stable `code`. Every error a client can see is a `FrostmintError`:
 * the `code` is part of the API (clients branch on it), the `message` is for humans, and
 * neither ever carries secret material. The HTTP status comes from the code's row in
 * `ERROR_CODES`, so one code always answers with one status. `toJSON()` is the only shape
 * sent over the wire, so stack traces and causes stay in the process.
 *
 * @example
 * ```ts
 * throw new ForbiddenError('ttl_too_long', 'ttl 3600 exceeds the 900 s cap');
 * // → HTTP 403 {"error":"ttl_too_long","message":"ttl 3600 exceeds the 900 s cap"}
 * throw new FrostmintError('request_not_found', 'no mint request abc'); // → 404
 * ```
 */
export class FrostmintError extends Error {
  /** Stable, machine-readable error code (snake_case), one of `ERROR_CODES`. */
  readonly code: ErrorCode;
  /** HTTP status the coordinator answers with when this error reaches a client. */
  readonly status: ErrorStatus;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }

  /** The wire shape: `{error, message}`; never a stack, never a cause. */
  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

/** Malformed or out-of-bounds input, rejected at a boundary (HTTP 400). */
export class InvalidRequestError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<400>;
  constructor(code: ErrorCodeWithStatus<400>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The caller is not authenticated (HTTP 401). */
export class UnauthenticatedError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<401>;
  constructor(code: ErrorCodeWithStatus<401>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Authenticated, but policy or a signer refuses (HTTP 403). */
export class ForbiddenError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<403>;
  constructor(code: ErrorCodeWithStatus<403>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The thing asked for does not exist, or is not the caller's to see (HTTP 404). */
export class NotFoundError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<404>;
  constructor(code: ErrorCodeWithStatus<404>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The request conflicts with existing state, e.g. DKG on a signer that has a key (HTTP 409). */
export class ConflictError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<409>;
  constructor(code: ErrorCodeWithStatus<409>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The thing asked for existed but is gone for good, e.g. an expired request (HTTP 410). */
export class GoneError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<410>;
  constructor(code: ErrorCodeWithStatus<410>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Too many requests or failed attempts for one identity (HTTP 429); says when to retry. */
export class TooManyRequestsError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<429>;
  /** Seconds until the caller may try again (the `retry-after` header). */
  readonly retryAfterSeconds: number;

  constructor(code: ErrorCodeWithStatus<429>, message: string, retryAfterSeconds: number) {
    super(code, message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** A failure that is nobody's input: a bug, or a check of our own results (HTTP 500). */
export class InternalError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<500>;
  constructor(code: ErrorCodeWithStatus<500>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A dependency (signer quorum, token, store) cannot serve right now (HTTP 503). */
export class UnavailableError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<503>;
  constructor(code: ErrorCodeWithStatus<503>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Returns true when `err` is a FrostmintError carrying `code`.
 *
 * @example
 * ```ts
 * if (hasCode(err, 'request_not_found')) return undefined;
 * ```
 */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof FrostmintError && err.code === code;
}

/**
 * A credential refused as evidence for a request (at a signer, or proving an enrollment),
 * not as the caller's own login: it keeps the code of the check that failed
 * (`oidc_token_expired`, `oidc_token_replayed`, …) but answers 403, because the party
 * presenting it (the coordinator) is not the one who failed to authenticate. The one place
 * a code answers with another status than its `ERROR_CODES` row.
 *
 * @example
 * ```ts
 * verifier.verify(idToken).catch((err) => {
 *   throw err instanceof UnauthenticatedError ? EvidenceRefusedError.from(err) : err;
 * });
 * ```
 */
export class EvidenceRefusedError extends FrostmintError {
  declare readonly status: 403;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    // The base class set the row's status; evidence refusals are always 403 (see above).
    (this as { status: ErrorStatus }).status = 403;
  }

  /** The refusal of `err` (same code and message) as evidence. */
  static from(err: FrostmintError): EvidenceRefusedError {
    return new EvidenceRefusedError(err.code, err.message, { cause: err });
  }
}

/**
 * Rebuilds the error an HTTP answer `{error, message}` carries, on the client side. A code
 * this build does not know (a newer coordinator) becomes `coordinator_answer_invalid`
 * naming the code and the status, never an unchecked string.
 *
 * @example
 * ```ts
 * if (!res.ok) throw errorFromAnswer(res.status, await res.json().catch(() => undefined));
 * ```
 */
export function errorFromAnswer(httpStatus: number, body: unknown): FrostmintError {
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : `HTTP ${httpStatus}`;
  if (isErrorCode(error)) return new FrostmintError(error, text);
  const what =
    typeof error === 'string'
      ? `unknown error code ${JSON.stringify(error.slice(0, 64))}`
      : 'no error code';
  return new FrostmintError(
    'coordinator_answer_invalid',
    `HTTP ${httpStatus} with ${what}: ${text}`,
  );
}
