import { existsSync } from 'node:fs';

const LIBRARIES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

/**
 * The environment that runs a process with its wall clock `offset` off (libfaketime,
 * e.g. `'+60s'`); monotonic time is left alone, so timers and deadlines behave. Fails
 * when libfaketime is missing (`scripts/install-test-deps.sh` installs it).
 *
 * @example
 * ```ts
 * await stack.restartSigner(3, undefined, { env: fakeClock('+60s') });
 * ```
 */
export function fakeClock(offset: string): Record<string, string> {
  const library = LIBRARIES.find((p) => existsSync(p));
  if (!library) {
    throw new Error(
      'libfaketime is missing (run scripts/install-test-deps.sh, which installs faketime)',
    );
  }
  return { LD_PRELOAD: library, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}
