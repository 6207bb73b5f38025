import { type ErrorCode, FrostmintError } from '@frostmint/core';

/**
 * A stable `store_*` error code; its HTTP status and meaning are in core's `ERROR_CODES`.
 * Callers branch on them (`hasCode(err, 'store_duplicate_approval')`).
 */
export type StoreErrorCode = ErrorCode & `store_${string}`;

/**
 * An error raised by the coordinator store. Messages name tables and constraints, never
 * the values involved (no credential, challenge, token or signature ever reaches a log).
 *
 * @example
 * ```ts
 * try {
 *   await store.approvals.add(approval);
 * } catch (err) {
 *   if (hasCode(err, 'store_duplicate_approval')) return reply.code(409).send(err);
 *   throw err;
 * }
 * ```
 */
export class StoreError extends FrostmintError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * A SQL statement failed; `sqlState` is the PostgreSQL SQLSTATE (`23505` unique violation,
 * …) so the store can turn known constraint failures into specific codes.
 *
 * @example
 * ```ts
 * if (err instanceof StoreQueryError && err.sqlState === '23505') throw conflict();
 * ```
 */
export class StoreQueryError extends StoreError {
  readonly sqlState: string;
  /** The violated constraint's name, when PostgreSQL reports one. */
  readonly constraint: string | undefined;

  constructor(sqlState: string, message: string, constraint?: string) {
    super(
      sqlState.startsWith('08') || sqlState.startsWith('57P') || sqlState.startsWith('53')
        ? 'store_unavailable'
        : 'store_query_failed',
      `storage query failed (SQLSTATE ${sqlState}): ${message}`,
    );
    this.sqlState = sqlState;
    this.constraint = constraint;
  }
}

/** SQLSTATE of a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505';

/**
 * True when `err` is a unique-constraint violation (optionally of `constraint`).
 *
 * @example
 * ```ts
 * if (isUniqueViolation(err, 'approvals_one_per_guardian')) throw duplicateApproval();
 * ```
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return (
    err instanceof StoreQueryError &&
    err.sqlState === UNIQUE_VIOLATION &&
    (constraint === undefined || err.constraint === constraint)
  );
}

/**
 * Turns whatever a driver threw into a {@link StoreError}, keeping only the SQLSTATE, the
 * constraint name and the server's primary message: drivers attach the query parameters
 * and the offending values (`detail`) to their errors, and those must not reach logs.
 *
 * @example
 * ```ts
 * try { return await pool.query(sql, params); } catch (err) { throw toStoreError(err); }
 * ```
 */
export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
    constraint?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : 'unknown error';
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new StoreQueryError(
      e.code,
      // Data exceptions (class 22) quote the offending value: keep only their SQLSTATE.
      e.code.startsWith('22') ? 'invalid value' : message,
      typeof e.constraint === 'string' ? e.constraint : undefined,
    );
  }
  if (typeof e.code === 'string') {
    // Node socket errors (ECONNREFUSED, ETIMEDOUT, …): the database is unreachable.
    return new StoreError('store_unavailable', `storage backend unreachable (${e.code})`);
  }
  return new StoreError('store_unavailable', `storage backend failed: ${message}`);
}
