import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ecJwkThumbprint } from '@frostmint/core';
import { Pkcs11Error } from './errors.ts';

/** DER encoding of the P-256 (prime256v1 / secp256r1) OID, the `CKA_EC_PARAMS` we accept. */
export const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

/** SPKI DER prefix of a P-256 public key with an uncompressed point. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/**
 * Normalises a `CKA_EC_POINT` value to the 65-byte uncompressed point. Tokens return it
 * DER-wrapped in an OCTET STRING (SoftHSM2, ykcs11) or raw (some HSMs); both are accepted.
 *
 * @example
 * ```ts
 * const point = ecPointFromAttribute(attrs[0].value); // 04‖x‖y
 * ```
 */
export function ecPointFromAttribute(value: Uint8Array): Buffer {
  const raw =
    value.length === 67 && value[0] === 0x04 && value[1] === 0x41 ? value.subarray(2) : value;
  if (raw.length !== 65 || raw[0] !== 0x04) {
    throw new Pkcs11Error('pkcs11_key_unusable', 'the key is not an uncompressed EC P-256 point');
  }
  return Buffer.from(raw);
}

/**
 * A node:crypto public key for a 65-byte uncompressed P-256 point; rejects points that
 * are not on the curve.
 *
 * @example
 * ```ts
 * const ok = verify('sha256', msg, { key: p256PublicKey(point), dsaEncoding: 'ieee-p1363' }, sig);
 * ```
 */
export function p256PublicKey(point: Uint8Array): KeyObject {
  try {
    return createPublicKey({
      key: Buffer.concat([P256_SPKI_PREFIX, point]),
      format: 'der',
      type: 'spki',
    });
  } catch (cause) {
    throw new Pkcs11Error('pkcs11_key_unusable', 'the public key is not a valid P-256 point', {
      cause,
    });
  }
}

/**
 * The SubjectPublicKeyInfo (DER) of a P-256 point.
 *
 * @example
 * ```ts
 * const spkiB64 = p256Spki(point).toString('base64');
 * ```
 */
export function p256Spki(point: Uint8Array): Buffer {
  return p256PublicKey(point).export({ format: 'der', type: 'spki' });
}

/**
 * The JWK (`kty: EC`, `crv: P-256`) of a P-256 point.
 *
 * @example
 * ```ts
 * const jwk = p256Jwk(point); // { kty: 'EC', crv: 'P-256', x, y }
 * ```
 */
export function p256Jwk(point: Uint8Array): JsonWebKey {
  return p256PublicKey(point).export({ format: 'jwk' });
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a P-256 point: a stable key id.
 *
 * @example
 * ```ts
 * const kid = p256Thumbprint(point); // e.g. 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export function p256Thumbprint(point: Uint8Array): string {
  return ecJwkThumbprint(p256Jwk(point));
}
