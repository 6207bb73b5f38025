import { FrostmintError } from '@frostmint/core';

/**
 * Exit codes of `frostmint mint` and `frostmint enroll` (documented in `--help` and
 * docs/webauthn.md). Scripts branch on them.
 */
export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug, or an answer the CLI does not understand). */
  internal: 1,
  /** Invalid arguments or a request the coordinator rejected as malformed (HTTP 400). */
  usage: 2,
  /** Refused: policy, verification of the tap, a replay, a revoked credential (401/403/409). */
  refused: 3,
  /** The user has no active enrollment: run `frostmint enroll`. */
  notEnrolled: 4,
  /** Nobody tapped in time, or the request expired. */
  timeout: 5,
  /** The coordinator or the signer quorum is unreachable (network, HTTP 503). */
  unavailable: 6,
  /** Rate-limited or locked out after failed attempts (HTTP 429). */
  rateLimited: 7,
} as const;

/** The `--help` text listing the exit codes. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  unexpected error
  2  invalid arguments or malformed request
  3  refused (policy, a guardian's denial, tap verification, replay, revoked credential)
  4  not enrolled: run \`frostmint enroll\`
  5  timed out waiting for the tap, or the request expired
  6  coordinator or signer quorum unavailable
  7  rate-limited or locked out after failed attempts`;

/** A failure that ends the command with an exit code and a message saying what to do. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The exit code for a coordinator error.
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeFor(err);
 * ```
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CliFailure) return err.exitCode;
  if (!(err instanceof FrostmintError)) return EXIT.internal;
  if (err.code === 'not_enrolled') return EXIT.notEnrolled;
  if (err.code === 'request_expired' || err.code === 'challenge_expired') return EXIT.timeout;
  if (err.status === 400) return EXIT.usage;
  if (err.status === 429) return EXIT.rateLimited;
  if (err.status === 503 || err.status === 502) return EXIT.unavailable;
  if (err.status >= 401 && err.status < 500) return EXIT.refused;
  return EXIT.internal;
}
