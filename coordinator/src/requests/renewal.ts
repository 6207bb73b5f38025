import { randomBytes } from 'node:crypto';
import {
  canonicalJson,
  type EnrollmentCertificateBody,
  encodeEnrollmentCertificate,
  enrollmentSigningInput,
  ForbiddenError,
  FrostmintError,
  mintChallenge,
  verifyEnrollmentCertificate,
} from '@frostmint/core';
import type { JsonObject } from '../storage/index.ts';
import {
  certificateFacts,
  pickSigners,
  type RequestContext,
  signCertificate,
  tapUrl,
} from './context.ts';
import { loadRequest, type StoredRequestOf } from './kinds.ts';
import type { AssertionBody } from './schemas.ts';
import { checkSignCount, consumeChallenge, verifyStoredTap, webauthnEvidence } from './tap.ts';

/**
 * Renewal of a short-lived enrollment certificate (docs/webauthn.md, "Revocation"): the
 * engineer taps with the enrolled credential over SHA-256 of the new certificate's signing
 * input; the quorum co-signs after each signer checked the tap against the still-valid
 * previous certificate and the enrollment policy. A revoked enrollment is never renewed by
 * the coordinator, and policy (enforced by the signers) can refuse renewal of anyone.
 *
 * @example
 * ```ts
 * const { request_id, public_key } = await renewals.begin(credentialId);
 * await renewals.complete(request_id, assertionJson);
 * ```
 */
