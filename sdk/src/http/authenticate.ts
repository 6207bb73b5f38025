import { FrostmintVerifyError } from '../errors.ts';
import { assertScopeTokens } from '../scope.ts';
import type { VerifiedToken, Verifier } from '../verifier.ts';
import { assertRealm, bearerChallenge } from './challenge.ts';

/** Options of the Express and Fastify adapters. */
export interface BearerAuthOptions {
  /** The `realm` of the `WWW-Authenticate` challenge. Default `frostmint`. */
  realm?: string;
  /** Scopes every request through this middleware must carry. */
  requiredScopes?: readonly string[];
}

/** The JSON body of a rejection: frostmint's `{error, message}` with a stable code. */
export interface AuthErrorBody {
  readonly error: string;
  readonly message: string;
}

/** What to answer: go on with the verified token, or reject with this status and headers. */
export type AuthOutcome =
  | { readonly ok: true; readonly token: VerifiedToken }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: AuthErrorBody;
    };

/** Authenticates one request from its `Authorization` header value. */
export type Authenticate = (authorization: string | undefined) => Promise<AuthOutcome>;

/**
 * RFC 6750 §2.1 `Bearer` (any case) and one or more spaces, then the credential. RFC 6750's
 * b64token also allows `~+/=`, but a frostmint token is a compact JWS (RFC 7515 §7.1): only
 * base64url characters and dots, never padding. Anything else is refused here; the token
 * grammar checks the rest.
 */
const BEARER = /^Bearer +([A-Za-z0-9_.-]+)$/i;

/**
 * The framework-neutral core of the middleware (RFC 6750 §3): no bearer credentials → 401
 * with a bare challenge; an invalid token → 401 `invalid_token`; missing scopes → 403
 * `insufficient_scope` naming the required scopes; keys unavailable or stale → 503 (the
 * token may be fine, so the client must not be told to re-mint). Options are checked here,
 * at startup. Errors that are not verification failures (bugs) reject.
 *
 * @example
 * ```ts
 * const authenticate = bearerAuthenticator(verifier, { realm: 'deploy-api' });
 * const outcome = await authenticate(req.headers.authorization);
 * if (!outcome.ok) reply(outcome.status, outcome.headers, outcome.body);
 * ```
 */
export function bearerAuthenticator(
  verifier: Verifier,
  options: BearerAuthOptions = {},
): Authenticate {
  const { realm = 'frostmint', requiredScopes = [] } = options;
  assertRealm(realm);
  assertScopeTokens(requiredScopes);
  const scope = requiredScopes.join(' ');

  return async (authorization) => {
    if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) {
      const error = { error: 'token_missing', message: 'a Bearer token is required' };
      return reject(401, bearerChallenge({ realm }), error);
    }
    try {
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined) {
        throw new FrostmintVerifyError(
          'token_malformed',
          'the Bearer credential is not a compact JWS (base64url segments and dots only, no padding)',
        );
      }
      return { ok: true, token: await verifier.verify(token, { requiredScopes }) };
    } catch (err) {
      if (!(err instanceof FrostmintVerifyError)) throw err;
      const description = err.message;
      if (err.code === 'token_scope_missing') {
        const challenge = { realm, error: 'insufficient_scope', description, scope } as const;
        return reject(403, bearerChallenge(challenge), err.toJSON());
      }
      if (err.code.startsWith('jwks_'))
        return { ok: false, status: 503, headers: {}, body: err.toJSON() };
      const challenge = bearerChallenge({ realm, error: 'invalid_token', description });
      return reject(401, challenge, err.toJSON());
    }
  };
}

function reject(status: 401 | 403, challenge: string, body: AuthErrorBody): AuthOutcome {
  return { ok: false, status, headers: { 'www-authenticate': challenge }, body };
}
