import { createHash } from 'node:crypto';
import { domainSeparated } from '../canonical-json.ts';
import { type GuardianKey, verifyGuardianSignature } from '../ceremony/guardian-key.ts';
import { ForbiddenError } from '../errors.ts';
import {
  type ApprovalRelyingParty,
  verifyWebAuthnApproval,
  type WebAuthnApprovalWire,
} from './webauthn-approval.ts';

/** An approval may not stay valid for longer than this (seconds) after the verifier's clock. */
export const MAX_APPROVAL_VALIDITY_SECONDS = 24 * 3600;

/**
 * What a guardian can approve (a mint request, an enrollment request): each kind has its
 * own approval and denial domains, so an answer about one kind never verifies as another,
 * nor as a ceremony or policy approval.
 */
export interface ApprovalKind {
  /** Ends with NUL, e.g. `"frostmint/mint-approval/v1\0"`. */
  readonly approveDomain: string;
  readonly denyDomain: string;
  /** What it is called in errors ("request", "enrollment"). */
  readonly noun: string;
}

/** One guardian's approval as it travels (proto `MintApproval`, whatever its kind). */
export interface GuardianApprovalWire {
  readonly guardianKid: string;
  readonly signature: Uint8Array;
  readonly notAfter: number;
  /** A WebAuthn approval (then `signature` is empty): see `verifyWebAuthnApproval`. */
  readonly webauthn?: WebAuthnApprovalWire | undefined;
}

/**
 * The signed input of an answer about `subject` before hashing: the kind's approval (or
 * denial) domain ‖ canonical JSON of the subject.
 *
 * @example
 * ```ts
 * verifyGuardianSignature(guardian, guardianApprovalInput(MINT_APPROVAL, subject), signature);
 * ```
 */
export function guardianApprovalInput(kind: ApprovalKind, subject: unknown, deny = false): Buffer {
  return domainSeparated(deny ? kind.denyDomain : kind.approveDomain, subject);
}

/**
 * The digest a guardian's approval key signs (`CKM_ECDSA` over it = ES256 over the input),
 * and the challenge of a WebAuthn approval: SHA-256 of {@link guardianApprovalInput}.
 *
 * @example
 * ```ts
 * const signature = await token.sign(ref, guardianApprovalDigest(ENROLLMENT_APPROVAL, subject));
 * ```
 */
export function guardianApprovalDigest(kind: ApprovalKind, subject: unknown, deny = false): Buffer {
  return createHash('sha256')
    .update(guardianApprovalInput(kind, subject, deny))
    .digest();
}

/**
 * Verifies guardian approvals of one subject the way every signer (and the coordinator)
 * must: each names a guardian of `guardians` and verifies over `subjectAt(notAfter)` with
 * its own `notAfter`, which must not have passed (nor lie more than 24 h ahead) — an ES256
 * signature by the guardian's approval key, or a WebAuthn approval whose challenge is the
 * same digest, checked against the verifier's own relying party `rp`. Returns the kids of
 * the approving guardians, each once however often (and however) it appears, sorted — the
 * policy input `approvals`. Throws `approval_invalid`, `approval_expired`,
 * `binding_invalid` or `binding_expired`.
 *
 * @example
 * ```ts
 * const kids = await verifyGuardianApprovals(wires, MINT_APPROVAL, (n) => mintApprovalSubject(h, c, n), guardians, now, rp);
 * ```
 */
export async function verifyGuardianApprovals(
  approvals: readonly GuardianApprovalWire[],
  kind: ApprovalKind,
  subjectAt: (notAfter: number) => unknown,
  guardians: readonly GuardianKey[],
  now: number,
  rp?: ApprovalRelyingParty,
): Promise<string[]> {
  const approvedBy = new Set<string>();
  for (const approval of approvals) {
    const guardian = guardians.find((g) => g.approvalKey.kid === approval.guardianKid);
    if (!guardian) {
      throw new ForbiddenError(
        'approval_invalid',
        `approval by key ${approval.guardianKid.slice(0, 64)} is not from a guardian of this group`,
      );
    }
    if (approval.notAfter < now) {
      throw new ForbiddenError(
        'approval_expired',
        `the approval by guardian "${guardian.name}" lapsed`,
      );
    }
    if (approval.notAfter > now + MAX_APPROVAL_VALIDITY_SECONDS) {
      throw new ForbiddenError('approval_invalid', 'an approval may last at most 24 hours');
    }
    const subject = subjectAt(approval.notAfter);
    if (approval.webauthn) {
      if (approval.signature.length > 0) {
        throw new ForbiddenError(
          'approval_invalid',
          'an approval is either signed by the approval key or made with WebAuthn, not both',
        );
      }
      await verifyWebAuthnApproval(
        approval.webauthn,
        guardian.approvalKey.kid,
        guardianApprovalDigest(kind, subject),
        guardians,
        rp,
        now,
      );
    } else if (
      !verifyGuardianSignature(guardian, guardianApprovalInput(kind, subject), approval.signature)
    ) {
      throw new ForbiddenError(
        'approval_invalid',
        `the approval by guardian "${guardian.name}" does not verify over this ${kind.noun} ` +
          `(forged, or made for another ${kind.noun})`,
      );
    }
    approvedBy.add(guardian.approvalKey.kid);
  }
  return [...approvedBy].sort();
}
