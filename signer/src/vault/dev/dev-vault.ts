import { randomBytes, scryptSync } from 'node:crypto';
import { VaultError } from '../errors.ts';
import {
  aesGcmOpen,
  aesGcmSeal,
  b64uDecode,
  b64uEncode,
  readSealedShare,
  SEALED_SHARE_FORMAT,
  SEALED_SHARE_VERSION,
  sealedShareExists,
  sealedSharePath,
  shareAad,
  useThenZero,
  writeSealedShare,
} from '../sealed-file.ts';
import type { ShareBinding, ShareVault, VaultHealth } from '../types.ts';

export interface DevVaultOptions {
  /** Directory holding the sealed share files. */
  readonly dir: string;
  /** Passphrase the sealing key is derived from (scrypt). */
  readonly passphrase: string;
  /** Called once when the vault opens, to warn loudly that this is not for production. */
  readonly warn?: (message: string) => void;
}

/** scrypt parameters (RFC 7914): N = 2^15, r = 8, p = 1 — interactive-grade cost. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export const DEV_VAULT_WARNING =
  'DEV SHARE VAULT: the FROST share is sealed under a passphrase-derived key on local disk. ' +
  'For the local demo only; production signers must use the pkcs11 vault.';

/**
 * The dev share vault: AES-256-GCM under a key derived from a passphrase with scrypt.
 * Derived keys are cached in memory per salt, so only the first unseal pays for scrypt.
 *
 * @example
 * ```ts
 * const vault = new DevShareVault({ dir: '.frostmint/dev/signer-1', passphrase });
 * await vault.store({ kid, signerId: 1 }, share);
 * const sig = await vault.withShare({ kid, signerId: 1 }, (s) => signWith(s));
 * ```
 */
export class DevShareVault implements ShareVault {
  readonly kind = 'dev';
  readonly #dir: string;
  readonly #passphrase: Buffer;
  readonly #keys = new Map<string, Buffer>();

  constructor(options: DevVaultOptions) {
    if (options.passphrase.length < 12) {
      throw new VaultError('vault_config', 'dev vault passphrase must be at least 12 characters');
    }
    this.#dir = options.dir;
    this.#passphrase = Buffer.from(options.passphrase, 'utf8');
    (options.warn ?? ((m) => process.emitWarning(m)))(DEV_VAULT_WARNING);
  }

  async store(binding: ShareBinding, share: Uint8Array): Promise<void> {
    const salt = randomBytes(16);
    const { nonce, ciphertext } = aesGcmSeal(this.#key(salt), share, shareAad(binding));
    await writeSealedShare(sealedSharePath(this.#dir, binding), {
      format: SEALED_SHARE_FORMAT,
      version: SEALED_SHARE_VERSION,
      vault: this.kind,
      kid: binding.kid,
      signerId: binding.signerId,
      kdf: { alg: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: b64uEncode(salt) },
      nonce: b64uEncode(nonce),
      ciphertext: b64uEncode(ciphertext),
    });
  }

  async withShare<T>(
    binding: ShareBinding,
    use: (share: Uint8Array) => T | Promise<T>,
  ): Promise<T> {
    const sealed = await readSealedShare(sealedSharePath(this.#dir, binding), binding);
    if (
      sealed.vault !== this.kind ||
      sealed.kdf.alg !== 'scrypt' ||
      typeof sealed.kdf.salt !== 'string'
    ) {
      throw new VaultError(
        'vault_format',
        `sealed share was not written by the ${this.kind} vault`,
      );
    }
    const key = this.#key(b64uDecode(sealed.kdf.salt));
    const share = aesGcmOpen(
      key,
      b64uDecode(sealed.nonce),
      b64uDecode(sealed.ciphertext),
      shareAad(binding),
    );
    return useThenZero(share, use);
  }

  has(binding: ShareBinding): Promise<boolean> {
    return sealedShareExists(this.#dir, binding);
  }

  async health(): Promise<VaultHealth> {
    return { ready: true };
  }

  async close(): Promise<void> {
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys.clear();
    this.#passphrase.fill(0);
  }

  #key(salt: Buffer): Buffer {
    const id = salt.toString('hex');
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const key = scryptSync(this.#passphrase, salt, 32, SCRYPT);
    this.#keys.set(id, key);
    return key;
  }
}
