import { FrostError } from './errors.ts';
import { sodium } from './sodium.ts';

/**
 * Scalars of FROST(Ed25519, SHA-512) as RFC 9591 §6.1 serializes them: 32 bytes,
 * little-endian, canonical (< L). Every function here is constant-time in the values of its
 * arguments (fixed loops, no value-dependent branches or table indices), so they are safe
 * on nonces and signing shares. Results are fresh arrays; callers zero the secret ones.
 */
export const SCALAR_BYTES = 32;

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L_BYTES = Uint8Array.from(
  Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'),
);

/**
 * True when `s` is a canonical scalar encoding (32 bytes, value < L), in constant time
 * (RFC 9591 §6.1 DeserializeScalar).
 *
 * @example
 * ```ts
 * isCanonicalScalar(share.signingShare); // true
 * ```
 */
export function isCanonicalScalar(s: Uint8Array): boolean {
  if (s.length !== SCALAR_BYTES) return false;
  let borrow = 0;
  for (let i = 0; i < SCALAR_BYTES; i++) borrow = (s[i]! - L_BYTES[i]! - borrow) >>> 31;
  return borrow === 1;
}

/**
 * Throws a typed error unless `s` is a canonical scalar (RFC 9591 §6.1 DeserializeScalar):
 * `frost_bad_length` or `frost_invalid_scalar`. Constant-time in the value of `s`.
 *
 * @example
 * ```ts
 * checkScalar(share.signingShare, 'signing share');
 * ```
 */
export function checkScalar(s: Uint8Array, what = 'scalar'): void {
  if (s.length !== SCALAR_BYTES)
    throw new FrostError('frost_bad_length', `${what} must be 32 bytes, got ${s.length}`);
  if (!isCanonicalScalar(s))
    throw new FrostError('frost_invalid_scalar', `${what} is not a canonical scalar (≥ L)`);
}

/**
 * `wide mod L` for a 64-byte little-endian value (RFC 9591 §6.1: hash outputs to scalars).
 *
 * @example
 * ```ts
 * const rho = reduceWide(createHash('sha512').update(input).digest());
 * ```
 */
export function reduceWide(wide: Uint8Array): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  sodium.crypto_core_ed25519_scalar_reduce(out, wide);
  return out;
}

/**
 * `a · b mod L`: a 512-bit schoolbook product in 16-bit limbs (column sums < 2^37, exact in
 * float64; carries by multiplying with 2^-16, exact), then libsodium's reduction. Fixed
 * work for every input, so it is safe on secrets.
 *
 * @example
 * ```ts
 * const t = scalarMul(bindingNonce, bindingFactor);
 * ```
 */
export function scalarMul(a: Uint8Array, b: Uint8Array): Uint8Array {
  const columns = new Float64Array(32);
  for (let i = 0; i < 16; i++) {
    const ai = a[2 * i]! | (a[2 * i + 1]! << 8);
    for (let j = 0; j < 16; j++) {
      columns[i + j] = columns[i + j]! + ai * (b[2 * j]! | (b[2 * j + 1]! << 8));
    }
  }
  const wide = new Uint8Array(64);
  let carry = 0;
  for (let k = 0; k < 32; k++) {
    const t = columns[k]! + carry;
    carry = Math.floor(t * 2 ** -16);
    const limb = t - carry * 2 ** 16;
    wide[2 * k] = limb & 0xff;
    wide[2 * k + 1] = limb >>> 8;
  }
  const product = reduceWide(wide);
  columns.fill(0);
  sodium.sodium_memzero(wide);
  return product;
}

/**
 * `a + b mod L`.
 *
 * @example
 * ```ts
 * const z = scalarAdd(z1, z2);
 * ```
 */
export function scalarAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  sodium.crypto_core_ed25519_scalar_add(out, a, b);
  return out;
}

/**
 * `a - b mod L`.
 *
 * @example
 * ```ts
 * const d = scalarSub(scalarFromId(3), scalarFromId(1)); // 2
 * ```
 */
export function scalarSub(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  sodium.crypto_core_ed25519_scalar_sub(out, a, b);
  return out;
}

/**
 * `1 / a mod L`; `a` must be non-zero (only public denominators are inverted here).
 *
 * @example
 * ```ts
 * const half = scalarInvert(scalarFromId(2));
 * ```
 */
export function scalarInvert(a: Uint8Array): Uint8Array {
  if (a.every((b) => b === 0)) throw new FrostError('frost_invalid_scalar', 'zero has no inverse');
  const out = new Uint8Array(SCALAR_BYTES);
  sodium.crypto_core_ed25519_scalar_invert(out, a);
  return out;
}

/**
 * RFC 9591 §6.1 SerializeScalar of a participant identifier (a small integer).
 *
 * @example
 * ```ts
 * scalarFromId(3); // 03 00 … 00
 * ```
 */
export function scalarFromId(id: number): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  out[0] = id;
  return out;
}
