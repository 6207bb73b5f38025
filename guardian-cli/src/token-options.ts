import { InvalidRequestError } from '@frostmint/core';
import type {
  PinSource,
  Pkcs11TokenOptions,
  TokenSelector,
  TouchWaitEvent,
} from '@frostmint/pkcs11';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';

/** The token options every command shares (as commander parses them). */
export interface TokenCliOptions {
  module?: string;
  tokenLabel?: string;
  slot?: string;
  pinFile?: string;
  pinEnv?: string;
}

/** Where `--module` defaults from. */
export const MODULE_ENV = 'FROSTMINT_PKCS11_MODULE';

/**
 * Adds `--module`, `--token-label`, `--slot`, `--pin-file` and `--pin-env` to `command`.
 * There is deliberately no `--pin`: a PIN on the command line lands in shell history and
 * in `ps` output.
 *
 * @example
 * ```ts
 * withTokenOptions(program.command('enroll')).action(enroll);
 * ```
 */
export function withTokenOptions(command: Command): Command {
  return command
    .option(
      '--module <path>',
      `PKCS#11 module (default: $${MODULE_ENV}), e.g. /usr/lib/x86_64-linux-gnu/libykcs11.so`,
    )
    .option('--token-label <label>', 'token label (see `pkcs11-tool -L`)')
    .option('--slot <id>', 'numeric slot id, instead of --token-label')
    .option('--pin-file <path>', 'read the PIN from this file (first line)')
    .option('--pin-env <name>', 'read the PIN from this environment variable');
}

/**
 * Validated client options. Without `--pin-file`/`--pin-env` the PIN is asked for on the
 * terminal (never echoed); with no terminal that is a usage error.
 *
 * @example
 * ```ts
 * const token = Pkcs11Token.open(tokenOptionsFrom(opts, io, progress.touch));
 * ```
 */
export function tokenOptionsFrom(
  options: TokenCliOptions,
  io: CliIo,
  onWaitingForTouch: (event: TouchWaitEvent) => void,
): Pkcs11TokenOptions {
  const module = options.module ?? process.env[MODULE_ENV];
  if (!module) throw usage(`name the PKCS#11 module with --module or $${MODULE_ENV}`);
  return {
    module,
    token: selectorFrom(options),
    pin: pinSourceFrom(options.pinFile, options.pinEnv, io, 'Token PIN: '),
    touchNoticeMs: 500,
    onWaitingForTouch,
  };
}

/**
 * A PIN source from a file option, an environment option, or (neither given) the terminal,
 * asked once per run.
 *
 * @example
 * ```ts
 * const soPin = pinSourceFrom(opts.soPinFile, opts.soPinEnv, io, 'SO PIN: ');
 * ```
 */
export function pinSourceFrom(
  file: string | undefined,
  env: string | undefined,
  io: CliIo,
  question: string,
): PinSource {
  if (file !== undefined && env !== undefined)
    throw usage('give a PIN file or a PIN variable, not both');
  if (file !== undefined) return { file };
  if (env !== undefined) return { env };
  let asked: Promise<string> | undefined;
  const ask = async () => {
    const pin = await io.promptSecret(question);
    if (pin === undefined)
      throw usage('no terminal to ask for the PIN: use --pin-file or --pin-env');
    return pin;
  };
  return { prompt: () => (asked ??= ask()) };
}

/**
 * A usage error (exit code 2).
 *
 * @example
 * ```ts
 * throw usage('--slot must be a number');
 * ```
 */
export function usage(message: string): InvalidRequestError {
  return new InvalidRequestError('cli_usage', message);
}

function selectorFrom(options: TokenCliOptions): TokenSelector {
  if ((options.tokenLabel === undefined) === (options.slot === undefined)) {
    throw usage('select the token with exactly one of --token-label and --slot');
  }
  if (options.tokenLabel !== undefined) return { label: options.tokenLabel };
  if (!/^\d+$/.test(options.slot ?? '')) throw usage('--slot takes a numeric slot id');
  return { slot: Number(options.slot) };
}
