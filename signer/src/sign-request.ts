import {
  checkClaimsFollowEvidence,
  checkTokenForSigning,
  correlate,
  DEV_SUBJECT,
  type EnrollmentCertificate,
  EVIDENCE_CLAIMS,
  ForbiddenError,
  type GuardianKey,
  InvalidRequestError,
  type PolicyInput,
  parseSigningInput,
  type SigningCommitment,
  type TokenClaims,
  type TokenHeader,
} from '@frostmint/core';
import type { Evidence, SignRequest } from '@frostmint/proto';
import type { SignerConfig } from './config.ts';
import type { ApprovalChecker } from './evidence/approvals.ts';
import type { DpopEvidenceChecker } from './evidence/dpop.ts';
import type { OidcEvidenceChecker } from './evidence/oidc.ts';
import { checkWebAuthnEvidence } from './webauthn/assertion-evidence.ts';

/** A round-two request that passed every check this signer makes before it signs. */
export interface CheckedSignRequest {
  readonly message: Uint8Array;
  readonly header: TokenHeader;
  readonly claims: TokenClaims;
  readonly commitments: SigningCommitment[];
  readonly own: SigningCommitment;
  /** The requester as established from the evidence this signer verified. */
  readonly requester: PolicyInput['requester'];
  /** Key of the evidence in this signer's replay window (WebAuthn), remembered when it signs. */
  readonly replayKey?: string;
  /** Kids of the guardians whose approval of this request verified here. */
  readonly approvals: string[];
  /** The enrollment certificate of a WebAuthn requester. */
  readonly certificate?: EnrollmentCertificate;
  /**
   * Records single-use evidence (an OIDC ID token) as used. Called only once the share is
   * produced, so a refused attempt leaves the evidence usable; throws if it was spent since.
   */
  readonly spendEvidence?: (now: number) => void;
  /** The token is DPoP-bound and the requester's proof verified here (policy `dpop_bound`). */
  readonly dpopBound: boolean;
  /** Records the DPoP proof as used, once the share is produced. */
  readonly spendDpop?: (now: number) => void;
}

export interface SignContext {
  readonly config: SignerConfig;
  readonly kid: string;
  readonly participants: readonly number[];
  readonly threshold: number;
  readonly now: number;
  /** Verifies OIDC (CI) evidence; absent when this signer trusts no OIDC issuer. */
  readonly oidc?: OidcEvidenceChecker;
  /** 32-byte group public key (enrollment certificates are signed by it). */
  readonly groupKey: Uint8Array;
  /** Verifies guardian approvals against `guardians` (the group configuration's). */
  readonly approvals: ApprovalChecker;
  readonly guardians: readonly GuardianKey[];
  /** Verifies the requester's DPoP proof of a `cnf`-bound token (RFC 9449). */
  readonly dpop: DpopEvidenceChecker;
}

/**
 * Checks a round-two request as if the coordinator were hostile: the exact token it asks
 * this signer to co-sign, who the signing set is, and the requester's evidence.
 *
 * @example
 * ```ts
 * const checked = await checkSignRequest(call.request, { config, kid, participants, threshold, now });
 * ```
 */
