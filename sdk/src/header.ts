import type { JWTHeaderParameters } from 'jose';
import { FrostmintVerifyError } from './errors.ts';

/**
 * Checks what jose leaves to the caller in a frostmint token's protected header and returns
 * the `kid` to look up: `typ` must be `at+jwt` (RFC 9068 §2.1; `application/at+jwt` and any
 * letter case are the same media type) and a `kid` must be present. Runs before any key
 * lookup, so a token of the wrong kind never causes a JWKS fetch. (`alg` is enforced by
 * jose's `algorithms` option, before this.)
 *
 * @example
 * ```ts
 * accessTokenKid({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' }); // 'k1'
 * accessTokenKid({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' }); // throws token_typ_invalid
 * ```
 */
export function accessTokenKid(header: JWTHeaderParameters): string {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  if (typ !== 'at+jwt' && typ !== 'application/at+jwt') {
    throw new FrostmintVerifyError(
      'token_typ_invalid',
      'token typ is not at+jwt: not an access token (RFC 9068)',
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new FrostmintVerifyError('token_kid_unknown', 'token header names no kid');
  }
  return header.kid;
}
