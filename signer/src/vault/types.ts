/**
 * The share vault seam: where a signer keeps its FROST signing share at rest.
 * Implementations: `dev` (passphrase-derived key, local demo only) and `pkcs11`
 * (sealed under a key that never leaves a YubiKey/HSM/SoftHSM2 token). All pass the one
 * conformance suite in `signer/test/vault/conformance.ts`.
 */

/** What a sealed share is bound to; part of the AEAD associated data. */
export interface ShareBinding {
  /** RFC 7638 thumbprint of the group JWK. */
  readonly kid: string;
  /** FROST participant identifier of this signer (1..255). */
  readonly signerId: number;
}

export interface VaultHealth {
  readonly ready: boolean;
  /** Human-readable reason when not ready; never secret. */
  readonly detail?: string;
}

export interface ShareVault {
  /** Backend name, e.g. `dev` or `pkcs11`. */
  readonly kind: string;
  /**
   * Seals `share` for `binding` and writes it durably (write to temp file, fsync, rename).
   * Overwrites an existing share for the same binding (share refresh). The caller zeroes
   * its copy; the vault never keeps the plaintext.
   */
  store(binding: ShareBinding, share: Uint8Array): Promise<void>;
  /**
   * Unseals the share for `binding`, passes it to `use`, and zeroes the plaintext after
   * `use` settles (also when it throws). `use` must not keep a reference to the buffer.
   */
  withShare<T>(binding: ShareBinding, use: (share: Uint8Array) => T | Promise<T>): Promise<T>;
  /** True when a sealed share exists for `binding`. */
  has(binding: ShareBinding): Promise<boolean>;
  /** Readiness: not ready when the backing token or key is unreachable. */
  health(): Promise<VaultHealth>;
  /** Releases sessions and handles. */
  close(): Promise<void>;
}
