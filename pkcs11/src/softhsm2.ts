import { existsSync } from 'node:fs';

/** Where distributions and Homebrew install the SoftHSM2 PKCS#11 module. */
export const SOFTHSM2_MODULE_PATHS: readonly string[] = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/**
 * The first SoftHSM2 module found at its usual install paths, or `undefined` when SoftHSM2
 * is not installed. An explicit choice (flag, environment variable) goes first at the caller.
 *
 * @example
 * ```ts
 * const module = options.module ?? process.env.FROSTMINT_PKCS11_MODULE ?? findSoftHsm2Module();
 * ```
 */
export function findSoftHsm2Module(): string | undefined {
  return SOFTHSM2_MODULE_PATHS.find((path) => existsSync(path));
}
