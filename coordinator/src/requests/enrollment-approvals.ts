import { canonicalJson, EnrollmentRequestSchema, registrationChallenge } from '@frostmint/core';
import { enrollmentOf } from '../approvals/subject.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import { fixWhenApproved } from './approved-tap.ts';
import type { ApprovalStage, RequestContext } from './context.ts';

/**
 * Moves an enrollment whose guardian approvals are in to "awaiting the registration tap":
 * the certificate request is fixed again — fresh `iat`, `exp = iat + lifetime`, the same
 * id, user, roles and lifetime (what the guardians signed,
 * core/src/approvals/enrollment-approval.ts) — with its registration challenge.
 *
 * @example
 * ```ts
 * const row = await awaitEnrollmentTap(ctx, approvals, await store.mintRequests.get(id));
 * ```
 */
export function awaitEnrollmentTap(
  ctx: RequestContext,
  stage: ApprovalStage,
  row: MintRequest,
): Promise<MintRequest> {
  const prepared = enrollmentOf(row);
  if (!prepared) return Promise.resolve(row);
  return fixWhenApproved(ctx, stage, row, 'enrollment', (_approvedBy, iat) => {
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
}
