import {
  canonicalJson,
  type EnrollmentRequest,
  EnrollmentRequestSchema,
  registrationChallenge,
} from '@frostmint/core';
import { enrollmentOf } from '../approvals/subject.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import type { ApprovalStage, RequestContext } from './context.ts';

/**
 * When the registration tap of an approved enrollment must come by (ms since the epoch):
 * within `challengeTtlSeconds` of the certificate's `iat` (signers refuse an older one) and
 * before the approvals lapse with the request.
 *
 * @example
 * ```ts
 * const lapsed = enrollmentTapDeadline(ctx, row) <= ctx.now();
 * ```
 */
export function enrollmentTapDeadline(
  ctx: Pick<RequestContext, 'webauthn'>,
  row: Pick<MintRequest, 'expiresAt' | 'claims'>,
): number {
  const { iat } = row.claims as unknown as EnrollmentRequest;
  return Math.min(row.expiresAt.getTime(), (iat + ctx.webauthn.challengeTtlSeconds) * 1000);
}

/**
 * Moves an enrollment whose guardian approvals are in to "awaiting the registration tap":
 * fixes the certificate request again now — fresh `iat`, `exp = iat + lifetime`, the same
 * id, user, roles and lifetime (what the guardians signed) — stores its single-use
 * registration challenge and marks the request `approved` (compare-and-set on the stored
 * request, so of two coordinators one wins). Does the same again when an approved
 * enrollment's tap window lapsed. The approvals stay valid: they sign the request without
 * its times (core/src/approvals/enrollment-approval.ts). Returns the request as it now
 * stands; unchanged when approvals are missing or it is not open.
 *
 * @example
 * ```ts
 * const row = await awaitEnrollmentTap(ctx, approvals, await store.mintRequests.get(id));
 * ```
 */
export async function awaitEnrollmentTap(
  ctx: RequestContext,
  stage: ApprovalStage,
  row: MintRequest,
): Promise<MintRequest> {
  const nowMs = ctx.now();
  const prepared = enrollmentOf(row);
  if (!prepared || row.requiredApprovals === 0 || row.expiresAt.getTime() <= nowMs) return row;
  const due =
    (row.status === 'pending' &&
      (await ctx.store.approvals.listByRequest(row.id)).length >= row.requiredApprovals) ||
    (row.status === 'approved' && enrollmentTapDeadline(ctx, row) <= nowMs);
  if (!due) return row;
  const { approvedBy } = await stage.verifiedApprovals(row);
  if (approvedBy.length < row.requiredApprovals) return row;
  const iat = Math.floor(nowMs / 1000);
  const request = EnrollmentRequestSchema.parse({
    ...prepared,
    iat,
    exp: iat + (prepared.exp - prepared.iat),
  });
  // The challenge first: if the compare-and-set below loses, it matches no stored request.
  await ctx.store.challenges.create({
    challenge: registrationChallenge(request).toString('base64url'),
    purpose: 'registration',
    userId: row.requester,
    requestId: row.id,
    createdAt: new Date(nowMs),
    expiresAt: new Date(enrollmentTapDeadline(ctx, { expiresAt: row.expiresAt, claims: { iat } })),
  });
  const fixed = await ctx.store.mintRequests.fixApprovedToken(
    row.id,
    row.signingInput,
    { signingInput: canonicalJson(request), claims: request as unknown as JsonObject },
    new Date(nowMs),
  );
  if (fixed === null) return (await ctx.store.mintRequests.get(row.id)) ?? row;
  ctx.log.info(
    { requestId: row.id, approvedBy },
    'approved enrollment awaits the registration tap',
  );
  return fixed;
}
