import { type JWTHeaderParameters, type JWTVerifyOptions, jwtVerify } from 'jose';
import { accessTokenClaims, type FrostmintClaims } from './claims.ts';
import { checkDpopBinding, type DpopRequest } from './dpop/check.ts';
import { FrostmintVerifyError } from './errors.ts';
import { parseTokenGrammar } from './grammar/compact.ts';
import { accessTokenKid } from './header.ts';
import { fromJoseError } from './jose-errors.ts';
import { type KeySet, staticKeySet } from './jwks/key-set.ts';
import { RemoteKeySet } from './jwks/remote.ts';
import { resolveOptions, type VerifierOptions } from './options.ts';
import { assertScopeTokens, missingScopes } from './scope.ts';

/** Per-call options of `verify`. */
export interface VerifyOptions {
  /** Scopes the token must all carry in its `scope` claim. */
  requiredScopes?: readonly string[];
  /**
   * The DPoP proof sent with the token and the request it must be for (RFC 9449 §4.3). A
   * token bound with `cnf.jkt` is refused without one (`dpop_proof_missing`); a proof with an
   * unbound token is refused too (`dpop_binding_mismatch`).
   */
  dpop?: DpopRequest;
}

/** A token that passed every check. */
export interface VerifiedToken {
  readonly claims: FrostmintClaims;
  readonly header: JWTHeaderParameters;
  /** True when the keys in use are cached ones the issuer could not confirm on the last refresh. */
  readonly stale: boolean;
}

/** Verifies frostmint access tokens locally. */
export interface Verifier {
  /**
   * Resolves with the verified token or rejects with a {@link FrostmintVerifyError}.
   *
   * @example
   * ```ts
   * const { claims, stale } = await verifier.verify(token, { requiredScopes: ['deploy:canary'] });
   * if (stale) metrics.increment('frostmint.jwks_stale');
   * // A DPoP-bound token (Authorization: DPoP <token>, DPoP: <proof>):
   * await verifier.verify(token, { dpop: { proof, htm: 'POST', htu: 'https://api.example/deploy' } });
   * ```
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedToken>;
  /**
   * Stops the background JWKS refresh (its timer never keeps the process alive anyway).
   *
   * @example
   * ```ts
   * server.on('close', () => verifier.close());
   * ```
   */
  close(): void;
}

/**
 * Creates a verifier for frostmint access tokens: the signers' strict token grammar first
 * (canonical base64url, unique JSON member names, size and depth caps, NumericDates, scope
 * syntax; see `@frostmint/sdk/grammar`), then EdDSA (Ed25519) only, `typ: at+jwt`, exact
 * issuer, audience, `exp`/`nbf`/`iat` with bounded skew, `exp − iat` at most
 * `maxTokenLifetime`, DPoP binding (RFC 9449: a `cnf.jkt` token needs a valid, fresh,
 * single-use proof by that key for this request), required scopes, keys from a cached JWKS
 * of prime-order Ed25519 points (see {@link VerifierOptions}). Invalid options throw at once.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'https://mint.example',
 *   audience: 'deploy-api',
 *   jwksUri: 'https://mint.example/.well-known/jwks.json',
 * });
 * const { claims } = await verifier.verify(token, { requiredScopes: ['deploy:canary'] });
 * console.log(claims.sub, claims.scope);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveOptions(options);
  const keySet: KeySet =
    'jwks' in config.keys
      ? staticKeySet(config.keys.jwks)
      : new RemoteKeySet({ ...config, jwksUri: config.keys.jwksUri });
  const joseOptions: JWTVerifyOptions = {
    algorithms: ['EdDSA'],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockTolerance,
    maxTokenAge: config.maxTokenAge,
    requiredClaims: ['exp', 'iat', 'sub'],
  };
  const resolveKey = (header: JWTHeaderParameters) => keySet.resolve(accessTokenKid(header));

  return {
    async verify(token, { requiredScopes = [], dpop } = {}) {
      assertScopeTokens(requiredScopes);
      // The signers' grammar first: jose never sees a token no signer would have signed.
      parseTokenGrammar(token, 3);
      let verified: Awaited<ReturnType<typeof jwtVerify>>;
      try {
        const currentDate = new Date(config.clock());
        verified = await jwtVerify(token, resolveKey, { ...joseOptions, currentDate });
      } catch (err) {
        throw fromJoseError(err);
      }
      const claims = accessTokenClaims(verified.payload, config.maxTokenLifetime);
      // Before scopes: a token used without its key is a 401, whatever it grants.
      await checkDpopBinding(token, claims, dpop, {
        now: config.clock(),
        clockTolerance: config.clockTolerance,
        maxAge: config.dpopMaxAge,
        replayStore: config.dpopReplayStore,
      });
      const missing = missingScopes(claims.scope, requiredScopes);
      if (missing.length > 0) {
        throw new FrostmintVerifyError(
          'token_scope_missing',
          `token lacks scope ${missing.join(' ')}`,
        );
      }
      return { claims, header: verified.protectedHeader, stale: keySet.stale };
    },
    close() {
      keySet.close();
    },
  };
}
