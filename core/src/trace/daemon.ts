import type { Logger } from 'pino';
import { resolveTracing, type TracingConfig, type TracingDefaults } from './config.ts';
import { startTracing, type Tracing } from './provider.ts';

/**
 * A daemon's tracing at start: resolved from the environment and its config (see
 * `resolveTracing`), started when an endpoint is set (logged once, with where spans go),
 * undefined otherwise.
 *
 * @example
 * ```ts
 * const tracing = startDaemonTracing(config.tracing, { serviceName: 'frostmint-signer', attributes: {} }, log);
 * // … on stop: await tracing?.shutdown();
 * ```
 */
export function startDaemonTracing(
  configured: TracingConfig | undefined,
  defaults: TracingDefaults,
  log: Logger,
): Tracing | undefined {
  const settings = resolveTracing(configured, defaults);
  if (!settings) return undefined;
  const tracing = startTracing(settings, log);
  log.info({ endpoint: settings.url, service: settings.serviceName }, 'tracing on (OTLP/HTTP)');
  return tracing;
}
