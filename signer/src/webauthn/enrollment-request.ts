import {
  type EnrollmentCertificateBody,
  enrollmentRequestOf,
  ForbiddenError,
  InvalidRequestError,
  type PolicyEngine,
  parseEnrollmentSigningInput,
  type SigningCommitment,
  type VerifiedEnrollmentIdToken,
  verifyEnrollmentApprovals,
  verifyEnrollmentRegistration,
} from '@frostmint/core';
import type { SignRequest } from '@frostmint/proto';
import type { Logger } from 'pino';
import { checkCommitments, type SignContext } from '../sign-request.ts';
import type { EnrollmentProofChecker } from './enrollment-proof.ts';
import { checkRenewal } from './renewal.ts';

/** An ENROLLMENT round-two request that passed every check this signer makes. */
export interface CheckedEnrollment {
  readonly message: Uint8Array;
  readonly body: EnrollmentCertificateBody;
  readonly commitments: SigningCommitment[];
  readonly own: SigningCommitment;
  /** `enrollment:<cert id>`, remembered until {@link rememberUntil}. */
  readonly replayKey: string;
  /** The certificate's expiry, or the latest approval's `notAfter` if later (unix s). */
  readonly rememberUntil: number;
  /** Kids of the guardians whose approval of this enrollment verified here. */
  readonly approvals: string[];
  /** The proving ID token's replay key (`idtoken:…`) and until when to remember it. */
  readonly idTokenReplay?: { readonly key: string; readonly until: number };
}

/**
 * Checks a request to co-sign an enrollment certificate as if the coordinator were hostile:
 * the message is the canonical signing input of a certificate for this group's key, with a
 * lifetime within this signer's cap and an `iat` near its clock; the evidence is a WebAuthn
 * registration (verified against this signer's RP ID and origins) whose challenge is bound
 * to the certificate request and whose credential is exactly the certified one; the
 * guardian approvals (`req.approvals`) verify over this certificate request against the
 * guardians of this signer's own group configuration and its own RP
 * (`verifyEnrollmentApprovals`), each guardian counted once; the enrollment policy
 * (evaluated here, with this signer's clock and the verified guardians) allows the roles —
 * so a role whose policy requires approvals is refused without them (`approvals_missing`).
 * A first enrollment needs proof the coordinator cannot make (docs/webauthn.md,
 * "Enrollment proof"): the registration's ID token, verified by `proof` against this
 * signer's own enrollment IdP and bound by its nonce to this certificate body, naming the
 * engineer as policy maps it; or the guardian approvals its roles demand. Neither:
 * `enrollment_unproven`. A renewal carries instead a tap with the certificate it renews
 * (see checkRenewal).
 *
 * @example
 * ```ts
 * const checked = await checkEnrollmentRequest(req, ctx, policy, log, enrollmentProof);
 * ```
 */
