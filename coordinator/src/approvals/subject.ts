import {
  type ApprovalKind,
  type ApprovalRelyingParty,
  ENROLLMENT_APPROVAL,
  type EnrollmentRequest,
  EnrollmentRequestSchema,
  enrollmentApprovalSubject,
  FrostmintError,
  MINT_APPROVAL,
  mintApprovalSubject,
} from '@frostmint/core';
import type { MintRequest } from '../storage/index.ts';
import { requestToken } from './record.ts';

/** What guardians answer about a stored request: its kind and its subject at a `notAfter`. */
export interface RequestSubject {
  readonly kind: ApprovalKind;
  readonly subjectAt: (notAfter: number) => unknown;
}

/**
 * Whether a stored request is one guardians can answer: a token request, or an enrollment
 * request (not a renewal) whose policy decision requires approvals.
 *
 * @example
 * ```ts
 * if (!approvable(row)) throw unknownRequest();
 * ```
 */
export function approvable(row: MintRequest): boolean {
  if (row.kind === 'token') return true;
  return enrollmentOf(row) !== undefined && row.requiredApprovals > 0;
}

/**
 * The certificate request of an enrollment row, or undefined for any other row (a token
 * request, a renewal — whose claims carry the credential).
 *
 * @example
 * ```ts
 * const request = enrollmentOf(row);
 * ```
 */
export function enrollmentOf(row: MintRequest): EnrollmentRequest | undefined {
  if (row.kind !== 'enrollment' || 'credential_id' in row.claims) return undefined;
  return EnrollmentRequestSchema.parse(row.claims);
}

/**
 * The approval kind and subject of a stored request: a mint approval over its token, or an
 * enrollment approval over its certificate request and the coordinator's RP ID `rp`.
 *
 * @example
 * ```ts
 * const { kind, subjectAt } = requestSubject(row, config.webauthn);
 * const digest = guardianApprovalDigest(kind, subjectAt(expiresAt));
 * ```
 */
export function requestSubject(row: MintRequest, rp?: ApprovalRelyingParty): RequestSubject {
  const enrollment = enrollmentOf(row);
  if (enrollment === undefined) {
    const { header, claims } = requestToken(row);
    return {
      kind: MINT_APPROVAL,
      subjectAt: (notAfter) => mintApprovalSubject(header, claims, notAfter),
    };
  }
  if (!rp) {
    throw new FrostmintError('webauthn_disabled', 'this coordinator has no WebAuthn relying party');
  }
  return {
    kind: ENROLLMENT_APPROVAL,
    subjectAt: (notAfter) => enrollmentApprovalSubject(enrollment, rp.rpId, notAfter),
  };
}
