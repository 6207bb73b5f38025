import { type CoordinatorConfig, SignerPool } from '@frostmint/coordinator';
import { pino } from 'pino';

/**
 * A signer pool with the coordinator's mTLS identity, for ceremonies and status: generous
 * deadlines, no background polling, no log output (the CLI reports progress itself).
 *
 * @example
 * ```ts
 * const pool = ceremonyPool(coordinator);
 * try { … } finally { pool.close(); }
 * ```
 */
export function ceremonyPool(config: CoordinatorConfig, deadlineMs = 10_000): SignerPool {
  return new SignerPool(config.signers, config.tls, {
    deadlineMs,
    healthIntervalMs: 3_600_000,
    log: pino({ level: 'silent' }),
  });
}
