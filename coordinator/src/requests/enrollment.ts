import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  canonicalJson,
  type EnrollDecision,
  type EnrollmentCertificateBody,
  type EnrollmentRequest,
  encodeEnrollmentCertificate,
  enrollmentProofNonce,
  enrollmentSigningInput,
  ForbiddenError,
  FrostmintError,
  hasCode,
  type RegisteredCredential,
  registrationChallenge,
  type VerifiedEnrollmentIdToken,
  verifyEnrollmentIdToken,
  verifyEnrollmentRegistration,
} from '@frostmint/core';
import type { Evidence } from '@frostmint/proto';
import type { JsonObject, MintRequest } from '../storage/index.ts';
import { tapDeadline } from './approved-tap.ts';
import {
  certificateFacts,
  pickSigners,
  type RequestContext,
  signCertificate,
  tapUrl,
} from './context.ts';
import { awaitEnrollmentTap } from './enrollment-approvals.ts';
import { loadRequest, type StoredRegistration, type StoredRequestOf } from './kinds.ts';

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

/**
 * What the registration answers when an IdP login must prove the enrollment: the passkey is
 * registered, and the certificate is signed once `POST …/id-token` brings an ID token whose
 * `nonce` is `id_token_nonce`.
 */
export interface AwaitingIdToken {
  status: 'pending';
  status_reason: 'awaiting_id_token';
  request_id: string;
  user: string;
  credential_id: string;
  /** base64url SHA-256 of the certificate request with this credential (`enrollmentProofNonce`). */
  id_token_nonce: string;
  /** Where to log in: the coordinator's enrollment IdP (the signers trust their own list). */
  idp: { issuer: string; client_id: string };
}

