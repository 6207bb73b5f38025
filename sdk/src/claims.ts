import type { JWTPayload } from 'jose';
import { FrostmintVerifyError } from './errors.ts';

/**
 * The claims of a verified frostmint access token (RFC 9068 §2.2). Fields listed here are
 * checked; the rest (`jti`, `client_id`, `amr`, `frostmint`, …) are passed through as signed.
 */
export interface FrostmintClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  /** Space-separated scope tokens (RFC 8693 §4.2). */
  scope?: string;
}

/**
 * Narrows a payload jose has already verified (signature, `iss`, `aud`, `exp`, `nbf`, `iat`
 * and the presence of `exp`, `iat`, `sub`) to {@link FrostmintClaims}, checking what jose
 * does not: `sub` a non-empty string, `scope` a string when present (its syntax was checked
 * by the grammar), and a lifetime `exp − iat` of at most `maxLifetime` seconds
 * (`token_ttl_exceeded`): a token the signers would never have co-signed is refused even if
 * its signature verifies.
 *
 * @example
 * ```ts
 * const { payload } = await jwtVerify(token, key, joseOptions);
 * const claims = accessTokenClaims(payload, 900); // throws token_claims_invalid, token_ttl_exceeded
 * ```
 */
export function accessTokenClaims(payload: JWTPayload, maxLifetime: number): FrostmintClaims {
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new FrostmintVerifyError('token_claims_invalid', 'token sub claim is missing or empty');
  }
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw new FrostmintVerifyError('token_claims_invalid', 'token scope claim is not a string');
  }
  const lifetime = (payload.exp as number) - (payload.iat as number);
  if (lifetime > maxLifetime) {
    throw new FrostmintVerifyError(
      'token_ttl_exceeded',
      `token lifetime exp − iat = ${lifetime} s exceeds maxTokenLifetime ${maxLifetime} s`,
    );
  }
  return payload as FrostmintClaims;
}
