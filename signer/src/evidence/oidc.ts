import {
  ciRequester,
  type ErrorCode,
  EvidenceRefusedError,
  ForbiddenError,
  FrostmintError,
  jwksEventLogger,
  type OidcConfig,
  OidcVerifier,
  type PolicyInput,
  type TokenClaims,
  UnauthenticatedError,
} from '@frostmint/core';
import type { Logger } from 'pino';
import { mintFingerprint } from './mint-fingerprint.ts';
import { ReplayWindow } from './replay-window.ts';

/**
 * OIDC evidence as a signer checks it, trusting nothing the coordinator says: the ID token
 * is verified against this signer's own trusted issuers and their JWKS, it must not have
 * been used for another token here (this signer's replay window, until the ID token
 * expires), and the policy requester is derived from its verified claims exactly as the
 * coordinator derives it. (That the token's `sub`, `amr` and `client_id` follow from it is
 * checked by the caller, with the shared table `checkClaimsFollowEvidence`.)
 *
 * The ID token is spent only when this signer actually produces a share: `check` refuses a
 * replay but records nothing, and the returned `spend` records it, so an attempt refused
 * by policy (or anything else) leaves a CI job's ID token usable.
 *
 * Codes: the verifier's `oidc_*` codes (as `ForbiddenError`), `oidc_token_replayed`, and
 * `oidc_jwks_unavailable` (503).
 *
 * @example
 * ```ts
 * const { requester, spend } = await oidcEvidence.check(evidence.idToken, claims, now);
 * // … policy allows, the share is computed …
 * spend(now); // throws oidc_token_replayed if a concurrent mint spent it first
 * ```
 */
export class OidcEvidenceChecker {
  constructor(
    private readonly verifier: OidcVerifier,
    private readonly window: ReplayWindow,
  ) {}

  async check(
    idToken: string,
    claims: TokenClaims,
    now: number,
  ): Promise<{ requester: PolicyInput['requester']; spend: (now: number) => void }> {
    const verified = await this.verifier.verify(idToken, now).catch((err: unknown) => {
      // To a signer a bad ID token is refused evidence, not a failed login.
      if (err instanceof UnauthenticatedError) throw EvidenceRefusedError.from(err);
      throw err instanceof FrostmintError
        ? err
        : new ForbiddenError('evidence_rejected', 'the ID token cannot be verified');
    });
    const key = `oidc:${verified.replayKey}`;
    const binding = mintFingerprint(claims);
    this.window.check(key, binding, now, REPLAYED);
    const spend = (at: number) =>
      this.window.remember(key, binding, verified.expiresAt, at, REPLAYED);
    return { requester: ciRequester(verified), spend };
  }
}

const REPLAYED: ErrorCode = 'oidc_token_replayed';

/** Live OIDC replay entries a signer keeps at most (ID tokens live minutes to hours). */
export const OIDC_REPLAY_CAPACITY = 100_000;

/**
 * The checker for a signer's `oidc` configuration, with its own verifier and replay window.
 *
 * @example
 * ```ts
 * const checker = oidcEvidenceChecker(config.oidc, log);
 * ```
 */
export function oidcEvidenceChecker(config: OidcConfig, log: Logger): OidcEvidenceChecker {
  return new OidcEvidenceChecker(
    new OidcVerifier(config, { onEvent: jwksEventLogger(log) }),
    new ReplayWindow({ capacity: OIDC_REPLAY_CAPACITY }),
  );
}