/** Reasons a request may start with: its proof (IdP login or approvals) comes later. */
const PROVEN_LATER = new Set(['enrollment_unproven', 'approvals_missing']);

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
    // The proof comes later (guardian approvals first, or an IdP login after the tap); any
    // other objection ends it now.
    const objections = decision.reasons.filter((r) => !PROVEN_LATER.has(r));
    if (objections.length > 0) {
      throw new ForbiddenError(
        'policy_denied',
        `policy denies this enrollment: ${objections.join(', ')}`,
      );
    }
    const awaiting = decision.required_approvals > 0;
    if (awaiting && ctx.approvals === undefined) {
      throw new ForbiddenError('policy_denied', 'policy denies this enrollment: approvals_missing');
    }
    if (!awaiting && ctx.enrollmentIdp === undefined) {
      throw new ForbiddenError(
        'enrollment_unproven',
        'this coordinator has no enrollment IdP (enrollmentIdp) and the roles need no guardian approvals: nothing could prove this enrollment',
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
    const found = await this.#enrollment(id);
    const current = ctx.approvals ? await awaitEnrollmentTap(ctx, ctx.approvals, found) : found;
    const { row: stored, request } = current;
    const open = stored.status === 'pending' || stored.status === 'approved';
    const expired = open && stored.expiresAt.getTime() <= ctx.now();
    const status = expired ? 'expired' : stored.status === 'minted' ? 'enrolled' : stored.status;
    const awaiting = status === 'pending' && stored.requiredApprovals > 0;
    const registered = status === 'pending' ? current.registration : undefined;
    const summary = {
      request_id: id,
      status,
      status_reason: awaiting
        ? 'awaiting_approvals'
        : registered
          ? 'awaiting_id_token'
          : status === 'approved'
            ? 'awaiting_tap'
            : (stored.statusReason ?? null),
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
    if (registered) return { ...summary, ...this.#awaitingIdToken(request, registered.credential) };
    const challenge = registrationChallenge(request).toString('base64url');
    const existing = (await this.ctx.store.enrollments.listByUser(request.sub)).filter(
      (e) => e.revokedAt === null,
    );
    const exclude = existing.map((e) => e.credentialId);
    return { ...summary, public_key: this.creationOptions(request, challenge, exclude) };
  }

  /**
   * The registration tap. With guardian approvals that prove the enrollment the quorum signs
   * now; otherwise the verified credential waits with the request for the IdP login
   * ({@link proveWithIdToken}), whose nonce binds exactly this credential.
   */
  async complete(
    id: string,
    registration: unknown,
  ): Promise<CompletedEnrollment | AwaitingIdToken> {
    const { ctx } = this;
    const { row: pending, request, registration: done } = await this.#pending(id);
    if (done) {
      throw new ConflictError(
        'registration_done',
        'this enrollment already has its registration: finish the sign-in in your terminal',
      );
    }
    await ctx.abuse.ensureNotLockedOut(request.sub);
    // The approvals the signers will check themselves (none when policy requires none).
    const approved =
      pending.requiredApprovals > 0 && ctx.approvals
        ? await ctx.approvals.verifiedApprovals({ kind: 'enrollment', row: pending, request })
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
    if (approved.approvals.length > 0) {
      return this.#certify(pending, request, credential, registration, approved);
    }
    const stored: StoredRegistration = { registration, credential };
    await ctx.store.mintRequests.attachEvidence(
      id,
      stored as unknown as JsonObject,
      new Date(ctx.now()),
    );
    ctx.log.info({ requestId: id, user: request.sub }, 'enrollment registered; awaiting ID token');
    return {
      status: 'pending',
      request_id: id,
      user: request.sub,
      credential_id: credential.credentialId,
      ...this.#awaitingIdToken(request, credential),
    };
  }

  /**
   * The IdP login that proves a registered enrollment: the ID token is verified here first
   * (fail fast, the same core check every signer makes: trusted issuer, `aud` = client id,
   * fresh, `nonce` = the certificate request digest), policy must map it to the engineer,
   * then the quorum signs with the registration and the ID token as evidence.
   *
   * @example
   * ```ts
   * const { certificate } = await enrollments.proveWithIdToken(id, idToken);
   * ```
   */
  async proveWithIdToken(id: string, idToken: string): Promise<CompletedEnrollment> {
    const { ctx } = this;
    const { row: pending, request, registration: stored } = await this.#pending(id);
    if (!stored) {
      throw new ConflictError(
        'registration_missing',
        'register the passkey on the tap page first: the ID token must name its public key',
      );
    }
    if (!ctx.enrollmentIdp) {
      throw new ForbiddenError('enrollment_unproven', 'this coordinator has no enrollment IdP');
    }
    const body = bodyOf(request, stored.credential);
    const now = Math.floor(ctx.now() / 1000);
    const proof = await verifyEnrollmentIdToken(ctx.enrollmentIdp.verifier, idToken, body, now);
    const decision = this.#decide(
      request.sub,
      request.roles,
      request.exp - request.iat,
      now,
      proof,
    );
    if (!decision.allow) {
      const code = decision.reasons.includes('enrollment_unproven')
        ? 'enrollment_unproven'
        : 'policy_denied';
      throw new ForbiddenError(
        code,
        `policy denies this enrollment: ${decision.reasons.join(', ')}`,
      );
    }
    return this.#certify(
      pending,
      request,
      stored.credential,
      stored.registration,
      {
        approvals: [],
        approvedBy: [],
      },
      idToken,
    );
  }

  async #certify(
    pending: MintRequest,
    request: EnrollmentRequest,
    credential: RegisteredCredential,
    registration: unknown,
    approved: Awaited<ReturnType<NonNullable<RequestContext['approvals']>['verifiedApprovals']>>,
    idToken = '',
  ): Promise<CompletedEnrollment> {
    const { ctx } = this;
    const { id } = pending;
    const body = bodyOf(request, credential);
    const signers = pickSigners(ctx);
    let signature: Uint8Array;
    const message = enrollmentSigningInput(body);
    const evidence: Evidence = {
      kind: {
        $case: 'registration',
        value: { responseJson: Buffer.from(JSON.stringify(registration), 'utf8'), idToken },
      },
    };
    try {
      signature = await signCertificate(ctx, {
        requestId: id,
        signers,
        message,
        evidence,
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
      ...certificateFacts(certificate, message, evidence, approved.approvals),
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

  /** The part of an answer that sends the engineer to the IdP: nonce, issuer, client id. */
  #awaitingIdToken(request: EnrollmentRequest, credential: RegisteredCredential) {
    const idp = this.ctx.enrollmentIdp;
    return {
      status_reason: 'awaiting_id_token' as const,
      id_token_nonce: enrollmentProofNonce(bodyOf(request, credential)),
      idp: { issuer: idp?.issuer ?? '', client_id: idp?.clientId ?? '' },
    };
  }

  #decide(
    user: string,
    roles: string[],
    lifetime: number,
    now: number,
    proof?: VerifiedEnrollmentIdToken,
  ): EnrollDecision {
    const decision = this.ctx.policy.evaluateEnrollment({
      now,
      requester: { kind: 'engineer', subject: user, amr: ['webauthn'] },
      enrollment: { roles, lifetime },
      approvals: [],
      ...(proof ? { id_token: proof.policyInput } : {}),
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

  #enrollment(id: string): Promise<StoredRequestOf<'enrollment'>> {
    return loadRequest(this.ctx.store, id, 'enrollment', `no enrollment request ${id}`);
  }

  async #pending(id: string): Promise<StoredRequestOf<'enrollment'>> {
    const enrollment = await this.#enrollment(id);
    const request = enrollment.row;
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
      throw new FrostmintError(
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
    return enrollment;
  }

  async #deny(request: MintRequest, reason: string): Promise<void> {
    await this.ctx.store.mintRequests
      .transition(request.id, request.status, 'denied', new Date(this.ctx.now()), reason)
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, id: request.id }, 'could not mark enrollment denied'),
      );
  }
}

/** The certificate body of a request and its registered credential. */
function bodyOf(
  request: EnrollmentRequest,
  credential: RegisteredCredential,
): EnrollmentCertificateBody {
  return { ...request, credential_id: credential.credentialId, public_key: credential.publicKey };
}
