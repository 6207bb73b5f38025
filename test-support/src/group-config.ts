import { sign } from 'node:crypto';
import {
  type GroupConfigV2,
  groupConfigSigningInput,
  groupJwk,
  type UnsignedGroupConfigV2,
} from '@frostmint/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * A group key that no signer holds: one Ed25519 key pair standing in for a FROST quorum (the
 * group key verifies the same either way). It signs tokens and its own version-2 group
 * configurations — what someone forging a rotation would bring along.
 *
 * @example
 * ```ts
 * const rogue = await selfSignedGroup();
 * const config = rogue.config(1); // valid signature by its own key
 * const token = await rogue.token({ iss, aud: 'deploy-api', iat: now });
 * ```
 */
export async function selfSignedGroup() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const jwk = await groupJwk(Buffer.from((await exportJWK(publicKey)).x!, 'base64url'));
  const token = (claims: { iss: string; aud: string; iat: number }) =>
    new SignJWT({ scope: 'deploy:canary' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.iat + 900)
      .sign(privateKey);
  const config = (epoch: number): GroupConfigV2 => {
    const share = (n: number) => Buffer.alloc(32, n + epoch).toString('base64url');
    const unsigned: UnsignedGroupConfigV2 = {
      version: 2,
      kid: jwk.kid,
      groupKey: jwk.x,
      threshold: 2,
      maxSigners: 3,
      verifyingShares: { 1: share(1), 2: share(2), 3: share(3) },
      guardians: { approvals: 0, keys: [] },
      epoch,
      ceremony: {
        id: Buffer.alloc(32, epoch).toString('base64url'),
        kind: epoch === 1 ? 'dkg' : 'refresh',
        at: new Date(0).toISOString(),
      },
    };
    const signature = sign(null, groupConfigSigningInput(unsigned), privateKey as never);
    return { ...unsigned, signature: signature.toString('base64url') };
  };
  return { jwk, token, config };
}
