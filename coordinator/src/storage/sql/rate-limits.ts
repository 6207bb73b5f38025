import { StoreError } from '../errors.ts';
import type { LockoutPolicy, LockoutState, RateLimitDecision, RateLimitStore } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertInt, toDate, toDateOrNull, toInt } from './values.ts';

interface LockoutRow {
  failures: unknown;
  window_end: unknown;
  locked_until: unknown;
}

/** {@link RateLimitStore} in SQL (tables `rate_limits` and `lockouts`). */
export class SqlRateLimitStore implements RateLimitStore {
  constructor(private readonly ctx: StoreContext) {}

  async hit(key: string, windowMs: number, limit: number): Promise<RateLimitDecision> {
    assertInt(windowMs, 'windowMs', 1);
    assertInt(limit, 'limit', 1);
    const now = this.ctx.now().getTime();
    const windowStart = new Date(now - (now % windowMs));
    const windowEnd = new Date(windowStart.getTime() + windowMs);
    // One upsert: the counter resets when the stored window is older than this one. A late
    // hit from a coordinator whose clock lags never moves the window backwards.
    const { rows } = await this.ctx.db.query<{ hits: unknown; window_end: unknown }>(
      `INSERT INTO rate_limits (key, window_start, window_end, hits) VALUES ($1, $2, $3, 1)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_start >= EXCLUDED.window_start
                     THEN rate_limits.hits + 1 ELSE 1 END,
         window_start = GREATEST(rate_limits.window_start, EXCLUDED.window_start),
         window_end = GREATEST(rate_limits.window_end, EXCLUDED.window_end)
       RETURNING hits, window_end`,
      [key, windowStart, windowEnd],
    );
    const row = rows[0];
    if (row === undefined)
      throw new StoreError('store_query_failed', 'rate-limit upsert returned no row');
    const hits = toInt(row.hits);
    return {
      allowed: hits <= limit,
      remaining: Math.max(0, limit - hits),
      resetAt: toDate(row.window_end),
    };
  }

  async recordFailure(key: string, policy: LockoutPolicy): Promise<LockoutState> {
    assertInt(policy.maxFailures, 'maxFailures', 1);
    assertInt(policy.windowMs, 'windowMs', 1);
    assertInt(policy.lockoutMs, 'lockoutMs', 1);
    const now = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO lockouts (key, failures, window_end, locked_until) VALUES ($1, 0, $2, NULL)
         ON CONFLICT (key) DO NOTHING`,
        [key, new Date(now.getTime() + policy.windowMs)],
      );
      // The row lock serializes concurrent failures of one key across coordinators.
      const { rows } = await tx.query<LockoutRow>(
        'SELECT failures, window_end, locked_until FROM lockouts WHERE key = $1 FOR UPDATE',
        [key],
      );
      const row = rows[0]!;
      const windowOpen = toDate(row.window_end) > now;
      const failures = (windowOpen ? toInt(row.failures) : 0) + 1;
      const windowEnd = windowOpen
        ? toDate(row.window_end)
        : new Date(now.getTime() + policy.windowMs);
      const previousLock = toDateOrNull(row.locked_until);
      const lockedUntil =
        failures >= policy.maxFailures
          ? new Date(now.getTime() + policy.lockoutMs)
          : previousLock !== null && previousLock > now
            ? previousLock
            : null;
      // A lock-out starts a fresh count: after it ends, the key gets maxFailures attempts again.
      await tx.query(
        'UPDATE lockouts SET failures = $2, window_end = $3, locked_until = $4 WHERE key = $1',
        [key, failures >= policy.maxFailures ? 0 : failures, windowEnd, lockedUntil],
      );
      return { failures, lockedUntil };
    });
  }

  async lockedUntil(key: string): Promise<Date | null> {
    const { rows } = await this.ctx.db.query<{ locked_until: unknown }>(
      'SELECT locked_until FROM lockouts WHERE key = $1 AND locked_until > $2',
      [key, this.ctx.now()],
    );
    return rows[0] === undefined ? null : toDate(rows[0].locked_until);
  }

  async clearFailures(key: string): Promise<void> {
    // A running lock-out stays: a success cannot cut it short.
    await this.ctx.db.query('UPDATE lockouts SET failures = 0 WHERE key = $1', [key]);
  }
}
