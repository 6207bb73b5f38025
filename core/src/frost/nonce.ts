import { randomBytes } from 'node:crypto';
import { h3 } from './ciphersuite.ts';
import { sodium } from './sodium.ts';

/**
 * RFC 9591 §4.1 `nonce_generate(secret)`: H3(random_bytes(32) || SerializeScalar(secret)).
 * Mixing the signing share into the hash keeps nonces unpredictable even under a weak RNG.
 * `randomness` is a parameter only so the RFC vectors can be replayed; production callers
 * (`FrostGroup.commit`) never pass it. Not exported from the package.
 *
 * @example
 * ```ts
 * const hiding = nonceGenerate(share.signingShare);
 * ```
 */
export function nonceGenerate(secret: Uint8Array, randomness?: Uint8Array): Uint8Array {
  const random = randomness ?? randomBytes(32);
  try {
    return h3(random, secret);
  } finally {
    if (!randomness) sodium.sodium_memzero(random);
  }
}
