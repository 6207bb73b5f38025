import { type EnrollmentCertificateBody, ForbiddenError } from '@frostmint/core';
import type { WebAuthnEvidence } from '@frostmint/proto';
import { verifyTap, type WebAuthnTrust } from './assertion-evidence.ts';

/**
 * Checks the evidence for renewing a certificate (docs/webauthn.md, "Revocation"): the
 * engineer tapped, with the credential the still-valid previous certificate names, over
 * SHA-256 of the new certificate's signing input; the new certificate keeps the subject,
 * credential and key, and asks for no role the previous one lacked.
 * Throws `renewal_mismatch`, or what {@link verifyTap} throws.
 *
 * @example
 * ```ts
 * await checkRenewal(evidence, body, req.message, trust);
 * ```
 */
export async function checkRenewal(
  evidence: WebAuthnEvidence,
  body: EnrollmentCertificateBody,
  message: Uint8Array,
  trust: WebAuthnTrust,
): Promise<void> {
  const { cert } = await verifyTap(evidence, message, body.sub, trust);
  const widened = body.roles.filter((r) => !cert.roles.includes(r));
  if (
    cert.credential_id !== body.credential_id ||
    cert.public_key !== body.public_key ||
    widened.length > 0
  ) {
    throw new ForbiddenError(
      'renewal_mismatch',
      'a renewal keeps the credential and may not add roles; enroll again for new roles',
    );
  }
}
