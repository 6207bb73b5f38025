import { CliError, EXIT } from '@frostmint/client/cli-kit';

/**
 * Polls `check` every `intervalMs` until it returns a value, or fails with exit code 5
 * (timed out) when `timeoutMs` passes.
 *
 * @example
 * ```ts
 * const done = await waitFor(async () => (await status()).status === 'minted' ? status : undefined,
 *   { timeoutMs: 300_000, what: 'the tap' });
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
      throw new CliError(
        'wait_timeout',
        EXIT.timeout,
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}: run the command again and act within --wait`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1_000));
  }
}

/** A request that ended without reaching the state the command wanted. */
export interface EndedRequest {
  readonly status: string;
  readonly status_reason: string | null;
}

/**
 * Ends the command for a request that did not reach its goal: expired → exit 5 (timed
 * out), anything else (denied, refused) → exit 3, with `again` as the way forward.
 *
 * @example
 * ```ts
 * if (final.status !== 'renewed') failRequest(final, 'renewal', 'run frostmint renew again');
 * ```
 */
export function failRequest(final: EndedRequest, noun: string, again: string): never {
  const reason = final.status_reason ? `: ${final.status_reason}` : '';
  if (final.status === 'expired') {
    throw new CliError('request_expired', EXIT.timeout, `the ${noun} expired${reason}: ${again}`);
  }
  throw new CliError(
    'request_denied',
    EXIT.refused,
    `the ${noun} was ${final.status}${reason}: ${again}`,
  );
}
