import type { Logger } from 'pino';
import type { SignerConfig } from './config.ts';
import { DevShareVault, openPkcs11Vault, type ShareVault, VaultError } from './vault/index.ts';

/**
 * Opens the share vault a signer configuration names. Secrets (passphrase, PIN) come from
 * the environment or files, never from the configuration itself.
 */
export function openVault(config: SignerConfig, log: Logger): ShareVault {
  const vault = config.vault;
  switch (vault.kind) {
    case 'dev': {
      const passphrase = process.env[vault.passphraseEnv];
      if (!passphrase) {
        throw new VaultError(
          'vault_config',
          `dev vault needs the passphrase in $${vault.passphraseEnv}`,
        );
      }
      return new DevShareVault({ dir: config.stateDir, passphrase, warn: (m) => log.warn(m) });
    }
    case 'pkcs11':
      return openPkcs11Vault(vault, config.stateDir, (event) =>
        log.warn(event, 'waiting for a touch on the PKCS#11 token'),
      );
  }
}
