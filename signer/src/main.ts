import { FrostmintError } from '@frostmint/core';
import { pino } from 'pino';
import { loadSignerConfig } from './config.ts';
import { openVault } from './open-vault.ts';
import { startSigner } from './server.ts';

const USAGE = 'usage: frostmint-signer --config <signer.json>';

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--config');
  if (argv.includes('--help') || at < 0 || !argv[at + 1]) {
    console.log(
      `${USAGE}\n\nRuns one FROST signer daemon (gRPC over mTLS). See docs/operators.md.`,
    );
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  const config = await loadSignerConfig(argv[at + 1]!);
  const log = pino({ name: `signer-${config.id}` });
  const signer = await startSigner({ config, vault: openVault(config, log), log });
  const stop = () => {
    log.info('shutting down');
    signer.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
  console.error(`frostmint-signer: ${message}`);
  process.exit(1);
});
