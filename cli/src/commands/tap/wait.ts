import type { CoordinatorClient } from './client.ts';
import { CliFailure, EXIT } from './exit-codes.ts';

/**
 * Polls `check` every `intervalMs` until it returns a value, or fails with exit code 5
 * when `timeoutMs` passes. `onTick` may print progress.
 *
 * @example
 * ```ts
 * const done = await waitFor(async () => (await status()).status === 'minted' ? status : undefined,
 *   { timeoutMs: 300_000 });
 * ```
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new CliFailure(
        EXIT.timeout,
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}: run the command again and tap within the time limit`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1_000));
  }
}

/** What the coordinator answers about an enrollment or renewal the CLI waits on. */
export interface TapRequestStatus {
  status: string;
  status_reason: string | null;
}

/**
 * Polls `GET path` until the request leaves `pending`, and returns it when it reached
 * `expected`; otherwise fails (exit 5 when it expired, 4 when refused) with `again` as the
 * way forward.
 *
 * @example
 * ```ts
 * const final = await awaitTapOutcome<Status>(api, `/v1/enrollments/requests/${id}`, {
 *   timeoutSeconds: 300, what: 'the registration', noun: 'enrollment', expected: 'enrolled',
 *   again: 'run frostmint enroll again',
 * });
 * ```
 */
export async function awaitTapOutcome<S extends TapRequestStatus>(
  api: CoordinatorClient,
  path: string,
  options: { timeoutSeconds: number; what: string; noun: string; expected: string; again: string },
): Promise<S> {
  const final = await waitFor(
    async () => {
      const status = await api.request<S>('GET', path);
      // `approved`: an enrollment whose guardians approved, still waiting for the tap.
      return status.status === 'pending' || status.status === 'approved' ? undefined : status;
    },
    { timeoutMs: options.timeoutSeconds * 1000, what: options.what },
  );
  if (final.status !== options.expected) {
    const reason = final.status_reason ? `: ${final.status_reason}` : '';
    throw new CliFailure(
      final.status === 'expired' ? EXIT.timeout : EXIT.refused,
      `the ${options.noun} was ${final.status}${reason}: ${options.again}`,
    );
  }
  return final;
}
