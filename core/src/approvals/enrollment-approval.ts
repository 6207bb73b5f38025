import type { GuardianKey } from '../ceremony/guardian-key.ts';
import type { EnrollmentRequest } from '../enrollment/certificate.ts';
import {
  type ApprovalKind,
  type GuardianApprovalWire,
  guardianApprovalDigest,
  guardianApprovalInput,
  verifyGuardianApprovals,
} from './guardian-approvals.ts';
import type { ApprovalRelyingParty } from './webauthn-approval.ts';

/** Domain of a guardian's approval of an enrollment: never a mint or ceremony approval. */
export const ENROLLMENT_APPROVAL_DOMAIN = 'frostmint/enrollment-approval/v1\0';
/** Domain of a guardian's refusal of an enrollment. */
export const ENROLLMENT_DENIAL_DOMAIN = 'frostmint/enrollment-denial/v1\0';

/** Enrollment approvals and denials. */
export const ENROLLMENT_APPROVAL: ApprovalKind = {
  approveDomain: ENROLLMENT_APPROVAL_DOMAIN,
  denyDomain: ENROLLMENT_DENIAL_DOMAIN,
  noun: 'enrollment',
};

/**
 * What a guardian approves for an enrollment: the certificate request as it is fixed
 * before the engineer's registration tap — its id (`cert_id`), the engineer, the roles, the
 * lifetime, the group key and the relying party the credential is registered with — but not
 * the certificate's times (`iat` is fixed again when the approvals are in, so the tap comes
 * within the signers' window) nor the credential (not registered yet). `notAfter` is when
 * the approval lapses.
 */
export interface EnrollmentApprovalSubject {
  readonly v: 1;
  readonly cert_id: string;
  readonly sub: string;
  readonly roles: readonly string[];
  /** Certificate lifetime, seconds (`exp − iat`). */
  readonly lifetime: number;
  readonly kid: string;
  /** WebAuthn RP ID the credential is registered for. */
  readonly rp_id: string;
  /** Unix seconds. */
  readonly notAfter: number;
}

/**
 * The approval subject of an enrollment request (any `iat`: only the lifetime counts).
 *
 * @example
 * ```ts
 * const subject = enrollmentApprovalSubject(request, config.webauthn.rpId, expiresAt);
 * ```
 */
export function enrollmentApprovalSubject(
  request: EnrollmentRequest,
  rpId: string,
  notAfter: number,
): EnrollmentApprovalSubject {
  return {
    v: 1,
    cert_id: request.cert_id,
    sub: request.sub,
    roles: [...request.roles].sort(),
    lifetime: request.exp - request.iat,
    kid: request.kid,
    rp_id: rpId,
    notAfter,
  };
}

/**
 * The digest a guardian's approval key signs for an enrollment: SHA-256(
 * `"frostmint/enrollment-approval/v1\0"` ‖ canonical JSON of the subject), or with the denial
 * domain for a refusal. Also the challenge of a WebAuthn approval of it.
 *
 * @example
 * ```ts
 * const signature = await token.sign(ref, enrollmentApprovalDigest(subject));
 * ```
 */
export function enrollmentApprovalDigest(subject: EnrollmentApprovalSubject, deny = false): Buffer {
  return guardianApprovalDigest(ENROLLMENT_APPROVAL, subject, deny);
}

/**
 * The signed input before hashing (what `verifyGuardianSignature` takes).
 *
 * @example
 * ```ts
 * verifyGuardianSignature(guardian, enrollmentApprovalInput(subject, true), signature);
 * ```
 */
export function enrollmentApprovalInput(subject: EnrollmentApprovalSubject, deny = false): Buffer {
  return guardianApprovalInput(ENROLLMENT_APPROVAL, subject, deny);
}

/**
 * Verifies guardian approvals of an enrollment request (see `verifyGuardianApprovals`) over
 * the subject rebuilt from the certificate request the verifier is asked to sign and the
 * verifier's own RP ID. Returns the approving guardians' kids, sorted, each once.
 *
 * @example
 * ```ts
 * const approvedBy = await verifyEnrollmentApprovals(req.approvals, enrollmentRequestOf(body), webauthn, guardians, now);
 * ```
 */
export function verifyEnrollmentApprovals(
  approvals: readonly GuardianApprovalWire[],
  request: EnrollmentRequest,
  rp: ApprovalRelyingParty,
  guardians: readonly GuardianKey[],
  now: number,
): Promise<string[]> {
  return verifyGuardianApprovals(
    approvals,
    ENROLLMENT_APPROVAL,
    (notAfter) => enrollmentApprovalSubject(request, rp.rpId, notAfter),
    guardians,
    now,
    rp,
  );
}
