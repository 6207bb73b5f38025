import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * A guardian as the signers know them: a name and the public half of the ECDSA P-256
 * approval key (PIV slot 9c or an HSM key) as SPKI, JWK and RFC 7638 thumbprint. It is the
 * public part of the record `frostmint-guardian enroll` prints; extra members of a pasted
 * record (labels, token, proof) are dropped.
 */
export const GuardianKeySchema = z
  .object({
    name: z.string().min(1).max(64),
    approvalKey: z.object({
      /** RFC 7638 thumbprint of `jwk`. */
      kid: b64u,
      /** SubjectPublicKeyInfo, DER, base64. */
      spki: z.string().regex(/^[A-Za-z0-9+/]+=*$/),
      jwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64u, y: b64u }).strict(),
    }),
  })
  .transform(({ name, approvalKey: { kid, spki, jwk } }) => ({
    name,
    approvalKey: { kid, spki, jwk },
  }))
  .refine((g) => consistent(g.approvalKey), 'approval key SPKI, JWK and kid disagree');
export type GuardianKey = z.infer<typeof GuardianKeySchema>;

/**
 * The guardians of a group and how many of them must approve a key ceremony (or, before
 * the first DKG, what a signer's configuration pins).
 */
export const GuardianSetSchema = z
  .object({
    /** Approvals needed for a ceremony: distinct guardians, each counted once. */
    approvals: z.number().int().min(1).max(16),
    guardians: z.array(GuardianKeySchema).min(1).max(16),
  })
  .strict()
  .refine((s) => s.approvals <= s.guardians.length, 'approvals exceed the number of guardians')
  .refine(
    (s) => new Set(s.guardians.map((g) => g.approvalKey.kid)).size === s.guardians.length,
    'a guardian key appears twice',
  );
export type GuardianSet = z.infer<typeof GuardianSetSchema>;

/**
 * The RFC 7638 thumbprint (SHA-256, base64url) of an EC public JWK.
 *
 * @example
 * ```ts
 * const kid = ecJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y });
 * ```
 */
export function ecJwkThumbprint(jwk: { crv?: string; kty?: string; x?: string; y?: string }) {
  const { crv, kty, x, y } = jwk;
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

/**
 * Verifies an ES256 signature (`r‖s`, RFC 7518 §3.4) by a guardian's approval key over
 * SHA-256 of `input` (the token signed that digest with `CKM_ECDSA`).
 *
 * @example
 * ```ts
 * if (!verifyGuardianSignature(guardian, approvalInput, signature)) throw refused();
 * ```
 */
export function verifyGuardianSignature(
  guardian: GuardianKey,
  input: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  return verify(
    'sha256',
    input,
    { key: publicKeyOf(guardian.approvalKey.spki), dsaEncoding: 'ieee-p1363' },
    signature,
  );
}

function publicKeyOf(spki: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new InvalidRequestError('guardian_key_invalid', 'approval key SPKI is not a key', {
      cause,
    });
  }
}

function consistent(key: { kid: string; spki: string; jwk: { x: string; y: string } }): boolean {
  try {
    const jwk = publicKeyOf(key.spki).export({ format: 'jwk' });
    return (
      jwk.crv === 'P-256' &&
      jwk.x === key.jwk.x &&
      jwk.y === key.jwk.y &&
      ecJwkThumbprint({ kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y }) === key.kid
    );
  } catch {
    return false;
  }
}
