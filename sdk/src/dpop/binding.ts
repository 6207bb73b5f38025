import { FrostmintVerifyError } from '../errors.ts';

/** A base64url SHA-256 thumbprint: 43 characters. */
const JKT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The `cnf.jkt` a token's claims bind it to (RFC 9449 §6.1, RFC 7800 §3.1), or `undefined`
 * for a bearer token. A `cnf` that is present but not `{jkt: <thumbprint>}` is refused
 * (`token_claims_invalid`): a confirmation method we cannot check must not be ignored.
 *
 * @example
 * ```ts
 * boundJkt({ sub: 'a', cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }); // that jkt
 * boundJkt({ sub: 'a' }); // undefined
 * ```
 */
export function boundJkt(claims: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(claims, 'cnf')) return undefined;
  const cnf = claims.cnf;
  if (
    typeof cnf !== 'object' ||
    cnf === null ||
    Array.isArray(cnf) ||
    Object.keys(cnf).length !== 1 ||
    typeof (cnf as { jkt?: unknown }).jkt !== 'string' ||
    !JKT.test((cnf as { jkt: string }).jkt)
  ) {
    throw new FrostmintVerifyError('token_claims_invalid', 'token cnf is not {jkt: <thumbprint>}');
  }
  return (cnf as { jkt: string }).jkt;
}
