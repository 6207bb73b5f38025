import { FrostError } from './errors.ts';
import { sodium } from './sodium.ts';

/**
 * Ed25519 group elements as RFC 9591 §6.1 serializes them (RFC 8032 §5.1.2, 32 bytes),
 * through libsodium. Scalar multiplications are constant-time in the scalar; additions and
 * validation work on public points only.
 */
export const POINT_BYTES = 32;

const IDENTITY = Uint8Array.from([1, ...new Uint8Array(31)]);

/**
 * RFC 9591 §6.1 DeserializeElement checks: 32 bytes (`frost_bad_length`), not the identity
 * (`frost_identity`), canonical encoding of a curve point of prime order
 * (`frost_invalid_point`: also catches every small-order point).
 *
 * @example
 * ```ts
 * checkPoint(commitment.hiding); // throws FrostError on bad input
 * ```
 */
export function checkPoint(bytes: Uint8Array, what = 'point'): void {
  if (bytes.length !== POINT_BYTES)
    throw new FrostError('frost_bad_length', `${what} must be 32 bytes, got ${bytes.length}`);
  if (Buffer.from(bytes).equals(IDENTITY))
    throw new FrostError('frost_identity', `${what} is the identity element`);
  if (!sodium.crypto_core_ed25519_is_valid_point(bytes)) {
    throw new FrostError(
      'frost_invalid_point',
      `${what} is not a canonical encoding of a prime-order Ed25519 point`,
    );
  }
}

/**
 * `G·k` for a non-zero scalar `k < L`; constant-time in `k` (RFC 9591 §6.1 ScalarBaseMult).
 *
 * @example
 * ```ts
 * const hidingCommitment = baseMul(hidingNonce);
 * ```
 */
export function baseMul(k: Uint8Array): Uint8Array {
  const out = new Uint8Array(POINT_BYTES);
  try {
    sodium.crypto_scalarmult_ed25519_base_noclamp(out, k);
  } catch (cause) {
    throw new FrostError('frost_invalid_scalar', 'base multiplication by zero', { cause });
  }
  return out;
}

/**
 * `P·k` after the full §3.1 validation of `P` (libsodium validates inside the
 * multiplication, so a commitment is checked and used in one pass); constant-time in `k`.
 * Throws the typed `checkPoint` error for an invalid `P`.
 *
 * @example
 * ```ts
 * const term = mulPoint(bindingFactor, commitment.binding);
 * ```
 */
export function mulPoint(k: Uint8Array, p: Uint8Array, what = 'point'): Uint8Array {
  const out = new Uint8Array(POINT_BYTES);
  try {
    sodium.crypto_scalarmult_ed25519_noclamp(out, k, p);
  } catch (cause) {
    checkPoint(p, what);
    throw new FrostError('frost_invalid_scalar', 'scalar multiplication by zero', { cause });
  }
  return out;
}

/**
 * `P + Q` for points already validated (or produced here).
 *
 * @example
 * ```ts
 * const r = addPoints(hidingCommitment, term);
 * ```
 */
export function addPoints(p: Uint8Array, q: Uint8Array): Uint8Array {
  const out = new Uint8Array(POINT_BYTES);
  sodium.crypto_core_ed25519_add(out, p, q);
  return out;
}
