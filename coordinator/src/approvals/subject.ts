import {
  type ApprovalKind,
  type ApprovalRelyingParty,
  ENROLLMENT_APPROVAL,
  enrollmentApprovalSubject,
  FrostmintError,
  MINT_APPROVAL,
  mintApprovalSubject,
} from '@frostmint/core';
import type { StoredRequest, StoredRequestOf } from '../requests/kinds.ts';

/** What guardians answer about a stored request: its kind and its subject at a `notAfter`. */
export interface RequestSubject {
  readonly kind: ApprovalKind;
  readonly subjectAt: (notAfter: number) => unknown;
}

/** A request guardians can answer. */
export type ApprovableRequest = StoredRequestOf<'tap_mint' | 'polled_mint' | 'enrollment'>;

/**
 * Whether guardians can answer a stored request: a token request of either mint flow, or an
 * enrollment whose policy decision requires approvals (never a renewal).
 *
 * @example
 * ```ts
 * if (!approvable(request)) throw unknownRequest();
 * ```
 */
export function approvable(request: StoredRequest): request is ApprovableRequest {
  if (request.kind === 'renewal') return false;
  return request.kind !== 'enrollment' || request.row.requiredApprovals > 0;
}

/**
 * The approval kind and subject of a stored request: a mint approval over its token, or an
 * enrollment approval over its certificate request and the coordinator's RP ID `rp`.
 *
 * @example
 * ```ts
 * const { kind, subjectAt } = requestSubject(request, config.webauthn);
 * const digest = guardianApprovalDigest(kind, subjectAt(expiresAt));
 * ```
 */
export function requestSubject(
  request: ApprovableRequest,
  rp?: ApprovalRelyingParty,
): RequestSubject {
  if (request.kind !== 'enrollment') {
    const { header, claims } = request;
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
    subjectAt: (notAfter) => enrollmentApprovalSubject(request.request, rp.rpId, notAfter),
  };
}
