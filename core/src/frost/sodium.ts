import { createRequire } from 'node:module';

/**
 * The slice of libsodium (native, through `sodium-native`) that the FROST engine uses.
 * libsodium's Ed25519 group and scalar code is constant-time; every call below takes and
 * returns canonical 32-byte encodings (RFC 8032 §5.1.2 points, little-endian scalars); the
 * ones returning `void` throw when libsodium reports an error (invalid point, identity
 * result, zero scalar).
 *
 * Loading is synchronous: there is nothing to initialise or await before `loadGroup`.
 */
export interface Sodium {
  /** `q = G·n` for `0 < n < 2^255`; constant-time in `n`. Throws when `n = 0`. */
  crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
  /**
   * `q = P·n`; throws unless `P` is a canonical, prime-order, non-small-order point (the
   * RFC 9591 §3.1 element checks) and the result is not the identity. Constant-time in `n`.
   */
  crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  /** Canonical encoding, on the curve, not of small order, in the prime-order subgroup. */
  crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
  /** `r = p + q` for on-curve `p`, `q` (no subgroup check). */
  crypto_core_ed25519_add(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  /** `r = s mod L` for a 64-byte little-endian `s`. */
  crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void;
  /** `z = x + y mod L`. */
  crypto_core_ed25519_scalar_add(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  /** `z = x - y mod L`. */
  crypto_core_ed25519_scalar_sub(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  /** `recip = 1 / s mod L` for `s ≠ 0` (libsodium answers 0 for 0: never pass 0). */
  crypto_core_ed25519_scalar_invert(recip: Uint8Array, s: Uint8Array): void;
  /** `out = SHA-512(input)`; `out` is 64 bytes. */
  crypto_hash_sha512(out: Uint8Array, input: Uint8Array): void;
  /**
   * RFC 8032 Ed25519 verification (libsodium's strict variant: canonical `S < L` and
   * encodings, no small-order `R` or public key). Twice as fast as `node:crypto` here.
   */
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
  /** Zeroes `buf` in a way the compiler cannot elide. */
  sodium_memzero(buf: Uint8Array): void;
}

/**
 * The native libsodium binding. `sodium-native` is CommonJS without bundled types, hence
 * `createRequire` and the hand-written `Sodium` interface above.
 *
 * @example
 * ```ts
 * const q = new Uint8Array(32);
 * sodium.crypto_scalarmult_ed25519_base_noclamp(q, nonce);
 * ```
 */
export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
