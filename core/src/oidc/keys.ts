import {
  ed25519JwkProblem,
  FrostmintVerifyError,
  fetchJwks,
  type KeyMap,
  type KeySet,
  RemoteKeySet,
  staticKeySet,
} from '@frostmint/sdk/jwks';
import { type CryptoKey, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import {
  type OidcAlgorithm,
  type OidcConfig,
  SecureUrlSchema,
  type TrustedIssuer,
} from './config.ts';

/** The algorithm a JWK is imported for: its own `alg`, else the first pinned one its type fits. */
function algorithmFor(jwk: JWK, pinned: readonly OidcAlgorithm[]): OidcAlgorithm | undefined {
  if (jwk.alg !== undefined) {
    return pinned.find((alg) => alg === jwk.alg);
  }
  return pinned.find((alg) => {
    if (jwk.kty === 'RSA') return alg.startsWith('RS') || alg.startsWith('PS');
    if (jwk.kty === 'EC') {
      return (
        (jwk.crv === 'P-256' && alg === 'ES256') ||
        (jwk.crv === 'P-384' && alg === 'ES384') ||
        (jwk.crv === 'P-521' && alg === 'ES512')
      );
    }
    return jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && alg === 'EdDSA';
  });
}

/**
 * Imports the signature keys of an OIDC issuer's JWKS for the algorithms pinned to that
 * issuer. Each key is bound to one algorithm at import (WebCrypto keys carry it), so a token
 * cannot make a key verify under another algorithm. Keys for other algorithms or uses are
 * skipped; a set without one usable key, or with private material, a repeated `kid` or an
 * Ed25519 key that is not a prime-order point (`ed25519JwkProblem`), is invalid as a whole
 * (`jwks_invalid`) and never replaces a good cache.
 *
 * @example
 * ```ts
 * const keys = await importIssuerKeys(await (await fetch(jwksUri)).json(), ['RS256']);
 * ```
 */
export async function importIssuerKeys(
  document: unknown,
  algorithms: readonly OidcAlgorithm[],
): Promise<KeyMap> {
  const keys = (document as Partial<JSONWebKeySet> | null)?.keys;
  if (!Array.isArray(keys)) throw invalid('the JWKS has no "keys" array');
  const imported = new Map<string, CryptoKey>();
  for (const jwk of keys as JWK[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    const alg = algorithmFor(jwk, algorithms);
    if (alg === undefined) continue;
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw invalid('a signing key has no kid');
    if ('d' in jwk || 'k' in jwk) throw invalid(`key ${jwk.kid} carries private key material`);
    if (imported.has(jwk.kid)) throw invalid(`kid ${jwk.kid} appears twice`);
    const problem = alg === 'EdDSA' ? ed25519JwkProblem(jwk.x) : undefined;
    if (problem !== undefined) throw invalid(`key ${jwk.kid} is ${problem}`);
    try {
      imported.set(jwk.kid, (await importJWK(jwk, alg)) as CryptoKey);
    } catch (cause) {
      throw invalid(`key ${jwk.kid} cannot be imported for ${alg}`, cause);
    }
  }
  if (imported.size === 0) {
    throw invalid(`the JWKS has no key for the pinned algorithms ${algorithms.join(', ')}`);
  }
  return imported;
}

/** What a key set needs besides the issuer: the cache settings and the clock (ms). */
export interface IssuerKeySetOptions {
  readonly cache: Pick<
    OidcConfig,
    'refreshIntervalSeconds' | 'maxStalenessSeconds' | 'cooldownSeconds' | 'fetchTimeoutMs'
  >;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
  readonly onEvent?: ConstructorParameters<typeof RemoteKeySet>[0]['onEvent'];
}

/**
 * The keys of one trusted issuer: the pinned JWKS when configured, else the JWKS found by
 * OIDC Discovery (or at `jwksUri`), cached with the SDK's outage behaviour (background
 * refresh, refresh on unknown `kid` with a cooldown, cached keys kept for
 * `maxStalenessSeconds` while the issuer is unreachable, then fail closed).
 *
 * @example
 * ```ts
 * const keys = issuerKeySet(issuer, { cache: config });
 * const key = await keys.resolve(header.kid);
 * ```
 */
export function issuerKeySet(issuer: TrustedIssuer, options: IssuerKeySetOptions): KeySet {
  const importKeys = (document: unknown) => importIssuerKeys(document, issuer.algorithms);
  if (issuer.jwks) return staticKeySet(issuer.jwks as JSONWebKeySet, importKeys);
  return new DiscoveredKeySet(issuer, options, importKeys);
}

/**
 * OIDC Discovery 1.0 §4: the JWKS URL comes from `<issuer>/.well-known/openid-configuration`,
 * whose `issuer` must equal the configured one exactly (§4.3). Discovery runs on first use
 * and is retried after `cooldownSeconds` when it fails; the key set it finds is then a
 * {@link RemoteKeySet}.
 */
class DiscoveredKeySet implements KeySet {
  #remote: Promise<RemoteKeySet> | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly issuer: TrustedIssuer,
    private readonly options: IssuerKeySetOptions,
    private readonly importKeys: (document: unknown) => Promise<KeyMap>,
  ) {}

  get stale(): boolean {
    return false;
  }

  async resolve(kid: string): Promise<CryptoKey> {
    const clock = this.options.clock ?? Date.now;
    if (this.#remote === undefined) {
      if (clock() - this.#failedAt < this.options.cache.cooldownSeconds * 1000) {
        throw new FrostmintVerifyError(
          'jwks_unavailable',
          `discovery of ${this.issuer.issuer} failed recently; retrying after the cooldown`,
        );
      }
      this.#remote = this.#discover();
      this.#remote.catch(() => {
        this.#remote = undefined;
        this.#failedAt = clock();
      });
    }
    return (await this.#remote).resolve(kid);
  }

  close(): void {
    this.#closed = true;
    void this.#remote?.then(
      (r) => r.close(),
      () => {},
    );
  }

  async #discover(): Promise<RemoteKeySet> {
    const { cache, fetch: get = fetch, clock = Date.now, onEvent = () => {} } = this.options;
    const fetchOptions = { fetch: get, timeout: cache.fetchTimeoutMs };
    let jwksUri = this.issuer.jwksUri;
    if (jwksUri === undefined) {
      const base = this.issuer.issuer.replace(/\/$/, '');
      const url = new URL(`${base}/.well-known/openid-configuration`);
      const metadata = (await fetchJwks(url, fetchOptions)) as {
        issuer?: unknown;
        jwks_uri?: unknown;
      } | null;
      if (metadata?.issuer !== this.issuer.issuer || typeof metadata.jwks_uri !== 'string') {
        throw new FrostmintVerifyError(
          'jwks_invalid',
          `discovery document at ${url} does not name issuer ${this.issuer.issuer} with a jwks_uri`,
        );
      }
      jwksUri = metadata.jwks_uri;
      if (!SecureUrlSchema.safeParse(jwksUri).success) {
        throw new FrostmintVerifyError(
          'jwks_invalid',
          `discovery of ${this.issuer.issuer} names an insecure jwks_uri ${jwksUri}`,
        );
      }
    }
    const remote = new RemoteKeySet({
      ...fetchOptions,
      jwksUri: new URL(jwksUri),
      refreshInterval: cache.refreshIntervalSeconds * 1000,
      cooldown: cache.cooldownSeconds * 1000,
      maxStaleness: cache.maxStalenessSeconds * 1000,
      clock,
      onEvent,
      importKeys: this.importKeys,
    });
    if (this.#closed) remote.close();
    return remote;
  }
}

function invalid(message: string, cause?: unknown): FrostmintVerifyError {
  return new FrostmintVerifyError('jwks_invalid', message, { cause });
}
