import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  canonicalJson,
  type EnrollDecision,
  type EnrollmentCertificateBody,
  type EnrollmentRequest,
  EnrollmentRequestSchema,
  encodeEnrollmentCertificate,
  enrollmentSigningInput,
  ForbiddenError,
  FrostmintError,
  hasCode,
  registrationChallenge,
  verifyEnrollmentRegistration,
} from '@frostmint/core';
import { SigningPurpose } from '@frostmint/proto';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import { tapDeadline } from './approved-tap.ts';
import { pickSigners, type RequestContext, tapUrl } from './context.ts';
import { awaitEnrollmentTap } from './enrollment-approvals.ts';

/** What `POST /v1/enrollments` answers. */
export interface PreparedEnrollment {
  request_id: string;
  status: 'pending';
  /** `awaiting_approvals` while guardians must approve first (then no `public_key`). */
  status_reason: 'awaiting_approvals' | null;
  user: string;
  roles: string[];
  required_approvals: number;
  expires_at: number;
  certificate_expires_at: number;
  tap_url: string;
  /** `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.4), once a tap is expected. */
  public_key?: ReturnType<EnrollmentService['creationOptions']>;
}

/** What completing an enrollment answers. */
export interface CompletedEnrollment {
  status: 'enrolled';
  request_id: string;
  user: string;
  credential_id: string;
  roles: string[];
  certificate_expires_at: number;
  /** The certificate (canonical JSON), signed by the group key. */
  certificate: string;
}

/**
 * Enrollment of an engineer's passkey or security key (DESIGN.md "Components and trust"):
 * `begin` fixes the certificate request (user, roles, lifetime, group key) after the
 * enrollment policy allows it and derives the registration challenge from it; `complete`
 * verifies the registration (user verification, origin, RP ID) and has the quorum sign the
 * certificate — every signer verifies the registration and evaluates the enrollment policy
 * again before it co-signs.
 *
 * @example
 * ```ts
 * const prepared = await enrollments.begin('alice@example.com', ['developer']);
 * const { certificate } = await enrollments.complete(prepared.request_id, registrationJson);
 * ```
 */
export class EnrollmentService {
  constructor(private readonly ctx: RequestContext) {}

  async begin(user: string, roles: string[]): Promise<PreparedEnrollment> {
    const { ctx } = this;
    await ctx.abuse.limitPrepare(user);
    const nowMs = ctx.now();
    const iat = Math.floor(nowMs / 1000);
    const wanted = ctx.webauthn.certificateLifetimeSeconds;
    const probe = this.#decide(user, roles, wanted, iat);
    const lifetime = Math.min(wanted, probe.max_lifetime || wanted);
    const decision = lifetime === wanted ? probe : this.#decide(user, roles, lifetime, iat);
    // Policy's only objection is missing guardian approvals: the request waits for them.
    const awaiting =
      !decision.allow &&
      ctx.approvals !== undefined &&
      decision.required_approvals > 0 &&
      decision.reasons.every((r) => r === 'approvals_missing');
    if (!decision.allow && !awaiting) {
      throw new ForbiddenError(
        'policy_denied',
        `policy denies this enrollment: ${decision.reasons.join(', ')}`,
      );
    }
    const request: EnrollmentRequest = {
      v: 1,
      cert_id: randomBytes(16).toString('base64url'),
      sub: user,
      roles: [...new Set(roles)].sort(),
      iat,
      exp: iat + lifetime,
      kid: ctx.kid,
    };
    const challenge = registrationChallenge(request).toString('base64url');
    const createdAt = new Date(nowMs);
    const window = awaiting ? ctx.approvals!.windowSeconds : ctx.webauthn.challengeTtlSeconds;
    const expiresAt = new Date(nowMs + window * 1000);
    await ctx.store.mintRequests.create({
      id: request.cert_id,
      requester: user,
      kind: 'enrollment',
      signingInput: canonicalJson(request),
      claims: request as unknown as JsonObject,
      decision: decision as unknown as JsonObject,
      justification: null,
      requiredApprovals: decision.required_approvals,
      createdAt,
      expiresAt,
    });
    const prepared = {
      request_id: request.cert_id,
      status: 'pending' as const,
      status_reason: awaiting ? ('awaiting_approvals' as const) : null,
      user,
      roles: request.roles,
      required_approvals: decision.required_approvals,
      expires_at: Math.floor(expiresAt.getTime() / 1000),
      certificate_expires_at: request.exp,
      tap_url: tapUrl(ctx, 'enroll', request.cert_id),
    };
    if (awaiting) {
      ctx.log.info(
        { requestId: request.cert_id, user, required: decision.required_approvals },
        'enrollment waits for guardian approvals',
      );
      return prepared;
    }
    await ctx.store.challenges.create({
      challenge,
      purpose: 'registration',
      userId: user,
      requestId: request.cert_id,
      createdAt,
      expiresAt,
    });
    const existing = (await ctx.store.enrollments.listByUser(user)).filter(
      (e) => e.revokedAt === null,
    );
    return {
      ...prepared,
      public_key: this.creationOptions(
        request,
        challenge,
        existing.map((e) => e.credentialId),
      ),
    };
  }

