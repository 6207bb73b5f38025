import { type EnrollmentCertificate, ForbiddenError, type PolicyEngine } from '@frostmint/core';

/** Enrollment reasons that were settled when the certificate was issued. */
const SETTLED_AT_ISSUANCE = new Set([
  'approvals_missing',
  'lifetime_exceeds_max',
  'enrollment_unproven',
]);

/**
 * Refuses a certificate the current enrollment policy no longer grants: the user removed
 * from `enrollment.users`, or a role taken away. Policy bundles change only with guardian
 * signatures, so this is a quorum-approved revocation that takes effect at the next mint,
 * before the certificate expires. Throws `enrollment_revoked_by_policy`.
 *
 * @example
 * ```ts
 * if (checked.certificate) checkStillEnrolled(policy, checked.certificate, now);
 * ```
 */
export function checkStillEnrolled(
  policy: PolicyEngine,
  cert: EnrollmentCertificate,
  now: number,
): void {
  const decision = policy.evaluateEnrollment({
    now,
    requester: { kind: 'engineer', subject: cert.sub, amr: ['webauthn'] },
    enrollment: { roles: cert.roles, lifetime: cert.exp - cert.iat },
    approvals: [],
  });
  const reasons = decision.reasons.filter((r) => !SETTLED_AT_ISSUANCE.has(r));
  if (reasons.length > 0) {
    throw new ForbiddenError(
      'enrollment_revoked_by_policy',
      `the enrollment policy no longer grants this certificate: ${reasons.join(', ')}`,
    );
  }
}
