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
import { pickSigners, type RequestContext, tapUrl } from './context.ts';

/** What `POST /v1/enrollments` answers. */
export interface PreparedEnrollment {
  request_id: string;
  status: 'pending';
  user: string;
  roles: string[];
  expires_at: number;
  certificate_expires_at: number;
  tap_url: string;
  /** `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.4). */
  public_key: ReturnType<EnrollmentService['creationOptions']>;
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
    if (!decision.allow) {
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
    const expiresAt = new Date(nowMs + ctx.webauthn.challengeTtlSeconds * 1000);
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
      request_id: request.cert_id,
      status: 'pending',
      user,
      roles: request.roles,
      expires_at: Math.floor(expiresAt.getTime() / 1000),
      certificate_expires_at: request.exp,
      tap_url: tapUrl(ctx, 'enroll', request.cert_id),
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
    const stored = await this.ctx.store.mintRequests.get(id);
    if (stored === null || stored.kind !== 'enrollment' || 'credential_id' in stored.claims) {
      throw new FrostmintError('request_not_found', `no enrollment request ${id}`, { status: 404 });
    }
    const request = EnrollmentRequestSchema.parse(stored.claims);
    const expired = stored.status === 'pending' && stored.expiresAt.getTime() <= this.ctx.now();
    const status = expired ? 'expired' : stored.status === 'minted' ? 'enrolled' : stored.status;
    const summary = {
      request_id: id,
      status,
      status_reason: stored.statusReason,
      user: request.sub,
      roles: request.roles,
      certificate_expires_at: request.exp,
      expires_at: Math.floor(stored.expiresAt.getTime() / 1000),
    };
    if (status !== 'pending') return summary;
    const challenge = registrationChallenge(request).toString('base64url');
    const existing = (await this.ctx.store.enrollments.listByUser(request.sub)).filter(
      (e) => e.revokedAt === null,
    );
    const exclude = existing.map((e) => e.credentialId);
    return { ...summary, public_key: this.creationOptions(request, challenge, exclude) };
  }

  async complete(id: string, registration: unknown): Promise<CompletedEnrollment> {
    const { ctx } = this;
    const pending = await this.#pending(id);
    const request = EnrollmentRequestSchema.parse(pending.claims);
    await ctx.abuse.ensureNotLockedOut(request.sub);
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
      'pending',
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
    if (request.status !== 'pending') {
      throw new ConflictError(
        'request_not_pending',
        `this enrollment is ${request.status}: start again`,
      );
    }
    if (request.expiresAt.getTime() <= this.ctx.now()) {
      throw new ForbiddenError(
        'request_expired',
        'this enrollment expired: start again (frostmint enroll)',
      );
    }
    return request;
  }

  async #deny(request: MintRequest, reason: string): Promise<void> {
    await this.ctx.store.mintRequests
      .transition(request.id, 'pending', 'denied', new Date(this.ctx.now()), reason)
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, id: request.id }, 'could not mark enrollment denied'),
      );
  }
}
