import { TooManyRequestsError } from '@frostmint/core';
import { z } from 'zod';
import type { CoordinatorStore } from '../storage/index.ts';

/** Per-identity limits (the `abuse` section of the coordinator config). */
export const AbuseConfigSchema = z
  .object({
    /** Mint and enrollment requests one identity may prepare per window. */
    prepareLimit: z.number().int().min(1).max(10_000).default(20),
    prepareWindowSeconds: z.number().int().min(1).max(86_400).default(60),
    /** Failed assertions (bad signature, wrong credential, regressed counter) before a lock-out. */
    maxFailures: z.number().int().min(1).max(100).default(5),
    failureWindowSeconds: z.number().int().min(1).max(86_400).default(900),
    lockoutSeconds: z.number().int().min(1).max(86_400).default(900),
  })
  .strict();
export type AbuseConfig = z.infer<typeof AbuseConfigSchema>;

/**
 * Rate limits and failed-attempt lock-out per identity, shared by every coordinator through
 * the store. Every refusal is a 429 naming its rule (`rate_limited:prepare`,
 * `locked_out:assertion_failures`) and saying when to retry.
 *
 * @example
 * ```ts
 * await abuse.limitPrepare(sub);
 * await abuse.ensureNotLockedOut(sub);
 * try { await verify(); await abuse.succeeded(sub); } catch (e) { await abuse.failed(sub); throw e; }
 * ```
 */
export class AbuseGuard {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly config: AbuseConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one prepared request for `subject`; throws 429 `rate_limited` beyond the limit. */
  async limitPrepare(subject: string): Promise<void> {
    const { prepareWindowSeconds, prepareLimit } = this.config;
    const decision = await this.store.rateLimits.hit(
      `prepare:${subject}`,
      prepareWindowSeconds * 1000,
      prepareLimit,
    );
    if (!decision.allowed) {
      throw new TooManyRequestsError(
        'rate_limited',
        `rule rate_limited:prepare denied this: ${subject} prepared more than ${prepareLimit} requests in ${prepareWindowSeconds} s; retry after ${decision.resetAt.toISOString()}`,
        (decision.resetAt.getTime() - this.now()) / 1000,
      );
    }
  }

  /** Throws 429 `locked_out` while `subject` is locked out after failed assertions. */
  async ensureNotLockedOut(subject: string): Promise<void> {
    const until = await this.store.rateLimits.lockedUntil(`assertion:${subject}`);
    if (until !== null) throw this.#lockedOut(subject, until);
  }

  /** Records a failed assertion; throws 429 when this failure locks `subject` out. */
  async failed(subject: string): Promise<void> {
    const { maxFailures, failureWindowSeconds, lockoutSeconds } = this.config;
    const state = await this.store.rateLimits.recordFailure(`assertion:${subject}`, {
      maxFailures,
      windowMs: failureWindowSeconds * 1000,
      lockoutMs: lockoutSeconds * 1000,
    });
    if (state.lockedUntil !== null) throw this.#lockedOut(subject, state.lockedUntil);
  }

  /** Forgets failures after a verified assertion. */
  succeeded(subject: string): Promise<void> {
    return this.store.rateLimits.clearFailures(`assertion:${subject}`);
  }

  #lockedOut(subject: string, until: Date): TooManyRequestsError {
    return new TooManyRequestsError(
      'locked_out',
      `rule locked_out:assertion_failures denied this: too many failed WebAuthn assertions for ${subject}; retry after ${until.toISOString()}`,
      (until.getTime() - this.now()) / 1000,
    );
  }
}