export async function checkSignRequest(
  req: SignRequest,
  ctx: SignContext,
): Promise<CheckedSignRequest> {
  // The one token grammar, before anything else reads the message (size cap included).
  const { header, claims } = parseSigningInput(req.message);
  correlate({ jti: claims.jti });
  checkTokenForSigning(header, claims, {
    kid: ctx.kid,
    issuer: ctx.config.issuer,
    maxTtlSeconds: ctx.config.maxTtlSeconds,
    clockSkewSeconds: ctx.config.clockSkewSeconds,
    now: ctx.now,
    // A prepared WebAuthn mint waits for the tap with its claims (and `iat`) fixed.
    ...(req.evidence?.kind?.$case === 'webauthn' && ctx.config.webauthn
      ? { maxAgeSeconds: ctx.config.webauthn.challengeTtlSeconds }
      : {}),
  });
  const dpop = await ctx.dpop.check(req.dpopProof, claims, ctx.now);
  const dpopFields = { dpopBound: dpop.bound, ...(dpop.spend ? { spendDpop: dpop.spend } : {}) };
  const commitments = checkCommitments(req, ctx);
  const ids = commitments.map((c) => c.id).sort((a, b) => a - b);
  const named = [...claims.frostmint.signers].sort((a, b) => a - b);
  if (ids.join(',') !== named.join(',')) {
    throw new ForbiddenError(
      'signers_mismatch',
      `token names signers [${named}] but the signing set is [${ids}]`,
    );
  }
  const own = commitments.find((c) => c.id === ctx.config.id);
  if (!own)
    throw new ForbiddenError('commitment_missing', `commitment list omits signer ${ctx.config.id}`);
  const approvals = await ctx.approvals.check(
    req.approvals,
    header,
    claims,
    ctx.guardians,
    ctx.now,
    ctx.config.webauthn,
  );
  const kind = req.evidence?.kind;
  if (kind?.$case === 'webauthn') {
    const engineer = await checkWebAuthnEvidence(kind.value, req.message, claims, {
      webauthn: ctx.config.webauthn,
      groupKey: ctx.groupKey,
      kid: ctx.kid,
      now: ctx.now,
      clockSkewSeconds: ctx.config.clockSkewSeconds,
    });
    checkClaimsFollowEvidence(claims, 'webauthn', engineer.requester.subject);
    return {
      message: req.message,
      header,
      claims,
      commitments,
      own,
      approvals,
      ...engineer,
      ...dpopFields,
    };
  }
  const { requester, spend } = await checkEvidence(req.evidence, claims, ctx);
  return {
    message: req.message,
    header,
    claims,
    commitments,
    own,
    requester,
    approvals,
    ...(spend ? { spendEvidence: spend } : {}),
    ...dpopFields,
  };
}

/**
 * The commitment list of a round-two request: `threshold..n` distinct participants with
 * 32-byte points. Throws `commitments_invalid`.
 *
 * @example
 * ```ts
 * const commitments = checkCommitments(req, ctx);
 * ```
 */
export function checkCommitments(
  req: Pick<SignRequest, 'commitments'>,
  ctx: Pick<SignContext, 'threshold' | 'participants'>,
): SigningCommitment[] {
  if (req.commitments.length < ctx.threshold || req.commitments.length > ctx.participants.length) {
    throw new InvalidRequestError(
      'commitments_invalid',
      `need ${ctx.threshold}..${ctx.participants.length} commitments, got ${req.commitments.length}`,
    );
  }
  const seen = new Set<number>();
  return req.commitments.map((c) => {
    if (!ctx.participants.includes(c.signerId) || seen.has(c.signerId)) {
      throw new InvalidRequestError(
        'commitments_invalid',
        `unknown or duplicate signer id ${c.signerId}`,
      );
    }
    if (c.hiding.length !== 32 || c.binding.length !== 32) {
      throw new InvalidRequestError('commitments_invalid', 'commitments are 32-byte points');
    }
    seen.add(c.signerId);
    return { id: c.signerId, hiding: c.hiding, binding: c.binding };
  });
}

/**
 * Dev or OIDC evidence: the requester it proves, with the token's `sub`, `amr` and
 * `client_id` checked against the shared table (`claims_evidence_mismatch`).
 */
async function checkEvidence(
  evidence: Evidence | undefined,
  claims: TokenClaims,
  { config, oidc, now }: SignContext,
): Promise<{ requester: PolicyInput['requester']; spend?: (now: number) => void }> {
  const kind = evidence?.kind;
  if (kind?.$case === 'oidc') {
    if (!oidc) {
      throw new ForbiddenError('evidence_rejected', 'this signer trusts no OIDC issuer');
    }
    const checked = await oidc.check(kind.value.idToken, claims, now);
    checkClaimsFollowEvidence(claims, 'oidc', checked.requester.subject);
    return checked;
  }
  if (kind?.$case === 'dev') {
    if (!config.allowDevRequester) {
      throw new ForbiddenError('evidence_rejected', 'this signer does not accept dev requesters');
    }
    if (kind.value.subject !== DEV_SUBJECT) {
      throw new ForbiddenError('evidence_rejected', `dev evidence names only ${DEV_SUBJECT}`);
    }
    checkClaimsFollowEvidence(claims, 'dev', DEV_SUBJECT);
    const { amr } = EVIDENCE_CLAIMS.dev;
    return { requester: { kind: 'dev', subject: DEV_SUBJECT, roles: [], amr: [...amr] } };
  }
  throw new ForbiddenError(
    'evidence_missing',
    'the request carries no requester evidence this signer accepts',
  );
}
