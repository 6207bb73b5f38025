import { mintChallenge, signingInput, type TokenClaims } from '@frostmint/core';
import { maybePending, requestToken } from '../approvals/record.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import { type ApprovalStage, pickSigners, type RequestContext } from './context.ts';

/**
 * When the engineer's tap on an approved request must come by (ms since the epoch): within
 * `challengeTtlSeconds` of the final token's `iat` (signers refuse an older `iat`, see
 * docs/webauthn.md) and before the approvals lapse with the request.
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
  const { iat } = row.claims as unknown as TokenClaims;
  return Math.min(row.expiresAt.getTime(), (iat + ctx.webauthn.challengeTtlSeconds) * 1000);
}

/**
 * Moves a two-step request whose guardian approvals are in to "awaiting the tap": fixes the
 * final token now — fresh `iat`/`nbf`/`exp` (same lifetime), the signer set chosen now, and
 * `frostmint.approvals` naming the guardians whose approvals verified — stores a single-use
 * challenge SHA-256(its signing input), and marks the request `approved` (compare-and-set,
 * so of two coordinators one wins). The approvals stay valid: they sign the request without
 * its times and signers (core/src/approvals). Does the same again when an approved
 * request's tap window lapsed (a fresh `iat` the signers accept). Returns the request as it
 * now stands; unchanged when approvals are missing or it is not open.
 *
 * @example
 * ```ts
 * const row = await awaitTap(ctx, approvals, await store.mintRequests.get(id));
 * ```
 */
export async function awaitTap(
  ctx: RequestContext,
  stage: ApprovalStage,
  row: MintRequest,
): Promise<MintRequest> {
  const nowMs = ctx.now();
  // Only two-step requests: a one-step (CI) request is finished by its requester's poll.
  const twoStep = row.kind === 'token' && maybePending(row) === undefined;
  if (!twoStep || row.requiredApprovals === 0 || row.expiresAt.getTime() <= nowMs) return row;
  const due =
    (row.status === 'pending' &&
      (await ctx.store.approvals.listByRequest(row.id)).length >= row.requiredApprovals) ||
    (row.status === 'approved' && tapDeadline(ctx, row) <= nowMs);
  if (!due) return row;
  const { approvedBy } = await stage.verifiedApprovals(row);
  if (approvedBy.length < row.requiredApprovals) return row;
  const { header, claims: prepared } = requestToken(row);
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = {
    ...prepared,
    iat,
    nbf: iat,
    exp: iat + (prepared.exp - prepared.iat),
    frostmint: { ...prepared.frostmint, signers: pickSigners(ctx), approvals: approvedBy },
  };
  const input = signingInput(header, claims);
  // The challenge first: if the compare-and-set below loses, this one matches no stored
  // signing input and simply expires.
  await ctx.store.challenges.create({
    challenge: mintChallenge(input).toString('base64url'),
    purpose: 'authentication',
    userId: row.requester,
    requestId: row.id,
    createdAt: new Date(nowMs),
    expiresAt: new Date(tapDeadline(ctx, { expiresAt: row.expiresAt, claims: { iat } })),
  });
  const fixed = await ctx.store.mintRequests.fixApprovedToken(
    row.id,
    row.signingInput,
    { signingInput: input, claims: claims as unknown as JsonObject },
    new Date(nowMs),
  );
  if (fixed === null) return (await ctx.store.mintRequests.get(row.id)) ?? row;
  ctx.log.info(
    { requestId: row.id, approvedBy, signers: claims.frostmint.signers },
    'approved mint request awaits the tap',
  );
  return fixed;
}
