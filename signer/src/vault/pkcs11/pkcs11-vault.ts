import { FrostmintError, UnavailableError } from '@frostmint/core';
import type { KeyRef, Pkcs11Token } from '@frostmint/pkcs11';
import { VaultError, VaultUnavailableError } from '../errors.ts';
import {
  readSealedShare,
  SEALED_SHARE_FORMAT,
  SEALED_SHARE_VERSION,
  type SealedShare,
  sealedShareExists,
  sealedSharePath,
  useThenZero,
  writeSealedShare,
} from '../sealed-file.ts';
import type { ShareBinding, ShareVault, VaultHealth } from '../types.ts';
import { type EcdhSealed, ecdhOpen, ecdhSeal, sealedRecipient } from './ecdh-seal.ts';

export interface Pkcs11VaultOptions {
  /** Directory holding the sealed share files. */
  readonly dir: string;
  /** The token client; the vault owns it from now on and closes it in `close()`. */
  readonly token: Pkcs11Token;
  /** The sealing key on the token: an EC P-256 key allowed to derive (PIV slot 9d: id `03`). */
  readonly key: KeyRef;
}

/**
 * The production share vault: each share is sealed (AES-256-GCM, key from HKDF-SHA256 over
 * ECDH P-256) to a key that never leaves a YubiKey, an HSM or a SoftHSM2 token, in the
 * common sealed-share file format. `store` reads the public key off the token, seals, and
 * proves the token can open the result before writing it. `withShare` runs ECDH on the
 * token (`CKM_ECDH1_DERIVE`) and zeroes the secret, the key and the plaintext after use.
 *
 * Token trouble surfaces as `VaultUnavailableError` (`pkcs11_token_not_present`,
 * `pkcs11_token_unavailable`, `pkcs11_module_unavailable`, `pkcs11_timeout`); PIN, key and
 * mechanism problems as the typed `Pkcs11Error`s; file problems as `VaultError`.
 *
 * @example
 * ```ts
 * const vault = new Pkcs11ShareVault({
 *   dir: '/var/lib/frostmint/signer',
 *   token: Pkcs11Token.open({ module, token: { label: 'signer-1' }, pin: { file: pinPath } }),
 *   key: { id: Buffer.from([0x03]) },
 * });
 * await vault.store({ kid, signerId: 1 }, share);
 * const sig = await vault.withShare({ kid, signerId: 1 }, (s) => signWith(s));
 * ```
 */
export class Pkcs11ShareVault implements ShareVault {
  readonly kind = 'pkcs11';
  readonly #dir: string;
  readonly #token: Pkcs11Token;
  readonly #key: KeyRef;

  constructor(options: Pkcs11VaultOptions) {
    this.#dir = options.dir;
    this.#token = options.token;
    this.#key = options.key;
  }

  async store(binding: ShareBinding, share: Uint8Array): Promise<void> {
    const { point: rpk } = await this.#tokenCall(() => this.#token.publicKey(this.#key));
    const sealed = ecdhSeal(rpk, binding, share);
    const check = await this.#open(sealed, binding);
    const roundTrips = check.equals(share);
    check.fill(0);
    if (!roundTrips)
      throw new VaultError(
        'vault_unseal_failed',
        'the token could not open the share it was sealed to',
      );
    const doc: SealedShare = {
      format: SEALED_SHARE_FORMAT,
      version: SEALED_SHARE_VERSION,
      vault: this.kind,
      ...sealed,
    };
    await writeSealedShare(sealedSharePath(this.#dir, binding), doc);
  }

  async withShare<T>(
    binding: ShareBinding,
    use: (share: Uint8Array) => T | Promise<T>,
  ): Promise<T> {
    const sealed = await readSealedShare(sealedSharePath(this.#dir, binding), binding);
    if (sealed.vault !== this.kind) {
      throw new VaultError(
        'vault_format',
        `sealed share was written by the ${sealed.vault} vault, not ${this.kind}`,
      );
    }
    const share = await this.#open(sealed, binding);
    return useThenZero(share, use);
  }

  has(binding: ShareBinding): Promise<boolean> {
    return sealedShareExists(this.#dir, binding);
  }

  async health(): Promise<VaultHealth> {
    try {
      await this.#token.probe(this.#key);
      return { ready: true };
    } catch (err) {
      return {
        ready: false,
        detail: err instanceof FrostmintError ? err.message : 'token check failed',
      };
    }
  }

  async close(): Promise<void> {
    await this.#token.close();
  }

  /** Opens `sealed` with the token; explains a share sealed to another token key. */
  async #open(sealed: EcdhSealed, binding: ShareBinding): Promise<Buffer> {
    try {
      return await ecdhOpen(sealed, binding, (epk) =>
        this.#tokenCall(() => this.#token.ecdh(this.#key, epk)),
      );
    } catch (err) {
      if (!(err instanceof VaultError && err.code === 'vault_unseal_failed')) throw err;
      const { point: current } = await this.#tokenCall(() => this.#token.publicKey(this.#key));
      if (sealedRecipient(sealed)?.equals(current) === false) {
        throw new VaultError(
          'vault_unseal_failed',
          'the share was sealed to a different token key than the configured one (token replaced or key regenerated?)',
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Runs a token call; unavailability becomes `VaultUnavailableError` with the same code. */
  async #tokenCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof UnavailableError)
        throw new VaultUnavailableError(err.code, err.message, { cause: err });
      throw err;
    }
  }
}
