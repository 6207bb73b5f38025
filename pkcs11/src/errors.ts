import { type ErrorCodeWithStatus, FrostmintError, UnavailableError } from '@frostmint/core';

/** The `pkcs11_*` codes of a token failure that is not (just) unavailability. */
export type Pkcs11ErrorCode = ErrorCodeWithStatus<500> & `pkcs11_${string}`;

/**
 * Typed PKCS#11 failures. Every error carries a stable `pkcs11_*` code; `ckr` names the
 * Cryptoki return value when the token produced one. Messages never contain a PIN, key
 * material or plaintext.
 *
 * | code | meaning |
 * | --- | --- |
 * | `pkcs11_pin_incorrect` | the token rejected the PIN (see `retries`) |
 * | `pkcs11_pin_locked` | the user PIN is blocked; unblock it with the PUK / SO PIN |
 * | `pkcs11_pin_unavailable` | the PIN file or environment variable is missing or empty |
 * | `pkcs11_key_not_found` / `pkcs11_key_ambiguous` | no key / several keys match the label or id |
 * | `pkcs11_key_unusable` | the key is not an EC P-256 key or may not be used for this operation |
 * | `pkcs11_key_exists` / `pkcs11_key_not_creatable` | key generation refused |
 * | `pkcs11_token_exists` / `pkcs11_no_free_slot` | `initToken` refused (label taken, no free slot) |
 * | `pkcs11_mechanism_unsupported` | the token lacks the mechanism (e.g. `CKM_ECDH1_DERIVE`) |
 * | `pkcs11_token_not_present` | no token with that label or slot is connected |
 * | `pkcs11_token_ambiguous` | several tokens carry the label |
 * | `pkcs11_token_unavailable` | the token stopped answering (removed, I/O error) |
 * | `pkcs11_module_unavailable` | the PKCS#11 module cannot be loaded or initialised |
 * | `pkcs11_timeout` | the operation did not finish in time (e.g. nobody touched the key) |
 * | `pkcs11_failed` | any other Cryptoki failure |
 *
 * @example
 * ```ts
 * try {
 *   await token.ecdh(key, peer);
 * } catch (err) {
 *   if (err instanceof Pkcs11PinError) console.error(err.message, err.retries);
 * }
 * ```
 */
export class Pkcs11Error extends FrostmintError {
  /** The Cryptoki return value name, e.g. `CKR_DEVICE_ERROR`, when there was one. */
  readonly ckr: string | undefined;

  declare readonly code: Pkcs11ErrorCode;
  constructor(
    code: Pkcs11ErrorCode,
    message: string,
    options: { ckr?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.ckr = options.ckr;
  }
}

/**
 * How many PIN attempts the token says are left. PKCS#11 reports no number, only flags:
 * `low` (`CKF_USER_PIN_COUNT_LOW`), `final_try` (`CKF_USER_PIN_FINAL_TRY`), `locked`
 * (`CKF_USER_PIN_LOCKED`), or `unknown` when the token sets none of them.
 */
export type PinRetries = 'unknown' | 'low' | 'final_try' | 'locked';

/**
 * The token refused the PIN, or the PIN is blocked.
 *
 * @example
 * ```ts
 * if (err instanceof Pkcs11PinError && err.retries === 'final_try') warnGuardian();
 * ```
 */
export class Pkcs11PinError extends Pkcs11Error {
  readonly retries: PinRetries;

  constructor(
    code: Pkcs11ErrorCode,
    message: string,
    options: { retries: PinRetries; ckr?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.retries = options.retries;
  }
}

/**
 * The module or the token cannot be reached right now (HTTP 503): a signer reports not
 * ready and recovers when the token returns.
 *
 * @example
 * ```ts
 * if (err instanceof Pkcs11UnavailableError) return { ready: false, detail: err.message };
 * ```
 */
export class Pkcs11UnavailableError extends UnavailableError {
  declare readonly code: ErrorCodeWithStatus<503> & `pkcs11_${string}`;
  readonly ckr: string | undefined;

  constructor(
    code: ErrorCodeWithStatus<503> & `pkcs11_${string}`,
    message: string,
    options: { ckr?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.ckr = options.ckr;
  }
}

/**
 * A token operation did not complete in time, typically because nobody touched a key
 * with a touch policy.
 *
 * @example
 * ```ts
 * if (err instanceof Pkcs11TimeoutError) console.error('no touch: try again');
 * ```
 */
export class Pkcs11TimeoutError extends UnavailableError {
  constructor(message: string) {
    super('pkcs11_timeout', message);
  }
}