export async function checkEnrollmentRequest(
  req: SignRequest,
  ctx: SignContext,
  policy: PolicyEngine,
  log: Logger,
  proof: EnrollmentProofChecker,
): Promise<CheckedEnrollment> {
  const { webauthn, clockSkewSeconds, id } = ctx.config;
  if (!webauthn) {
    throw new ForbiddenError(
      'evidence_rejected',
      'this signer has no WebAuthn relying party configured (webauthn in its config)',
    );
  }
  const body = parseEnrollmentSigningInput(req.message);
  if (body.kid !== ctx.kid) {
    throw new ForbiddenError('enrollment_kid_mismatch', `certificate names key ${body.kid}`);
  }
  const lifetime = body.exp - body.iat;
  if (lifetime <= 0 || lifetime > webauthn.certificateLifetimeSeconds || body.exp <= ctx.now) {
    throw new ForbiddenError(
      'enrollment_lifetime_invalid',
      `certificate lifetime ${lifetime} s is outside 1..${webauthn.certificateLifetimeSeconds} s`,
    );
  }
  const age = ctx.now - body.iat;
  if (age < -clockSkewSeconds || age > webauthn.challengeTtlSeconds + clockSkewSeconds) {
    throw new ForbiddenError(
      'enrollment_iat_skew',
      `certificate iat is ${-age} s from this signer's clock`,
    );
  }
  const commitments = checkCommitments(req, ctx);
  const own = commitments.find((c) => c.id === id);
  if (!own) throw new ForbiddenError('commitment_missing', `commitment list omits signer ${id}`);
  const kind = req.evidence?.kind;
  let idToken: VerifiedEnrollmentIdToken | undefined;
  if (kind?.$case === 'registration') {
    let response: unknown;
    try {
      response = JSON.parse(Buffer.from(kind.value.responseJson).toString('utf8'));
    } catch {
      throw new InvalidRequestError('registration_malformed', 'the registration is not JSON');
    }
    await verifyEnrollmentRegistration(response, body, webauthn);
    if (kind.value.idToken !== '') idToken = await proof.check(kind.value.idToken, body, ctx.now);
  } else if (kind?.$case === 'webauthn') {
    await checkRenewal(kind.value, body, req.message, {
      webauthn,
      groupKey: ctx.groupKey,
      kid: ctx.kid,
      now: ctx.now,
      clockSkewSeconds,
    });
  } else {
    throw new ForbiddenError(
      'evidence_missing',
      'an enrollment certificate needs the WebAuthn registration it was requested with, or a tap with the certificate it renews',
    );
  }
  const approvals = await verifyEnrollmentApprovals(
    req.approvals,
    enrollmentRequestOf(body),
    webauthn,
    ctx.guardians,
    ctx.now,
  );
  const input = {
    now: ctx.now,
    requester: { kind: 'engineer' as const, subject: body.sub, amr: ['webauthn'] },
    enrollment: { roles: body.roles, lifetime },
    approvals,
    ...(idToken ? { id_token: idToken.policyInput } : {}),
  };
  const decision = policy.evaluateEnrollment(input);
  log.info(
    {
      decision: { policy: policy.id, allow: decision.allow, reasons: decision.reasons },
      certId: body.cert_id,
      approvals,
      proof: decision.proof,
    },
    'enrollment policy decision',
  );
  // A renewal is proven by the tap of the certified credential, and keeps roles whose
  // guardian approvals were checked when they were first granted.
  const renewal = kind.$case === 'webauthn';
  const reasons = decision.reasons.filter(
    (r) => !(renewal && (r === 'approvals_missing' || r === 'enrollment_unproven')),
  );
  // Fail closed even under a policy that forgot the proof: it must name evidence verified here.
  const proven =
    renewal ||
    (decision.proof === 'id_token' && idToken !== undefined) ||
    (decision.proof === 'approvals' && approvals.length > 0);
  if (!proven || reasons.includes('enrollment_unproven')) {
    throw new ForbiddenError(
      'enrollment_unproven',
      `nothing the coordinator cannot make proves this enrollment is ${body.sub}'s: it needs an ID token from the organisation's IdP naming them (nonce = the certificate request digest) or the guardian approvals policy demands (${reasons.join(', ') || 'no proof'})`,
    );
  }
  if (reasons.length > 0) {
    throw new ForbiddenError(
      'policy_denied',
      `policy denies this enrollment: ${reasons.join(', ')}`,
    );
  }
  // The approvals name the cert id: remember it while they (or the certificate) last.
  const rememberUntil = Math.max(body.exp, ...req.approvals.map((a) => a.notAfter));
  return {
    message: req.message,
    body,
    commitments,
    own,
    replayKey: `enrollment:${body.cert_id}`,
    rememberUntil,
    approvals,
    ...(idToken
      ? { idTokenReplay: { key: `idtoken:${idToken.replayKey}`, until: idToken.expiresAt } }
      : {}),
  };
}
