import { CliError, EXIT, failureOf } from '@frostmint/client/cli-kit';

/**
 * The exit codes of `frostmint-guardian`: the one table both frostmint binaries share
 * (`@frostmint/client/cli-kit`, docs/cli.md).
 */
export const ExitCode = EXIT;

/**
 * The exit code for an error that ended a command.
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeFor(err); // 16 for a wrong PIN
 * ```
 */
export function exitCodeFor(err: unknown): number {
  return failureOf(err).exitCode;
}

/**
 * A failure whose result the command has already printed (an unhealthy `status`): the
 * exit code is set but no second JSON document follows.
 *
 * @example
 * ```ts
 * throw reportedFailure('status_unhealthy', EXIT.unhealthy, 'not every signer is ready');
 * ```
 */
export function reportedFailure(code: string, exitCode: number, message: string): CliError {
  return new CliError(code, exitCode as (typeof EXIT)[keyof typeof EXIT], message, {
    reported: true,
  });
}
