import { sodium } from './sodium.ts';

/**
 * The hash functions of FROST(Ed25519, SHA-512), RFC 9591 §6.1, with
 * contextString = "FROST-ED25519-SHA512-v1", on libsodium's SHA-512 (a quarter of the cost
 * of a `node:crypto` Hash object for these short inputs).
 */
const CONTEXT = 'FROST-ED25519-SHA512-v1';
const prefix = (label: string): Uint8Array => new TextEncoder().encode(CONTEXT + label);
const RHO = prefix('rho');
const NONCE = prefix('nonce');
const MSG = prefix('msg');
const COM = prefix('com');

function sha512(parts: readonly Uint8Array[]): Uint8Array {
  const input = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  const digest = new Uint8Array(64);
  sodium.crypto_hash_sha512(digest, input);
  sodium.sodium_memzero(input);
  return digest;
}

function toScalar(parts: readonly Uint8Array[]): Uint8Array {
  const digest = sha512(parts);
  const out = new Uint8Array(32);
  sodium.crypto_core_ed25519_scalar_reduce(out, digest);
  sodium.sodium_memzero(digest);
  return out;
}

/**
 * RFC 9591 §6.1 H1: SHA-512(contextString || "rho" || m) mod L (binding factors).
 *
 * @example
 * ```ts
 * const rho = h1(prefix, scalarFromId(id));
 * ```
 */
export const h1 = (...m: Uint8Array[]): Uint8Array => toScalar([RHO, ...m]);

/**
 * RFC 9591 §6.1 H2: SHA-512(m) mod L, no context string, so the challenge is RFC 8032's.
 *
 * @example
 * ```ts
 * const c = h2(groupCommitment, groupKey, message);
 * ```
 */
export const h2 = (...m: Uint8Array[]): Uint8Array => toScalar(m);

/**
 * RFC 9591 §6.1 H3: SHA-512(contextString || "nonce" || m) mod L (nonce generation).
 *
 * @example
 * ```ts
 * const nonce = h3(randomness, signingShare);
 * ```
 */
export const h3 = (...m: Uint8Array[]): Uint8Array => toScalar([NONCE, ...m]);

/**
 * RFC 9591 §6.1 H4: SHA-512(contextString || "msg" || m), 64 bytes (message digest).
 *
 * @example
 * ```ts
 * const msgHash = h4(message);
 * ```
 */
export const h4 = (m: Uint8Array): Uint8Array => sha512([MSG, m]);

/**
 * RFC 9591 §6.1 H5: SHA-512(contextString || "com" || m), 64 bytes (commitment list digest).
 *
 * @example
 * ```ts
 * const listHash = h5(encodeCommitmentList(sorted));
 * ```
 */
export const h5 = (m: Uint8Array): Uint8Array => sha512([COM, m]);