  /** `PublicKeyCredentialCreationOptionsJSON` for an enrollment request. */
  creationOptions(request: EnrollmentRequest, challenge: string, exclude: readonly string[]) {
    return {
      challenge,
      rp: { id: this.ctx.webauthn.rpId, name: this.ctx.webauthn.rpName },
      // The user handle is opaque (WebAuthn §14.6.1): the cert id, not the user's name.
      user: { id: request.cert_id, name: request.sub, displayName: request.sub },
      pubKeyCredParams: [
        { type: 'public-key' as const, alg: -7 },
        { type: 'public-key' as const, alg: -8 },
        { type: 'public-key' as const, alg: -257 },
      ],
      authenticatorSelection: {
        userVerification: 'required' as const,
        residentKey: 'preferred' as const,
      },
      attestation: 'none' as const,
      excludeCredentials: exclude.map((id) => ({ id, type: 'public-key' as const })),
      timeout: this.ctx.webauthn.challengeTtlSeconds * 1000,
    };
  }

  /**
   * Where an enrollment stands (the CLI polls it), with the creation options while it waits
   * for the registration (the tap page uses them).
   */
  async status(id: string) {
    const { ctx } = this;
    const found = await ctx.store.mintRequests.get(id);
    if (found === null || found.kind !== 'enrollment' || 'credential_id' in found.claims) {
      throw new FrostmintError('request_not_found', `no enrollment request ${id}`, { status: 404 });
    }
    const stored = ctx.approvals ? await awaitEnrollmentTap(ctx, ctx.approvals, found) : found;
    const request = EnrollmentRequestSchema.parse(stored.claims);
    const open = stored.status === 'pending' || stored.status === 'approved';
    const expired = open && stored.expiresAt.getTime() <= ctx.now();
    const status = expired ? 'expired' : stored.status === 'minted' ? 'enrolled' : stored.status;
    const awaiting = status === 'pending' && stored.requiredApprovals > 0;
    const summary = {
      request_id: id,
      status,
      status_reason: awaiting
        ? 'awaiting_approvals'
        : status === 'approved'
          ? 'awaiting_tap'
          : stored.statusReason,
      user: request.sub,
      roles: request.roles,
      required_approvals: stored.requiredApprovals,
      ...(stored.requiredApprovals > 0 && ctx.approvals
        ? { approved_by: await ctx.approvals.approvers(id) }
        : {}),
      certificate_expires_at: request.exp,
      expires_at: Math.floor(stored.expiresAt.getTime() / 1000),
    };
    if (awaiting || (status !== 'pending' && status !== 'approved')) return summary;
    const challenge = registrationChallenge(request).toString('base64url');
    const existing = (await this.ctx.store.enrollments.listByUser(request.sub)).filter(
      (e) => e.revokedAt === null,
    );
    const exclude = existing.map((e) => e.credentialId);
    return { ...summary, public_key: this.creationOptions(request, challenge, exclude) };
  }

  /**
   * Advances enrollment `id` to the registration tap once its guardian approvals are in
   * (called when an approval completes the count; `status` does the same on every read).
   *
   * @example
   * ```ts
   * pendingMints.onEnoughApprovals((id) => enrollments.approvalsComplete(id));
   * ```
   */
  async approvalsComplete(id: string): Promise<void> {
    const row = await this.ctx.store.mintRequests.get(id);
    if (row !== null && this.ctx.approvals)
      await awaitEnrollmentTap(this.ctx, this.ctx.approvals, row);
  }

