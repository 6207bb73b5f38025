import { ForbiddenError } from '../errors.ts';
import { MAX_TOKEN_TTL_SECONDS, type TokenClaims, type TokenHeader } from './claims.ts';

/** What a signer (or the coordinator, before asking) requires of a token it co-signs. */
export interface TokenSigningRules {
  /** The group key's kid; the header must name exactly this key. */
  readonly kid: string;
  /** The only `iss` this deployment issues. */
  readonly issuer: string;
  /** Lifetime cap in seconds (≤ 900). */
  readonly maxTtlSeconds: number;
  /** Allowed distance between `iat` and the checker's clock, in seconds. */
  readonly clockSkewSeconds: number;
  /** The checker's current time, unix seconds. */
  readonly now: number;
  /**
   * How far `iat` may lie in the past: a prepared request waiting for the engineer's tap
   * (its claims are fixed when it is prepared). Defaults to `clockSkewSeconds`.
   */
  readonly maxAgeSeconds?: number;
}

/**
 * Refuses a token the quorum must not sign: wrong key, wrong issuer, lifetime above the
 * cap, `iat` away from the checker's clock, or incoherent `nbf`/`exp`. Throws
 * `ForbiddenError` with codes `token_kid_mismatch`, `token_issuer_mismatch`,
 * `token_ttl_exceeded`, `token_time_invalid`, `token_iat_skew`.
 *
 * @example
 * ```ts
 * const { header, claims } = parseSigningInput(request.message);
 * checkTokenForSigning(header, claims, { kid, issuer, maxTtlSeconds: 900, clockSkewSeconds: 30, now });
 * ```
 */
export function checkTokenForSigning(
  header: TokenHeader,
  claims: TokenClaims,
  rules: TokenSigningRules,
): void {
  if (header.kid !== rules.kid) {
    throw new ForbiddenError(
      'token_kid_mismatch',
      `token names key ${header.kid}, this group's key is ${rules.kid}`,
    );
  }
  if (claims.iss !== rules.issuer) {
    throw new ForbiddenError(
      'token_issuer_mismatch',
      `token issuer ${claims.iss} is not ${rules.issuer}`,
    );
  }
  const cap = Math.min(rules.maxTtlSeconds, MAX_TOKEN_TTL_SECONDS);
  const ttl = claims.exp - claims.iat;
  if (ttl > cap) {
    throw new ForbiddenError(
      'token_ttl_exceeded',
      `token lifetime ${ttl} s exceeds the ${cap} s cap`,
    );
  }
  if (ttl <= 0 || claims.nbf < claims.iat || claims.nbf >= claims.exp) {
    throw new ForbiddenError('token_time_invalid', 'token needs iat ≤ nbf < exp');
  }
  const maxAge = Math.max(rules.maxAgeSeconds ?? 0, rules.clockSkewSeconds);
  if (claims.iat - rules.now > rules.clockSkewSeconds || rules.now - claims.iat > maxAge) {
    throw new ForbiddenError(
      'token_iat_skew',
      `token iat is ${claims.iat - rules.now} s from this signer's clock (allowed +${rules.clockSkewSeconds} s, -${maxAge} s)`,
    );
  }
}
