import {
  type EnrollmentCertificate,
  ForbiddenError,
  mintChallenge,
  type PolicyInput,
  type TokenClaims,
  verifyCertifiedAssertion,
  verifyEnrollmentCertificate,
  type WebAuthnConfig,
} from '@frostmint/core';
import type { WebAuthnEvidence } from '@frostmint/proto';

/** What the signer trusts when it checks an engineer's tap: its own config and group key. */
export interface WebAuthnTrust {
  readonly webauthn: WebAuthnConfig | undefined;
  readonly groupKey: Uint8Array;
  readonly kid: string;
  readonly now: number;
  readonly clockSkewSeconds: number;
}

/** An engineer established from a verified assertion. */
export interface VerifiedEngineer {
  readonly requester: PolicyInput['requester'];
  /** The replay key of this evidence: the challenge, remembered until the token expires. */
  readonly replayKey: string;
  readonly certificate: EnrollmentCertificate;
}

/** A tap verified against its enrollment certificate. */
export interface VerifiedTap {
  readonly cert: EnrollmentCertificate;
  /** The challenge, remembered in the replay window once this signer signs. */
  readonly replayKey: string;
}

/**
 * Verifies a tap as if the coordinator were hostile: the enrollment certificate is signed
 * by this group's key, unexpired and names `subject` and the asserting credential; the
 * assertion's challenge is SHA-256 of the exact message this signer is asked to sign;
 * origin and RP ID come from this signer's configuration; user verification is required.
 *
 * @example
 * ```ts
 * const { cert, replayKey } = await verifyTap(evidence, message, claims.sub, trust);
 * ```
 */
export async function verifyTap(
  evidence: WebAuthnEvidence,
  message: Uint8Array,
  subject: string,
  trust: WebAuthnTrust,
): Promise<VerifiedTap> {
  if (!trust.webauthn) {
    throw new ForbiddenError(
      'evidence_rejected',
      'this signer has no WebAuthn relying party configured (webauthn in its config)',
    );
  }
  const cert = verifyEnrollmentCertificate(evidence.enrollmentCertificate, trust);
  if (cert.sub !== subject) {
    throw new ForbiddenError(
      'evidence_rejected',
      'the enrollment certificate names another subject than the request',
    );
  }
  const challenge = mintChallenge(message);
  await verifyCertifiedAssertion(
    cert,
    {
      credentialId: evidence.credentialId,
      clientDataJson: evidence.clientDataJson,
      authenticatorData: evidence.authenticatorData,
      signature: evidence.signature,
      userHandle: evidence.userHandle,
    },
    { challenge, rpId: trust.webauthn.rpId, origins: trust.webauthn.origins },
  );
  return { cert, replayKey: `webauthn:${challenge.toString('base64url')}` };
}

/**
 * Checks an engineer's tap for a token (see {@link verifyTap}). Roles come from the
 * certificate only; the caller checks that the token's `sub`, `amr` and `client_id` follow
 * from it (`checkClaimsFollowEvidence`).
 *
 * @example
 * ```ts
 * const { requester, replayKey } = await checkWebAuthnEvidence(evidence, message, claims, trust);
 * ```
 */
export async function checkWebAuthnEvidence(
  evidence: WebAuthnEvidence,
  message: Uint8Array,
  claims: TokenClaims,
  trust: WebAuthnTrust,
): Promise<VerifiedEngineer> {
  const { cert, replayKey } = await verifyTap(evidence, message, claims.sub, trust);
  return {
    requester: { kind: 'engineer', subject: cert.sub, roles: [...cert.roles], amr: ['webauthn'] },
    replayKey,
    certificate: cert,
  };
}
