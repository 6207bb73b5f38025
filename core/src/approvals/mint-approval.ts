import type { GuardianKey } from '../ceremony/guardian-key.ts';
import type { TokenClaims, TokenHeader } from '../token/claims.ts';
import {
  type ApprovalKind,
  type GuardianApprovalWire,
  guardianApprovalDigest,
  guardianApprovalInput,
  verifyGuardianApprovals,
} from './guardian-approvals.ts';
import type { ApprovalRelyingParty } from './webauthn-approval.ts';

/** Domain of every mint approval signature; a ceremony or policy approval never verifies here. */
export const MINT_APPROVAL_DOMAIN = 'frostmint/mint-approval/v1\0';
/** Domain of a guardian's refusal, so an approval can never be presented as a denial or back. */
export const MINT_DENIAL_DOMAIN = 'frostmint/mint-denial/v1\0';
/** Mint approvals and denials. */
export const MINT_APPROVAL: ApprovalKind = {
  approveDomain: MINT_APPROVAL_DOMAIN,
  denyDomain: MINT_DENIAL_DOMAIN,
  noun: 'request',
};

/**
 * What a guardian approves: one mint request, fixed before anyone signs it. It is the
 * token's header and claims except what is only known at signing time — the times (`iat`,
 * `nbf`, `exp`, replaced by the lifetime `ttl`), the signer set and the list of approvers —
 * plus `notAfter`, when the approval lapses. So it binds the request (its `jti`, requester,
 * scopes, audience, lifetime and policy) and survives the quorum picking its signers after
 * the approvals arrive.
 */
export interface MintApprovalSubject {
  readonly header: TokenHeader;
  readonly claims: Omit<TokenClaims, 'iat' | 'nbf' | 'exp' | 'frostmint'> & {
    readonly frostmint: { readonly policy?: string };
  };
  readonly ttl: number;
  /** Unix seconds. */
  readonly notAfter: number;
}

/** One guardian's approval of a mint as it travels (proto `MintApproval`). */
export type MintApprovalWire = GuardianApprovalWire;

/**
 * The approval subject of a token (any `iat`/`exp`/signers: they are left out).
 *
 * @example
 * ```ts
 * const subject = mintApprovalSubject(header, claims, request.expiresAt);
 * ```
 */
export function mintApprovalSubject(
  header: TokenHeader,
  claims: TokenClaims,
  notAfter: number,
): MintApprovalSubject {
  const { iat, nbf: _nbf, exp, frostmint, ...rest } = claims;
  const policy = frostmint.policy === undefined ? {} : { policy: frostmint.policy };
  return { header, claims: { ...rest, frostmint: policy }, ttl: exp - iat, notAfter };
}

/**
 * The digest a guardian's approval key signs (`CKM_ECDSA` over it = ES256 over the input):
 * SHA-256(`"frostmint/mint-approval/v1\0"` ‖ canonical JSON of the subject), or with the
 * denial domain for a refusal.
 *
 * @example
 * ```ts
 * const signature = await token.sign(approvalKeyRef, mintApprovalDigest(subject));
 * ```
 */
export function mintApprovalDigest(subject: MintApprovalSubject, deny = false): Buffer {
  return guardianApprovalDigest(MINT_APPROVAL, subject, deny);
}

/**
 * The signed input before hashing (what `verifyGuardianSignature` takes).
 *
 * @example
 * ```ts
 * verifyGuardianSignature(guardian, mintApprovalInput(subject), signature);
 * ```
 */
export function mintApprovalInput(subject: MintApprovalSubject, deny = false): Buffer {
  return guardianApprovalInput(MINT_APPROVAL, subject, deny);
}

/**
 * Verifies the approvals of one token (see `verifyGuardianApprovals`) over its subject
 * rebuilt from the token, with each approval's own `notAfter`.
 *
 * @example
 * ```ts
 * const approvedBy = await verifyMintApprovals(req.approvals, header, claims, group.guardians.keys, now, config.webauthn);
 * ```
 */
export function verifyMintApprovals(
  approvals: readonly MintApprovalWire[],
  header: TokenHeader,
  claims: TokenClaims,
  guardians: readonly GuardianKey[],
  now: number,
  rp?: ApprovalRelyingParty,
): Promise<string[]> {
  return verifyGuardianApprovals(
    approvals,
    MINT_APPROVAL,
    (notAfter) => mintApprovalSubject(header, claims, notAfter),
    guardians,
    now,
    rp,
  );
}
