import { createHash } from 'node:crypto';
import { canonicalJson, type TokenClaims } from '@frostmint/core';

/**
 * Identifies one mint independently of the signer set the coordinator happened to pick:
 * SHA-256 (base64url) of the canonical JSON of the claims without `frostmint.signers`. A
 * retried round for the same token has the same fingerprint; any other token does not.
 *
 * @example
 * ```ts
 * window.remember(key, mintFingerprint(checked.claims), expiresAt, now, 'oidc_token_replayed');
 * ```
 */
export function mintFingerprint(claims: TokenClaims): string {
  const { signers: _signers, ...frostmint } = claims.frostmint;
  return createHash('sha256')
    .update(canonicalJson({ ...claims, frostmint }))
    .digest('base64url');
}
