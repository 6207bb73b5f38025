import {
  checkKeyConfig,
  checkTokenConfig,
  keyConfigFields,
  keyRefFromConfig,
  Pkcs11Token,
  type TouchWaitEvent,
  tokenConfigFields,
  tokenOptionsFromConfig,
} from '@frostmint/pkcs11';
import { z } from 'zod';
import { Pkcs11ShareVault } from './pkcs11-vault.ts';

/**
 * The `pkcs11` entry of a signer's `vault` configuration: module, token (label or slot),
 * sealing key (label and/or id) and PIN source (file or environment variable).
 *
 * ```json
 * { "kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so", "tokenLabel": "signer-1",
 *   "keyLabel": "frostmint-sealing", "pinFile": "/run/secrets/token-pin" }
 * ```
 */
export const Pkcs11VaultConfigSchema = z
  .object({ kind: z.literal('pkcs11'), ...tokenConfigFields, ...keyConfigFields })
  .strict()
  .superRefine((config, ctx) => {
    checkTokenConfig(config, ctx);
    checkKeyConfig(config, ctx);
  });
export type Pkcs11VaultConfig = z.infer<typeof Pkcs11VaultConfigSchema>;

/**
 * Opens the pkcs11 vault a configuration describes, with sealed files in `dir`.
 * `onWaitingForTouch` is where the daemon logs that the token waits for a touch.
 *
 * @example
 * ```ts
 * const vault = openPkcs11Vault(config.vault, config.stateDir, (e) =>
 *   log.warn(e, 'waiting for a touch on the PKCS#11 token'),
 * );
 * ```
 */
export function openPkcs11Vault(
  config: Pkcs11VaultConfig,
  dir: string,
  onWaitingForTouch?: (event: TouchWaitEvent) => void,
): Pkcs11ShareVault {
  const token = Pkcs11Token.open(tokenOptionsFromConfig(config, onWaitingForTouch));
  return new Pkcs11ShareVault({ dir, token, key: keyRefFromConfig(config) });
}
