import { z } from 'zod';

/** The pino levels an operator may choose (`silent` turns logging off). */
export const LogLevelSchema = z.enum([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);
export type LogLevel = z.infer<typeof LogLevelSchema>;

/** The environment variable that overrides a daemon's configured `logLevel`. */
export const LOG_LEVEL_ENV = 'FROSTMINT_LOG_LEVEL';

/**
 * The log level a daemon runs at: `$FROSTMINT_LOG_LEVEL` when set (an operator turning on
 * `debug` without editing the config), else the config's `logLevel`, else `info`. An
 * unknown value in the environment is refused rather than silently ignored.
 *
 * @example
 * ```ts
 * const log = pino({ name: 'coordinator', level: resolveLogLevel(config.logLevel) });
 * ```
 */
export function resolveLogLevel(
  configured: LogLevel | undefined,
  env: NodeJS.ProcessEnv = process.env,
): LogLevel {
  const fromEnv = env[LOG_LEVEL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const parsed = LogLevelSchema.safeParse(fromEnv.toLowerCase());
    if (!parsed.success) {
      throw new Error(
        `${LOG_LEVEL_ENV}=${fromEnv} is not a log level (${LogLevelSchema.options.join(', ')})`,
      );
    }
    return parsed.data;
  }
  return configured ?? 'info';
}