export class RenewalService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Starts a renewal for `user`: of the given credential, or else of the user's active
   * credential whose certificate expires first.
   */
  async beginForUser(user: string, credentialId?: string) {
    const nowMs = this.ctx.now();
    const active = (await this.ctx.store.enrollments.listByUser(user))
      .filter((e) => e.revokedAt === null && e.certificateExpiresAt.getTime() > nowMs)
      .filter((e) => credentialId === undefined || e.credentialId === credentialId)
      .sort((a, b) => a.certificateExpiresAt.getTime() - b.certificateExpiresAt.getTime());
    const first = active[0];
    if (first === undefined) {
      throw new ForbiddenError(
        'not_enrolled',
        `${user} has no active enrollment to renew (none, expired or revoked): run \`frostmint enroll\``,
      );
    }
    return this.begin(first.credentialId);
  }

  /** Where a renewal stands, with the request options while it waits for the tap. */
  async status(id: string) {
    const { row: request, body } = await this.#renewal(id);
    const expired = request.status === 'pending' && request.expiresAt.getTime() <= this.ctx.now();
    const status = expired ? 'expired' : request.status === 'minted' ? 'renewed' : request.status;
    const waiting = status === 'pending';
    const enrollment = waiting ? await this.ctx.store.enrollments.get(body.credential_id) : null;
    return {
      request_id: id,
      status,
      status_reason: request.statusReason ?? null,
      user: body.sub,
      roles: body.roles,
      credential_id: body.credential_id,
      certificate_expires_at: body.exp,
      ...(waiting && enrollment
        ? {
            public_key: {
              challenge: mintChallenge(enrollmentSigningInput(body)).toString('base64url'),
              rpId: this.ctx.webauthn.rpId,
              allowCredentials: [
                {
                  id: body.credential_id,
                  type: 'public-key' as const,
                  transports: [...enrollment.transports],
                },
              ],
              userVerification: 'required' as const,
              timeout: this.ctx.webauthn.challengeTtlSeconds * 1000,
            },
          }
        : {}),
    };
  }

  async begin(credentialId: string) {
    const { ctx } = this;
    const enrollment = await ctx.store.enrollments.get(credentialId);
    if (enrollment === null) {
      throw new FrostmintError('request_not_found', `no enrollment of credential ${credentialId}`);
    }
    if (enrollment.revokedAt !== null) {
      throw new ForbiddenError('enrollment_revoked', 'this credential was revoked: enroll again');
    }
    const nowMs = ctx.now();
    const now = Math.floor(nowMs / 1000);
    const previous = verifyEnrollmentCertificate(enrollment.certificate, {
      groupKey: ctx.groupKey,
      kid: ctx.kid,
      now,
      clockSkewSeconds: ctx.clockSkewSeconds,
    });
    await ctx.abuse.limitPrepare(previous.sub);
    const { signature: _, ...kept } = previous;
    const body: EnrollmentCertificateBody = {
      ...kept,
      cert_id: randomBytes(16).toString('base64url'),
      iat: now,
      exp: now + ctx.webauthn.certificateLifetimeSeconds,
    };
    const challenge = mintChallenge(enrollmentSigningInput(body));
    const createdAt = new Date(nowMs);
    const expiresAt = new Date(nowMs + ctx.webauthn.challengeTtlSeconds * 1000);
    await ctx.store.mintRequests.create({
      id: body.cert_id,
      requester: body.sub,
      kind: 'renewal',
      signingInput: canonicalJson(body),
      claims: body as unknown as JsonObject,
      decision: { renewal_of: previous.cert_id },
      justification: null,
      requiredApprovals: 0,
      createdAt,
      expiresAt,
    });
    await ctx.store.challenges.create({
      challenge: challenge.toString('base64url'),
      purpose: 'authentication',
      userId: body.sub,
      requestId: body.cert_id,
      createdAt,
      expiresAt,
    });
    return {
      request_id: body.cert_id,
      status: 'pending' as const,
      user: body.sub,
      credential_id: credentialId,
      tap_url: tapUrl(ctx, 'renew', body.cert_id),
      certificate_expires_at: body.exp,
      expires_at: Math.floor(expiresAt.getTime() / 1000),
      public_key: {
        challenge: challenge.toString('base64url'),
        rpId: ctx.webauthn.rpId,
        allowCredentials: [
          { id: credentialId, type: 'public-key' as const, transports: [...enrollment.transports] },
        ],
        userVerification: 'required' as const,
        timeout: ctx.webauthn.challengeTtlSeconds * 1000,
      },
    };
  }

  async complete(id: string, assertion: AssertionBody) {
    const { ctx } = this;
    const { body } = await this.#pending(id);
    await ctx.abuse.ensureNotLockedOut(body.sub);
    if (assertion.id !== body.credential_id) {
      throw new ForbiddenError(
        'credential_not_enrolled',
        'tap with the credential this renewal is for',
      );
    }
    const message = enrollmentSigningInput(body);
    const challenge = mintChallenge(message);
    const tap = await verifyStoredTap(ctx, body.sub, assertion, challenge);
    await consumeChallenge(ctx, challenge);
    const deny = (reason: string) =>
      ctx.store.mintRequests
        .transition(id, 'pending', 'denied', new Date(ctx.now()), reason)
        .then(() => undefined);
    await checkSignCount(ctx, body.sub, tap, deny);
    const signers = pickSigners(ctx);
    const evidence = webauthnEvidence(tap.enrollment, assertion);
    let signature: Uint8Array;
    try {
      signature = await signCertificate(ctx, {
        requestId: id,
        signers,
        message,
        evidence,
      });
    } catch (err) {
      await deny(err instanceof FrostmintError ? err.code : 'internal').catch(() => {});
      throw err;
    }
    const certificate = encodeEnrollmentCertificate(body, signature);
    await ctx.store.enrollments.renewCertificate(
      body.credential_id,
      certificate,
      new Date(body.exp * 1000),
    );
    await ctx.store.mintRequests.transition(
      id,
      'pending',
      'minted',
      new Date(ctx.now()),
      'renewed',
    );
    await ctx.audit.record({
      type: 'enrollment',
      cert_id: body.cert_id,
      sub: body.sub,
      credential_id: body.credential_id,
      roles: body.roles,
      exp: body.exp,
      policy: ctx.policy.id,
      signers,
      ...certificateFacts(certificate, message, evidence),
    });
    return {
      status: 'renewed' as const,
      request_id: id,
      credential_id: body.credential_id,
      certificate_expires_at: body.exp,
      certificate: certificate.toString('utf8'),
    };
  }

  #renewal(id: string): Promise<StoredRequestOf<'renewal'>> {
    return loadRequest(this.ctx.store, id, 'renewal', `no renewal request ${id}`);
  }

  async #pending(id: string): Promise<StoredRequestOf<'renewal'>> {
    const renewal = await this.#renewal(id);
    const request = renewal.row;
    if (request.status !== 'pending') {
      throw new FrostmintError('request_not_pending', `this renewal is ${request.status}`);
    }
    if (request.expiresAt.getTime() <= this.ctx.now()) {
      throw new FrostmintError('request_expired', 'this renewal expired: start again');
    }
    return renewal;
  }
}
