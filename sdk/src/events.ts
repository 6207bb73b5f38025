import type { FrostmintVerifyError } from './errors.ts';

/** What the JWKS cache reports through `onEvent`; times are milliseconds. */
export type VerifierEvent =
  | {
      readonly type: 'jwks_refreshed';
      /** The kids now trusted. */
      readonly kids: readonly string[];
    }
  | {
      readonly type: 'jwks_refresh_failed';
      readonly error: FrostmintVerifyError;
      /** Age of the cache still in use, or `undefined` when no JWKS was ever fetched. */
      readonly cacheAge: number | undefined;
    };

/**
 * The default `onEvent`: stays quiet on success and warns on stderr when the issuer cannot
 * be reached, so a service running on cached keys never does so silently.
 *
 * @example
 * ```ts
 * createVerifier({ issuer, audience, jwksUri, onEvent: (e) => { metrics.count(e.type); warnOnFailure(e); } });
 * ```
 */
export function warnOnFailure(event: VerifierEvent): void {
  if (event.type !== 'jwks_refresh_failed') return;
  const cache =
    event.cacheAge === undefined
      ? 'no keys cached yet'
      : `still verifying with keys cached ${Math.round(event.cacheAge / 1000)} s ago`;
  console.warn(`[@frostmint/sdk] ${event.error.code}: ${event.error.message}; ${cache}`);
}
