import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeCanonicalBase64url } from '../grammar/base64url.ts';

/**
 * Why a 32-byte Ed25519 public key is unusable, or `undefined` when it is a valid point of
 * prime order. RFC 8032 §5.1.3 decoding (canonical `y < p`, `x` recovered, not `-0`), then
 * the point must be torsion-free and not of small order: with a small-order key (the
 * identity, or one of the seven other points of order dividing 8) the verification equation
 * `[S]B = R + [k]A` holds for forged signatures on *any* message (e.g. `A` = identity,
 * `R` = identity, `S` = 0). WebCrypto and OpenSSL import such keys without complaint.
 *
 * The curve arithmetic comes from `@noble/curves` (audited, no dependencies beyond
 * `@noble/hashes`, already frostmint's FROST engine): hand-written point decoding and
 * scalar multiplication in a verifier would be the riskier choice.
 *
 * @example
 * ```ts
 * ed25519KeyProblem(Buffer.from(jwk.x, 'base64url')); // undefined for a real key
 * ed25519KeyProblem(Buffer.from('01' + '00'.repeat(31), 'hex')); // 'a point of small order'
 * ```
 */
export function ed25519KeyProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 32) return 'not 32 bytes';
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    // zip215 = false: RFC 8032 §5.1.3 strict decoding (y must be canonical).
    point = ed25519.Point.fromBytes(bytes, false);
  } catch {
    return 'not an RFC 8032 §5.1.3 point encoding';
  }
  if (point.isSmallOrder()) return 'a point of small order';
  if (!point.isTorsionFree()) return 'not in the prime-order subgroup';
  return undefined;
}

/**
 * {@link ed25519KeyProblem} for the `x` member of an Ed25519 JWK (RFC 8037 §2), which must
 * be canonical base64url.
 *
 * @example
 * ```ts
 * const problem = ed25519JwkProblem(jwk.x);
 * if (problem !== undefined) throw new Error(`key ${jwk.kid} is ${problem}`);
 * ```
 */
export function ed25519JwkProblem(x: unknown): string | undefined {
  let bytes: Uint8Array;
  try {
    bytes = decodeCanonicalBase64url(String(x), 'x');
  } catch {
    return 'not canonical base64url';
  }
  return ed25519KeyProblem(bytes);
}
