import { runDaemon } from '@frostmint/core';
import { pino } from 'pino';
import { checkSignerConfig } from './check-config.ts';
import { loadSignerConfig } from './config.ts';
import { openVault } from './open-vault.ts';
import { startSigner } from './server.ts';

runDaemon(
  'frostmint-signer',
  'Runs one FROST signer daemon (gRPC over mTLS). See docs/operators.md.',
  async (path) => {
    const config = await loadSignerConfig(path);
    const log = pino({ name: `signer-${config.id}` });
    return startSigner({ config, vault: openVault(config, log), log });
  },
  checkSignerConfig,
);
