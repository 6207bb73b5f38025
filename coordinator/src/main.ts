import { resolveLogLevel, runDaemon } from '@frostmint/core';
import { pino } from 'pino';
import { checkCoordinatorConfig } from './check-config.ts';
import { loadCoordinatorConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';

runDaemon(
  'frostmint-coordinator',
  'Runs the frostmint coordinator: HTTP(S) API, FROST round driver, JWKS.',
  async (path) => {
    const config = await loadCoordinatorConfig(path);
    const log = pino({ name: 'coordinator', level: resolveLogLevel(config.logLevel) });
    const coordinator = await startCoordinator({ config, log });
    log.info({ url: coordinator.url }, 'coordinator listening');
    return coordinator;
  },
  checkCoordinatorConfig,
);