  async complete(id: string, registration: unknown): Promise<CompletedEnrollment> {
    const { ctx } = this;
    const pending = await this.#pending(id);
    const request = EnrollmentRequestSchema.parse(pending.claims);
    await ctx.abuse.ensureNotLockedOut(request.sub);
    // The approvals the signers will check themselves (none when policy requires none).
    const approved =
      pending.requiredApprovals > 0 && ctx.approvals
        ? await ctx.approvals.verifiedApprovals(pending)
        : { approvals: [], approvedBy: [] };
    const credential = await verifyEnrollmentRegistration(
      registration,
      request,
      ctx.webauthn,
    ).catch(async (err: unknown) => {
      if (err instanceof FrostmintError && err.status === 403) await ctx.abuse.failed(request.sub);
      throw err;
    });
    await ctx.store.challenges
      .consume(registrationChallenge(request).toString('base64url'), 'registration')
      .catch((err: unknown) => {
        if (hasCode(err, 'store_challenge_unknown') || hasCode(err, 'store_challenge_expired')) {
          throw new ForbiddenError(
            'challenge_used',
            'this enrollment was already completed or expired: start again (frostmint enroll)',
          );
        }
        throw err;
      });
    if ((await ctx.store.enrollments.get(credential.credentialId)) !== null) {
      throw new ConflictError('credential_already_enrolled', 'this credential is already enrolled');
    }
    const body: EnrollmentCertificateBody = {
      ...request,
      credential_id: credential.credentialId,
      public_key: credential.publicKey,
    };
    const signers = pickSigners(ctx);
    let signature: Uint8Array;
    try {
      signature = await ctx.quorum.sign({
        requestId: id,
        signers,
        message: enrollmentSigningInput(body),
        evidence: {
          kind: {
            $case: 'registration',
            value: { responseJson: Buffer.from(JSON.stringify(registration), 'utf8') },
          },
        },
        purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
        approvals: approved.approvals,
      });
    } catch (err) {
      await this.#deny(pending, err instanceof FrostmintError ? err.code : 'internal');
      throw err;
    }
    const certificate = encodeEnrollmentCertificate(body, signature);
    await ctx.store.enrollments.put({
      credentialId: credential.credentialId,
      userId: request.sub,
      publicKey: Buffer.from(credential.publicKey, 'base64url'),
      signCount: credential.signCount,
      transports: credential.transports,
      roles: request.roles,
      certificate,
      certificateExpiresAt: new Date(request.exp * 1000),
      createdAt: new Date(ctx.now()),
    });
    await ctx.store.mintRequests.transition(
      id,
      pending.status,
      'minted',
      new Date(ctx.now()),
      `credential ${credential.credentialId}`,
    );
    await ctx.audit.record({
      type: 'enrollment',
      cert_id: request.cert_id,
      sub: request.sub,
      credential_id: credential.credentialId,
      roles: request.roles,
      exp: request.exp,
      policy: ctx.policy.id,
      signers,
      ...(approved.approvedBy.length > 0 ? { approvals: approved.approvedBy } : {}),
    });
    return {
      status: 'enrolled',
      request_id: id,
      user: request.sub,
      credential_id: credential.credentialId,
      roles: request.roles,
      certificate_expires_at: request.exp,
      certificate: certificate.toString('utf8'),
    };
  }

  /**
   * Revokes an enrollment: the coordinator refuses it at once; signers refuse it when its
   * short-lived certificate expires (docs/webauthn.md, "Revocation").
   */
  async revoke(
    credentialId: string,
    reason: string,
  ): Promise<{ credential_id: string; revoked_at: string }> {
    const revoked = await this.ctx.store.enrollments.revoke(
      credentialId,
      reason,
      new Date(this.ctx.now()),
    );
    return { credential_id: credentialId, revoked_at: revoked.revokedAt!.toISOString() };
  }

  #decide(user: string, roles: string[], lifetime: number, now: number): EnrollDecision {
    const decision = this.ctx.policy.evaluateEnrollment({
      now,
      requester: { kind: 'engineer', subject: user, amr: ['webauthn'] },
      enrollment: { roles, lifetime },
      approvals: [],
    });
    this.ctx.log.info(
      {
        decision: { policy: this.ctx.policy.id, allow: decision.allow, reasons: decision.reasons },
        user,
      },
      'enrollment policy decision',
    );
    return decision;
  }

  async #pending(id: string): Promise<MintRequest> {
    const request = await this.ctx.store.mintRequests.get(id);
    if (request === null || request.kind !== 'enrollment' || 'credential_id' in request.claims) {
      throw new FrostmintError('request_not_found', `no enrollment request ${id}`, { status: 404 });
    }
    if (request.status === 'pending' && request.requiredApprovals > 0) {
      throw new ConflictError(
        'awaiting_approvals',
        'this enrollment waits for guardian approvals (frostmint-guardian approve) before the tap',
      );
    }
    const open =
      request.status === 'pending' ||
      (request.status === 'approved' && request.requiredApprovals > 0);
    if (!open) {
      throw new ConflictError(
        'request_not_pending',
        `this enrollment is ${request.status}: start again`,
      );
    }
    const deadline =
      request.status === 'approved' ? tapDeadline(this.ctx, request) : request.expiresAt.getTime();
    if (request.expiresAt.getTime() <= this.ctx.now()) {
      throw new ForbiddenError(
        'request_expired',
        'this enrollment expired: start again (frostmint enroll)',
      );
    }
    if (deadline <= this.ctx.now()) {
      // The approvals still hold: the next status read fixes a fresh request to tap.
      throw new ForbiddenError(
        'tap_window_lapsed',
        'the time to tap for this approved enrollment passed: reload the tap page for a fresh one',
      );
    }
    return request;
  }

  async #deny(request: MintRequest, reason: string): Promise<void> {
    await this.ctx.store.mintRequests
      .transition(request.id, request.status, 'denied', new Date(this.ctx.now()), reason)
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, id: request.id }, 'could not mark enrollment denied'),
      );
  }
}
