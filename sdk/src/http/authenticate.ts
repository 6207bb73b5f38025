import { FrostmintVerifyError } from '../errors.ts';
import { assertScopeTokens } from '../scope.ts';
import type { VerifiedToken, Verifier } from '../verifier.ts';
import { assertRealm, type BearerChallenge, bearerChallenge, dpopChallenge } from './challenge.ts';

/** Options of the Express and Fastify adapters. */
export interface BearerAuthOptions {
  /** The `realm` of the `WWW-Authenticate` challenge. Default `frostmint`. */
  realm?: string;
  /** Scopes every request through this middleware must carry. */
  requiredScopes?: readonly string[];
  /**
   * This service's public origin as clients address it, e.g. `https://api.example`: DPoP
   * proofs must name `origin + path` as `htu` (RFC 9449 §4.3 step 9). Set it behind a proxy
   * or load balancer. Default: the request's own scheme and `Host` header, which a client
   * chooses, so a proof made for another service on the same path could then be accepted.
   */
  origin?: string;
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

/** What the middleware reads from one request. */
export interface AuthRequest {
  /** The `Authorization` header value. */
  readonly authorization: string | undefined;
  /** The `DPoP` header value(s). */
  readonly dpop: string | readonly string[] | undefined;
  /** The request method. */
  readonly method: string;
  /** The request's absolute URI (origin and path; the query is ignored for DPoP). */
  readonly url: string;
}

/** Authenticates one request. */
export type Authenticate = (request: AuthRequest) => Promise<AuthOutcome>;

/**
 * RFC 6750 §2.1 `Bearer` or RFC 9449 §7.1 `DPoP` (any case) and one or more spaces, then the
 * credential. RFC 6750's b64token also allows `~+/=`, but a frostmint token is a compact JWS
 * (RFC 7515 §7.1): only base64url characters and dots, never padding. Anything else is
 * refused here; the token grammar checks the rest.
 */
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9_.-]+)$/i;
const SCHEME = /^(bearer|dpop)(\s|$)/i;

/**
 * The framework-neutral core of the middleware (RFC 6750 §3, RFC 9449 §7): no credentials →
 * 401 with a bare challenge; `Authorization: DPoP` → the token and the `DPoP` proof header
 * verified together for this method and URI; `Authorization: Bearer` → the token alone,
 * which refuses a DPoP-bound (`cnf`) token; an invalid token → 401 `invalid_token`; an
 * invalid or replayed proof → 401 `DPoP error="invalid_dpop_proof"`; missing scopes → 403
 * `insufficient_scope` naming the required scopes; keys unavailable or stale → 503 (the token
 * may be fine, so the client must not be told to re-mint). Options are checked here, at
 * startup. Errors that are not verification failures (bugs) reject.
 *
 * @example
 * ```ts
 * const authenticate = bearerAuthenticator(verifier, { realm: 'deploy-api', origin: 'https://api.example' });
 * const outcome = await authenticate({ authorization, dpop, method: 'POST', url: 'https://api.example/deploy' });
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

  return async (request) => {
    const { authorization } = request;
    if (authorization === undefined || !SCHEME.test(authorization)) {
      const error = { error: 'token_missing', message: 'a Bearer or DPoP token is required' };
      return reject(401, bearerChallenge({ realm }), error);
    }
    const dpopScheme = /^dpop/i.test(authorization);
    try {
      const token = CREDENTIALS.exec(authorization)?.[2];
      if (token === undefined) {
        throw new FrostmintVerifyError(
          'token_malformed',
          `the ${dpopScheme ? 'DPoP' : 'Bearer'} credential is not a compact JWS (base64url segments and dots only, no padding)`,
        );
      }
      const dpop = dpopScheme ? dpopRequest(request) : undefined;
      return { ok: true, token: await verifier.verify(token, { requiredScopes, dpop }) };
    } catch (err) {
      if (!(err instanceof FrostmintVerifyError)) throw err;
      const description = err.message;
      const challenge = (params: Omit<BearerChallenge, 'realm'>) =>
        dpopScheme || err.code.startsWith('dpop_')
          ? dpopChallenge({ realm, ...params })
          : bearerChallenge({ realm, ...params });
      if (err.code === 'token_scope_missing') {
        return reject(
          403,
          challenge({ error: 'insufficient_scope', description, scope }),
          err.toJSON(),
        );
      }
      if (err.code.startsWith('jwks_'))
        return { ok: false, status: 503, headers: {}, body: err.toJSON() };
      // RFC 9449 §7.1: a bad proof is invalid_dpop_proof; a bad or unproven binding, invalid_token.
      const proofError = err.code === 'dpop_proof_invalid' || err.code === 'dpop_proof_replayed';
      const error = proofError ? 'invalid_dpop_proof' : 'invalid_token';
      return reject(401, challenge({ error, description }), err.toJSON());
    }
  };
}

/**
 * The proof of an `Authorization: DPoP` request. RFC 9449 §4.3 step 1: exactly one `DPoP`
 * header. Node joins repeated unknown headers with `, ` (a proof has no comma); a framework
 * may hand an array.
 */
function dpopRequest(request: AuthRequest): { proof: string; htm: string; htu: string } {
  const header = request.dpop;
  if (header === undefined || header === '') {
    throw new FrostmintVerifyError('dpop_proof_missing', 'Authorization: DPoP needs a DPoP header');
  }
  if (typeof header !== 'string' || header.includes(',')) {
    throw new FrostmintVerifyError(
      'dpop_proof_invalid',
      'DPoP proof invalid: more than one DPoP header',
    );
  }
  return { proof: header, htm: request.method, htu: request.url };
}

/**
 * The absolute URI a request was addressed to: `origin` when configured, else its scheme and
 * `Host` header, then the path as received (see {@link BearerAuthOptions.origin}).
 *
 * @example
 * ```ts
 * requestUri({ origin: 'https://api.example' }, false, undefined, '/deploy?x=1'); // 'https://api.example/deploy?x=1'
 * ```
 */
export function requestUri(
  options: Pick<BearerAuthOptions, 'origin'>,
  encrypted: boolean,
  host: string | undefined,
  path: string,
): string {
  const origin = options.origin ?? `${encrypted ? 'https' : 'http'}://${host ?? 'invalid.'}`;
  return `${origin.replace(/\/+$/, '')}${path}`;
}

function reject(status: 401 | 403, challenge: string, body: AuthErrorBody): AuthOutcome {
  return { ok: false, status, headers: { 'www-authenticate': challenge }, body };
}
