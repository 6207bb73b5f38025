import { canonicalJson, EnrollmentRequestSchema, registrationChallenge } from '@frostmint/core';
import type { JsonObject } from '../storage/index.ts';
import { fixWhenApproved } from './approved-tap.ts';
import type { ApprovalStage, RequestContext } from './context.ts';
import { decodeRequest, type StoredRequestOf } from './kinds.ts';

/**
 * Moves an enrollment whose guardian approvals are in to "awaiting the registration tap":
 * the certificate request is fixed again — fresh `iat`, `exp = iat + lifetime`, the same
 * id, user, roles and lifetime (what the guardians signed,
 * core/src/approvals/enrollment-approval.ts) — with its registration challenge.
 *
 * @example
 * ```ts
 * const current = await awaitEnrollmentTap(ctx, approvals, enrollment);
 * ```
 */
export async function awaitEnrollmentTap(
  ctx: RequestContext,
  stage: ApprovalStage,
  enrollment: StoredRequestOf<'enrollment'>,
): Promise<StoredRequestOf<'enrollment'>> {
  const prepared = enrollment.request;
  const row = await fixWhenApproved(ctx, stage, enrollment, 'enrollment', (_approvedBy, iat) => {
    const request = EnrollmentRequestSchema.parse({
      ...prepared,
      iat,
      exp: iat + (prepared.exp - prepared.iat),
    });
    return {
      signingInput: canonicalJson(request),
      claims: request as unknown as JsonObject,
      challenge: registrationChallenge(request).toString('base64url'),
      purpose: 'registration',
    };
  });
  return row === enrollment.row
    ? enrollment
    : (decodeRequest(row) as StoredRequestOf<'enrollment'>);
}
