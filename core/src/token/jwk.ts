import { calculateJwkThumbprint } from 'jose';

/** The public JWK of an Ed25519 group key (RFC 8037 §2). */
export interface GroupJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/**
 * Builds the published JWK for a 32-byte Ed25519 group public key, with
 * `kid` = RFC 7638 thumbprint (SHA-256) of its required members.
 *
 * @example
 * ```ts
 * const jwk = await groupJwk(group.publicKey.groupKey);
 * reply.send({ keys: [jwk] });
 * ```
 */
export async function groupJwk(groupKey: Uint8Array): Promise<GroupJwk> {
  const x = Buffer.from(groupKey).toString('base64url');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }, 'sha256');
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
}
