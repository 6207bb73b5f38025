import { Option } from 'commander';
import { DEFAULT_ORIGIN, ORIGIN_ENV } from './keys.ts';

/**
 * `--origin <origin>`: the log origin (the quorum's note key name), default
 * `$FROSTMINT_AUDIT_ORIGIN`, else `frostmint.local/audit`.
 *
 * @example
 * ```ts
 * command.addOption(originOption());
 * ```
 */
export function originOption(): Option {
  return new Option('--origin <origin>', "the log origin (the coordinator's audit.origin)")
    .env(ORIGIN_ENV)
    .default(DEFAULT_ORIGIN);
}

/**
 * `--log <url>`: the tiled log's URL prefix; default `<coordinator>/audit/`.
 *
 * @example
 * ```ts
 * const prefix = logPrefix(options);
 * ```
 */
export function logPrefix(options: { log?: string; coordinator?: string }): URL {
  const base = options.log ?? new URL('audit/', withSlash(options.coordinator!)).href;
  return new URL(withSlash(base));
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
