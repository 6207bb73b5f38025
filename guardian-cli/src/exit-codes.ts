import { FrostmintError } from '@frostmint/core';
import { CommanderError } from 'commander';

/**
 * The documented exit codes of `frostmint-guardian`. Scripts may branch on them; they are
 * part of the interface and never change meaning.
 */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** Unexpected failure (a bug or an unclassified token error). */
  failure: 1,
  /** Bad command line or options. */
  usage: 2,
  /** The token or the PKCS#11 module is not there (not inserted, wrong label, module missing). */
  tokenUnavailable: 3,
  /** PIN problem: missing, rejected, or locked. */
  pin: 4,
  /** Key problem: not found, already there, not usable, or cannot be created on this token. */
  key: 5,
  /** The token did not answer in time, usually because nobody touched it. */
  timeout: 6,
  /** The token lacks a mechanism frostmint needs (ECDH or ECDSA on P-256). */
  mechanism: 7,
} as const;

/** The exit code table, as shown in `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  unexpected failure
  2  bad command line or options
  3  token or PKCS#11 module not available (insert the token, check --token-label / --module)
  4  PIN missing, rejected or locked
  5  key not found, already present, unusable, or not creatable on this token
  6  the token did not answer in time (touch it when it blinks)
  7  the token lacks a required mechanism (ECDH / ECDSA on P-256)`;

const BY_CODE: Record<string, number> = {
  cli_usage: ExitCode.usage,
  pkcs11_token_not_present: ExitCode.tokenUnavailable,
  pkcs11_token_unavailable: ExitCode.tokenUnavailable,
  pkcs11_module_unavailable: ExitCode.tokenUnavailable,
  pkcs11_token_ambiguous: ExitCode.tokenUnavailable,
  pkcs11_token_exists: ExitCode.tokenUnavailable,
  pkcs11_no_free_slot: ExitCode.tokenUnavailable,
  pkcs11_pin_incorrect: ExitCode.pin,
  pkcs11_pin_locked: ExitCode.pin,
  pkcs11_pin_unavailable: ExitCode.pin,
  pkcs11_key_not_found: ExitCode.key,
  pkcs11_key_ambiguous: ExitCode.key,
  pkcs11_key_exists: ExitCode.key,
  pkcs11_key_not_creatable: ExitCode.key,
  pkcs11_key_unusable: ExitCode.key,
  pkcs11_timeout: ExitCode.timeout,
  pkcs11_mechanism_unsupported: ExitCode.mechanism,
};

/**
 * The exit code for an error that ended a command.
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeFor(err); // 4 for a wrong PIN
 * ```
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (err instanceof FrostmintError) return BY_CODE[err.code] ?? ExitCode.failure;
  return ExitCode.failure;
}
