import { createHash } from 'node:crypto';
import { domainSeparated } from '../canonical-json.ts';
import { type GuardianKey, verifyGuardianSignature } from '../ceremony/guardian-key.ts';
import { ForbiddenError } from '../errors.ts';
import type { TokenClaims, TokenHeader } from '../token/claims.ts';
import {
  type ApprovalRelyingParty,
  verifyWebAuthnApproval,
  type WebAuthnApprovalWire,
} from './webauthn-approval.ts';

/** Domain of every mint approval signature; a ceremony or policy approval never verifies here. */
export const MINT_APPROVAL_DOMAIN = 'frostmint/mint-approval/v1\0';
/** Domain of a guardian's refusal, so an approval can never be presented as a denial or back. */
export const MINT_DENIAL_DOMAIN = 'frostmint/mint-denial/v1\0';
/** An approval may not stay valid for longer than this (seconds) after the signer's clock. */
export const MAX_APPROVAL_VALIDITY_SECONDS = 24 * 3600;

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

/** One guardian's approval as it travels (proto `MintApproval`). */
export interface MintApprovalWire {
  readonly guardianKid: string;
  readonly signature: Uint8Array;
  readonly notAfter: number;
  /** A WebAuthn approval (then `signature` is empty): see `verifyWebAuthnApproval`. */
  readonly webauthn?: WebAuthnApprovalWire | undefined;
}

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
  return createHash('sha256').update(mintApprovalInput(subject, deny)).digest();
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
  return domainSeparated(deny ? MINT_DENIAL_DOMAIN : MINT_APPROVAL_DOMAIN, subject);
}

/**
 * Verifies the approvals of one token the way every signer (and the coordinator) must:
 * each names a guardian of `guardians` and verifies over this token's subject with its own
 * `notAfter`, which must not have passed (nor lie more than 24 h ahead) — an ES256
 * signature by the guardian's approval key, or a WebAuthn approval (`webauthn`) whose
 * challenge is the same digest, checked against the verifier's own relying party `rp`.
 * Returns the kids of the approving guardians, each once however often (and however) it
 * appears, sorted — the policy input `approvals`. Throws `approval_invalid`,
 * `approval_expired`, `binding_invalid` or `binding_expired`.
 *
 * @example
 * ```ts
 * const approvedBy = await verifyMintApprovals(req.approvals, header, claims, group.guardians.keys, now, config.webauthn);
 * ```
 */
export async function verifyMintApprovals(
  approvals: readonly MintApprovalWire[],
  header: TokenHeader,
  claims: TokenClaims,
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
    const subject = mintApprovalSubject(header, claims, approval.notAfter);
    if (approval.webauthn) {
      if (approval.signature.length > 0) {
        throw new ForbiddenError(
          'approval_invalid',
          'an approval is either signed by the approval key or made with WebAuthn, not both',
        );
      }
      const digest = mintApprovalDigest(subject);
      await verifyWebAuthnApproval(
        approval.webauthn,
        guardian.approvalKey.kid,
        digest,
        guardians,
        rp,
        now,
      );
    } else if (!verifyGuardianSignature(guardian, mintApprovalInput(subject), approval.signature)) {
      throw new ForbiddenError(
        'approval_invalid',
        `the approval by guardian "${guardian.name}" does not verify over this request ` +
          '(forged, or made for another request)',
      );
    }
    approvedBy.add(guardian.approvalKey.kid);
  }
  return [...approvedBy].sort();
}
