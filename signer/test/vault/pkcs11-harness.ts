import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SEALING_KEY, type SoftHsm, softHsm } from '@frostmint/pkcs11/testing';
import { openPkcs11Vault, type Pkcs11VaultConfig } from '../../src/vault/pkcs11/config.ts';
import type { Pkcs11ShareVault } from '../../src/vault/pkcs11/pkcs11-vault.ts';
import type { VaultHarness } from './conformance.ts';

export interface Pkcs11Harness extends VaultHarness {
  readonly hsm: SoftHsm;
  readonly config: Pkcs11VaultConfig;
  open(config?: Partial<Pkcs11VaultConfig>): Promise<Pkcs11ShareVault>;
}

/**
 * A pkcs11 vault on a private SoftHSM2 instance with one token, `signer`, carrying the
 * P-256 sealing key; the PIN comes from a file.
 */
export async function pkcs11Harness(options: { mechanisms?: string } = {}): Promise<Pkcs11Harness> {
  const hsm = await softHsm(options);
  await hsm.createToken('signer', [SEALING_KEY]);
  const dir = join(hsm.dir, 'state');
  await mkdir(dir);
  const config: Pkcs11VaultConfig = {
    kind: 'pkcs11',
    module: hsm.module,
    tokenLabel: 'signer',
    keyLabel: SEALING_KEY.label,
    pinFile: hsm.pinFile,
  };
  const opened: Pkcs11ShareVault[] = [];
  return {
    hsm,
    config,
    dir,
    async open(overrides = {}) {
      const vault = openPkcs11Vault({ ...config, ...overrides }, dir);
      opened.push(vault);
      return vault;
    },
    async cleanup() {
      for (const vault of opened) await vault.close();
      await hsm.cleanup();
    },
  };
}
