import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** Curve25519's field prime 2^255 − 19 (RFC 7748 §4.1). */
const P25519 = 2n ** 255n - 19n;

/**
 * The canonical u-coordinates of the points of small order on Curve25519 (orders 1, 2, 4
 * and 8): with any of them the X25519 shared secret is all zero or guessable.
 */
const SMALL_ORDER_U = new Set([
  0n,
  1n,
  P25519 - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

/** A result key as the prepare body carries it (see `ResultKeySchema`). */
export type ResultKeyJwk =
  | { kty: 'OKP'; crv: 'X25519'; x: string }
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/**
 * Why a token could not be sealed to `jwk` (ECDH-ES), or undefined when it can: every
 * coordinate must be the canonical base64url of 32 bytes; an X25519 key (RFC 7748 §5) a
 * canonical u-coordinate (< p) of a point not of small order, a P-256 key a point on the
 * curve. Then a trial key agreement must succeed with a shared secret that is not all zero
 * (RFC 7748 §6.1).
 *
 * @example
 * ```ts
 * resultKeyProblem({ kty: 'OKP', crv: 'X25519', x: 'AAAA…' }); // 'is a point of small order …'
 * ```
 */
export function resultKeyProblem(jwk: ResultKeyJwk): string | undefined {
  const coordinates = jwk.kty === 'EC' ? [jwk.x, jwk.y] : [jwk.x];
  for (const c of coordinates) {
    const bytes = Buffer.from(c, 'base64url');
    if (bytes.length !== 32 || bytes.toString('base64url') !== c)
      return 'a coordinate is not the canonical base64url of 32 bytes';
  }
  if (jwk.kty === 'OKP') {
    const u = BigInt(`0x${Buffer.from(jwk.x, 'base64url').reverse().toString('hex')}`);
    if (u >= P25519) return 'is not a canonical X25519 u-coordinate (RFC 7748 §5)';
    if (SMALL_ORDER_U.has(u)) return 'is a point of small order: no secret could be agreed';
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return 'is not a point on its curve';
  }
  try {
    const ephemeral =
      jwk.kty === 'OKP'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: key });
    if (secret.every((b) => b === 0)) return 'gives an all-zero shared secret (RFC 7748 §6.1)';
  } catch {
    return 'cannot agree a secret (ECDH failed)';
  }
  return undefined;
}
