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
