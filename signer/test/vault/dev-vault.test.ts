import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevShareVault } from '../../src/vault/dev/dev-vault.ts';
import type { ShareVault } from '../../src/vault/types.ts';
import { shareVaultConformance } from './conformance.ts';

shareVaultConformance('dev', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-dev-vault-'));
  const opened: ShareVault[] = [];
  return {
    dir,
    async open() {
      const vault = new DevShareVault({
        dir,
        passphrase: 'correct horse battery staple',
        warn: () => {},
      });
      opened.push(vault);
      return vault;
    },
    async cleanup() {
      for (const vault of opened) await vault.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
