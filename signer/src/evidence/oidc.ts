import {
  ciRequester,
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
 * is verified against this signer's own trusted issuers and their JWKS, its subject must be
 * the token's `sub`, it must not have been used for another token here (this signer's
 * replay window, until the ID token expires), and the policy requester is derived from its
 * verified claims exactly as the coordinator derives it.
 *
 * Codes: the verifier's `oidc_*` codes (as `ForbiddenError`), `evidence_rejected` for a
 * subject or `amr` mismatch, `oidc_token_replayed`, and `oidc_jwks_unavailable` (503).
 *
 * @example
 * ```ts
 * const requester = await oidcEvidence.check(evidence.idToken, claims, now);
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
  ): Promise<PolicyInput['requester']> {
    const verified = await this.verifier.verify(idToken, now).catch((err: unknown) => {
      // To a signer a bad ID token is refused evidence, not a failed login.
      if (err instanceof UnauthenticatedError) {
        throw new ForbiddenError(err.code, err.message, { cause: err });
      }
      throw err instanceof FrostmintError
        ? err
        : new ForbiddenError('evidence_rejected', 'the ID token cannot be verified');
    });
    if (verified.claims.sub !== claims.sub) {
      throw new ForbiddenError(
        'evidence_rejected',
        'the ID token subject does not match the token subject',
      );
    }
    if (!claims.amr?.includes('oidc')) {
      throw new ForbiddenError(
        'evidence_rejected',
        'a token minted on OIDC evidence says amr oidc',
      );
    }
    this.window.remember(
      `oidc:${verified.replayKey}`,
      mintFingerprint(claims),
      verified.expiresAt,
      now,
      'oidc_token_replayed',
    );
    return ciRequester(verified);
  }
}

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
