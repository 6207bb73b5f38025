import {
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
}

/**
 * Checks an engineer's tap as if the coordinator were hostile: the enrollment certificate
 * is signed by this group's key and unexpired, names the token's subject and the asserting
 * credential; the assertion's challenge is SHA-256 of the exact message this signer is
 * asked to sign; origin and RP ID come from this signer's configuration; user verification
 * is required. Roles come from the certificate only.
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
  if (!trust.webauthn) {
    throw new ForbiddenError(
      'evidence_rejected',
      'this signer has no WebAuthn relying party configured (webauthn in its config)',
    );
  }
  const cert = verifyEnrollmentCertificate(evidence.enrollmentCertificate, trust);
  if (cert.sub !== claims.sub) {
    throw new ForbiddenError(
      'evidence_rejected',
      'the enrollment certificate names another subject than the token',
    );
  }
  if (claims.amr !== undefined && claims.amr.join(' ') !== 'webauthn') {
    throw new ForbiddenError('evidence_rejected', 'a WebAuthn mint carries amr ["webauthn"]');
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
  return {
    requester: { kind: 'engineer', subject: cert.sub, roles: [...cert.roles], amr: ['webauthn'] },
    replayKey: `webauthn:${challenge.toString('base64url')}`,
  };
}
