import type { CryptoKey, JSONWebKeySet } from 'jose';
import { FrostmintVerifyError } from '../errors.ts';
import { importKeySet, type KeyMap } from './import.ts';

/** Where verification keys come from: a fixed JWKS or the issuer's JWKS endpoint. */
export interface KeySet {
  /** The key for `kid`; rejects with `token_kid_unknown` or a `jwks_*` code. */
  resolve(kid: string): Promise<CryptoKey>;
  /** True while the last JWKS refresh failed and cached keys are in use. */
  readonly stale: boolean;
  /** Stops background work. */
  close(): void;
}

/**
 * A key set fixed at startup, for deployments that pin the group key (it survives share
 * refresh and signer replacement) or that cannot reach the issuer. Keys are imported once,
 * on first use, by `importKeys` (frostmint's Ed25519 keys by default).
 *
 * @example
 * ```ts
 * const keys = staticKeySet({ keys: [groupJwk] });
 * const key = await keys.resolve(groupJwk.kid);
 * ```
 */
export function staticKeySet(
  jwks: JSONWebKeySet,
  importKeys: (document: unknown) => Promise<KeyMap> = importKeySet,
): KeySet {
  let imported: Promise<KeyMap> | undefined;
  return {
    async resolve(kid) {
      imported ??= importKeys(jwks);
      const key = (await imported).get(kid);
      if (key === undefined) throw unknownKid();
      return key;
    },
    stale: false,
    close() {},
  };
}

/**
 * The error for a `kid` absent from the (refreshed) key set.
 *
 * @example
 * ```ts
 * if (key === undefined) throw unknownKid();
 * ```
 */
export function unknownKid(): FrostmintVerifyError {
  return new FrostmintVerifyError(
    'token_kid_unknown',
    "no key in the issuer's JWKS matches the token's kid",
  );
}
