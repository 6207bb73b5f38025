import type { VerifierEvent } from '@frostmint/sdk/jwks';
import type { Logger } from 'pino';

/**
 * Logs the JWKS cache's events of trusted OIDC issuers: refreshes at debug, failures (the
 * cache still in use, or none) as warnings, so running on cached keys is never silent.
 *
 * @example
 * ```ts
 * const verifier = new OidcVerifier(config.oidc, { onEvent: jwksEventLogger(log) });
 * ```
 */
export function jwksEventLogger(log: Logger): (event: VerifierEvent) => void {
  return (event) => {
    if (event.type === 'jwks_refreshed') {
      log.debug({ kids: event.kids }, 'OIDC issuer JWKS refreshed');
    } else {
      log.warn(
        { code: event.error.code, cacheAgeMs: event.cacheAge ?? null, err: event.error.message },
        'OIDC issuer JWKS refresh failed',
      );
    }
  };
}
