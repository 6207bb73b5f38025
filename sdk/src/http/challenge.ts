import { DPOP_ALGS } from '../dpop/proof.ts';

/** The parameters of one RFC 6750 §3 `Bearer` or RFC 9449 §7.1 `DPoP` challenge. */
export interface BearerChallenge {
  readonly realm: string;
  readonly error?: 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';
  readonly description?: string;
  /** Space-separated scopes needed, for `insufficient_scope`. */
  readonly scope?: string;
}

/** quoted-string content RFC 6750 §3 allows in error_description: no `"`, no `\`. */
const UNSAFE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/**
 * Formats a `WWW-Authenticate` value. The realm and scope are checked when the middleware is
 * created (see {@link assertRealm}); the description is ours or jose's text, made safe.
 *
 * @example
 * ```ts
 * bearerChallenge({ realm: 'deploy-api', error: 'invalid_token', description: 'token has expired (exp)' });
 * // 'Bearer realm="deploy-api", error="invalid_token", error_description="token has expired (exp)"'
 * ```
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  return `Bearer ${challengeParams(challenge).join(', ')}`;
}

/**
 * Formats an RFC 9449 §7.1 `DPoP` challenge: the {@link bearerChallenge} parameters plus
 * `algs`, the proof algorithms accepted.
 *
 * @example
 * ```ts
 * dpopChallenge({ realm: 'deploy-api', error: 'invalid_dpop_proof', description: 'DPoP proof invalid: htu is not the request URI' });
 * // 'DPoP realm="deploy-api", error="invalid_dpop_proof", error_description="…", algs="EdDSA ES256 ES384"'
 * ```
 */
export function dpopChallenge(challenge: BearerChallenge): string {
  return `DPoP ${[...challengeParams(challenge), `algs="${DPOP_ALGS.join(' ')}"`].join(', ')}`;
}

function challengeParams(challenge: BearerChallenge): string[] {
  const params = [`realm="${challenge.realm}"`];
  if (challenge.error !== undefined) params.push(`error="${challenge.error}"`);
  if (challenge.description !== undefined) {
    params.push(`error_description="${challenge.description.replace(UNSAFE, "'")}"`);
  }
  if (challenge.scope !== undefined) params.push(`scope="${challenge.scope}"`);
  return params;
}

/**
 * Throws a `TypeError` unless `realm` can stand in a quoted-string as is.
 *
 * @example
 * ```ts
 * assertRealm('deploy-api'); // ok
 * assertRealm('say "hi"'); // throws
 * ```
 */
export function assertRealm(realm: string): void {
  if (typeof realm !== 'string' || realm === '' || realm.replace(UNSAFE, '') !== realm) {
    throw new TypeError('realm must be printable ASCII without " or \\');
  }
}
