import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Pkcs11Error } from './errors.ts';

/**
 * Where the user PIN comes from: a file (one line; a trailing newline is ignored), an
 * environment variable, or an interactive prompt. Never a command-line argument, never
 * a configuration value, never logged.
 */
export type PinSource =
  | { readonly file: string }
  | { readonly env: string }
  | { readonly prompt: () => Promise<string> };

/**
 * Reads the PIN from its source, afresh on every login (a rotated PIN file takes effect
 * without a restart). Throws `pkcs11_pin_unavailable` when it is missing or empty.
 *
 * @example
 * ```ts
 * const pin = await readPin({ env: 'FROSTMINT_TOKEN_PIN' });
 * ```
 */
export async function readPin(source: PinSource): Promise<string> {
  let pin: string | undefined;
  let where: string;
  if ('file' in source) {
    where = `PIN file ${source.file}`;
    pin = await readFile(source.file, 'utf8').then(
      (text) => text.replace(/\r?\n$/, ''),
      () => undefined,
    );
  } else if ('env' in source) {
    where = `environment variable $${source.env}`;
    pin = process.env[source.env];
  } else {
    where = 'PIN prompt';
    pin = await source.prompt();
  }
  if (!pin) throw new Pkcs11Error('pkcs11_pin_unavailable', `no PIN: ${where} is missing or empty`);
  return pin;
}

/**
 * Remembers (as a keyed hash, in memory only) the last PIN the token rejected, so a daemon
 * does not burn the token's few PIN attempts by retrying the same wrong PIN on every
 * request. A changed PIN file or variable is tried again.
 *
 * @example
 * ```ts
 * if (rejected.has(pin)) throw lastPinError;
 * ```
 */
export class RejectedPin {
  readonly #key = randomBytes(32);
  #fingerprint: Buffer | undefined;

  /** Records `pin` as rejected by the token. */
  remember(pin: string): void {
    this.#fingerprint = this.#hash(pin);
  }

  /** True when `pin` is the PIN the token rejected last. */
  has(pin: string): boolean {
    return this.#fingerprint !== undefined && timingSafeEqual(this.#fingerprint, this.#hash(pin));
  }

  /** Forgets the rejected PIN (after a successful login). */
  clear(): void {
    this.#fingerprint = undefined;
  }

  #hash(pin: string): Buffer {
    return createHmac('sha256', this.#key).update(pin, 'utf8').digest();
  }
}
