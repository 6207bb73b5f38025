import {
  type GroupConfig,
  type GroupJwk,
  groupJwk,
  InvalidRequestError,
  parseGroupConfig,
} from '@frostmint/core';
import type { StoredGroupConfig } from '../storage/index.ts';

/** The largest clock tolerance verifiers accept (the SDKs' cap): a retired key outlives its tokens by it. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;
/**
 * How long a verifier may serve the JWKS from its cache: the JWKS is sent with
 * `max-age=300` and the SDKs refresh every 5 minutes. A next key is published at least this
 * long before it signs; a retired key stays this long after its last token expired.
 */
export const JWKS_CACHE_SECONDS = 300;

/** One stored group configuration, checked, with the JWK it publishes. */
export interface KeyringEntry {
  readonly row: StoredGroupConfig;
  readonly config: GroupConfig;
  readonly jwk: GroupJwk;
}

/**
 * The keys the JWKS publishes across a rotation (like Vault's `verification_ttl`), read
 * from the stored group configurations (`group_configs`), so every coordinator sharing the
 * store publishes the same set:
 *
 * - **current** — the group key that signs now;
 * - **next** — a new DKG's key, published before it signs anything, so verifiers' caches
 *   hold it by the switch;
 * - **retired** — a key that signed before the current one, published until its
 *   `publishUntil` (its last token's expiry plus clock tolerance and cache window), then
 *   never again.
 *
 * @example
 * ```ts
 * const keyring = await JwksKeyring.fromStored(await store.groups.list());
 * app.get('/.well-known/jwks.json', () => ({ keys: keyring.keys() }));
 * ```
 */
export class JwksKeyring {
  private constructor(
    readonly entries: readonly KeyringEntry[],
    private readonly now: () => number,
  ) {}

  /**
   * Checks every stored configuration again (a version-2 configuration must be signed by
   * its own key, every kid must be its key's RFC 7638 thumbprint) and builds the keyring.
   * Throws `group_config_invalid` or `group_config_unsigned`: a keyring is never built
   * from a row that does not check.
   *
   * @example
   * ```ts
   * const keyring = await JwksKeyring.fromStored(rows, Date.now);
   * ```
   */
  static async fromStored(
    rows: readonly StoredGroupConfig[],
    now: () => number = Date.now,
  ): Promise<JwksKeyring> {
    const entries = await Promise.all(
      rows.map(async (row) => {
        const source = `stored group configuration ${row.kid} epoch ${row.epoch}`;
        const config = await parseGroupConfig(row.config, source);
        const jwk = await groupJwk(Buffer.from(config.groupKey, 'base64url'));
        if (jwk.kid !== config.kid || config.kid !== row.kid) {
          throw new InvalidRequestError('group_config_invalid', `${source}: kid does not match`);
        }
        return { row, config, jwk };
      }),
    );
    return new JwksKeyring(entries, now);
  }

  /** The configuration that signs now, if any. */
  get current(): KeyringEntry | undefined {
    return this.entries.find((e) => e.row.state === 'current');
  }

  /** The published keys: current first, then next, then retired ones still within their retention. */
  keys(): GroupJwk[] {
    const at = this.now();
    const of = (state: StoredGroupConfig['state']) =>
      this.entries.filter((e) => e.row.state === state);
    const retired = of('retired').filter((e) => (e.row.publishUntil?.getTime() ?? 0) > at);
    return [...of('current'), ...of('next'), ...retired].map((e) => e.jwk);
  }
}
