import {
  type ErrorCodeWithStatus,
  type ErrorOptions,
  FrostmintError,
  UnavailableError,
} from '@frostmint/core';

/**
 * A share vault failure. Codes: `vault_share_missing`, `vault_unseal_failed` (wrong key or
 * tampered ciphertext), `vault_binding_mismatch` (sealed for another group or signer),
 * `vault_format` (unreadable sealed file), plus backend codes such as `pkcs11_*`.
 */
export class VaultError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<500>;
  constructor(code: ErrorCodeWithStatus<500>, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The backing token or key cannot be reached right now; the signer reports not ready. */
export class VaultUnavailableError extends UnavailableError {}
