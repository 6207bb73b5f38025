import {
  mintChallenge,
  type PolicyDecision,
  PolicyDecisionSchema,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import type { ApprovableRequest } from '../approvals/subject.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import { type ApprovalStage, pickSigners, type RequestContext } from './context.ts';
import type { StoredRequestOf } from './kinds.ts';

/**
 * When the tap on an approved request (a mint's assertion, an enrollment's registration)
 * must come by (ms since the epoch): within `challengeTtlSeconds` of the fixed `iat`
 * (signers refuse an older one, see docs/webauthn.md) and before the approvals lapse with
 * the request.
 *
 * @example
 * ```ts
 * const lapsed = tapDeadline(ctx, row) <= ctx.now();
 * ```
 */
export function tapDeadline(
  ctx: Pick<RequestContext, 'webauthn'>,
  row: Pick<MintRequest, 'expiresAt' | 'claims'>,
): number {
  const { iat } = row.claims as unknown as { iat: number };
  return Math.min(row.expiresAt.getTime(), (iat + ctx.webauthn.challengeTtlSeconds) * 1000);
}

/** What a request becomes once fixed for the tap, built by its kind. */
export interface FixedForTap {
  readonly signingInput: string;
  readonly claims: JsonObject;
  /** The single-use WebAuthn challenge of the tap (base64url). */
  readonly challenge: string;
  readonly purpose: 'authentication' | 'registration';
}

/**
 * The shared step of every request that waits for guardian approvals before a tap: once
 * enough approvals verify (or an approved request's tap window lapsed), `fix` rebuilds the
 * request with a fresh `iat` — the approvals stay valid, they sign the request without its
 * times — its single-use challenge is stored, and the request moves to `approved` by
 * compare-and-set (of two coordinators one wins). Returns the request as it now stands;
 * unchanged when approvals are missing or it is not open.
 *
 * @example
 * ```ts
 * const row = await fixWhenApproved(ctx, stage, request, 'mint request', (approvedBy, iat) => buildFixed(approvedBy, iat));
 * ```
 */
export async function fixWhenApproved(
  ctx: RequestContext,
  stage: ApprovalStage,
  request: ApprovableRequest,
  what: string,
  fix: (approvedBy: string[], iat: number) => FixedForTap,
): Promise<MintRequest> {
  const { row } = request;
  const nowMs = ctx.now();
  if (row.requiredApprovals === 0 || row.expiresAt.getTime() <= nowMs) return row;
  const due =
    (row.status === 'pending' &&
      (await ctx.store.approvals.listByRequest(row.id)).length >= row.requiredApprovals) ||
    (row.status === 'approved' && tapDeadline(ctx, row) <= nowMs);
  if (!due) return row;
  const { approvedBy } = await stage.verifiedApprovals(request);
  if (approvedBy.length < row.requiredApprovals) return row;
  const iat = Math.floor(nowMs / 1000);
  const fixed = fix(approvedBy, iat);
  // The challenge first: if the compare-and-set below loses, it matches no stored request
  // and simply expires.
  await ctx.store.challenges.create({
    challenge: fixed.challenge,
    purpose: fixed.purpose,
    userId: row.requester,
    requestId: row.id,
    createdAt: new Date(nowMs),
    expiresAt: new Date(tapDeadline(ctx, { expiresAt: row.expiresAt, claims: { iat } })),
  });
  const stored = await ctx.store.mintRequests.fixApprovedToken(
    row.id,
    row.signingInput,
    { signingInput: fixed.signingInput, claims: fixed.claims },
    new Date(nowMs),
  );
  if (stored === null) return (await ctx.store.mintRequests.get(row.id)) ?? row;
  ctx.log.info({ requestId: row.id, approvedBy }, `approved ${what} awaits the tap`);
  return stored;
}

/**
 * Moves a two-step mint whose guardian approvals are in to "awaiting the tap": the final
 * token gets fresh `iat`/`nbf`/`exp` (same lifetime), the signer set chosen now, and
 * `frostmint.approvals` naming the guardians whose approvals verified; the challenge is
 * SHA-256 of its signing input.
 *
 * @example
 * ```ts
 * const row = await awaitTap(ctx, approvals, request);
 * ```
 */
export function awaitTap(
  ctx: RequestContext,
  stage: ApprovalStage,
  request: StoredRequestOf<'tap_mint'>,
): Promise<MintRequest> {
  return fixWhenApproved(ctx, stage, request, 'mint request', (approvedBy, iat) => {
    const { header, claims: prepared } = request;
    const claims: TokenClaims = {
      ...prepared,
      iat,
      nbf: iat,
      exp: iat + (prepared.exp - prepared.iat),
      frostmint: {
        ...prepared.frostmint,
        // Attested signers only, when the decision the request was prepared with requires it.
        signers: pickSigners(ctx, ctx.pipeline.authorizer.eligibility(preparedDecision(request))),
        approvals: approvedBy,
      },
    };
    const input = signingInput(header, claims);
    return {
      signingInput: input,
      claims: claims as unknown as JsonObject,
      challenge: mintChallenge(input).toString('base64url'),
      purpose: 'authentication',
    };
  });
}

/** The policy decision a two-step request was prepared with. */
function preparedDecision(request: StoredRequestOf<'tap_mint'>): PolicyDecision {
  return PolicyDecisionSchema.parse(request.row.decision);
}
