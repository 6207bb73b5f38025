import { z } from 'zod';
import { ForbiddenError } from '../errors.ts';
import { type GuardianSet, verifyGuardianSignature } from './guardian-key.ts';
import { approvalInput, type CeremonyTranscript, transcriptDigest } from './transcript.ts';

/** One guardian's approval of one transcript, as it travels to the signers. */
export interface GuardianApproval {
  /** RFC 7638 thumbprint of the approval key. */
  readonly guardianKid: string;
  /** ES256 `r‖s` over SHA-256 of `approvalInput(transcript)`. */
  readonly signature: Uint8Array;
}

export const CEREMONY_APPROVAL_FORMAT = 'frostmint-ceremony-approval';

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * The approval file `frostmint-guardian ceremony approve` writes. Only `signature` is
 * cryptographic; the rest says, for humans, what was approved and by whom.
 */
export const ApprovalFileSchema = z
  .object({
    format: z.literal(CEREMONY_APPROVAL_FORMAT),
    version: z.literal(1),
    kind: z.string(),
    ceremonyId: b64u,
    /** base64url SHA-256 digest of the approved transcript. */
    transcriptSha256: b64u,
    guardian: z.object({ name: z.string(), kid: b64u }).strict(),
    approvedAt: z.string().datetime(),
    signature: b64u,
  })
  .strict();
export type ApprovalFile = z.infer<typeof ApprovalFileSchema>;

/**
 * Checks guardian approvals of `transcript` the way a signer must before a ceremony: every
 * approval names a guardian of `trusted` and verifies over this exact transcript, and at
 * least `trusted.approvals` distinct guardians approved (a guardian counts once, however
 * many approvals carry their key). Returns the names of the approving guardians.
 * Throws `ceremony_approval_invalid` or `ceremony_approvals_insufficient`.
 *
 * @example
 * ```ts
 * const approvedBy = checkApprovals(transcript, req.authorization.approvals, groupGuardians);
 * ```
 */
export function checkApprovals(
  transcript: CeremonyTranscript,
  approvals: readonly GuardianApproval[],
  trusted: GuardianSet,
): string[] {
  const input = approvalInput(transcript);
  const approvedBy = new Map<string, string>();
  for (const approval of approvals) {
    const guardian = trusted.guardians.find((g) => g.approvalKey.kid === approval.guardianKid);
    if (!guardian) {
      throw new ForbiddenError(
        'ceremony_approval_invalid',
        `approval by key ${approval.guardianKid} is not from a guardian of this group`,
      );
    }
    if (!verifyGuardianSignature(guardian, input, approval.signature)) {
      throw new ForbiddenError(
        'ceremony_approval_invalid',
        `approval by guardian "${guardian.name}" does not verify over this transcript ` +
          `(forged, or made for another transcript)`,
      );
    }
    approvedBy.set(guardian.approvalKey.kid, guardian.name);
  }
  if (approvedBy.size < trusted.approvals) {
    const duplicates = approvals.length - approvedBy.size;
    throw new ForbiddenError(
      'ceremony_approvals_insufficient',
      `${approvedBy.size} of the ${trusted.approvals} required guardian approvals` +
        (duplicates > 0
          ? ` (${duplicates} repeated approval(s) by the same guardian count once)`
          : ''),
    );
  }
  return [...approvedBy.values()];
}

/**
 * The wire approval in an approval file (the signers decide whether it verifies).
 *
 * @example
 * ```ts
 * const approval = approvalFromFile(ApprovalFileSchema.parse(json));
 * ```
 */
export function approvalFromFile(file: ApprovalFile): GuardianApproval {
  return { guardianKid: file.guardian.kid, signature: Buffer.from(file.signature, 'base64url') };
}

/**
 * True when an approval file says it approves `transcript` (the signature decides; this is
 * for telling a guardian early that a file belongs to another ceremony).
 *
 * @example
 * ```ts
 * if (!approvalIsFor(file, transcript)) warn(`${file.guardian.name} approved another ceremony`);
 * ```
 */
export function approvalIsFor(file: ApprovalFile, transcript: CeremonyTranscript): boolean {
  return file.transcriptSha256 === transcriptDigest(transcript).toString('base64url');
}
