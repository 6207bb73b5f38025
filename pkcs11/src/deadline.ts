import { Pkcs11TimeoutError } from './errors.ts';

export interface DeadlineOptions {
  /** Reject with `pkcs11_timeout` and this message after `ms` milliseconds. */
  readonly timeout?: { readonly ms: number; readonly message: string };
  /** Call `call` once if the work is still running after `ms` milliseconds. */
  readonly notice?: { readonly ms: number; readonly call: () => void };
}

/**
 * Waits for `work`, at most `timeout.ms`, and calls `notice.call` once when it takes longer
 * than `notice.ms` (e.g. to tell the user to touch their key). The work itself is not
 * cancelled (Cryptoki cannot cancel a running call); only the wait ends.
 *
 * @example
 * ```ts
 * const sig = await withDeadline(lib.C_SignAsync(session, digest, out), {
 *   timeout: { ms: 30_000, message: 'no touch within 30 s' },
 *   notice: { ms: 1_000, call: () => log.info('touch your YubiKey now') },
 * });
 * ```
 */
export function withDeadline<T>(work: Promise<T>, options: DeadlineOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const settle = () => {
      for (const t of timers) clearTimeout(t);
    };
    const { notice, timeout } = options;
    if (notice) timers.push(setTimeout(notice.call, notice.ms));
    if (timeout) {
      timers.push(
        setTimeout(() => {
          settle();
          reject(new Pkcs11TimeoutError(timeout.message));
        }, timeout.ms),
      );
    }
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}
