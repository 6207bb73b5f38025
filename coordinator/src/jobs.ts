import type { Logger } from 'pino';
import type { CoordinatorStore } from './storage/index.ts';

/** How often expired challenges, replay entries, rate-limit windows and overdue requests are swept. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Running background jobs. */
export interface BackgroundJobs {
  /** Runs every job once now (what each timer tick does). */
  runOnce(): Promise<void>;
  /** Stops the timers. */
  close(): void;
}

/**
 * The coordinator's background jobs, started in one place for every coordinator (with or
 * without WebAuthn, OIDC or guardians): every `intervalMs` the store's expired challenges,
 * replay-window entries (OIDC `jti`s), rate-limit windows and lock-outs are deleted, and
 * overdue requests are marked expired. A failed run is logged; the next one tries again.
 *
 * @example
 * ```ts
 * const jobs = startBackgroundJobs({ store, log });
 * process.once('SIGTERM', () => jobs.close());
 * ```
 */
export function startBackgroundJobs(options: {
  readonly store: Pick<CoordinatorStore, 'sweepExpired' | 'mintRequests'>;
  readonly log: Logger;
  readonly intervalMs?: number;
}): BackgroundJobs {
  const { store, log } = options;
  const runOnce = async () => {
    await store.sweepExpired();
    await store.mintRequests.expireOverdue();
  };
  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => log.warn({ err }, 'sweep of expired state failed'));
  }, options.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return { runOnce, close: () => clearInterval(timer) };
}
