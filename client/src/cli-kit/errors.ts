import { CoordinatorError } from '../errors.ts';
import { EXIT, type ExitCode, exitCodeFor } from './exit-codes.ts';

/**
 * A failure a command reports itself: a stable `code`, the exit code, and a message that
 * says what to do. `reported`: the command already printed its result (e.g. an unhealthy
 * `status` report), so no JSON error document follows on stdout.
 *
 * @example
 * ```ts
 * throw new CliError('id_token_missing', EXIT.idTokenUnavailable, 'pass --id-token-file or set $FROSTMINT_ID_TOKEN');
 * ```
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    readonly exitCode: ExitCode,
    message: string,
    readonly options: { reported?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
  }
}

/**
 * A usage error (exit code 2): bad flags, a missing option, an unusable input file.
 *
 * @example
 * ```ts
 * throw usageError('pass at least one --scope');
 * ```
 */
export function usageError(message: string): CliError {
  return new CliError('usage', EXIT.usage, message);
}

/** Node file-system error codes on a path the user named. */
const SYSTEM_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'file_not_found',
  ENOTDIR: 'file_not_found',
  EISDIR: 'file_unreadable',
  EACCES: 'file_unreadable',
  EPERM: 'file_unreadable',
};

/** How an error ends a command: its code, exit code and message. */
export interface Failure {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly message: string;
  /** The command printed its result already. */
  readonly reported: boolean;
}

/**
 * Classifies any error that ended a command: a `CliError` as it says; a coordinator answer
 * by its code, then its HTTP status; any other error with a stable `code` (core's
 * `FrostmintError`, PKCS#11, file system) by that code; anything else is `internal` (1).
 *
 * @example
 * ```ts
 * const { code, exitCode, message } = failureOf(err);
 * ```
 */
export function failureOf(err: unknown): Failure {
  if (err instanceof CliError) {
    return {
      code: err.code,
      exitCode: err.exitCode,
      message: err.message,
      reported: err.options.reported === true,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CoordinatorError) {
    return {
      code: err.code,
      exitCode: exitCodeFor(err.code, err.status),
      message,
      reported: false,
    };
  }
  const raw = (err as { code?: unknown } | null)?.code;
  if (typeof raw === 'string' && /^[A-Za-z0-9_]+$/.test(raw)) {
    // Node's system errors (`ENOENT`, …) become snake_case codes like every other.
    const code = SYSTEM_CODES[raw] ?? raw.toLowerCase();
    const advice = SYSTEM_CODES[raw] ? ': check the path' : '';
    return { code, exitCode: exitCodeFor(code), message: `${message}${advice}`, reported: false };
  }
  return {
    code: 'internal',
    exitCode: EXIT.internal,
    message: `unexpected error: ${message}`,
    reported: false,
  };
}
