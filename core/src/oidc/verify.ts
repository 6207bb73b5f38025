import { createHash } from 'node:crypto';
import { FrostmintVerifyError, type KeySet } from '@frostmint/sdk/jwks';
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { type ErrorCodeWithStatus, UnauthenticatedError, UnavailableError } from '../errors.ts';
import type { OidcConfig, TrustedIssuer } from './config.ts';
import { type IssuerKeySetOptions, issuerKeySet } from './keys.ts';

/** Compact JWS (RFC 7515 §7.1) of bounded size: three base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_ID_TOKEN_BYTES = 16 * 1024;
/** An ID token living longer than this cannot be remembered for replay at bounded cost. */
const MAX_ID_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** An ID token whose signature, issuer, audience and times verified. */
export interface VerifiedIdToken {
  /** The trusted issuer's configuration that accepted it. */
  readonly issuer: TrustedIssuer;
  readonly claims: JWTPayload & { iss: string; sub: string; exp: number; iat: number };
  /**
   * The replay identity: SHA-256 over the issuer and `jti`, or over the whole token when it
   * has no `jti` (base64url). Remember it until {@link expiresAt}.
   */
  readonly replayKey: string;
  /** Unix seconds after which the token is refused anyway (exp + tolerated skew). */
  readonly expiresAt: number;
}

/**
 * Verifies CI ID tokens (OIDC Core §3.1.3.7 as it applies to a relying party receiving a
 * token, not running a login): the issuer must be trusted by configuration, the `alg` pinned
 * for that issuer (never `none` or `HS*`), the signature made by a key of the issuer's JWKS,
 * `aud` the configured audience, `exp`/`nbf`/`iat` within the skew, and the token not older
 * than `maxTokenAgeSeconds`. Replay is the caller's job, with {@link VerifiedIdToken.replayKey}.
 *
 * Errors (all `UnauthenticatedError` unless noted): `oidc_token_malformed`,
 * `oidc_issuer_untrusted`, `oidc_alg_not_allowed`, `oidc_signature_invalid`,
 * `oidc_audience_invalid`, `oidc_token_expired`, `oidc_token_not_yet_valid`,
 * `oidc_token_invalid`, and `UnavailableError` `oidc_jwks_unavailable` while the issuer's keys
 * cannot be had.
 *
 * @example
 * ```ts
 * const verifier = new OidcVerifier(OidcConfigSchema.parse(config.oidc));
 * const verified = await verifier.verify(idToken, Math.floor(Date.now() / 1000));
 * verified.claims.repository; // 'acme/app'
 * ```
 */
export class OidcVerifier {
  readonly #issuers = new Map<string, { issuer: TrustedIssuer; keys: KeySet }>();

  constructor(config: OidcConfig, options: Omit<IssuerKeySetOptions, 'cache'> = {}) {
    for (const issuer of config.issuers) {
      this.#issuers.set(issuer.issuer, {
        issuer,
        keys: issuerKeySet(issuer, { ...options, cache: config }),
      });
    }
  }

  /** Verifies `idToken` at `now` (unix seconds). */
  async verify(idToken: string, now: number): Promise<VerifiedIdToken> {
    if (idToken.length > MAX_ID_TOKEN_BYTES || !COMPACT_JWS.test(idToken)) {
      throw unauthenticated('oidc_token_malformed', 'the ID token is not a compact JWS');
    }
    let alg: unknown;
    let kid: unknown;
    let iss: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(idToken));
      ({ iss } = decodeJwt(idToken));
    } catch (cause) {
      throw unauthenticated('oidc_token_malformed', 'the ID token cannot be decoded', cause);
    }
    const trusted = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
    if (!trusted) {
      throw unauthenticated(
        'oidc_issuer_untrusted',
        `ID tokens from ${printable(iss)} are not accepted here`,
      );
    }
    const { issuer, keys } = trusted;
    // Checked before any key is touched: the algorithm is the issuer's, not the token's.
    if (typeof alg !== 'string' || !(issuer.algorithms as string[]).includes(alg)) {
      throw unauthenticated(
        'oidc_alg_not_allowed',
        `alg ${printable(alg)} is not allowed for ${issuer.issuer} (allowed: ${issuer.algorithms.join(', ')})`,
      );
    }
    if (typeof kid !== 'string' || kid === '') {
      throw unauthenticated('oidc_token_malformed', 'the ID token header has no kid');
    }
    const key = await keys.resolve(kid).catch((err: unknown) => {
      throw keyError(err, issuer);
    });
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(idToken, key, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        clockTolerance: issuer.clockSkewSeconds,
        maxTokenAge: issuer.maxTokenAgeSeconds,
        currentDate: new Date(now * 1000),
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } catch (err) {
      throw joseError(err);
    }
    const checked = claims as VerifiedIdToken['claims'];
    if (typeof checked.sub !== 'string' || checked.sub === '' || checked.sub.length > 256) {
      throw unauthenticated('oidc_token_invalid', 'the ID token sub is empty or too long');
    }
    if (checked.exp - checked.iat > MAX_ID_TOKEN_LIFETIME_SECONDS) {
      throw unauthenticated('oidc_token_invalid', 'the ID token lives longer than 24 h');
    }
    const replayKey = createHash('sha256')
      .update(
        typeof checked.jti === 'string' && checked.jti !== ''
          ? `jti\0${issuer.issuer}\0${checked.jti}`
          : `token\0${idToken}`,
      )
      .digest('base64url');
    return { issuer, claims: checked, replayKey, expiresAt: checked.exp + issuer.clockSkewSeconds };
  }

  /** Stops background JWKS refreshes. */
  close(): void {
    for (const { keys } of this.#issuers.values()) keys.close();
  }
}

function keyError(err: unknown, issuer: TrustedIssuer) {
  if (err instanceof FrostmintVerifyError && err.code === 'token_kid_unknown') {
    return unauthenticated(
      'oidc_signature_invalid',
      `no key of ${issuer.issuer} matches the ID token's kid`,
      err,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new UnavailableError(
    'oidc_jwks_unavailable',
    `the keys of ${issuer.issuer} are unavailable: ${message}`,
    { cause: err },
  );
}

/** Maps jose's verification errors to stable codes (messages carry no token material). */
function joseError(err: unknown) {
  if (err instanceof errors.JWTExpired) {
    return unauthenticated('oidc_token_expired', 'the ID token has expired', err);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') {
      return unauthenticated('oidc_audience_invalid', 'the ID token is not for this audience', err);
    }
    if (err.claim === 'nbf') {
      return unauthenticated('oidc_token_not_yet_valid', 'the ID token is not valid yet', err);
    }
    return unauthenticated(
      'oidc_token_invalid',
      `ID token claim check failed: ${err.message}`,
      err,
    );
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated('oidc_signature_invalid', 'the ID token signature does not verify', err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated('oidc_alg_not_allowed', 'the ID token alg is not allowed', err);
  }
  return unauthenticated('oidc_token_invalid', 'the ID token is invalid', err);
}

function unauthenticated(code: ErrorCodeWithStatus<401>, message: string, cause?: unknown) {
  return new UnauthenticatedError(code, message, { cause });
}

/** A claim for an error message: strings cut short, nothing else echoed. */
function printable(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : '(none)';
}
