import { hostname } from 'node:os';
import { correlationMixin, resolveLogLevel, runDaemon, startDaemonTracing } from '@frostmint/core';
import { pino } from 'pino';
import { checkCoordinatorConfig } from './check-config.ts';
import { loadCoordinatorConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';

runDaemon(
  'frostmint-coordinator',
  'Runs the frostmint coordinator: HTTP(S) API, FROST round driver, JWKS.',
  async (path) => {
    const config = await loadCoordinatorConfig(path);
    const log = pino({
      name: 'coordinator',
      level: resolveLogLevel(config.logLevel),
      mixin: correlationMixin,
    });
    // Before the coordinator starts: its signer clients take the tracing interceptor.
    const tracing = startDaemonTracing(
      config.tracing,
      {
        serviceName: 'frostmint-coordinator',
        attributes: { 'service.instance.id': `${hostname()}/${config.listen}` },
      },
      log,
    );
    const coordinator = await startCoordinator({ config, log });
    log.info({ url: coordinator.url }, 'coordinator listening');
    return {
      close: async () => {
        await coordinator.close();
        await tracing?.shutdown();
      },
    };
  },
  checkCoordinatorConfig,
);
