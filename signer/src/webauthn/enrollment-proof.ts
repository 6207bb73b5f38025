import {
  type EnrollmentCertificateBody,
  ForbiddenError,
  jwksEventLogger,
  type OidcConfig,
  OidcVerifier,
  type VerifiedEnrollmentIdToken,
  verifyEnrollmentIdToken,
} from '@frostmint/core';
import type { Logger } from 'pino';

/**
 * Verifies the IdP login that proves an enrollment, against this signer's own
 * `enrollmentIdp` configuration (issuer, JWKS, client id), never the coordinator's word.
 * Throws `enrollment_unproven` when this signer trusts no enrollment IdP, else the codes of
 * `verifyEnrollmentIdToken`. Replay is the caller's job (remember
 * {@link VerifiedEnrollmentIdToken.replayKey} only when it signs).
 *
 * @example
 * ```ts
 * const proof = await enrollmentProof.check(idToken, body, now);
 * ```
 */
export class EnrollmentProofChecker {
  constructor(private readonly verifier: OidcVerifier | undefined) {}

  check(
    idToken: string,
    body: EnrollmentCertificateBody,
    now: number,
  ): Promise<VerifiedEnrollmentIdToken> {
    if (!this.verifier) {
      return Promise.reject(
        new ForbiddenError(
          'enrollment_unproven',
          'this signer trusts no enrollment IdP (enrollmentIdp in its config): only guardian approvals prove an enrollment here',
        ),
      );
    }
    return verifyEnrollmentIdToken(this.verifier, idToken, body, now);
  }

  close(): void {
    this.verifier?.close();
  }
}

/**
 * The checker for a signer's `enrollmentIdp` configuration (absent: ID tokens are refused).
 *
 * @example
 * ```ts
 * const proof = enrollmentProofChecker(config.enrollmentIdp, log);
 * ```
 */
export function enrollmentProofChecker(
  config: OidcConfig | undefined,
  log: Logger,
): EnrollmentProofChecker {
  return new EnrollmentProofChecker(
    config && new OidcVerifier(config, { onEvent: jwksEventLogger(log) }),
  );
}
