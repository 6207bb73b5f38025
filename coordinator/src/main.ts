import { FrostmintError } from '@frostmint/core';
import { pino } from 'pino';
import { loadCoordinatorConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';

const USAGE = 'usage: frostmint-coordinator --config <coordinator.json>';

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--config');
  if (argv.includes('--help') || at < 0 || !argv[at + 1]) {
    console.log(`${USAGE}\n\nRuns the frostmint coordinator: HTTP API, FROST round driver, JWKS.`);
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  const config = await loadCoordinatorConfig(argv[at + 1]!);
  const log = pino({ name: 'coordinator' });
  const coordinator = await startCoordinator({ config, log });
  log.info({ url: coordinator.url }, 'coordinator listening');
  const stop = () => {
    coordinator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
  console.error(`frostmint-coordinator: ${message}`);
  process.exit(1);
});
