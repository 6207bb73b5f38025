import {
  type ApprovalRelyingParty,
  ForbiddenError,
  type GuardianKey,
  type TokenClaims,
  type TokenHeader,
  verifyMintApprovals,
} from '@frostmint/core';
import type { MintApproval } from '@frostmint/proto';
import { mintFingerprint } from './mint-fingerprint.ts';
import { ReplayWindow } from './replay-window.ts';

/**
 * Guardian approvals as a signer checks them: verified against the guardians of this
 * signer's own group configuration over this exact request (see `verifyMintApprovals`;
 * WebAuthn approvals against this signer's own `webauthn` RP configuration),
 * each guardian counted once, the token's `frostmint.approvals` (when present) naming
 * exactly the verified guardians, and — once the signer actually signs (`commit`) — the
 * approved request (`jti`) used for one token only: remembered until the approvals lapse, so
 * the same approvals cannot mint the request again at another time (`approval_replayed`).
 *
 * @example
 * ```ts
 * const approvedBy = await checker.check(req.approvals, header, claims, group.guardians.keys, now, config.webauthn);
 * // … policy allows …
 * checker.commit(req.approvals, claims, now);
 * ```
 */
export class ApprovalChecker {
  constructor(private readonly window: ReplayWindow) {}

  async check(
    approvals: readonly MintApproval[],
    header: TokenHeader,
    claims: TokenClaims,
    guardians: readonly GuardianKey[],
    now: number,
    rp?: ApprovalRelyingParty,
  ): Promise<string[]> {
    const named = [...(claims.frostmint.approvals ?? [])].sort();
    if (approvals.length === 0) {
      if (named.length > 0) throw mismatch();
      return [];
    }
    const approvedBy = await verifyMintApprovals(approvals, header, claims, guardians, now, rp);
    if (claims.frostmint.approvals !== undefined && named.join(' ') !== approvedBy.join(' ')) {
      throw mismatch();
    }
    return approvedBy;
  }

  /**
   * Marks the approved request as signed for this token, once policy allowed it and just
   * before the share is computed (a refused attempt burns nothing): the same approvals for
   * another token of the request are refused from then on (`approval_replayed`).
   */
  commit(approvals: readonly MintApproval[], claims: TokenClaims, now: number): void {
    if (approvals.length === 0) return;
    this.window.remember(
      `approval:${claims.jti}`,
      mintFingerprint(claims),
      Math.max(...approvals.map((a) => a.notAfter)),
      now,
      'approval_replayed',
    );
  }
}

function mismatch(): ForbiddenError {
  return new ForbiddenError(
    'approvals_mismatch',
    'the token names other approvers than the approvals that verified',
  );
}

/** Approved requests a signer remembers at most (until their approvals lapse). */
export const APPROVAL_REPLAY_CAPACITY = 100_000;

/**
 * A checker with its own replay window.
 *
 * @example
 * ```ts
 * const approvals = approvalChecker();
 * ```
 */
export function approvalChecker(): ApprovalChecker {
  return new ApprovalChecker(new ReplayWindow({ capacity: APPROVAL_REPLAY_CAPACITY }));
}
