/**
 * What a call to the coordinator can fail with. The coordinator answers every error as
 * `{error, message}` (`error` a stable snake_case code); the client keeps that code as it is,
 * so callers branch on the server's own code and on the HTTP status. Two codes are the
 * client's: `coordinator_unreachable` (no HTTP answer at all) and `coordinator_answer_invalid`
 * (an answer that is not the documented JSON). Messages never carry request bodies, bearer
 * credentials or tokens.
 */
export type ClientErrorCode = 'coordinator_unreachable' | 'coordinator_answer_invalid';

/**
 * An error answer from the coordinator: its `code` (the wire `error` field), its human
 * `message` and the HTTP `status` (0 when there was no answer).
 *
 * @example
 * ```ts
 * try { await client.pendingApprovals(); }
 * catch (err) { if (err instanceof CoordinatorError && err.code === 'request_not_found') … }
 * ```
 */
export class CoordinatorError extends Error {
  /** The coordinator's stable error code, or one of {@link ClientErrorCode}. */
  readonly code: string;
  /** The HTTP status of the answer; 0 when the coordinator did not answer. */
  readonly status: number;

  constructor(code: string, message: string, status: number, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/**
 * No HTTP answer at all: DNS, connection refused, TLS, a redirect (never followed), or the
 * call's time limit.
 *
 * @example
 * ```ts
 * throw new CoordinatorUnreachableError('GET https://mint.example/v1/approvals/pending: ECONNREFUSED');
 * ```
 */
export class CoordinatorUnreachableError extends CoordinatorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('coordinator_unreachable', message, 0, options);
  }
}

/**
 * The coordinator answered, but not with the documented JSON (not JSON, or a field the
 * client relies on is missing or malformed): a bug, a proxy page, or a hostile coordinator.
 *
 * @example
 * ```ts
 * throw new CoordinatorAnswerError('the pending list is malformed: expected string', 200);
 * ```
 */
export class CoordinatorAnswerError extends CoordinatorError {
  constructor(message: string, status: number) {
    super('coordinator_answer_invalid', message, status);
  }
}
