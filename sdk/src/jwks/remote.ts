import type { CryptoKey } from 'jose';
import { FrostmintVerifyError } from '../errors.ts';
import type { VerifierEvent } from '../events.ts';
import { fetchJwks, type JwksFetchOptions } from './fetch.ts';
import { importKeySet, type KeyMap } from './import.ts';
import { type KeySet, unknownKid } from './key-set.ts';

/** How a {@link RemoteKeySet} fetches, caches and reports; times in milliseconds. */
export interface RemoteKeySetOptions extends JwksFetchOptions {
  readonly jwksUri: URL;
  readonly refreshInterval: number;
  readonly cooldown: number;
  readonly maxStaleness: number;
  readonly clock: () => number;
  readonly onEvent: (event: VerifierEvent) => void;
  /**
   * Turns a fetched JWKS document into keys. Default: the Ed25519 keys of a frostmint
   * issuer ({@link importKeySet}); an OIDC relying party passes one for its pinned algorithms.
   */
  readonly importKeys?: (document: unknown) => Promise<KeyMap>;
}

/**
 * The issuer's JWKS, imported once per fetch and cached in memory, out of the request path:
 *
 * - refreshed in the background every `refreshInterval` (a timer, and on use once due);
 * - an unknown `kid` triggers a refresh, but fetches never start closer than `cooldown`
 *   apart and concurrent callers share one fetch;
 * - a failed refresh keeps the cached keys (results say `stale: true`, `onEvent` is told)
 *   until `maxStaleness` after the last success; beyond it, verification fails closed with
 *   `jwks_stale`.
 *
 * @example
 * ```ts
 * const keys = new RemoteKeySet({ jwksUri, refreshInterval: 300_000, cooldown: 30_000,
 *   maxStaleness: 86_400_000, timeout: 5_000, fetch, clock: Date.now, onEvent: console.log });
 * const key = await keys.resolve(kid); // keys.stale: the last refresh failed
 * ```
 */
export class RemoteKeySet implements KeySet {
  readonly #options: RemoteKeySetOptions;
  readonly #timer: ReturnType<typeof setInterval>;
  #keys: KeyMap | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #lastError: FrostmintVerifyError | undefined;
  #inflight: Promise<void> | undefined;

  constructor(options: RemoteKeySetOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.#refresh(), options.refreshInterval);
    this.#timer.unref();
  }

  async resolve(kid: string): Promise<CryptoKey> {
    const age = this.#options.clock() - this.#fetchedAt;
    if (age > this.#options.maxStaleness) await this.#refresh();
    else if (age >= this.#options.refreshInterval) void this.#refresh();
    let key = this.#usableKeys().get(kid);
    if (key === undefined) {
      await this.#refresh();
      key = this.#usableKeys().get(kid);
    }
    if (key === undefined) throw unknownKid();
    return key;
  }

  get stale(): boolean {
    return this.#lastError !== undefined;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** The cached keys, unless there are none or they are older than `maxStaleness`. */
  #usableKeys(): KeyMap {
    const { jwksUri, clock, maxStaleness } = this.#options;
    const reason = this.#lastError?.message ?? 'no fetch yet';
    if (this.#keys === undefined) {
      throw new FrostmintVerifyError('jwks_unavailable', `no JWKS from ${jwksUri}: ${reason}`, {
        cause: this.#lastError,
      });
    }
    const age = clock() - this.#fetchedAt;
    if (age > maxStaleness) {
      throw new FrostmintVerifyError(
        'jwks_stale',
        `cached JWKS is ${Math.round(age / 1000)} s old, beyond maxStaleness: ${reason}`,
        { cause: this.#lastError },
      );
    }
    return this.#keys;
  }

  /** Joins the fetch in flight, or starts one unless the last began within `cooldown`. */
  #refresh(): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    const now = this.#options.clock();
    if (now - this.#attemptedAt < this.#options.cooldown) return Promise.resolve();
    this.#attemptedAt = now;
    this.#inflight = this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** One fetch; never rejects: the outcome is recorded and reported. */
  async #load(): Promise<void> {
    const { jwksUri, clock, onEvent } = this.#options;
    try {
      const importKeys = this.#options.importKeys ?? importKeySet;
      const keys = await importKeys(await fetchJwks(jwksUri, this.#options));
      this.#keys = keys;
      this.#fetchedAt = clock();
      this.#lastError = undefined;
      onEvent({ type: 'jwks_refreshed', kids: [...keys.keys()] });
    } catch (err) {
      const error =
        err instanceof FrostmintVerifyError
          ? err
          : new FrostmintVerifyError('jwks_invalid', `JWKS from ${jwksUri} rejected`, {
              cause: err,
            });
      this.#lastError = error;
      const cacheAge = this.#keys === undefined ? undefined : clock() - this.#fetchedAt;
      onEvent({ type: 'jwks_refresh_failed', error, cacheAge });
    }
  }
}
