import { FrostmintError } from '@frostmint/core';
import pkcs11js from 'pkcs11js';
import { type PinRetries, Pkcs11Error, Pkcs11PinError, Pkcs11UnavailableError } from './errors.ts';

/**
 * Translation of Cryptoki return values (`CKR_*`, raised by pkcs11js as `Pkcs11Error` whose
 * message is the CKR name) into frostmint's typed errors.
 */

const NOT_PRESENT = new Set(['CKR_TOKEN_NOT_PRESENT', 'CKR_DEVICE_REMOVED', 'CKR_SLOT_ID_INVALID']);
const UNAVAILABLE = new Set([
  'CKR_DEVICE_ERROR',
  'CKR_DEVICE_MEMORY',
  'CKR_GENERAL_ERROR',
  'CKR_SESSION_CLOSED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  // Handles are looked up afresh for every operation, so a stale one means the token
  // changed underneath the session (removed, re-inserted, re-initialised).
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
]);
const MECHANISM = new Set([
  'CKR_MECHANISM_INVALID',
  'CKR_MECHANISM_PARAM_INVALID',
  'CKR_FUNCTION_NOT_SUPPORTED',
]);
const KEY_UNUSABLE = new Set(['CKR_KEY_TYPE_INCONSISTENT', 'CKR_KEY_FUNCTION_NOT_PERMITTED']);
const PIN_FORMAT = new Set(['CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE']);

/**
 * The `CKR_*` name of a native PKCS#11 error, or `undefined` for anything else.
 *
 * @example
 * ```ts
 * if (ckrOf(err) === 'CKR_USER_NOT_LOGGED_IN') await login();
 * ```
 */
export function ckrOf(err: unknown): string | undefined {
  return err instanceof pkcs11js.Pkcs11Error && err.message.startsWith('CKR_')
    ? err.message
    : undefined;
}

/**
 * Maps a failure of `what` (e.g. `ECDH derive with key "seal"`) to a typed error. Errors
 * that are already typed pass through unchanged; non-PKCS#11 errors (bugs) too.
 *
 * @example
 * ```ts
 * try { lib.C_SignInit(session, mech, key); } catch (err) { throw mapCkr(err, 'ECDSA sign'); }
 * ```
 */
export function mapCkr(err: unknown, what: string): unknown {
  if (err instanceof FrostmintError) return err;
  const ckr = ckrOf(err);
  if (!ckr) return err;
  const options = { ckr, cause: err };
  if (NOT_PRESENT.has(ckr)) {
    return new Pkcs11UnavailableError(
      'pkcs11_token_not_present',
      `${what}: the token is not present (${ckr})`,
      options,
    );
  }
  if (UNAVAILABLE.has(ckr)) {
    return new Pkcs11UnavailableError(
      'pkcs11_token_unavailable',
      `${what}: the token stopped answering (${ckr})`,
      options,
    );
  }
  if (MECHANISM.has(ckr)) {
    return new Pkcs11Error(
      'pkcs11_mechanism_unsupported',
      `${what}: the token does not support this mechanism (${ckr})`,
      options,
    );
  }
  if (KEY_UNUSABLE.has(ckr)) {
    return new Pkcs11Error(
      'pkcs11_key_unusable',
      `${what}: the key may not be used for this (${ckr})`,
      options,
    );
  }
  if (ckr === 'CKR_PIN_LOCKED') return pinError(ckr, 'locked');
  if (PIN_FORMAT.has(ckr)) {
    return new Pkcs11PinError(
      'pkcs11_pin_incorrect',
      `the token rejected the PIN format (${ckr})`,
      {
        ...options,
        retries: 'unknown',
      },
    );
  }
  if (ckr === 'CKR_USER_NOT_LOGGED_IN') {
    return new Pkcs11Error(
      'pkcs11_failed',
      `${what}: the token wants a login or a touch (${ckr})`,
      options,
    );
  }
  return new Pkcs11Error('pkcs11_failed', `${what} failed (${ckr})`, options);
}

/**
 * Reads the PIN retry state from `CK_TOKEN_INFO.flags`.
 *
 * @example
 * ```ts
 * const retries = pinRetriesOf(lib.C_GetTokenInfo(slot).flags); // 'low'
 * ```
 */
export function pinRetriesOf(tokenFlags: number): PinRetries {
  if (tokenFlags & pkcs11js.CKF_USER_PIN_LOCKED) return 'locked';
  if (tokenFlags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'final_try';
  if (tokenFlags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'low';
  return 'unknown';
}

const RETRY_TEXT: Record<PinRetries, string> = {
  unknown: 'the token does not say how many attempts are left',
  low: 'the token reports few attempts left',
  final_try: 'ONE attempt is left before the PIN locks',
  locked: 'the PIN is now locked; unblock it with the PUK or SO PIN',
};

/**
 * The typed error for a rejected or blocked PIN, with the retry state the token reports.
 *
 * @example
 * ```ts
 * throw pinError('CKR_PIN_INCORRECT', pinRetriesOf(info.flags));
 * ```
 */
export function pinError(ckr: string | undefined, retries: PinRetries): Pkcs11PinError {
  const locked = retries === 'locked';
  const code = locked ? 'pkcs11_pin_locked' : 'pkcs11_pin_incorrect';
  const lead = locked ? 'the token PIN is locked' : 'the token rejected the PIN';
  return new Pkcs11PinError(code, `${lead}: ${RETRY_TEXT[retries]}`, {
    retries,
    ...(ckr ? { ckr } : {}),
  });
}
