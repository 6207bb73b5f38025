import { runDaemon } from '@frostmint/core';
import { pino } from 'pino';
import { checkCoordinatorConfig } from './check-config.ts';
import { loadCoordinatorConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';

runDaemon(
  'frostmint-coordinator',
  'Runs the frostmint coordinator: HTTP(S) API, FROST round driver, JWKS.',
  async (path) => {
    const log = pino({ name: 'coordinator' });
    const coordinator = await startCoordinator({ config: await loadCoordinatorConfig(path), log });
    log.info({ url: coordinator.url }, 'coordinator listening');
    return coordinator;
  },
  checkCoordinatorConfig,
);
