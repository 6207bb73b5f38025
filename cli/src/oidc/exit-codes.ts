/**
 * Exit codes of `frostmint mint-ci`, stable for scripts: CI jobs branch on them (retry on
 * 6, fail the deployment on 4 and 5).
 */
export const MINT_CI_EXIT = {
  /** The token was minted and printed. */
  ok: 0,
  /** Anything unexpected. */
  internal: 1,
  /** Bad flags or configuration (no coordinator URL, no ID token source, bad --ttl). */
  usage: 2,
  /** The CI ID token could not be had (file, environment variable, GitHub Actions request). */
  idToken: 3,
  /** The coordinator refused the ID token (401: untrusted issuer, audience, expired, replayed). */
  unauthenticated: 4,
  /** Policy or the signers refused the mint (400/403), e.g. `policy_denied`. */
  refused: 5,
  /** The coordinator or the signer quorum is unreachable or unavailable (5xx): retry later. */
  unavailable: 6,
  /** The mint needed guardian approvals and was denied, expired, or not approved in --wait. */
  notApproved: 7,
} as const;
export type MintCiExitCode = (typeof MINT_CI_EXIT)[keyof typeof MINT_CI_EXIT];

/**
 * An error `frostmint mint-ci` reports: a stable `code` (the coordinator's, when it answered)
 * and the exit code to leave with. Messages never contain the ID token or the minted token.
 *
 * @example
 * ```ts
 * throw new MintCiError(MINT_CI_EXIT.idToken, 'id_token_missing', 'no ID token source');
 * ```
 */
export class MintCiError extends Error {
  constructor(
    readonly exitCode: MintCiExitCode,
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MintCiError';
  }
}
