/**
 * Decoding of column values. The two drivers differ in how they hand back a few types
 * (`bigint` as a string or a number, `bytea` as a Buffer or a Uint8Array, …); these helpers
 * make every row the same on both, so the adapters stay thin.
 */
import { StoreError } from '../errors.ts';

/**
 * A `timestamptz` column as a `Date`.
 *
 * @example
 * ```ts
 * const createdAt = toDate(row.created_at);
 * ```
 */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw new StoreError('store_query_failed', 'expected a timestamp column');
}

/**
 * A nullable `timestamptz` column.
 *
 * @example
 * ```ts
 * const revokedAt = toDateOrNull(row.revoked_at);
 * ```
 */
export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/**
 * An integer column (`integer`, `bigint`, `count(*)`) as a safe JavaScript integer.
 *
 * @example
 * ```ts
 * const size = toInt(row.size); // '42' (pg bigint) → 42
 * ```
 */
export function toInt(value: unknown): number {
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new StoreError('store_query_failed', 'expected an integer column');
  return n;
}

/**
 * A `bytea` column as a plain `Uint8Array` (a copy: never a view into a driver's buffer pool).
 *
 * @example
 * ```ts
 * const publicKey = toBytes(row.public_key);
 * ```
 */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  throw new StoreError('store_query_failed', 'expected a bytea column');
}

/**
 * A `jsonb` parameter: always sent as text and cast in SQL (`$1::text::jsonb`), so neither
 * driver applies its own array or object encoding.
 *
 * @example
 * ```ts
 * await db.query('INSERT INTO t (j) VALUES ($1::text::jsonb)', [jsonParam({ a: 1 })]);
 * ```
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Rejects a time that is not a valid `Date`, before it reaches SQL.
 *
 * @example
 * ```ts
 * assertDate(expiresAt, 'expiresAt');
 * ```
 */
export function assertDate(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new StoreError('store_invalid_argument', `${name} must be a valid Date`);
  }
}

/**
 * Rejects anything but a non-negative safe integer (`min` and up).
 *
 * @example
 * ```ts
 * assertInt(limit, 'limit', 1);
 * ```
 */
export function assertInt(value: number, name: string, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new StoreError('store_invalid_argument', `${name} must be an integer >= ${min}`);
  }
}
